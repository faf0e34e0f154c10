#include "sentry/fs/proc_format.h"

#include <sys/mount.h>

#include <cinttypes>
#include <cstdio>

#include "absl/strings/str_format.h"

namespace sentry::fs {
namespace {

const char* StateName(char s) {
  switch (s) {
    case 'R': return "R (running)";
    case 'T': return "T (stopped)";
    case 'Z': return "Z (zombie)";
    default: return "S (sleeping)";
  }
}

// Linux's %*pb of a cpumask: hex, 32-bit groups separated by commas.
std::string CpuMask(int ncpus) {
  std::vector<uint32_t> words(static_cast<size_t>((ncpus + 31) / 32), 0);
  for (int i = 0; i < ncpus; ++i) words[static_cast<size_t>(i / 32)] |= 1u << (i % 32);
  std::string out;
  for (size_t i = words.size(); i-- > 0;) {
    if (!out.empty()) out += ",";
    out += i + 1 == words.size() ? absl::StrFormat("%x", words[i]) : absl::StrFormat("%08x", words[i]);
  }
  return out;
}

std::string Kb(const char* name, uint64_t bytes) {
  return absl::StrFormat("%s:\t%8u kB\n", name, bytes / 1024);
}

}  // namespace

std::string FormatStat(const ProcTaskInfo& t) {
  constexpr uint64_t kObsoleteMask = 0x7fffffff;  // Linux shows only the low 31 signals
  std::string s = absl::StrFormat("%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 ", t.pid, t.comm,
                                  t.state, t.ppid, t.pgrp, t.session);
  s += absl::StrFormat("%d %d %d %d 20 0 %d 0 %d %u %u %u ", t.utime, t.stime, t.cutime,
                       t.cstime, t.num_threads, t.starttime, t.vsize, t.rss, t.rsslim);
  s += absl::StrFormat("0 0 %u 0 0 %u %u %u %u 0 0 0 %d 0 0 0 0 0 0 ", t.startstack,
                       t.sig_pending & kObsoleteMask, t.sig_blocked & kObsoleteMask,
                       t.sig_ignored & kObsoleteMask, t.sig_caught & kObsoleteMask,
                       t.exit_signal);
  s += absl::StrFormat("0 0 %u %u %u %u %u 0\n", t.start_brk, t.arg_start, t.arg_end,
                       t.env_start, t.env_end);
  return s;
}

std::string FormatStatus(const ProcTaskInfo& t) {
  std::string s;
  s += absl::StrFormat("Name:\t%s\nUmask:\t%04o\nState:\t%s\n", t.comm, t.umask, StateName(t.state));
  s += absl::StrFormat("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t.tgid, t.pid,
                       t.ppid);
  s += absl::StrFormat("Uid:\t%u\t%u\t%u\t%u\n", t.uid[0], t.uid[1], t.uid[2], t.uid[3]);
  s += absl::StrFormat("Gid:\t%u\t%u\t%u\t%u\n", t.gid[0], t.gid[1], t.gid[2], t.gid[3]);
  s += absl::StrFormat("FDSize:\t%d\nGroups:\t", t.fd_size);
  for (size_t i = 0; i < t.groups.size(); ++i) {
    s += absl::StrFormat("%s%u", i == 0 ? "" : " ", t.groups[i]);
  }
  s += " \n";
  s += absl::StrFormat("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", t.tgid, t.pid, t.pgrp,
                       t.session);
  s += Kb("VmPeak", t.vsize) + Kb("VmSize", t.vsize) + Kb("VmLck", 0) + Kb("VmPin", 0) +
       Kb("VmHWM", t.rss * 4096) + Kb("VmRSS", t.rss * 4096) + Kb("RssAnon", t.rss * 4096) +
       Kb("RssFile", 0) + Kb("RssShmem", 0) + Kb("VmData", t.vm_data) + Kb("VmStk", t.vm_stack) +
       Kb("VmExe", t.vm_exe) + Kb("VmLib", 0) + Kb("VmPTE", 0) + Kb("VmSwap", 0) +
       Kb("HugetlbPages", 0);
  s += absl::StrFormat("CoreDumping:\t0\nTHP_enabled:\t0\nThreads:\t%d\nSigQ:\t0/%u\n",
                       t.num_threads, 0u);
  s += absl::StrFormat("SigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\n",
                       t.sig_pending, t.sig_shared_pending, t.sig_blocked, t.sig_ignored,
                       t.sig_caught);
  s += absl::StrFormat("CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x\n",
                       t.cap_inh, t.cap_prm, t.cap_eff, t.cap_bnd, t.cap_amb);
  s += absl::StrFormat("NoNewPrivs:\t%d\nSeccomp:\t0\nSeccomp_filters:\t0\n", t.no_new_privs ? 1 : 0);
  s += absl::StrFormat("Cpus_allowed:\t%s\nCpus_allowed_list:\t%s", CpuMask(t.ncpus), CpuList(t.ncpus));
  s += "Mems_allowed:\t1\nMems_allowed_list:\t0\n";
  s += "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n";
  return s;
}

namespace {

std::string MapsLine(const mm::Vma& v) {
  std::string line = absl::StrFormat(
      "%08x-%08x %c%c%c%c %08x 00:00 0 ", v.start, v.end, (v.prot & PROT_READ) ? 'r' : '-',
      (v.prot & PROT_WRITE) ? 'w' : '-', (v.prot & PROT_EXEC) ? 'x' : '-',
      v.shared() ? 's' : 'p', v.anonymous() ? 0 : v.file_offset);
  std::string name = v.name;
  if (name.empty() && v.file) name = v.file->Name();
  if (!name.empty()) {
    constexpr size_t kWidth = 25 + sizeof(void*) * 6 - 1;  // Linux's seq_setwidth
    if (line.size() < kWidth) line.append(kWidth - line.size(), ' ');
    line += " " + name;
  }
  return line + "\n";
}

}  // namespace

std::string FormatMaps(const std::vector<mm::Vma>& vmas) {
  std::string out;
  for (const mm::Vma& v : vmas) out += MapsLine(v);
  return out;
}

std::string FormatSmaps(const std::vector<mm::Vma>& vmas, const std::vector<size_t>& rss_pages) {
  std::string out;
  for (size_t i = 0; i < vmas.size(); ++i) {
    const mm::Vma& v = vmas[i];
    const uint64_t rss = (i < rss_pages.size() ? rss_pages[i] : 0) * 4096;
    out += MapsLine(v);
    auto kb = [&](const char* label, uint64_t bytes) {
      out += absl::StrFormat("%-16s%8u kB\n", label, bytes / 1024);
    };
    kb("Size:", v.length());
    kb("KernelPageSize:", 4096);
    kb("MMUPageSize:", 4096);
    kb("Rss:", rss);
    kb("Pss:", rss);
    kb("Shared_Clean:", 0);
    kb("Shared_Dirty:", 0);
    kb("Private_Clean:", 0);
    kb("Private_Dirty:", rss);
    kb("Referenced:", rss);
    kb("Anonymous:", v.anonymous() ? rss : 0);
    for (const char* l : {"LazyFree:", "AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:",
                          "Shared_Hugetlb:", "Private_Hugetlb:", "Swap:", "SwapPss:", "Locked:"}) {
      kb(l, 0);
    }
    out += "THPeligible:    0\nVmFlags: ";
    if (v.prot & PROT_READ) out += "rd ";
    if (v.prot & PROT_WRITE) out += "wr ";
    if (v.prot & PROT_EXEC) out += "ex ";
    if (v.shared()) out += "sh ";
    if (v.max_prot & PROT_READ) out += "mr ";
    if (v.max_prot & PROT_WRITE) out += "mw ";
    if (v.max_prot & PROT_EXEC) out += "me ";
    if (v.shared()) out += "ms ";
    if (v.growsdown()) out += "gd ";
    out += "\n";
  }
  return out;
}

std::string FormatLimits(const std::array<struct rlimit, RLIM_NLIMITS>& limits) {
  static constexpr struct {
    const char* name;
    const char* unit;
  } kNames[RLIM_NLIMITS] = {
      {"Max cpu time", "seconds"},       {"Max file size", "bytes"},
      {"Max data size", "bytes"},        {"Max stack size", "bytes"},
      {"Max core file size", "bytes"},   {"Max resident set", "bytes"},
      {"Max processes", "processes"},    {"Max open files", "files"},
      {"Max locked memory", "bytes"},    {"Max address space", "bytes"},
      {"Max file locks", "locks"},       {"Max pending signals", "signals"},
      {"Max msgqueue size", "bytes"},    {"Max nice priority", nullptr},
      {"Max realtime priority", nullptr}, {"Max realtime timeout", "us"},
  };
  std::string s = absl::StrFormat("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit",
                                  "Units");
  auto value = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::string("unlimited") : absl::StrFormat("%u", v);
  };
  for (int i = 0; i < RLIM_NLIMITS; ++i) {
    s += absl::StrFormat("%-25s %-20s %-20s ", kNames[i].name, value(limits[i].rlim_cur),
                         value(limits[i].rlim_max));
    if (kNames[i].unit != nullptr) s += absl::StrFormat("%-10s", kNames[i].unit);
    s += "\n";
  }
  return s;
}

namespace {
std::string MountOptions(uint32_t flags) {
  std::string opts = (flags & MS_RDONLY) ? "ro" : "rw";
  if (flags & MS_NOSUID) opts += ",nosuid";
  if (flags & MS_NODEV) opts += ",nodev";
  if (flags & MS_NOEXEC) opts += ",noexec";
  return opts;
}
}  // namespace

std::string FormatMounts(const std::vector<MountLine>& mounts) {
  std::string out;
  for (const MountLine& m : mounts) {
    out += absl::StrFormat("%s %s %s %s 0 0\n", m.source, m.mountpoint, m.fstype,
                           MountOptions(m.flags));
  }
  return out;
}

std::string FormatMountInfo(const std::vector<MountLine>& mounts) {
  std::string out;
  for (const MountLine& m : mounts) {
    out += absl::StrFormat("%d %d 0:%u %s %s %s - %s %s %s\n", m.id, m.parent_id, m.dev, m.root,
                           m.mountpoint, MountOptions(m.flags), m.fstype, m.source,
                           (m.flags & MS_RDONLY) ? "ro" : "rw");
  }
  return out;
}

std::string CpuList(int ncpus) {
  return ncpus <= 1 ? std::string("0\n") : absl::StrFormat("0-%d\n", ncpus - 1);
}

}  // namespace sentry::fs
