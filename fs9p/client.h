// A 9P2000.L client over a connected stream socket.
//
// Thread-safe: many threads may have requests in flight at once. Each call
// takes a free tag and sends its frame; then, leader/follower style, the
// callers take turns reading the socket: the reader hands every reply it
// reads to its caller and keeps reading until its own arrives, then passes
// the role on. A lone caller thus reads its own reply with no thread
// hand-off. Cancelling a call's CancelToken sends Tflush (from the
// cancelling thread); the call returns CancelledError once the server has
// answered the flush, or the original reply if that came first.
//
// Rlerror replies come back as a Status carrying the errno (errors.h).
#ifndef FS9P_CLIENT_H_
#define FS9P_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/unique_fd.h"
#include "fs9p/errors.h"
#include "fs9p/messages.h"

namespace fs9p {

class Client;

// Lets another thread abandon a call in progress.
class CancelToken {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Client;
  std::atomic<bool> cancelled_{false};
  absl::Mutex mu_;  // before Client::mu_
  // The call this token guards, while it waits for its reply.
  Client* client_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint16_t tag_ ABSL_GUARDED_BY(mu_) = 0;
  void* pending_ ABSL_GUARDED_BY(mu_) = nullptr;
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

  // Negotiates the version on `sock`.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(base::UniqueFd sock, const Options& opts);
  ~Client();  // no call may be in progress

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
  friend class CancelToken;
  struct Pending;
  Client(base::UniqueFd sock, uint32_t msize, bool fd_donation);
  absl::StatusOr<uint16_t> TakeTag(Pending* p);
  void FreeTag(uint16_t tag) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends the frame for `req` under `tag`.
  absl::Status Send(uint16_t tag, const Message& req);
  // Reads one frame and hands it to its caller. Precondition: the caller
  // holds the read role (reading_), and not mu_.
  void ReadOne();
  void Deliver(uint16_t tag, absl::StatusOr<Reply> result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Break(const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // From CancelToken::Cancel: sends Tflush for `tag` unless the call is done.
  void StartFlush(uint16_t tag, Pending* p);

  base::UniqueFd sock_;
  const uint32_t msize_;
  const bool fd_donation_;

  absl::Mutex write_mu_;
  absl::Mutex mu_;
  std::vector<Pending*> pending_ ABSL_GUARDED_BY(mu_);  // indexed by tag
  std::vector<uint16_t> free_tags_ ABSL_GUARDED_BY(mu_);
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex fid_mu_;
  uint32_t next_fid_ ABSL_GUARDED_BY(fid_mu_) = 1;
  std::vector<uint32_t> free_fids_ ABSL_GUARDED_BY(fid_mu_);
};

}  // namespace fs9p

#endif  // FS9P_CLIENT_H_
