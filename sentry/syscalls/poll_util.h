// poll_util.h: the waiting engine shared by poll/select (poll.cc) and
// epoll (epoll.cc): readiness in poll(2) terms, registration of the task on
// several wait queues at once, the signal mask of ppoll/pselect6/epoll_pwait,
// and the remaining-time write-back of select/ppoll/pselect6.
#ifndef SENTRY_SYSCALLS_POLL_UTIL_H_
#define SENTRY_SYSCALLS_POLL_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "sentry/errno.h"
#include "sentry/kernel/file.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"

namespace sentry::syscalls {

// How often a wait that involves a queue-less (host) file re-polls it.
inline constexpr absl::Duration kHostPollInterval = absl::Milliseconds(20);

// poll(2) revents of `f` for `events` (POLLERR/POLLHUP always included;
// POLLRDNORM/POLLWRNORM reported with POLLIN/POLLOUT as Linux does).
uint32_t PollEvents(kernel::File& f, uint32_t events);

// Whether readiness of `f` must be polled (no wait queue, or an epoll with
// such a file inside).
bool NeedsPolling(kernel::File& f);

// Blocks `t` until `check()` returns > 0, `deadline` passes (0), or a
// signal needs the task (Errno(EINTR)). `files` are the objects whose
// queues can make check() change; `check` is evaluated at least once.
ErrnoOr<int> WaitUntilReady(kernel::Task& t, const std::vector<kernel::File*>& files,
                            absl::Time deadline, const std::function<int()>& check);

// The temporary signal mask of ppoll/pselect6/epoll_pwait: installed by
// Install (EINVAL for a bad size, EFAULT), and kept until a handler ran when
// the call is interrupted (Finish(true)), restored at once otherwise.
class TemporarySigmask {
 public:
  ErrnoResult Install(kernel::Task& t, uint64_t mask_addr, uint64_t size);
  void Finish(kernel::Task& t, bool interrupted);

 private:
  std::optional<kernel::SigSet> old_;
};

// Linux's poll_select_finish: writes the time left before `deadline` to
// `addr` (a timespec, or a timeval if `timeval`) unless addr is 0 or the
// timeout was zero; a failed write turns kERestartNoHand into EINTR.
int64_t FinishTimeout(kernel::Task& t, uint64_t addr, bool timeval, bool zero_timeout,
                      absl::Time deadline, int64_t ret);

}  // namespace sentry::syscalls

#endif  // SENTRY_SYSCALLS_POLL_UTIL_H_
