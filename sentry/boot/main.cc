// sentry: runs one static Linux program in the sandbox.
//
//   sentry [--platform ptrace] [--hostname H] [--uid N --gid N]
//          [--env K=V]... [--strace-unimplemented] -- /path/to/binary args...
//
// Exit status: the program's exit code, or 128+N if signal N killed it;
// 127 if the binary does not exist, 126 if it cannot be executed (not ELF,
// dynamic), 125 for usage or Sentry failures.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/fmt_absl.h"
#include "platform/platform.h"
#include "base/unique_fd.h"
#include "sentry/boot/exec_loader.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/file.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/syscalls/table.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace {

constexpr int kUsageError = 125;

struct Flags {
  std::string platform = "ptrace";
  std::string hostname = "sandbox";
  uint32_t uid = 0, gid = 0;
  std::vector<std::string> env;
  bool strace_unimplemented = false;
  std::vector<std::string> argv;  // binary, args...
};

void Usage() {
  std::fprintf(stderr,
               "usage: sentry [--platform ptrace] [--hostname H] [--uid N --gid N] "
               "[--env K=V]... [--strace-unimplemented] -- /path/to/binary args...\n");
}

bool ParseUint(const char* s, uint32_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v > 0xfffffffe) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* dst) {
      if (i + 1 >= argc) return false;
      *dst = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--") {
      ++i;
      break;
    } else if (a == "--platform") {
      if (!value(&f->platform)) return false;
    } else if (a == "--hostname") {
      if (!value(&f->hostname)) return false;
    } else if (a == "--uid") {
      if (!value(&v) || !ParseUint(v.c_str(), &f->uid)) return false;
    } else if (a == "--gid") {
      if (!value(&v) || !ParseUint(v.c_str(), &f->gid)) return false;
    } else if (a == "--env") {
      if (!value(&v)) return false;
      f->env.push_back(v);
    } else if (a == "--strace-unimplemented") {
      f->strace_unimplemented = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "sentry: unknown flag %s\n", a.c_str());
      return false;
    } else {
      break;  // the binary, without "--"
    }
  }
  for (; i < argc; ++i) f->argv.push_back(argv[i]);
  return !f->argv.empty();
}

// Whether host fds a and b are the same open file description.
bool SameOpenFile(int a, int b) {
  pid_t self = getpid();
  return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The app owns stdout; the Sentry logs to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("sentry"));
  spdlog::set_pattern("sentry: %v");
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    Usage();
    return kUsageError;
  }
  const std::string& path = flags.argv[0];
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::fprintf(stderr, "sentry: %s: %s\n", path.c_str(), std::strerror(e));
    return (e == ENOENT || e == ENOTDIR) ? 127 : 126;
  }

  sentry::boot::BootExecLoader loader;
  loader.Add(path, base::UniqueFd(fd));

  auto mf = sentry::mm::MemoryFile::Create();
  if (!mf.ok()) {
    spdlog::error("memory file: {}", mf.status());
    return kUsageError;
  }
  auto plat = platform::NewPlatform(flags.platform, {.memory_fd = (*mf)->fd()});
  if (!plat.ok()) {
    spdlog::error("platform {}: {}", flags.platform, plat.status());
    return kUsageError;
  }
  auto as = (*plat)->NewAddressSpace();
  if (!as.ok()) {
    spdlog::error("address space: {}", as.status());
    return kUsageError;
  }
  sentry::mm::MemoryManagerOptions mopts;
  mopts.max_address = (*plat)->MaxUserAddress();
  auto mm = std::make_shared<sentry::mm::MemoryManager>(**mf, std::move(*as), mopts);

  auto creds = sentry::kernel::Credentials::ForUser(flags.uid, flags.gid);
  auto image = loader.Load(path, flags.argv, flags.env, creds, *mm);
  if (!image.ok()) {
    std::fprintf(stderr, "sentry: %s: %s\n", path.c_str(), loader.last_error().c_str());
    return 126;
  }

  sentry::syscalls::SyscallTable table({.strace_unimplemented = flags.strace_unimplemented});
  sentry::kernel::UtsInfo uts;
  uts.hostname = flags.hostname;
  // stdio: the host fds the Sentry was handed; 1 and 2 share one File when
  // they are the same open file, so writes share offset and order.
  auto fds = std::make_shared<sentry::kernel::FdTable>();
  auto in = std::make_shared<sentry::kernel::HostFile>(0);
  auto out = std::make_shared<sentry::kernel::HostFile>(1);
  std::shared_ptr<sentry::kernel::File> errf =
      SameOpenFile(1, 2) ? std::shared_ptr<sentry::kernel::File>(out)
                         : std::make_shared<sentry::kernel::HostFile>(2);
  fds->Set(0, in);
  fds->Set(1, out);
  fds->Set(2, errf);

  size_t slash = path.rfind('/');
  std::string comm = path.substr(slash == std::string::npos ? 0 : slash + 1).substr(0, 15);
  int status;
  {
    sentry::kernel::Kernel kernel(**plat, **mf, table, loader, uts);
    status = kernel.RunInit(std::move(mm), *image, creds, std::move(fds), comm);
  }
  return status;
}
