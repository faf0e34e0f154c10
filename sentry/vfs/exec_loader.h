// exec_loader.h: execve through the VFS: the ExecLoader of a Sentry with a
// root file system.
//
// Load(ctx, path, ...) does what Linux's do_execveat_common + binfmt_script
// + binfmt_elf do, minus the set-id and ETXTBSY parts:
//  - `path` resolves from ctx's root/cwd with ctx's credentials, following
//    symlinks (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES for a directory
//    on the way without search permission).
//  - The file must be a regular file (else EACCES), on a mount without
//    MS_NOEXEC (EACCES), executable for the caller (EACCES; root needs one
//    x bit). Read permission is not needed.
//  - "#!" scripts: the interpreter is resolved the same way and exec'd with
//    {interpreter, [arg,] script path, argv[1:]...}; more than
//    loader::kMaxExecDepth rewrites is ELOOP. AT_EXECFN stays `path`.
//  - ELF (kernel::LoadElf): a PT_INTERP interpreter resolves through the
//    same root and cwd with the same checks; segments are private mappings
//    of the files (vfs::InodeMappable, named by their path).
//  - Anything else: ENOEXEC.
#ifndef SENTRY_VFS_EXEC_LOADER_H_
#define SENTRY_VFS_EXEC_LOADER_H_

#include <memory>

#include "sentry/kernel/kernel.h"

namespace sentry::vfs {

class VfsExecLoader final : public kernel::ExecLoader {
 public:
  ErrnoOr<kernel::ExecImage> Load(const kernel::ExecContext& ctx, const std::string& path,
                                  const std::vector<std::string>& argv,
                                  const std::vector<std::string>& envp,
                                  mm::MemoryManager& mm) override;
  // Why the last Load failed (for the boot log).
  std::string last_error() const;

 private:
  mutable absl::Mutex mu_;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

// For the boot code (sentry/boot/main.cc with a root file system).
std::unique_ptr<VfsExecLoader> NewVfsExecLoader();

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_EXEC_LOADER_H_
