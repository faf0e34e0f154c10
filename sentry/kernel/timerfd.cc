#include "sentry/kernel/timerfd.h"

#include <cstring>

#include "sentry/kernel/eventfd.h"

namespace sentry::kernel {
namespace {

// The host clock to read for `clock` (alarm clocks tick like their base).
clockid_t BaseClock(clockid_t clock) {
  switch (clock) {
    case CLOCK_REALTIME_ALARM:
      return CLOCK_REALTIME;
    case CLOCK_BOOTTIME_ALARM:
      return CLOCK_BOOTTIME;
    default:
      return clock;
  }
}

}  // namespace

TimerFdFile::TimerFdFile(clockid_t clock, uint32_t flags)
    : File(O_RDWR | (flags & O_NONBLOCK)), clock_(BaseClock(clock)) {}

TimerFdFile::~TimerFdFile() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  if (notifier_.joinable()) notifier_.join();
}

void TimerFdFile::UpdateLocked() {
  if (!armed_) return;
  const absl::Duration now = ClockNow(clock_);
  if (now < expiry_) return;
  if (interval_ <= absl::ZeroDuration()) {
    count_++;
    armed_ = false;
    return;
  }
  absl::Duration rem;  // IDivDuration writes it unconditionally
  const int64_t periods = absl::IDivDuration(now - expiry_, interval_, &rem) + 1;
  count_ += static_cast<uint64_t>(periods);
  expiry_ += interval_ * periods;
}

TimerValue TimerFdFile::Set(bool abstime, TimerValue v) {
  TimerValue old;
  bool start = false;
  {
    absl::MutexLock l(&mu_);
    UpdateLocked();
    if (armed_) old = {std::max(expiry_ - ClockNow(clock_), absl::Nanoseconds(1)), interval_};
    else old = {absl::ZeroDuration(), interval_};
    count_ = 0;
    generation_++;
    interval_ = v.interval;
    armed_ = v.value > absl::ZeroDuration();
    if (armed_) {
      expiry_ = abstime ? v.value : ClockNow(clock_) + v.value;
      start = !notifier_.joinable();
    }
  }
  if (start) notifier_ = std::thread([this] { NotifierLoop(); });
  return old;
}

TimerValue TimerFdFile::Get() {
  absl::MutexLock l(&mu_);
  UpdateLocked();
  if (!armed_) return {absl::ZeroDuration(), interval_};
  absl::Duration left = expiry_ - ClockNow(clock_);
  if (left <= absl::ZeroDuration()) left = absl::Nanoseconds(1);
  return {left, interval_};
}

void TimerFdFile::NotifierLoop() {
  absl::MutexLock l(&mu_);
  while (!stop_) {
    if (!armed_) {
      std::pair<TimerFdFile*, uint64_t> arg(this, generation_);
      mu_.Await(absl::Condition(
          +[](std::pair<TimerFdFile*, uint64_t>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return a->first->stop_ || a->first->generation_ != a->second;
          },
          &arg));
      continue;
    }
    const uint64_t gen = generation_;
    const absl::Duration left = expiry_ - ClockNow(clock_);
    if (left > absl::ZeroDuration()) {
      // Sleep until the expiry, a re-arm or the end.
      std::pair<TimerFdFile*, uint64_t> arg(this, gen);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](std::pair<TimerFdFile*, uint64_t>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return a->first->stop_ || a->first->generation_ != a->second;
              },
              &arg),
          left);
      continue;
    }
    UpdateLocked();
    mu_.Unlock();
    queue_.Notify(kEventIn);
    mu_.Lock();
  }
}

ErrnoOr<size_t> TimerFdFile::Read(void* buf, size_t len) {
  if (len < sizeof(uint64_t)) return Errno(EINVAL);
  uint64_t n;
  {
    absl::MutexLock l(&mu_);
    UpdateLocked();
    if (count_ == 0) return Errno(EAGAIN);
    n = count_;
    count_ = 0;
  }
  std::memcpy(buf, &n, sizeof n);
  return sizeof n;
}

uint32_t TimerFdFile::Readiness(uint32_t mask) {
  absl::MutexLock l(&mu_);
  UpdateLocked();
  return count_ > 0 ? (mask & kEventIn) : 0;
}

ErrnoResult TimerFdFile::Stat(struct stat* st) {
  StatAnonInode(this, st);
  return {};
}

}  // namespace sentry::kernel
