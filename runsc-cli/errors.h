// errors.h: error text as runc prints it (Go's lower-case errno strings),
// so that clients matching runc's messages match ours.
#ifndef RUNSC_CLI_ERRORS_H_
#define RUNSC_CLI_ERRORS_H_

#include <cctype>
#include <cstring>
#include <string>

namespace runsc {

// "no such file or directory" for ENOENT.
inline std::string GoStrerror(int err) {
  std::string s = strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// libcontainer's errors.
inline constexpr char kErrNotExist[] = "container does not exist";
inline constexpr char kErrExist[] = "container with given ID already exists";
inline constexpr char kErrInvalidId[] = "invalid container ID format";
inline constexpr char kErrNotRunning[] = "container not running";

}  // namespace runsc

#endif  // RUNSC_CLI_ERRORS_H_
