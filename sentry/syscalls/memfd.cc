// memfd_create(2): an anonymous regular file in Sentry memory: a tmpfs
// file named "memfd:<name>" that no directory holds (/proc/self/fd shows
// "/memfd:<name> (deleted)", as Linux does). MFD_CLOEXEC is honoured;
// MFD_ALLOW_SEALING lets fcntl(F_ADD_SEALS) add seals (without it the file
// is sealed with F_SEAL_SEAL); MFD_HUGETLB is EINVAL.
#include <linux/memfd.h>
#include <sys/syscall.h>

#include <string>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/path.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::syscalls {
namespace {

constexpr size_t kMfdNameMax = 249;  // Linux's MFD_NAME_MAX_LEN
constexpr int kNrOpen = 1 << 20;
constexpr uint32_t kLargefile = 0100000;

SyscallReturn MemfdCreate(Task& t, const SyscallArguments& a) {
  const uint64_t flags = a[1];
  if ((flags & ~static_cast<uint64_t>(MFD_CLOEXEC | MFD_ALLOW_SEALING)) != 0) {
    return SyscallReturn::Err(EINVAL);
  }
  auto name = t.mm().CopyInString(a[0], kMfdNameMax + 1);
  if (!name.ok()) {
    return SyscallReturn::Err(name.error().value() == ENAMETOOLONG ? EINVAL : name.error().value());
  }
  const vfs::Owner owner{t.creds().fsuid, t.creds().fsgid};
  auto root = vfs::Dentry::NewRoot(vfs::NewTmpfs(01777, {0, 0}));
  auto mount = std::make_shared<vfs::Mount>(root, nullptr, nullptr, 0);
  mount->SetDescription("tmpfs", "memfd");
  const std::string file_name = "memfd:" + *name;
  auto inode = root->inode().Create(file_name, 0777, owner);
  if (!inode.ok()) return SyscallReturn::From(inode.error());
  if ((flags & MFD_ALLOW_SEALING) != 0) {
    if (!vfs::TmpfsAllowSealing(**inode).ok()) return SyscallReturn::Err(EINVAL);
  }
  auto dentry = root->Added(file_name, std::move(*inode));
  if (!root->inode().Unlink(file_name).ok()) return SyscallReturn::Err(ENOMEM);
  root->Removed(file_name);
  auto file = std::make_shared<vfs::VfsFile>(vfs::VirtualDentry{mount, dentry}, O_RDWR | kLargefile);
  int limit;
  {
    absl::MutexLock l(&t.kernel().mu());
    limit = static_cast<int>(std::min<uint64_t>(t.tg().limits[RLIMIT_NOFILE].rlim_cur, kNrOpen));
  }
  auto fd = t.fds().Install(std::move(file), (flags & MFD_CLOEXEC) != 0, 0, limit);
  if (!fd.ok()) return SyscallReturn::From(fd.error());
  return SyscallReturn::Ok(*fd);
}

}  // namespace

void RegisterMemfd(SyscallTable& t) { t.Register(SYS_memfd_create, MemfdCreate); }

}  // namespace sentry::syscalls
