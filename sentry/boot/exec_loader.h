// exec_loader.h: the ExecLoader of a Sentry booted without a root file
// system (no --root): it knows only the programs the boot spec names (the
// init binary), each opened once at boot as a host fd; execve of any other
// path fails with ENOENT, and dynamic executables (PT_INTERP) too. Loading
// is kernel::LoadElf's. With a root file system the boot code uses
// vfs::NewVfsExecLoader instead.
#ifndef SENTRY_BOOT_EXEC_LOADER_H_
#define SENTRY_BOOT_EXEC_LOADER_H_

#include <map>
#include <string>

#include "base/unique_fd.h"
#include "sentry/kernel/kernel.h"

namespace sentry::boot {

class BootExecLoader final : public kernel::ExecLoader {
 public:
  // Makes `path` executable by execve; takes ownership of `fd`.
  void Add(const std::string& path, base::UniqueFd fd);
  // Loads `path`; on failure *error_message says why (for the boot log).
  ErrnoOr<kernel::ExecImage> Load(const kernel::ExecContext& ctx, const std::string& path,
                                  const std::vector<std::string>& argv,
                                  const std::vector<std::string>& envp,
                                  mm::MemoryManager& mm) override;
  // The message of the last failed Load.
  const std::string& last_error() const { return last_error_; }

 private:
  std::map<std::string, base::UniqueFd> programs_;
  std::string last_error_;
};

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_EXEC_LOADER_H_
