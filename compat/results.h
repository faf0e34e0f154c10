// Per-syscall results of a syscall test suite run natively and in the
// sandbox, read from a small JSON file (schema in compat/README.md):
//
//   {
//     "format": "gsandbox-syscall-results-v1",
//     "suite": "tests/syscalls @ 1a2b3c4",
//     "syscalls": {
//       "read":   {"native": {"pass": 12, "fail": 0}, "sandbox": {"pass": 11, "fail": 1}},
//       "openat": {"native": {"pass": 30, "fail": 0}}
//     }
//   }
//
// "suite" is optional free text; either side of a syscall may be missing
// (not run). Names must be syscalls of syscall_table.h.
#ifndef COMPAT_RESULTS_H_
#define COMPAT_RESULTS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace compat {

inline constexpr std::string_view kResultsFormat = "gsandbox-syscall-results-v1";

struct PassFail {
  int pass = 0;
  int fail = 0;
  bool operator==(const PassFail&) const = default;
};

struct SyscallResult {
  std::optional<PassFail> native;
  std::optional<PassFail> sandbox;
};

struct SuiteResults {
  std::string suite;
  std::map<std::string, SyscallResult, std::less<>> syscalls;
};

absl::StatusOr<SuiteResults> ParseSuiteResults(std::string_view json_text);

// Reads and parses `path`. A file that does not exist is no results
// (nullopt), not an error; unreadable or malformed files are errors.
absl::StatusOr<std::optional<SuiteResults>> ReadSuiteResults(const std::string& path);

}  // namespace compat

#endif  // COMPAT_RESULTS_H_
