// load.h: execve of the boot binary into a fresh MemoryManager.
//
// Static and static-pie ELF only (PT_INTERP needs the VFS, issue 5).
// Runs the loader's ParseElf/ChooseLoadBias/MakeLoadPlan/BuildInitialStack,
// then executes the plan against the MemoryManager: file-backed private
// segments are anonymous private mappings filled with the file's bytes
// (MappableFile is not implemented yet), zero-fill and bss as the loader
// README says, the stack VMA (MAP_GROWSDOWN) ending just below
// MaxUserAddress, the program break after the executable.
#ifndef SENTRY_BOOT_LOAD_H_
#define SENTRY_BOOT_LOAD_H_

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "sentry/kernel/task.h"
#include "sentry/mm/memory_manager.h"

namespace sentry::boot {

struct ExecRequest {
  int fd = -1;  // the opened binary (read access)
  std::string path;  // AT_EXECFN
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  kernel::Credentials creds;
  // The end of the user address space (the platform's MaxUserAddress).
  uint64_t max_address = 0;
};

struct ExecResult {
  uint64_t entry = 0;  // initial rip
  uint64_t sp = 0;     // initial rsp
};

// What went wrong, with the exit status the boot binary should use.
struct ExecError {
  int exit_status = 126;
  int error = ENOEXEC;  // what execve(2) returns
  std::string message;
};

// Loads the binary into `mm` (which must be empty). On failure `err` says
// why; mm may then hold partial mappings.
bool LoadExecutable(const ExecRequest& req, mm::MemoryManager& mm, ExecResult* out,
                    ExecError* err);

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_LOAD_H_
