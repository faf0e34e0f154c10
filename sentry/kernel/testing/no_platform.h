// no_platform.h: stand-ins for unit tests that build a Kernel but never run
// app code: a Platform that makes nothing and an ExecLoader that finds
// nothing (ENOENT). Pair with mm/testing/fake_address_space.h for memory.
#ifndef SENTRY_KERNEL_TESTING_NO_PLATFORM_H_
#define SENTRY_KERNEL_TESTING_NO_PLATFORM_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/platform.h"
#include "sentry/kernel/kernel.h"

namespace sentry::kernel::testing {

class NoPlatform : public platform::Platform {
 public:
  std::string_view Name() const override { return "none"; }
  uint64_t MaxUserAddress() const override { return 0x7fc000000000; }
  absl::StatusOr<std::unique_ptr<platform::AddressSpace>> NewAddressSpace() override {
    return absl::UnimplementedError("none");
  }
  absl::StatusOr<std::unique_ptr<platform::Context>> NewContext() override {
    return absl::UnimplementedError("none");
  }
};

class NoLoader : public ExecLoader {
 public:
  ErrnoOr<ExecImage> Load(const ExecContext&, const std::string&, const std::vector<std::string>&,
                          const std::vector<std::string>&, mm::MemoryManager&) override {
    return Errno(ENOENT);
  }
};

}  // namespace sentry::kernel::testing

#endif  // SENTRY_KERNEL_TESTING_NO_PLATFORM_H_
