// snippet.cc: TestSandbox.
#include "platform/testing/snippet.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace platform::testing {

absl::StatusOr<std::unique_ptr<TestSandbox>> TestSandbox::Create() {
  auto sb = std::make_unique<TestSandbox>();
  sb->memfd_ = memfd_create("sandbox-memory", MFD_CLOEXEC);
  if (sb->memfd_ < 0 || ftruncate(sb->memfd_, kFileSize) != 0) {
    return absl::InternalError(absl::StrCat("memfd: ", strerror(errno)));
  }
  void* m = mmap(nullptr, kFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, sb->memfd_, 0);
  if (m == MAP_FAILED) return absl::InternalError("mmap memfd");
  sb->file_ = static_cast<uint8_t*>(m);
  absl::StatusOr<std::unique_ptr<Platform>> p =
      NewPlatform("ptrace", PlatformOptions{sb->memfd_});
  if (!p.ok()) return p.status();
  sb->platform_ = std::move(*p);
  absl::StatusOr<std::unique_ptr<AddressSpace>> as = sb->platform_->NewAddressSpace();
  if (!as.ok()) return as.status();
  sb->as_ = std::move(*as);
  if (absl::Status s = sb->as_->MapFile(kDataAddr, 4096, PROT_READ | PROT_WRITE, kDataOffset);
      !s.ok()) {
    return s;
  }
  return sb;
}

TestSandbox::~TestSandbox() {
  as_.reset();
  platform_.reset();
  if (file_ != nullptr) munmap(file_, kFileSize);
  if (memfd_ >= 0) close(memfd_);
}

absl::Status TestSandbox::LoadCode(const char* begin, const char* end) {
  const size_t len = end - begin;
  const size_t mapped = (len + 4095) & ~size_t{4095};
  std::memcpy(file_ + kCodeOffset, begin, len);
  return as_->MapFile(kCodeAddr, mapped, PROT_READ | PROT_EXEC, kCodeOffset);
}

CpuState CodeState() {
  CpuState cpu;
  cpu.regs.rip = kCodeAddr;
  cpu.regs.rsp = kDataAddr + 4096 - 64;  // a little stack in the data page
  return cpu;
}

}  // namespace platform::testing
