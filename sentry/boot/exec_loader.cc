#include "sentry/boot/exec_loader.h"

#include <limits.h>
#include <unistd.h>

#include "sentry/kernel/load_elf.h"

namespace sentry::boot {

void BootExecLoader::Add(const std::string& path, base::UniqueFd fd) {
  programs_[path] = std::move(fd);
}

ErrnoOr<kernel::ExecImage> BootExecLoader::Load(const kernel::ExecContext& ctx,
                                                const std::string& path,
                                                const std::vector<std::string>& argv,
                                                const std::vector<std::string>& envp,
                                                mm::MemoryManager& mm) {
  if (path.empty()) return Errno(ENOENT);
  if (path.size() >= 4096) return Errno(ENAMETOOLONG);
  auto it = programs_.find(path);
  if (it == programs_.end()) {
    last_error_ = "not a program of the boot spec";
    return Errno(ENOENT);
  }
  kernel::ElfLoadRequest req;
  req.exe.reader = std::make_shared<loader::HostFdImageReader>(it->second.get());
  // No file system: a PT_INTERP interpreter cannot be found (open_interp
  // unset: ENOENT).
  req.execfn = path;
  // /proc/self/exe is absolute (glibc's static startup asserts it): a
  // relative boot path is relative to the Sentry's working directory.
  req.exe_path = path;
  if (!path.empty() && path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) req.exe_path = std::string(cwd) + "/" + path;
  }
  req.argv = argv;
  req.envp = envp;
  req.creds = ctx.creds;
  req.rlimit_stack = ctx.rlimit_stack;
  auto image = kernel::LoadElf(req, mm, &last_error_);
  if (!image.ok() && image.error().value() == ENOENT) {
    last_error_ = "dynamic executables need a root file system (--root): " + last_error_;
  }
  return image;
}

}  // namespace sentry::boot
