// A 9P2000.L client over a connected stream socket.
//
// Thread-safe: many threads may have requests in flight at once. Each call
// takes a free tag, sends its frame, and sleeps until the one reader thread
// hands it the reply with that tag. A call given a CancelToken that is
// cancelled sends Tflush and returns CancelledError once the server has
// answered the flush (or the original reply, if that came first).
//
// Rlerror replies come back as a Status carrying the errno (errors.h).
#ifndef FS9P_CLIENT_H_
#define FS9P_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/unique_fd.h"
#include "fs9p/errors.h"
#include "fs9p/messages.h"

namespace fs9p {

// Lets another thread abandon a call in progress.
class CancelToken {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Client;
  std::atomic<bool> cancelled_{false};
  absl::Mutex mu_;
  absl::CondVar* waiter_ ABSL_GUARDED_BY(mu_) = nullptr;
};

class Client {
 public:
  struct Options {
    uint32_t msize = 1 << 20;
    // Ask the server to attach host FDs to Rlopen/Rlcreate (our extension).
    bool fd_donation = false;
  };
  struct Reply {
    Message msg;
    base::UniqueFd fd;  // a donated host FD, if the server attached one
  };

  // Negotiates the version on `sock` and starts the reader thread.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(base::UniqueFd sock, const Options& opts);
  ~Client();

  uint32_t msize() const { return msize_; }
  bool fd_donation() const { return fd_donation_; }
  // The largest read or write payload one request can carry.
  uint32_t iounit() const { return msize_ - kIoHeaderSize; }

  // Sends `req` and waits for its reply. An Rlerror reply is an error.
  absl::StatusOr<Reply> Call(Message req, CancelToken* cancel = nullptr);

  // Call, expecting an R of type R.
  template <class R>
  absl::StatusOr<R> Rpc(Message req, CancelToken* cancel = nullptr) {
    absl::StatusOr<Reply> r = Call(std::move(req), cancel);
    if (!r.ok()) return r.status();
    if (R* m = std::get_if<R>(&r->msg)) return std::move(*m);
    return absl::InternalError(absl::StrCat("expected ", TypeName(static_cast<uint8_t>(R::kType)),
                                            ", got ", TypeName(static_cast<uint8_t>(TypeOf(r->msg)))));
  }

  // Fid numbers for this connection; fids are never reused while held.
  uint32_t NewFid();
  void ReleaseFid(uint32_t fid);

 private:
  struct Pending;
  Client(base::UniqueFd sock, uint32_t msize, bool fd_donation);
  void ReadLoop();
  absl::StatusOr<uint16_t> TakeTag(Pending* p);
  // Sends the frame for `req` under `tag`.
  absl::Status Send(uint16_t tag, const Message& req);
  void Flush(uint16_t tag, Pending& original);

  base::UniqueFd sock_;
  const uint32_t msize_;
  const bool fd_donation_;
  std::thread reader_;

  absl::Mutex write_mu_;
  absl::Mutex mu_;
  absl::CondVar tag_freed_;
  std::vector<Pending*> pending_ ABSL_GUARDED_BY(mu_);  // indexed by tag
  std::vector<uint16_t> free_tags_ ABSL_GUARDED_BY(mu_);
  absl::Status broken_ ABSL_GUARDED_BY(mu_);

  absl::Mutex fid_mu_;
  uint32_t next_fid_ ABSL_GUARDED_BY(fid_mu_) = 1;
  std::vector<uint32_t> free_fids_ ABSL_GUARDED_BY(fid_mu_);
};

}  // namespace fs9p

#endif  // FS9P_CLIENT_H_
