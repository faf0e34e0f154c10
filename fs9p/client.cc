#include "fs9p/client.h"

#include <sys/socket.h>

#include <utility>

#include "base/fmt_absl.h"
#include "fs9p/codec.h"
#include "fs9p/transport.h"
#include "spdlog/spdlog.h"

namespace fs9p {

struct Client::Pending {
  bool done = false;
  absl::StatusOr<Reply> result = absl::UnknownError("no reply");
  // The Tflush a cancellation sent for this call, and its tag.
  std::unique_ptr<Pending> flush;
  uint16_t flush_tag = 0;

  // The call may return: its reply (or its flush's answer) is in, and a
  // flush it sent has been answered (its tag is then free to reuse).
  bool Finished() const { return (done || (flush && flush->done)) && (!flush || flush->done); }
};

void CancelToken::Cancel() {
  cancelled_.store(true);
  absl::MutexLock l(&mu_);
  if (client_ != nullptr) client_->StartFlush(tag_, static_cast<Client::Pending*>(pending_));
}

namespace {

// Sends Tversion and reads Rversion, before any call can be in flight.
absl::StatusOr<Rversion> Negotiate(int sock, uint32_t msize, const std::string& version) {
  std::string frame = EncodeFrame(kNoTag, Tversion{msize, version});
  if (absl::Status s = WriteFrame(sock, frame); !s.ok()) return s;
  absl::StatusOr<ReceivedFrame> rf = ReadFrame(sock, msize);
  if (!rf.ok()) return rf.status();
  absl::StatusOr<Frame> f = DecodeFrame(rf->bytes, msize);
  if (!f.ok()) return f.status();
  // Some servers (diod) refuse a version string with an Rlerror.
  if (std::holds_alternative<Rlerror>(f->msg)) return Rversion{msize, "unknown"};
  auto* rv = std::get_if<Rversion>(&f->msg);
  if (rv == nullptr || f->tag != kNoTag) return absl::DataLossError("bad reply to Tversion");
  return *rv;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(base::UniqueFd sock, const Options& opts) {
  if (opts.msize < 4096) return absl::InvalidArgumentError("msize below 4096");
  std::string want = opts.fd_donation ? kVersionFdDonation : kVersion9P2000L;
  absl::StatusOr<Rversion> rv = Negotiate(sock.get(), opts.msize, want);
  if (!rv.ok()) return rv.status();
  if (rv->version != want && rv->version != kVersion9P2000L) {
    // The server did not know our extension's name: ask for plain 9P2000.L.
    rv = Negotiate(sock.get(), opts.msize, kVersion9P2000L);
    if (!rv.ok()) return rv.status();
  }
  if (rv->version != kVersion9P2000L && rv->version != kVersionFdDonation) {
    return absl::UnimplementedError(absl::StrCat("server speaks ", rv->version, ", not 9P2000.L"));
  }
  if (rv->msize > opts.msize || rv->msize < 512) {
    return absl::DataLossError(absl::StrCat("server chose msize ", rv->msize));
  }
  bool donation = opts.fd_donation && rv->version == kVersionFdDonation;
  return std::unique_ptr<Client>(new Client(std::move(sock), rv->msize, donation));
}

Client::Client(base::UniqueFd sock, uint32_t msize, bool fd_donation)
    : sock_(std::move(sock)), msize_(msize), fd_donation_(fd_donation) {
  pending_.assign(kNoTag, nullptr);
  free_tags_.reserve(kNoTag);
  for (int t = kNoTag - 1; t >= 0; --t) free_tags_.push_back(static_cast<uint16_t>(t));
}

Client::~Client() { ::shutdown(sock_.get(), SHUT_RDWR); }

absl::StatusOr<uint16_t> Client::TakeTag(Pending* p) {
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(
      +[](Client* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) {
        return !c->free_tags_.empty() || !c->broken_.ok();
      },
      this));
  if (!broken_.ok()) return broken_;
  uint16_t tag = free_tags_.back();
  free_tags_.pop_back();
  pending_[tag] = p;
  return tag;
}

void Client::FreeTag(uint16_t tag) {
  pending_[tag] = nullptr;
  free_tags_.push_back(tag);
}

absl::Status Client::Send(uint16_t tag, const Message& req) {
  std::string frame = EncodeFrame(tag, req);
  if (frame.size() > msize_) return ErrnoError(EMSGSIZE, "9P request larger than msize");
  absl::MutexLock l(&write_mu_);
  return WriteFrame(sock_.get(), frame);
}

void Client::Deliver(uint16_t tag, absl::StatusOr<Reply> result) {
  Pending* p = pending_[tag];
  if (p == nullptr || p->done) {
    spdlog::warn("9p client: reply with unexpected tag {}", tag);
    return;
  }
  p->result = std::move(result);
  p->done = true;
}

void Client::Break(const absl::Status& why) {
  if (!broken_.ok()) return;
  broken_ = absl::UnavailableError(absl::StrCat("9P connection lost: ", why.message()));
  for (Pending* p : pending_) {
    if (p == nullptr || p->done) continue;
    p->result = broken_;
    p->done = true;
  }
}

void Client::ReadOne() {
  absl::StatusOr<ReceivedFrame> rf = ReadFrame(sock_.get(), msize_);
  absl::StatusOr<Frame> f = rf.ok() ? DecodeFrame(rf->bytes, msize_) : rf.status();
  absl::MutexLock l(&mu_);
  reading_ = false;
  if (!f.ok()) return Break(f.status());
  if (auto* e = std::get_if<Rlerror>(&f->msg)) return Deliver(f->tag, ErrnoError(static_cast<int>(e->ecode)));
  Deliver(f->tag, Reply{std::move(f->msg), std::move(rf->fd)});
}

absl::StatusOr<Client::Reply> Client::Call(Message req, CancelToken* cancel) {
  Pending p;
  absl::StatusOr<uint16_t> tag = TakeTag(&p);
  if (!tag.ok()) return tag.status();
  if (absl::Status sent = Send(*tag, req); !sent.ok()) {
    absl::MutexLock l(&mu_);
    FreeTag(*tag);
    return sent;
  }
  // Only now may a cancellation flush the tag: the server has the request.
  if (cancel != nullptr) {
    absl::MutexLock cl(&cancel->mu_);
    cancel->client_ = this;
    cancel->tag_ = *tag;
    cancel->pending_ = &p;
    if (cancel->cancelled()) StartFlush(*tag, &p);
  }
  struct Waiter {
    Client* c;
    Pending* p;
  } w{this, &p};
  mu_.Lock();
  for (;;) {
    mu_.Await(absl::Condition(
        +[](Waiter* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->p->Finished() || !w->c->reading_; },
        &w));
    if (p.Finished()) break;
    reading_ = true;
    mu_.Unlock();
    ReadOne();
    mu_.Lock();
  }
  mu_.Unlock();
  if (cancel != nullptr) {
    absl::MutexLock cl(&cancel->mu_);
    cancel->client_ = nullptr;
  }
  absl::MutexLock l(&mu_);
  FreeTag(*tag);
  if (p.flush) {
    FreeTag(p.flush_tag);
    // A reply that beat the Rflush stands; otherwise the call was flushed.
    if (!p.done) p.result = absl::CancelledError("9P request flushed");
  }
  return std::move(p.result);
}

void Client::StartFlush(uint16_t tag, Pending* p) {
  auto flush = std::make_unique<Pending>();
  Pending* f = flush.get();
  {
    absl::MutexLock l(&mu_);
    if (p->done || p->flush || free_tags_.empty() || !broken_.ok()) return;
    p->flush_tag = free_tags_.back();
    free_tags_.pop_back();
    pending_[p->flush_tag] = f;
    p->flush = std::move(flush);
  }
  absl::Status s = Send(p->flush_tag, Tflush{tag});
  absl::MutexLock l(&mu_);
  if (!s.ok() && !f->done) {
    f->result = s;
    f->done = true;
  }
}

uint32_t Client::NewFid() {
  absl::MutexLock l(&fid_mu_);
  if (!free_fids_.empty()) {
    uint32_t fid = free_fids_.back();
    free_fids_.pop_back();
    return fid;
  }
  return next_fid_++;
}

void Client::ReleaseFid(uint32_t fid) {
  absl::MutexLock l(&fid_mu_);
  free_fids_.push_back(fid);
}

}  // namespace fs9p
