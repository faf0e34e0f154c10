#include "sentry/fs/filesystems.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "sentry/fs/devfs.h"
#include "sentry/fs/procfs.h"
#include "sentry/fs/sysfs.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::fs {

const std::vector<std::string>& FilesystemTypes() {
  static const auto* types = new std::vector<std::string>{"sysfs", "tmpfs", "proc", "devtmpfs"};
  return *types;
}

ErrnoOr<std::shared_ptr<vfs::Inode>> NewFilesystem(kernel::Kernel& k, const std::string& type,
                                                   const std::string& data) {
  if (type == "tmpfs") {
    uint32_t mode = 01777;
    vfs::Owner owner;
    for (absl::string_view opt : absl::StrSplit(data, ',', absl::SkipEmpty())) {
      std::vector<absl::string_view> kv = absl::StrSplit(opt, absl::MaxSplits('=', 1));
      if (kv.size() != 2) continue;  // flags such as "nr_inodes" are ignored
      uint32_t v;
      if (kv[0] == "mode") {
        if (!absl::numbers_internal::safe_strtou32_base(kv[1], &v, 8)) return Errno(EINVAL);
        mode = v & 07777;
      } else if (kv[0] == "uid" || kv[0] == "gid") {
        if (!absl::SimpleAtoi(kv[1], &v)) return Errno(EINVAL);
        (kv[0] == "uid" ? owner.uid : owner.gid) = v;
      }
    }
    return vfs::NewTmpfs(mode, owner);
  }
  if (type == "proc") return NewProcfs(k);
  if (type == "sysfs") return NewSysfs();
  if (type == "devtmpfs") return NewDevfs();
  return Errno(ENODEV);
}

}  // namespace sentry::fs
