// load_elf.h: loads an ELF executable (static, static-pie, or dynamic with
// its PT_INTERP interpreter) into a fresh MemoryManager: the one
// implementation of "execute the loader's plan" that every execve path
// shares (the boot binary: sentry/boot/exec_loader.cc; VFS files:
// sentry/vfs/exec_loader.cc).
//
// Steps (sentry/loader/README.md, "How execve uses it"): ParseElf; if
// PT_INTERP, open it through `open_interp` and ParseElf it as interpreter
// (ELIBBAD); ChooseLoadBias for both (the interpreter and static-pie
// top-down below the mmap base); MakeLoadPlan; BuildInitialStack with the
// host's auxv defaults, AT_BASE = the interpreter's bias, AT_EXECFN =
// `execfn`. Then the plan runs against `mm`: kMapFile ops are private file
// mappings of the image's MappableFile (named for /proc/pid/maps; mapped
// writable while kZeroFill clears the tail of the last file page, then
// given their final protections in op order), kMapAnon are anonymous; the
// stack VMA (MAP_GROWSDOWN) ends just below MaxUserAddress (16-aligned);
// brk starts after the executable. The registers start at the
// interpreter's entry if any, else the executable's.
//
// Errors are execve's: ENOEXEC (not ELF), ELIBBAD (bad interpreter), the
// interpreter open's errno, E2BIG, ENOMEM, EIO. Failures after the plan
// started leave `mm` half built: the caller discards it (execve builds into
// a new MemoryManager, so the old image survives every failure).
#ifndef SENTRY_KERNEL_LOAD_ELF_H_
#define SENTRY_KERNEL_LOAD_ELF_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sentry/errno.h"
#include "sentry/kernel/kernel.h"
#include "sentry/loader/image_reader.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/mm/vma.h"

namespace sentry::kernel {

// One image: how to read it and how to map it.
struct ElfSource {
  std::shared_ptr<loader::ImageReader> reader;
  // Segments become private mappings of this file; null: of the reader
  // (ReaderMappable).
  std::shared_ptr<mm::MappableFile> mappable;
};

struct ElfLoadRequest {
  ElfSource exe;
  // Opens the PT_INTERP path (resolved as the caller sees fit; errors are
  // execve's). Null: a dynamic executable fails with ENOENT.
  std::function<ErrnoOr<ElfSource>(const std::string& path)> open_interp;
  std::string execfn;  // AT_EXECFN
  std::string exe_path;  // /proc/pid/exe: absolute (default: execfn)
  std::vector<std::string> argv, envp;
  Credentials creds;
  uint64_t rlimit_stack = 8 << 20;
};

// Loads `req` into the empty `mm`. On failure *message (if given) says why.
ErrnoOr<ExecImage> LoadElf(const ElfLoadRequest& req, mm::MemoryManager& mm,
                           std::string* message = nullptr);

// A MappableFile for private mappings of an ImageReader's bytes (zero past
// EOF; a page wholly past EOF is EFAULT). SharedPage is ENODEV.
class ReaderMappable final : public mm::MappableFile {
 public:
  ReaderMappable(std::shared_ptr<loader::ImageReader> reader, std::string name)
      : reader_(std::move(reader)), name_(std::move(name)) {}
  ErrnoResult ReadPage(uint64_t offset, uint8_t* dst) override;
  ErrnoOr<uint64_t> SharedPage(uint64_t) override { return Errno(ENODEV); }
  std::string Name() const override { return name_; }

 private:
  const std::shared_ptr<loader::ImageReader> reader_;
  const std::string name_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_LOAD_ELF_H_
