// flags.h: names of the flag and enum words strace shows (open flags, mmap
// prot, clone flags...), as strace(1) spells them.
#ifndef SENTRY_STRACE_FLAGS_H_
#define SENTRY_STRACE_FLAGS_H_

#include <cstdint>
#include <string>

#include "compat/arg_format.h"

namespace sentry::strace {

// `value` of flag/enum format `f` as strace prints it: "O_RDONLY|O_CLOEXEC",
// "PROT_READ|PROT_WRITE", "AT_FDCWD"... Bits without a name are appended in
// hex; an unknown enum value is printed in decimal (or hex for commands).
// False if `f` is not a flag/enum format.
bool FormatFlags(compat::ArgFormat f, uint64_t value, std::string* out);

}  // namespace sentry::strace

#endif  // SENTRY_STRACE_FLAGS_H_
