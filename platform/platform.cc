// platform.cc: platform registry.
#include "platform/platform.h"

#include "absl/strings/str_cat.h"
#include "platform/ptrace/ptrace_platform.h"

namespace platform {

absl::StatusOr<std::unique_ptr<Platform>> NewPlatform(
    std::string_view name, const PlatformOptions& options) {
  if (name == "ptrace") return ptrace::PtracePlatform::Create(options);
  return absl::NotFoundError(absl::StrCat("unknown platform \"", std::string(name), "\""));
}

}  // namespace platform
