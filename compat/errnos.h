// Linux errno names (x86-64, same as asm-generic), for strace output and the
// compatibility page: 1..133 (EPERM..EHWPOISON) plus the kernel-internal
// restart codes 512..516 a syscall handler may return (ERESTARTSYS, ...).
#ifndef COMPAT_ERRNOS_H_
#define COMPAT_ERRNOS_H_

#include <optional>
#include <string_view>

namespace compat {

inline constexpr int kMaxErrno = 133;  // EHWPOISON

// "ENOENT" for 2; "" for numbers Linux does not use (41, 58, 0, ...).
std::string_view ErrnoName(int e);

// The number for a name; accepts the aliases EWOULDBLOCK, EDEADLOCK, ENOTSUP.
std::optional<int> ErrnoNumber(std::string_view name);

}  // namespace compat

#endif  // COMPAT_ERRNOS_H_
