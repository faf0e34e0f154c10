#include "fs9p/client.h"

#include <sys/socket.h>

#include <utility>

#include "base/fmt_absl.h"
#include "fs9p/codec.h"
#include "fs9p/transport.h"
#include "spdlog/spdlog.h"

namespace fs9p {

struct Client::Pending {
  absl::CondVar cv;
  bool done = false;
  absl::StatusOr<Reply> result = absl::UnknownError("no reply");
};

void CancelToken::Cancel() {
  cancelled_.store(true);
  absl::MutexLock l(&mu_);
  if (waiter_ != nullptr) waiter_->SignalAll();
}

namespace {

// Sends Tversion and reads Rversion before any reader thread exists.
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
  reader_ = std::thread([this] { ReadLoop(); });
}

Client::~Client() {
  ::shutdown(sock_.get(), SHUT_RDWR);
  reader_.join();
}

void Client::ReadLoop() {
  absl::Status why;
  for (;;) {
    absl::StatusOr<ReceivedFrame> rf = ReadFrame(sock_.get(), msize_);
    if (!rf.ok()) {
      why = rf.status();
      break;
    }
    absl::StatusOr<Frame> f = DecodeFrame(rf->bytes, msize_);
    if (!f.ok()) {
      why = f.status();
      break;
    }
    absl::MutexLock l(&mu_);
    Pending* p = f->tag < pending_.size() ? pending_[f->tag] : nullptr;
    if (p == nullptr || p->done) {
      spdlog::warn("9p client: reply with unexpected tag {}", f->tag);
      continue;
    }
    if (auto* e = std::get_if<Rlerror>(&f->msg)) {
      p->result = ErrnoError(static_cast<int>(e->ecode));
    } else {
      p->result = Reply{std::move(f->msg), std::move(rf->fd)};
    }
    p->done = true;
    p->cv.SignalAll();
  }
  absl::MutexLock l(&mu_);
  broken_ = absl::UnavailableError(absl::StrCat("9P connection lost: ", why.message()));
  for (Pending* p : pending_) {
    if (p != nullptr && !p->done) {
      p->result = broken_;
      p->done = true;
      p->cv.SignalAll();
    }
  }
  tag_freed_.SignalAll();
}

absl::StatusOr<uint16_t> Client::TakeTag(Pending* p) {
  absl::MutexLock l(&mu_);
  while (free_tags_.empty() && broken_.ok()) tag_freed_.Wait(&mu_);
  if (!broken_.ok()) return broken_;
  uint16_t tag = free_tags_.back();
  free_tags_.pop_back();
  pending_[tag] = p;
  return tag;
}

absl::Status Client::Send(uint16_t tag, const Message& req) {
  std::string frame = EncodeFrame(tag, req);
  if (frame.size() > msize_) return ErrnoError(EMSGSIZE, "9P request larger than msize");
  absl::MutexLock l(&write_mu_);
  return WriteFrame(sock_.get(), frame);
}

absl::StatusOr<Client::Reply> Client::Call(Message req, CancelToken* cancel) {
  Pending p;
  absl::StatusOr<uint16_t> tag = TakeTag(&p);
  if (!tag.ok()) return tag.status();
  absl::Status sent = Send(*tag, req);
  absl::MutexLock l(&mu_);
  if (!sent.ok()) {
    pending_[*tag] = nullptr;
    free_tags_.push_back(*tag);
    tag_freed_.Signal();
    return sent;
  }
  if (cancel != nullptr) {
    absl::MutexLock cl(&cancel->mu_);
    cancel->waiter_ = &p.cv;
  }
  while (!p.done && !(cancel != nullptr && cancel->cancelled())) p.cv.Wait(&mu_);
  if (cancel != nullptr) {
    absl::MutexLock cl(&cancel->mu_);
    cancel->waiter_ = nullptr;
  }
  if (!p.done) {
    mu_.Unlock();
    Flush(*tag, p);
    mu_.Lock();
  }
  pending_[*tag] = nullptr;
  free_tags_.push_back(*tag);
  tag_freed_.Signal();
  return std::move(p.result);
}

void Client::Flush(uint16_t tag, Pending& original) {
  Pending flush;
  absl::StatusOr<uint16_t> ftag = TakeTag(&flush);
  if (ftag.ok() && Send(*ftag, Tflush{tag}).ok()) {
    absl::MutexLock l(&mu_);
    while (!flush.done) flush.cv.Wait(&mu_);
  }
  absl::MutexLock l(&mu_);
  if (ftag.ok()) {
    pending_[*ftag] = nullptr;
    free_tags_.push_back(*ftag);
    tag_freed_.Signal();
  }
  // A reply that beat the Rflush stands; otherwise the call was cancelled.
  if (!original.done) {
    original.result = absl::CancelledError("9P request flushed");
    original.done = true;
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
