#include "sentry/fs/proc_pid.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "sentry/kernel/pipe.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/path.h"

namespace sentry::fs {
namespace {

using kernel::Kernel;
using kernel::Task;
using kernel::ThreadGroup;
using vfs::SyntheticDir;
using vfs::SyntheticFs;
using vfs::VirtualDentry;

// The thread a (tgid, tid) names: `tid` if it belongs to the group, else
// (tid 0) the leader or any live thread. Null if none. Needs k.mu().
Task* TaskOfLocked(Kernel& k, int tgid, int tid) {
  ThreadGroup* tg = k.ThreadGroupLocked(tgid);
  if (tg == nullptr) return nullptr;
  if (tid != 0) {
    Task* t = k.TaskLocked(tid);
    return t != nullptr && &t->tg() == tg ? t : nullptr;
  }
  for (Task* t : tg->tasks) {
    if (t->tid() == tg->leader_tid) return t;
  }
  return tg->tasks.empty() ? nullptr : tg->tasks.front();
}

int64_t Ticks(absl::Duration d) { return absl::ToInt64Milliseconds(d) * kClockTicks / 1000; }

// What the files of one directory need: the kernel and whom they describe.
struct Subject {
  Kernel* k;
  int tgid;
  int tid;  // 0: the process

  struct Refs {
    std::shared_ptr<mm::MemoryManager> mm;
    std::shared_ptr<kernel::FdTable> fds;
    std::shared_ptr<kernel::FsContext> fs;
  };
  ErrnoOr<Refs> Get() const {
    absl::MutexLock l(&k->mu());
    Task* t = TaskOfLocked(*k, tgid, tid);
    if (t == nullptr) return Errno(ESRCH);
    return Refs{t->mm_ptr(), t->fds_ptr(), t->fs()};
  }
};

int ProcCpuCountImpl() {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<int>(std::clamp<long>(c, 1, 1024));
}

ErrnoOr<ProcTaskInfo> Gather(const Subject& s, Task& caller) {
  ProcTaskInfo info;
  std::shared_ptr<mm::MemoryManager> mm;
  std::shared_ptr<kernel::FsContext> fs;
  std::shared_ptr<kernel::FdTable> fds;
  {
    Kernel& k = *s.k;
    absl::MutexLock l(&k.mu());
    ThreadGroup* tg = k.ThreadGroupLocked(s.tgid);
    if (tg == nullptr) return Errno(ESRCH);
    Task* t = TaskOfLocked(k, s.tgid, s.tid);
    // A zombie process still has its stat and status; a gone thread not.
    if (t == nullptr && (s.tid != 0 || !tg->zombie)) return Errno(ESRCH);
    info.pid = s.tid != 0 ? s.tid : s.tgid;
    info.tgid = s.tgid;
    const bool caller_inside = s.tid != 0 ? t == &caller : &caller.tg() == tg;
    info.state = tg->zombie ? 'Z' : tg->stopped ? 'T' : caller_inside ? 'R' : 'S';
    info.ppid = tg->parent != nullptr ? tg->parent->tgid : 0;
    info.pgrp = tg->pgid;
    info.session = tg->sid;
    absl::Duration ut, st;
    if (s.tid != 0) {
      ut = t->utime();
      st = t->stime();
    } else {
      ut = tg->utime;
      st = tg->stime;
      for (Task* x : tg->tasks) {
        ut += x->utime();
        st += x->stime();
      }
      info.cutime = Ticks(tg->children_utime);
      info.cstime = Ticks(tg->children_stime);
    }
    info.utime = Ticks(ut);
    info.stime = Ticks(st);
    info.num_threads = static_cast<int>(tg->tasks.size());
    info.starttime = Ticks(tg->start_time - k.boot_time());
    info.rsslim = tg->limits[RLIMIT_RSS].rlim_cur;
    info.exit_signal = tg->exit_signal;
    info.sig_shared_pending = tg->pending.set();
    if (tg->handlers) {
      for (int sig = 1; sig <= kernel::kMaxSignal; ++sig) {
        const uint64_t h = tg->handlers->of(sig).handler;
        if (h == kernel::kSigIgn) info.sig_ignored |= kernel::SigBit(sig);
        if (h > kernel::kSigIgn) info.sig_caught |= kernel::SigBit(sig);
      }
    }
    if (t != nullptr) {
      info.comm = t->comm;
      info.sig_pending = t->pending().set() | (s.tid == 0 ? tg->pending.set() : 0);
      info.sig_blocked = t->signal_mask();
      const kernel::Credentials& c = t->creds();
      info.uid[0] = c.uid, info.uid[1] = c.euid, info.uid[2] = c.suid, info.uid[3] = c.fsuid;
      info.gid[0] = c.gid, info.gid[1] = c.egid, info.gid[2] = c.sgid, info.gid[3] = c.fsgid;
      info.groups = c.groups;
      info.cap_inh = c.cap_inheritable;
      info.cap_prm = c.cap_permitted;
      info.cap_eff = c.cap_effective;
      info.cap_bnd = (uint64_t{1} << 41) - 1;  // CAP_LAST_CAP 40
      info.no_new_privs = t->no_new_privs;
      mm = t->mm_ptr();
      fs = t->fs();
      fds = t->fds_ptr();
    }
  }
  info.ncpus = ProcCpuCountImpl();
  if (fs) {
    absl::MutexLock l(&fs->mu);
    info.umask = fs->umask;
  }
  if (fds) {
    auto open = fds->Fds();
    const int top = open.empty() ? 0 : open.back() + 1;
    info.fd_size = std::max(64, (top + 63) / 64 * 64);
  }
  if (mm) {
    for (const mm::Vma& v : mm->Vmas()) {
      info.vsize += v.length();
      if (v.name == "[stack]") {
        info.vm_stack += v.length();
      } else if (v.anonymous() && v.private_() && (v.prot & PROT_WRITE) != 0) {
        info.vm_data += v.length();
      } else if ((v.prot & PROT_EXEC) != 0) {
        info.vm_exe += v.length();
      }
    }
    info.rss = mm->PopulatedPages();
    info.brk = mm->brk();
    info.start_brk = info.brk;
    const mm::ImageInfo img = mm->image_info();
    info.arg_start = img.arg_start;
    info.arg_end = img.arg_end;
    info.env_start = img.env_start;
    info.env_end = img.env_end;
  }
  return info;
}

// Bytes [start, end) of the subject's memory (cmdline, environ).
ErrnoOr<std::string> ReadMemory(const Subject& s, bool environ) {
  auto refs = s.Get();
  if (!refs.ok()) return refs.error();
  if (!refs->mm) return std::string();
  const mm::ImageInfo img = refs->mm->image_info();
  const uint64_t start = environ ? img.env_start : img.arg_start;
  const uint64_t end = environ ? img.env_end : img.arg_end;
  if (end <= start) return std::string();
  std::string out(end - start, '\0');
  auto n = refs->mm->CopyInPartial(start, out.data(), out.size());
  if (!n.ok()) return std::string();
  out.resize(*n);
  return out;
}

// readlink's text for an open file, as `caller` sees it.
std::string FileName(Task& caller, kernel::File& f) {
  if (auto* vf = dynamic_cast<vfs::VfsFile*>(&f)) {
    const VirtualDentry root = vfs::RootOf(caller);
    const VirtualDentry& vd = vf->vd();
    if (auto p = vfs::PathOf(root, vd); p.ok()) return *p;
    // Removed: its last place, as Linux's d_path shows it.
    auto parent = vd.dentry->parent();
    std::string dir = "/";
    if (parent) {
      auto p = vfs::PathOf(root, {vd.mount, parent});
      if (p.ok()) dir = *p;
    }
    if (dir.back() != '/') dir += "/";
    return dir + vd.dentry->name() + " (deleted)";
  }
  if (auto* pf = dynamic_cast<kernel::PipeFile*>(&f)) {
    return absl::StrFormat("pipe:[%u]", (reinterpret_cast<uintptr_t>(&pf->pipe()) >> 4) & 0xffffffff);
  }
  struct stat st {};
  if (f.Stat(&st).ok()) {
    if (S_ISFIFO(st.st_mode)) return absl::StrFormat("pipe:[%u]", st.st_ino);
    if (S_ISSOCK(st.st_mode)) return absl::StrFormat("socket:[%u]", st.st_ino);
    if (f.IsTty()) return "/dev/console";
    if (S_ISCHR(st.st_mode)) return "/dev/null";
  }
  return "anon_inode:[unknown]";
}

// The mode a non-VFS file shows through a magic link.
uint32_t AnonMode(kernel::File& f) {
  struct stat st {};
  if (f.Stat(&st).ok() && (st.st_mode & S_IFMT) != 0) return (st.st_mode & S_IFMT) | 0600;
  return S_IFREG | 0600;
}

// Opening a non-VFS file through its magic link: a pipe gives a new end of
// the same pipe in the mode asked for (a new open file description, as
// Linux's FIFO open does; O_RDWR keeps the end the fd has); anything else
// gives the file itself.
vfs::AnonOpenFn ReopenFn(std::shared_ptr<kernel::File> f) {
  return [f](uint32_t flags) -> ErrnoOr<std::shared_ptr<kernel::File>> {
    auto* pf = dynamic_cast<kernel::PipeFile*>(f.get());
    const uint32_t acc = flags & O_ACCMODE;
    if (pf == nullptr || acc == O_RDWR) return f;
    const uint32_t status = flags & (O_NONBLOCK | O_DIRECT);
    return std::shared_ptr<kernel::File>(
        std::make_shared<kernel::PipeFile>(pf->shared_pipe(), acc == O_RDONLY, acc | status));
  };
}

std::shared_ptr<kernel::File> FileAt(const Subject& s, int fd) {
  auto refs = s.Get();
  if (!refs.ok() || !refs->fds) return nullptr;
  return refs->fds->Get(fd);
}

std::shared_ptr<vfs::SyntheticInode> FdLink(const Subject& s, std::shared_ptr<SyntheticFs> fs, int fd) {
  return std::make_shared<vfs::MagicLink>(
      std::move(fs),
      [s, fd](Task& caller) -> ErrnoOr<std::string> {
        auto f = FileAt(s, fd);
        if (!f) return Errno(ENOENT);
        return FileName(caller, *f);
      },
      [s, fd](Task& caller) -> ErrnoOr<VirtualDentry> {
        auto f = FileAt(s, fd);
        if (!f) return Errno(ENOENT);
        if (auto* vf = dynamic_cast<vfs::VfsFile*>(f.get())) return vf->vd();
        return vfs::AnonVirtualDentry(ReopenFn(f), AnonMode(*f), caller.creds().euid,
                                      caller.creds().egid);
      });
}

std::string FdInfo(const Subject& s, int fd) {
  auto refs = s.Get();
  if (!refs.ok() || !refs->fds) return "";
  auto f = refs->fds->Get(fd);
  if (!f) return "";
  int64_t pos = 0;
  if (f->Positional()) {
    auto p = f->Seek(0, SEEK_CUR);
    if (p.ok()) pos = *p;
  }
  uint32_t flags = f->flags();
  auto cloexec = refs->fds->GetCloexec(fd);
  if (cloexec.ok() && *cloexec) flags |= O_CLOEXEC;
  struct stat st {};
  int mnt_id = 0;
  if (auto* vf = dynamic_cast<vfs::VfsFile*>(f.get())) {
    (void)vf->Stat(&st);
    mnt_id = vf->vd().mount->id();
  }
  return absl::StrFormat("pos:\t%d\nflags:\t0%o\nmnt_id:\t%d\nino:\t%u\n", pos, flags, mnt_id,
                         st.st_ino);
}

// A directory listing one entry per open fd of the subject (fd/ or
// fdinfo/); entries are cached per fd number so their inodes stay stable.
std::shared_ptr<SyntheticDir> FdDir(const Subject& s, std::shared_ptr<SyntheticFs> fs, bool info) {
  auto dir = std::make_shared<SyntheticDir>(fs, info ? 0500 : 0500);
  auto cache = std::make_shared<std::pair<absl::Mutex, std::map<int, std::shared_ptr<vfs::Inode>>>>();
  auto entry = [s, fs, info, cache](int fd) {
    absl::MutexLock l(&cache->first);
    auto& slot = cache->second[fd];
    if (!slot) {
      if (info) {
        slot = std::make_shared<vfs::SyntheticFile>(
            fs, 0444, [s, fd](Task&) -> ErrnoOr<std::string> {
              std::string text = FdInfo(s, fd);
              if (text.empty()) return Errno(ENOENT);
              return text;
            });
      } else {
        slot = FdLink(s, fs, fd);
      }
    }
    return slot;
  };
  dir->SetDynamic(
      [s, entry, info]() {
        std::vector<vfs::DirEntry> out;
        auto refs = s.Get();
        if (!refs.ok() || !refs->fds) return out;
        for (int fd : refs->fds->Fds()) {
          out.push_back({entry(fd)->Stat().ino, static_cast<uint8_t>(info ? DT_REG : DT_LNK),
                         std::to_string(fd)});
        }
        return out;
      },
      [s, entry](const std::string& name) -> ErrnoOr<std::shared_ptr<vfs::Inode>> {
        int fd;
        if (!absl::SimpleAtoi(name, &fd) || fd < 0 || std::to_string(fd) != name) {
          return Errno(ENOENT);
        }
        if (!FileAt(s, fd)) return Errno(ENOENT);
        return entry(fd);
      });
  return dir;
}

// A link to the subject's cwd or root.
std::shared_ptr<vfs::SyntheticInode> FsLink(const Subject& s, std::shared_ptr<SyntheticFs> fs, bool root) {
  auto where = [s, root]() -> ErrnoOr<VirtualDentry> {
    auto refs = s.Get();
    if (!refs.ok()) return refs.error();
    if (!refs->fs) return Errno(ENOENT);
    absl::MutexLock l(&refs->fs->mu);
    VirtualDentry vd = root ? VirtualDentry{refs->fs->root_mount, refs->fs->root}
                            : VirtualDentry{refs->fs->cwd_mount, refs->fs->cwd};
    if (!vd.dentry) return Errno(ENOENT);
    return vd;
  };
  return std::make_shared<vfs::MagicLink>(
      std::move(fs),
      [where](Task& caller) -> ErrnoOr<std::string> {
        auto vd = where();
        if (!vd.ok()) return vd.error();
        return vfs::PathOf(vfs::RootOf(caller), *vd);
      },
      [where](Task&) { return where(); });
}

}  // namespace

int ProcCpuCount() { return ProcCpuCountImpl(); }

namespace {

// Appends `m` and the mounts under it, depth first in mount order.
void AddMountLines(const VirtualDentry& root, const std::shared_ptr<vfs::Mount>& m,
                   std::vector<MountLine>& out) {
  auto path = vfs::PathOf(root, {m, m->root()});
  MountLine line{m->source(), path.ok() ? *path : "/", m->fstype(), m->flags()};
  line.id = m->id();
  auto parent = m->parent();
  line.parent_id = parent ? parent->id() : m->id();
  line.dev = m->root()->inode().Stat().dev;
  // The mount's root within its filesystem (not "/" for bind mounts).
  std::string within;
  for (auto d = m->root(); d->parent() != nullptr; d = d->parent()) within = "/" + d->name() + within;
  line.root = within.empty() ? "/" : within;
  out.push_back(std::move(line));
  for (const auto& child : m->Children()) AddMountLines(root, child, out);
}

}  // namespace

std::vector<MountLine> MountLinesOf(const VirtualDentry& root) {
  std::vector<MountLine> out;
  if (!root.mount) return out;
  std::shared_ptr<vfs::Mount> top = root.mount;
  while (auto p = top->parent()) top = p;
  AddMountLines(root, top, out);
  return out;
}

std::shared_ptr<vfs::Inode> NewProcPidDir(Kernel& k, std::shared_ptr<SyntheticFs> fs, int tgid,
                                          int tid) {
  const Subject s{&k, tgid, tid};
  auto dir = std::make_shared<SyntheticDir>(fs, 0555);
  std::vector<std::shared_ptr<vfs::SyntheticInode>> owned = {dir};
  auto add = [&](const char* name, std::shared_ptr<vfs::SyntheticInode> child) {
    owned.push_back(child);
    dir->Add(name, std::move(child));
  };
  auto file = [&](const char* name, uint32_t perm, vfs::ContentFn fn, vfs::WriteFn w = nullptr) {
    add(name, std::make_shared<vfs::SyntheticFile>(fs, perm, std::move(fn), std::move(w)));
  };
  auto info_file = [&](const char* name, std::string (*format)(const ProcTaskInfo&)) {
    file(name, 0444, [s, format](Task& caller) -> ErrnoOr<std::string> {
      auto info = Gather(s, caller);
      if (!info.ok()) return info.error();
      return format(*info);
    });
  };
  info_file("stat", FormatStat);
  info_file("status", FormatStatus);
  file("cmdline", 0444, [s](Task&) { return ReadMemory(s, false); });
  file("environ", 0400, [s](Task&) { return ReadMemory(s, true); });
  file(
      "comm", 0644,
      [s](Task&) -> ErrnoOr<std::string> {
        absl::MutexLock l(&s.k->mu());
        Task* t = TaskOfLocked(*s.k, s.tgid, s.tid);
        if (t == nullptr) return Errno(ESRCH);
        return t->comm + "\n";
      },
      [s](const std::string& data, int64_t) -> ErrnoOr<size_t> {
        std::string name = data.substr(0, data.find('\n')).substr(0, 15);
        absl::MutexLock l(&s.k->mu());
        Task* t = TaskOfLocked(*s.k, s.tgid, s.tid);
        if (t == nullptr) return Errno(ESRCH);
        t->comm = name;
        return data.size();
      });
  file("maps", 0444, [s](Task&) -> ErrnoOr<std::string> {
    auto refs = s.Get();
    if (!refs.ok()) return refs.error();
    if (!refs->mm) return std::string();
    return FormatMaps(refs->mm->Vmas());
  });
  file("smaps", 0444, [s](Task&) -> ErrnoOr<std::string> {
    auto refs = s.Get();
    if (!refs.ok()) return refs.error();
    if (!refs->mm) return std::string();
    std::vector<mm::Vma> vmas = refs->mm->Vmas();
    std::vector<size_t> rss;
    rss.reserve(vmas.size());
    for (const mm::Vma& v : vmas) rss.push_back(refs->mm->PopulatedPages(v.start, v.end));
    return FormatSmaps(vmas, rss);
  });
  file("limits", 0444, [s](Task&) -> ErrnoOr<std::string> {
    std::array<struct rlimit, RLIM_NLIMITS> limits;
    {
      absl::MutexLock l(&s.k->mu());
      ThreadGroup* tg = s.k->ThreadGroupLocked(s.tgid);
      if (tg == nullptr) return Errno(ESRCH);
      limits = tg->limits;
    }
    return FormatLimits(limits);
  });
  auto mounts_file = [&](const char* name, std::string (*format)(const std::vector<MountLine>&)) {
    file(name, 0444, [s, format](Task&) -> ErrnoOr<std::string> {
      auto refs = s.Get();
      if (!refs.ok()) return refs.error();
      if (!refs->fs) return std::string();
      VirtualDentry root;
      {
        absl::MutexLock l(&refs->fs->mu);
        root = {refs->fs->root_mount, refs->fs->root};
      }
      return format(MountLinesOf(root));
    });
  };
  mounts_file("mounts", FormatMounts);
  mounts_file("mountinfo", FormatMountInfo);
  add("fd", FdDir(s, fs, false));
  add("fdinfo", FdDir(s, fs, true));
  add("exe", std::make_shared<vfs::SyntheticSymlink>(fs, [s](Task&) -> ErrnoOr<std::string> {
    auto refs = s.Get();
    if (!refs.ok()) return refs.error();
    if (!refs->mm) return Errno(ENOENT);
    std::string exe = refs->mm->image_info().exe;
    if (exe.empty()) return Errno(ENOENT);
    return exe;
  }));
  add("cwd", FsLink(s, fs, false));
  add("root", FsLink(s, fs, true));
  if (tid == 0) {
    auto tasks = std::make_shared<SyntheticDir>(fs, 0555);
    auto cache = std::make_shared<std::pair<absl::Mutex, std::map<int, std::shared_ptr<vfs::Inode>>>>();
    auto entry = [&k, fs, tgid, cache](int t) {
      absl::MutexLock l(&cache->first);
      auto& slot = cache->second[t];
      if (!slot) slot = NewProcPidDir(k, fs, tgid, t);
      return slot;
    };
    auto tids = [s]() {
      std::vector<int> out;
      absl::MutexLock l(&s.k->mu());
      if (ThreadGroup* tg = s.k->ThreadGroupLocked(s.tgid)) {
        for (Task* t : tg->tasks) out.push_back(t->tid());
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    tasks->SetDynamic(
        [tids, entry]() {
          std::vector<vfs::DirEntry> out;
          for (int t : tids()) out.push_back({entry(t)->Stat().ino, DT_DIR, std::to_string(t)});
          return out;
        },
        [tids, entry](const std::string& name) -> ErrnoOr<std::shared_ptr<vfs::Inode>> {
          for (int t : tids()) {
            if (std::to_string(t) == name) return entry(t);
          }
          return Errno(ENOENT);
        });
    add("task", tasks);
  }
  // Owned by the process's effective ids, as Linux shows a dumpable task.
  {
    absl::MutexLock l(&k.mu());
    if (Task* t = TaskOfLocked(k, tgid, tid)) {
      for (auto& inode : owned) inode->SetOwner(t->creds().euid, t->creds().egid);
    }
  }
  return dir;
}

}  // namespace sentry::fs
