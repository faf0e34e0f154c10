#include "sentry/fs/sysfs.h"

#include "sentry/fs/proc_format.h"
#include "sentry/fs/proc_pid.h"
#include "sentry/vfs/synthetic.h"

namespace sentry::fs {

std::shared_ptr<vfs::Inode> NewSysfs() {
  auto fs = std::make_shared<vfs::SyntheticFs>();
  auto dir = [&fs] { return std::make_shared<vfs::SyntheticDir>(fs, 0755); };
  auto root = dir(), devices = dir(), system = dir(), cpu = dir();
  root->Add("devices", devices);
  devices->Add("system", system);
  system->Add("cpu", cpu);
  auto list = [](kernel::Task&) -> ErrnoOr<std::string> { return CpuList(ProcCpuCount()); };
  cpu->Add("online", std::make_shared<vfs::SyntheticFile>(fs, 0444, list));
  cpu->Add("possible", std::make_shared<vfs::SyntheticFile>(fs, 0444, list));
  return root;
}

}  // namespace sentry::fs
