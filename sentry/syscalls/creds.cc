// Credentials: get/set of real, effective, saved and fs user and group IDs,
// supplementary groups, and capabilities, with Linux's permission rules
// (CAP_SETUID/CAP_SETGID) and its capability side effects of uid changes.
// Credentials are per task, as on Linux (glibc makes setuid process-wide by
// calling it in every thread).
#include <linux/capability.h>
#include <sys/syscall.h>

#include <cerrno>
#include <vector>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

using kernel::Credentials;

constexpr uint32_t kUnchanged = 0xffffffffu;
constexpr uint64_t kCapSetgid = 1ull << CAP_SETGID;
constexpr uint64_t kCapSetuid = 1ull << CAP_SETUID;
constexpr uint64_t kCapSetpcap = 1ull << CAP_SETPCAP;
constexpr size_t kNgroupsMax = 65536;

bool Capable(const Credentials& c, uint64_t cap) { return (c.cap_effective & cap) != 0; }

SyscallReturn Getuid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().uid); }
SyscallReturn Geteuid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().euid); }
SyscallReturn Getgid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().gid); }
SyscallReturn Getegid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().egid); }

SyscallReturn GetTriple(Task& t, const SyscallArguments& a, uint32_t r, uint32_t e, uint32_t s) {
  if (!t.mm().CopyOut(a[0], &r, 4).ok() || !t.mm().CopyOut(a[1], &e, 4).ok() ||
      !t.mm().CopyOut(a[2], &s, 4).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Getresuid(Task& t, const SyscallArguments& a) {
  const Credentials& c = t.creds();
  return GetTriple(t, a, c.uid, c.euid, c.suid);
}

SyscallReturn Getresgid(Task& t, const SyscallArguments& a) {
  const Credentials& c = t.creds();
  return GetTriple(t, a, c.gid, c.egid, c.sgid);
}

// Linux's cap_emulate_setxuid: capabilities follow uid 0.
void FixCapsAfterUidChange(Credentials& c, const Credentials& old) {
  bool old_root_any = old.uid == 0 || old.euid == 0 || old.suid == 0;
  bool new_root_any = c.uid == 0 || c.euid == 0 || c.suid == 0;
  if (old_root_any && !new_root_any) {
    if (!old.keep_caps) c.cap_permitted = 0;
    c.cap_effective = 0;
  }
  if (old.euid == 0 && c.euid != 0) c.cap_effective = 0;
  if (old.euid != 0 && c.euid == 0) c.cap_effective = c.cap_permitted;
}

// Installs new credentials (the kernel lock orders them against readers).
SyscallReturn Commit(Task& t, const Credentials& next) {
  absl::MutexLock l(&t.kernel().mu());
  t.creds() = next;
  return SyscallReturn::Ok(0);
}

// setresuid/setresgid core over one (real, effective, saved, fs) quadruple.
struct IdQuad {
  uint32_t* r;
  uint32_t* e;
  uint32_t* s;
  uint32_t* fs;
};

bool MayUse(uint32_t id, const IdQuad& cur) { return id == *cur.r || id == *cur.e || id == *cur.s; }

SyscallReturn SetRes(Task& t, uint32_t r, uint32_t e, uint32_t s, bool uid) {
  Credentials next = t.creds();
  IdQuad q = uid ? IdQuad{&next.uid, &next.euid, &next.suid, &next.fsuid}
                 : IdQuad{&next.gid, &next.egid, &next.sgid, &next.fsgid};
  bool privileged = Capable(next, uid ? kCapSetuid : kCapSetgid);
  if (!privileged) {
    for (uint32_t id : {r, e, s}) {
      if (id != kUnchanged && !MayUse(id, q)) return SyscallReturn::Err(EPERM);
    }
  }
  if (r != kUnchanged) *q.r = r;
  if (e != kUnchanged) *q.e = e;
  if (s != kUnchanged) *q.s = s;
  *q.fs = *q.e;
  if (uid) FixCapsAfterUidChange(next, t.creds());
  return Commit(t, next);
}

SyscallReturn Setresuid(Task& t, const SyscallArguments& a) {
  return SetRes(t, static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]),
                static_cast<uint32_t>(a[2]), true);
}

SyscallReturn Setresgid(Task& t, const SyscallArguments& a) {
  return SetRes(t, static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]),
                static_cast<uint32_t>(a[2]), false);
}

SyscallReturn SetOne(Task& t, uint32_t id, bool uid) {
  if (id == kUnchanged) return SyscallReturn::Err(EINVAL);
  Credentials next = t.creds();
  IdQuad q = uid ? IdQuad{&next.uid, &next.euid, &next.suid, &next.fsuid}
                 : IdQuad{&next.gid, &next.egid, &next.sgid, &next.fsgid};
  if (Capable(next, uid ? kCapSetuid : kCapSetgid)) {
    *q.r = *q.e = *q.s = *q.fs = id;
  } else if (id == *q.r || id == *q.s) {
    *q.e = *q.fs = id;
  } else {
    return SyscallReturn::Err(EPERM);
  }
  if (uid) FixCapsAfterUidChange(next, t.creds());
  return Commit(t, next);
}

SyscallReturn Setuid(Task& t, const SyscallArguments& a) {
  return SetOne(t, static_cast<uint32_t>(a[0]), true);
}
SyscallReturn Setgid(Task& t, const SyscallArguments& a) {
  return SetOne(t, static_cast<uint32_t>(a[0]), false);
}

SyscallReturn SetRe(Task& t, uint32_t r, uint32_t e, bool uid) {
  Credentials next = t.creds();
  IdQuad q = uid ? IdQuad{&next.uid, &next.euid, &next.suid, &next.fsuid}
                 : IdQuad{&next.gid, &next.egid, &next.sgid, &next.fsgid};
  bool privileged = Capable(next, uid ? kCapSetuid : kCapSetgid);
  const uint32_t old_r = *q.r;
  if (!privileged) {
    if (r != kUnchanged && r != *q.r && r != *q.e) return SyscallReturn::Err(EPERM);
    if (e != kUnchanged && !MayUse(e, q)) return SyscallReturn::Err(EPERM);
  }
  if (r != kUnchanged) *q.r = r;
  if (e != kUnchanged) *q.e = e;
  if (r != kUnchanged || (e != kUnchanged && e != old_r)) *q.s = *q.e;
  *q.fs = *q.e;
  if (uid) FixCapsAfterUidChange(next, t.creds());
  return Commit(t, next);
}

SyscallReturn Setreuid(Task& t, const SyscallArguments& a) {
  return SetRe(t, static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]), true);
}
SyscallReturn Setregid(Task& t, const SyscallArguments& a) {
  return SetRe(t, static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]), false);
}

// setfsuid/setfsgid return the old value and never fail visibly.
SyscallReturn SetFs(Task& t, uint32_t id, bool uid) {
  Credentials next = t.creds();
  IdQuad q = uid ? IdQuad{&next.uid, &next.euid, &next.suid, &next.fsuid}
                 : IdQuad{&next.gid, &next.egid, &next.sgid, &next.fsgid};
  uint32_t old = *q.fs;
  if (id != kUnchanged &&
      (Capable(next, uid ? kCapSetuid : kCapSetgid) || MayUse(id, q) || id == *q.fs)) {
    *q.fs = id;
    Commit(t, next);
  }
  return SyscallReturn::Ok(old);
}

SyscallReturn Setfsuid(Task& t, const SyscallArguments& a) {
  return SetFs(t, static_cast<uint32_t>(a[0]), true);
}
SyscallReturn Setfsgid(Task& t, const SyscallArguments& a) {
  return SetFs(t, static_cast<uint32_t>(a[0]), false);
}

SyscallReturn Getgroups(Task& t, const SyscallArguments& a) {
  int size = static_cast<int>(a[0]);
  const auto& g = t.creds().groups;
  if (size < 0) return SyscallReturn::Err(EINVAL);
  if (size == 0) return SyscallReturn::Ok(static_cast<int64_t>(g.size()));
  if (static_cast<size_t>(size) < g.size()) return SyscallReturn::Err(EINVAL);
  if (!g.empty() && !t.mm().CopyOut(a[1], g.data(), g.size() * 4).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(static_cast<int64_t>(g.size()));
}

SyscallReturn Setgroups(Task& t, const SyscallArguments& a) {
  int size = static_cast<int>(a[0]);
  if (size < 0 || static_cast<size_t>(size) > kNgroupsMax) return SyscallReturn::Err(EINVAL);
  if (!Capable(t.creds(), kCapSetgid)) return SyscallReturn::Err(EPERM);
  std::vector<uint32_t> groups(size);
  if (size > 0 && !t.mm().CopyIn(a[1], groups.data(), groups.size() * 4).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  Credentials next = t.creds();
  next.groups = std::move(groups);
  return Commit(t, next);
}

// capget/capset header versions and how many u32 words each set uses.
ErrnoOr<int> CapWords(Task& t, uint64_t hdr_addr, int* pid) {
  __user_cap_header_struct hdr;
  if (!t.mm().CopyIn(hdr_addr, &hdr, sizeof(hdr)).ok()) return Errno(EFAULT);
  *pid = hdr.pid;
  switch (hdr.version) {
    case _LINUX_CAPABILITY_VERSION_1:
      return 1;
    case _LINUX_CAPABILITY_VERSION_2:
    case _LINUX_CAPABILITY_VERSION_3:
      return 2;
    default:
      hdr.version = _LINUX_CAPABILITY_VERSION_3;
      if (!t.mm().CopyOut(hdr_addr, &hdr, sizeof(hdr)).ok()) return Errno(EFAULT);
      return Errno(EINVAL);
  }
}

SyscallReturn Capget(Task& t, const SyscallArguments& a) {
  int pid = 0;
  auto words = CapWords(t, a[0], &pid);
  if (!words.ok()) {
    // A version probe (unknown version, no data) succeeds after the header
    // was rewritten with the preferred version, as on Linux.
    if (a[1] == 0 && words.error().value() == EINVAL) return SyscallReturn::Ok(0);
    return SyscallReturn::From(words.error());
  }
  if (pid < 0) return SyscallReturn::Err(EINVAL);
  Credentials c = t.creds();
  if (pid != 0 && pid != t.tid()) {
    absl::MutexLock l(&t.kernel().mu());
    kernel::Task* o = t.kernel().TaskLocked(pid);
    if (o == nullptr) return SyscallReturn::Err(ESRCH);
    c = o->creds();
  }
  if (a[1] == 0) return SyscallReturn::Ok(0);
  __user_cap_data_struct data[2];
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(c.cap_effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(c.cap_permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(c.cap_inheritable >> (32 * i));
  }
  if (!t.mm().CopyOut(a[1], data, sizeof(data[0]) * *words).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Capset(Task& t, const SyscallArguments& a) {
  int pid = 0;
  auto words = CapWords(t, a[0], &pid);
  if (!words.ok()) return SyscallReturn::From(words.error());
  if (pid != 0 && pid != t.tid()) return SyscallReturn::Err(EPERM);
  __user_cap_data_struct data[2] = {};
  if (!t.mm().CopyIn(a[1], data, sizeof(data[0]) * *words).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  auto join = [&](uint32_t __user_cap_data_struct::*f) {
    return uint64_t{data[0].*f} | (*words == 2 ? uint64_t{data[1].*f} << 32 : 0);
  };
  uint64_t eff = join(&__user_cap_data_struct::effective);
  uint64_t perm = join(&__user_cap_data_struct::permitted);
  uint64_t inh = join(&__user_cap_data_struct::inheritable);
  Credentials next = t.creds();
  if ((perm & ~next.cap_permitted) != 0) return SyscallReturn::Err(EPERM);
  if ((eff & ~perm) != 0) return SyscallReturn::Err(EPERM);
  uint64_t inh_allowed = next.cap_inheritable |
                         (Capable(next, kCapSetpcap) ? next.cap_permitted : 0);
  if ((inh & ~(inh_allowed | next.cap_permitted)) != 0 && !Capable(next, kCapSetpcap)) {
    return SyscallReturn::Err(EPERM);
  }
  next.cap_effective = eff;
  next.cap_permitted = perm;
  next.cap_inheritable = inh;
  return Commit(t, next);
}

}  // namespace

void RegisterCreds(SyscallTable& t) {
  t.Register(SYS_getuid, Getuid);
  t.Register(SYS_geteuid, Geteuid);
  t.Register(SYS_getgid, Getgid);
  t.Register(SYS_getegid, Getegid);
  t.Register(SYS_getresuid, Getresuid);
  t.Register(SYS_getresgid, Getresgid);
  t.Register(SYS_setuid, Setuid);
  t.Register(SYS_setgid, Setgid);
  t.Register(SYS_setreuid, Setreuid);
  t.Register(SYS_setregid, Setregid);
  t.Register(SYS_setresuid, Setresuid);
  t.Register(SYS_setresgid, Setresgid);
  t.Register(SYS_setfsuid, Setfsuid);
  t.Register(SYS_setfsgid, Setfsgid);
  t.Register(SYS_getgroups, Getgroups);
  t.Register(SYS_setgroups, Setgroups);
  t.Register(SYS_capget, Capget);
  t.Register(SYS_capset, Capset);
}

}  // namespace sentry::syscalls
