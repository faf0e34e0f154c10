#include "sentry/kernel/timers.h"

#include <sys/time.h>

#include <algorithm>
#include <climits>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/thread_group.h"

namespace sentry::kernel {

absl::Duration ClockNow(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) clock_gettime(CLOCK_MONOTONIC, &ts);
  return absl::DurationFromTimespec(ts);
}

ProcessTimers::ProcessTimers(Kernel& kernel, ThreadGroup& tg) : kernel_(kernel), tg_(tg) {
  for (Timer& t : itimers_) t.clock = CLOCK_MONOTONIC;
}

ProcessTimers::~ProcessTimers() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
    ++generation_;
  }
  if (thread_.joinable()) thread_.join();
}

ProcessTimers& ProcessTimers::ForLocked(Kernel& kernel, ThreadGroup& tg) {
  if (tg.timers == nullptr) tg.timers = std::make_shared<ProcessTimers>(kernel, tg);
  return *tg.timers;
}

void StopProcessTimersLocked(ThreadGroup& tg) {
  if (tg.timers != nullptr) tg.timers->StopLocked();
}

void ProcessTimers::StopLocked() {
  absl::MutexLock l(&mu_);
  stop_ = true;
  ++generation_;
  for (Timer& t : itimers_) t.armed = false;
  for (auto& [id, t] : posix_) t.armed = false;
}

TimerValue ProcessTimers::ValueLocked(const Timer& t) const {
  if (!t.armed) return {absl::ZeroDuration(), t.interval};
  absl::Duration left = t.expiry - ClockNow(t.clock);
  // An expired timer the thread has not handled yet reports the smallest
  // non-zero value (it is still armed), as Linux does.
  if (left <= absl::ZeroDuration()) left = absl::Nanoseconds(1);
  return {left, t.interval};
}

void ProcessTimers::ArmLocked(Timer& t, absl::Duration expiry, absl::Duration interval) {
  t.interval = interval;
  t.expiry = expiry;
  t.armed = !stop_;
  ++generation_;
  if (t.armed && !thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

TimerValue ProcessTimers::GetITimer(int which) {
  absl::MutexLock l(&mu_);
  return ValueLocked(itimers_[which]);
}

TimerValue ProcessTimers::SetITimer(int which, TimerValue v) {
  absl::MutexLock l(&mu_);
  Timer& t = itimers_[which];
  TimerValue old = ValueLocked(t);
  if (v.value == absl::ZeroDuration()) {
    t.armed = false;
    t.interval = absl::ZeroDuration();
    ++generation_;
  } else {
    ArmLocked(t, ClockNow(t.clock) + v.value, v.interval);
  }
  return old;
}

ErrnoOr<int> ProcessTimers::Create(clockid_t clock, const TimerEvent& ev) {
  absl::MutexLock l(&mu_);
  int id = 0;
  for (auto& [k, unused] : posix_) {
    if (k != id) break;
    ++id;
  }
  if (id >= kMaxPosixTimers) return Errno(EAGAIN);
  Timer t;
  t.clock = clock;
  t.ev = ev;
  if (ev.value_is_id) t.ev.value = static_cast<uint64_t>(id);
  posix_[id] = t;
  return id;
}

ErrnoResult ProcessTimers::Delete(int id) {
  absl::MutexLock l(&mu_);
  if (posix_.erase(id) == 0) return Errno(EINVAL);
  ++generation_;
  return {};
}

void ProcessTimers::DeletePosixTimers() {
  absl::MutexLock l(&mu_);
  posix_.clear();
  ++generation_;
}

ErrnoOr<TimerValue> ProcessTimers::Settime(int id, bool abstime, TimerValue v) {
  absl::MutexLock l(&mu_);
  auto it = posix_.find(id);
  if (it == posix_.end()) return Errno(EINVAL);
  Timer& t = it->second;
  TimerValue old = ValueLocked(t);
  t.overrun_pending = 0;
  if (v.value == absl::ZeroDuration()) {
    t.armed = false;
    t.interval = v.interval;
    ++generation_;
  } else {
    ArmLocked(t, abstime ? v.value : ClockNow(t.clock) + v.value, v.interval);
  }
  return old;
}

ErrnoOr<TimerValue> ProcessTimers::Gettime(int id) {
  absl::MutexLock l(&mu_);
  auto it = posix_.find(id);
  if (it == posix_.end()) return Errno(EINVAL);
  return ValueLocked(it->second);
}

ErrnoOr<int> ProcessTimers::Getoverrun(int id) {
  absl::MutexLock l(&mu_);
  auto it = posix_.find(id);
  if (it == posix_.end()) return Errno(EINVAL);
  return static_cast<int>(std::min<int64_t>(it->second.overrun_last, INT_MAX));
}

absl::Duration ProcessTimers::NextWaitLocked() const {
  absl::Duration wait = absl::InfiniteDuration();
  auto consider = [&](const Timer& t) {
    if (t.armed) wait = std::min(wait, t.expiry - ClockNow(t.clock));
  };
  for (const Timer& t : itimers_) consider(t);
  for (const auto& [id, t] : posix_) consider(t);
  return wait;
}

int64_t ProcessTimers::RearmLocked(Timer& t, absl::Duration now) {
  if (t.interval <= absl::ZeroDuration()) {
    t.armed = false;
    return 0;
  }
  t.expiry += t.interval;
  if (t.expiry > now) return 0;
  absl::Duration rem;  // IDivDuration writes it unconditionally
  int64_t skipped = absl::IDivDuration(now - t.expiry, t.interval, &rem) + 1;
  t.expiry += t.interval * skipped;
  return skipped;
}

void ProcessTimers::FireExpiredLocked() {
  ThreadGroup& tg = tg_;
  if (tg.zombie) return;
  static constexpr int kITimerSignal[3] = {SIGALRM, SIGVTALRM, SIGPROF};
  for (int i = 0; i < 3; ++i) {
    Timer& t = itimers_[i];
    if (!t.armed) continue;
    absl::Duration now = ClockNow(t.clock);
    if (t.expiry > now) continue;
    RearmLocked(t, now);
    kernel_.SendGroupSignalLocked(tg, MakeSigInfo(kITimerSignal[i], SI_KERNEL));
  }
  for (auto& [id, t] : posix_) {
    if (!t.armed) continue;
    absl::Duration now = ClockNow(t.clock);
    if (t.expiry > now) continue;
    t.overrun_pending += RearmLocked(t, now);
    if (t.ev.notify == SIGEV_NONE) continue;
    Task* target = nullptr;
    if ((t.ev.notify & SIGEV_THREAD_ID) != 0) {
      Task* task = kernel_.TaskLocked(t.ev.tid);
      if (task != nullptr && &task->tg() == &tg) target = task;
    }
    SigSet pending = tg.pending.set();
    if (target != nullptr) pending |= target->pending().set();
    if ((pending & SigBit(t.ev.signo)) != 0) {
      // The last expiry's signal is still queued: count an overrun, as
      // Linux does with its preallocated sigqueue.
      ++t.overrun_pending;
      continue;
    }
    siginfo_t info = MakeSigInfo(t.ev.signo, SI_TIMER);
    info.si_timerid = id;
    int overrun = static_cast<int>(std::min<int64_t>(t.overrun_pending, INT_MAX));
    info.si_overrun = overrun;
    info.si_value.sival_ptr = reinterpret_cast<void*>(t.ev.value);
    t.overrun_last = overrun;
    t.overrun_pending = 0;
    if (target != nullptr) {
      kernel_.SendTaskSignalLocked(*target, info);
    } else {
      kernel_.SendGroupSignalLocked(tg, info);
    }
  }
}

bool ProcessTimers::LockKernel() {
  for (;;) {
    if (kernel_.mu().TryLock()) return true;
    {
      absl::MutexLock l(&mu_);
      if (stop_) return false;
    }
    absl::SleepFor(absl::Microseconds(50));
  }
}

void ProcessTimers::Loop() {
  mu_.Lock();
  while (!stop_) {
    absl::Duration wait = NextWaitLocked();
    if (wait > absl::ZeroDuration()) {
      // Wake at the earliest expiry, when the timers change, or at least
      // every second (a CLOCK_REALTIME step moves realtime expiries).
      uint64_t gen = generation_;
      auto changed = [this, gen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return generation_ != gen;
      };
      mu_.AwaitWithTimeout(absl::Condition(&changed), std::min(wait, absl::Seconds(1)));
      continue;
    }
    mu_.Unlock();
    if (!LockKernel()) {
      mu_.Lock();
      break;
    }
    mu_.Lock();
    if (!stop_) FireExpiredLocked();
    mu_.Unlock();
    kernel_.mu().Unlock();
    mu_.Lock();
  }
  mu_.Unlock();
}

}  // namespace sentry::kernel
