// snippet.h: test helpers to run machine-code snippets under a platform.
//
// SNIPPET(name, "asm...") assembles AT&T code into .rodata; name_begin and
// name_end delimit its bytes. TestSandbox owns a memfd memory file mapped
// into the test process, a Platform and one AddressSpace; LoadCode copies a
// snippet into the file and maps it at kCodeAddr (r-x); the data page at
// kDataAddr (rw-) is visible to the test through data().
#ifndef PLATFORM_TESTING_SNIPPET_H_
#define PLATFORM_TESTING_SNIPPET_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "platform/platform.h"

#define SNIPPET(name, code)                                        \
  asm(".pushsection .rodata.snippets, \"a\"\n"                     \
      ".globl " #name "_begin\n.globl " #name "_end\n" #name "_begin:\n" code \
      "\n" #name "_end:\n.popsection\n");                         \
  extern "C" const char name##_begin[], name##_end[];

namespace platform::testing {

inline constexpr uint64_t kCodeAddr = 0x400000;
inline constexpr uint64_t kDataAddr = 0x600000;
inline constexpr uint64_t kFileSize = 16 << 20;
inline constexpr uint64_t kCodeOffset = 0;
inline constexpr uint64_t kDataOffset = 1 << 20;

class TestSandbox {
 public:
  // Creates the memory file, platform "ptrace" and an address space with
  // the data page mapped.
  static absl::StatusOr<std::unique_ptr<TestSandbox>> Create();
  ~TestSandbox();

  Platform& platform() { return *platform_; }
  AddressSpace& as() { return *as_; }
  int memfd() const { return memfd_; }
  // The memory file as mapped in this process.
  uint8_t* file() { return file_; }
  uint8_t* data() { return file_ + kDataOffset; }

  // Copies [begin, end) to the code area and maps it r-x at kCodeAddr.
  absl::Status LoadCode(const char* begin, const char* end);

 private:
  int memfd_ = -1;
  uint8_t* file_ = nullptr;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<AddressSpace> as_;
};

// A CpuState ready to run at kCodeAddr.
CpuState CodeState();

}  // namespace platform::testing

#endif  // PLATFORM_TESTING_SNIPPET_H_
