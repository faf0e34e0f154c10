// Linux signal names for strace output: SIGHUP..SIGSYS (1..31) and the
// real-time signals, named from the kernel's SIGRTMIN (32) as SIGRTMIN+n up
// to SIGRTMIN+32 (64). Note glibc's SIGRTMIN is 34: it keeps 32 and 33.
// Names are glibc's (sigabbrev_np), so 29 is SIGPOLL; SIGIO is an alias.
#ifndef COMPAT_SIGNALS_H_
#define COMPAT_SIGNALS_H_

#include <optional>
#include <string>
#include <string_view>

namespace compat {

inline constexpr int kSigRtMin = 32;
inline constexpr int kMaxSignal = 64;

// "SIGTERM" for 15; "" outside 1..31.
std::string_view StandardSignalName(int sig);

// StandardSignalName, or "SIGRTMIN" / "SIGRTMIN+n" for 32..64; "" otherwise.
std::string SignalName(int sig);

// The number for "SIGTERM", "SIGRTMIN+3", or the aliases SIGIOT,
// SIGCLD, SIGIO, SIGUNUSED, SIGRTMAX.
std::optional<int> SignalNumber(std::string_view name);

}  // namespace compat

#endif  // COMPAT_SIGNALS_H_
