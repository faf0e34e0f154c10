#include "sentry/boot/exec_loader.h"

#include "sentry/boot/load.h"

namespace sentry::boot {

void BootExecLoader::Add(const std::string& path, base::UniqueFd fd) {
  programs_[path] = std::move(fd);
}

ErrnoOr<kernel::ExecImage> BootExecLoader::Load(const std::string& path,
                                                const std::vector<std::string>& argv,
                                                const std::vector<std::string>& envp,
                                                const kernel::Credentials& creds,
                                                mm::MemoryManager& mm) {
  if (path.empty()) return Errno(ENOENT);
  if (path.size() >= 4096) return Errno(ENAMETOOLONG);
  auto it = programs_.find(path);
  if (it == programs_.end()) {
    last_error_ = "not a program of the boot spec";
    return Errno(ENOENT);
  }
  ExecRequest req;
  req.fd = it->second.get();
  req.path = path;
  req.argv = argv;
  req.envp = envp;
  req.creds = creds;
  req.max_address = mm.options().max_address;
  ExecResult out;
  ExecError err;
  if (!LoadExecutable(req, mm, &out, &err)) {
    last_error_ = err.message;
    return Errno(err.error);
  }
  return kernel::ExecImage{out.entry, out.sp};
}

}  // namespace sentry::boot
