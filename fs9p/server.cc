#include "fs9p/server.h"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/fmt_absl.h"
#include "fs9p/codec.h"
#include "fs9p/errors.h"
#include "fs9p/transport.h"
#include "spdlog/spdlog.h"

namespace fs9p {
namespace {

// One connection's state. Leader/follower: the threads take turns holding
// read_mu_ and reading the next frame; the thread that read a request
// handles it itself after passing the read role on, so no request waits for
// a hand-off to another thread.
class Connection {
 public:
  Connection(Handler& handler, const Server::Options& opts, int sock)
      : handler_(handler), opts_(opts), sock_(sock) {}

  absl::Status Run() {
    std::vector<std::thread> threads;
    for (int i = 1; i < opts_.workers; ++i) threads.emplace_back([this] { Loop(); });
    Loop();
    for (auto& t : threads) t.join();
    handler_.Reset();
    absl::MutexLock l(&mu_);
    return result_;
  }

 private:
  void Loop() {
    for (;;) {
      std::optional<Request> req;
      {
        absl::MutexLock rl(&read_mu_);
        if (Stopped()) return;
        absl::StatusOr<std::optional<Request>> r = ReadRequest();
        if (!r.ok()) {
          Stop(r.status());
          return;
        }
        req = *std::move(r);
      }
      if (req.has_value()) Process(*req);
    }
  }

  bool Stopped() {
    absl::MutexLock l(&mu_);
    return stopped_;
  }

  // Ends the session: a violation shuts the socket now, not after the
  // requests in flight; a clean end of stream is not an error.
  void Stop(const absl::Status& why) {
    absl::MutexLock l(&mu_);
    stopped_ = true;
    if (!absl::IsOutOfRange(why)) {
      result_ = why;
      ::shutdown(sock_, SHUT_RDWR);
    }
  }

  struct Request {
    uint16_t tag;
    Message msg;
  };

  // Reads one frame. A request to process comes back; frames the reader
  // answers itself (Tversion, undecodable bodies) come back as nullopt.
  // Errors end the session. Precondition: read_mu_ held.
  absl::StatusOr<std::optional<Request>> ReadRequest() {
    uint32_t limit;
    {
      absl::MutexLock l(&mu_);
      limit = session_.msize != 0 ? session_.msize : opts_.max_msize;
    }
    absl::StatusOr<ReceivedFrame> rf = ReadFrame(sock_, limit);
    if (!rf.ok()) return rf.status();
    // Clients have no business sending FDs; rf->fd closes here.
    absl::StatusOr<FrameHeader> h = DecodeHeader(rf->bytes, limit);
    if (!h.ok()) return h.status();
    if (!IsRequest(h->type)) {
      return absl::InvalidArgumentError(absl::StrCat("client sent ", TypeName(h->type)));
    }
    absl::StatusOr<Frame> f = DecodeFrame(rf->bytes, limit);
    if (h->type == static_cast<uint8_t>(Type::kTversion)) {
      if (!f.ok()) return f.status();
      Version(h->tag, std::get<Tversion>(f->msg));
      return std::nullopt;
    }
    {
      absl::MutexLock l(&mu_);
      if (in_flight_.contains(h->tag)) {
        return absl::InvalidArgumentError(absl::StrCat("tag ", h->tag, " already in flight"));
      }
      in_flight_.insert(h->tag);
      if (session_.msize == 0) f = ErrnoError(EPROTO, "request before Tversion");
    }
    if (!f.ok()) {
      int err = ErrnoOf(f.status()) == EPROTO ? EPROTO : EINVAL;
      if (absl::IsUnimplemented(f.status())) err = EOPNOTSUPP;
      spdlog::debug("9p server: {} (tag {}): {}", TypeName(h->type), h->tag, f.status().message());
      Send(h->tag, Rlerror{static_cast<uint32_t>(err)}, -1);
      return std::nullopt;
    }
    return Request{h->tag, std::move(f->msg)};
  }

  // Tversion: wait for every request in flight, reset, then answer. No
  // other frame is read meanwhile (the caller holds read_mu_).
  void Version(uint16_t tag, const Tversion& tv) {
    Rversion rv;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](Connection* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return c->in_flight_.empty(); },
          this));
      handler_.Reset();
      rv.msize = std::min(tv.msize, opts_.max_msize);
      bool extension = opts_.offer_fd_donation && tv.version == kVersionFdDonation;
      if (rv.msize >= 512 && (tv.version == kVersion9P2000L || extension)) {
        rv.version = tv.version;
        session_ = Session{rv.msize, extension};
      } else {
        rv.version = "unknown";
        session_ = Session{};
      }
    }
    Send(tag, rv, -1);
  }

  void Process(Request& req) {
    if (auto* fl = std::get_if<Tflush>(&req.msg)) {
      // The flushed request was read before this one, so it is running or
      // done; wait until its reply is out.
      if (fl->oldtag != req.tag) {
        struct Args {
          Connection* c;
          uint16_t tag;
        } args{this, fl->oldtag};
        absl::MutexLock l(&mu_);
        mu_.Await(absl::Condition(
            +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS { return !a->c->in_flight_.contains(a->tag); },
            &args));
      }
      Send(req.tag, Rflush{}, -1);
      return;
    }
    Session s;
    {
      absl::MutexLock l(&mu_);
      s = session_;
    }
    Handler::Reply reply = handler_.Handle(req.msg, s);
    int fd = -1;
    Type t = TypeOf(reply.msg);
    if (s.fd_donation && (t == Type::kRlopen || t == Type::kRlcreate)) fd = reply.fd.get();
    Send(req.tag, reply.msg, fd);
  }

  // Retires the tag and sends the reply. The tag is free before the reply
  // leaves (the client may reuse it the moment it reads the reply), and the
  // write lock is held across both, so an Rflush waiting for this tag is
  // written after this reply. A write failure means the client is gone; the
  // reading thread will see the end of the stream.
  void Send(uint16_t tag, const Message& msg, int fd) {
    // Reused per thread: a fresh megabyte per Rread costs page faults.
    thread_local std::string frame;
    frame.clear();
    EncodeFrame(tag, msg, frame);
    absl::MutexLock wl(&write_mu_);
    {
      absl::MutexLock l(&mu_);
      in_flight_.erase(tag);
    }
    if (absl::Status s = WriteFrame(sock_, frame, fd); !s.ok()) {
      spdlog::debug("9p server: write: {}", s.message());
      ::shutdown(sock_, SHUT_RDWR);
    }
  }

  Handler& handler_;
  const Server::Options& opts_;
  const int sock_;

  // Lock order: read_mu_, write_mu_, mu_.
  absl::Mutex read_mu_;
  absl::Mutex write_mu_;
  absl::Mutex mu_;
  Session session_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint16_t> in_flight_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status Server::Serve(base::UniqueFd sock) {
  Connection c(handler_, options_, sock.get());
  return c.Run();
}

}  // namespace fs9p
