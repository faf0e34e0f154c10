// The procfs text formats against lines Linux prints.
#include "sentry/fs/proc_format.h"

#include <sys/mount.h>

#include <sstream>

#include "gtest/gtest.h"

namespace sentry::fs {
namespace {

TEST(ProcFormat, StatHas52FieldsAndCommInParens) {
  ProcTaskInfo t;
  t.pid = t.tgid = 7;
  t.comm = "a b)";  // spaces and parens stay inside the parentheses
  t.state = 'R';
  t.ppid = 1;
  t.pgrp = t.session = 7;
  t.num_threads = 3;
  t.arg_start = 0x1000;
  t.exit_signal = 17;
  std::string s = FormatStat(t);
  ASSERT_EQ(s.rfind("7 (a b)) R 1 7 7 0 -1 ", 0), 0u) << s;
  EXPECT_EQ(s.back(), '\n');
  std::istringstream in(s.substr(s.rfind(')') + 1));
  std::vector<std::string> f;
  std::string x;
  while (in >> x) f.push_back(x);
  ASSERT_EQ(f.size(), 50u);
  EXPECT_EQ(f[20 - 3], "3");                      // num_threads
  EXPECT_EQ(f[25 - 3], "18446744073709551615");   // rsslim: RLIM_INFINITY
  EXPECT_EQ(f[38 - 3], "17");                     // exit_signal
  EXPECT_EQ(f[48 - 3], "4096");                   // arg_start
}

TEST(ProcFormat, StatusLines) {
  ProcTaskInfo t;
  t.pid = 9;
  t.tgid = 8;
  t.comm = "x";
  t.groups = {4, 5};
  t.sig_blocked = 1u << 1;
  t.ncpus = 4;
  std::string s = FormatStatus(t);
  EXPECT_NE(s.find("Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t8\n"), std::string::npos);
  EXPECT_NE(s.find("\nPid:\t9\n"), std::string::npos);
  EXPECT_NE(s.find("\nGroups:\t4 5 \n"), std::string::npos);
  EXPECT_NE(s.find("\nSigBlk:\t0000000000000002\n"), std::string::npos);
  EXPECT_NE(s.find("\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n"), std::string::npos);
  EXPECT_NE(s.find("\nVmRSS:\t       0 kB\n"), std::string::npos);
}

TEST(ProcFormat, MapsPadsNamesToColumn73) {
  mm::Vma anon;
  anon.start = 0x400000;
  anon.end = 0x401000;
  anon.prot = PROT_READ | PROT_EXEC;
  mm::Vma stack;
  stack.start = 0x7ffffffde000;
  stack.end = 0x7ffffffff000;
  stack.prot = PROT_READ | PROT_WRITE;
  stack.name = "[stack]";
  std::string m = FormatMaps({anon, stack});
  EXPECT_EQ(m,
            "00400000-00401000 r-xp 00000000 00:00 0 \n"
            "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n");
  EXPECT_EQ(m.find("[stack]") - m.find('\n') - 1, 73u);
}

TEST(ProcFormat, SmapsSizes) {
  mm::Vma v;
  v.start = 0x10000;
  v.end = 0x14000;
  v.prot = PROT_READ | PROT_WRITE;
  v.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN;
  v.name = "[stack]";
  std::string s = FormatSmaps({v}, {2});
  EXPECT_EQ(s.rfind(FormatMaps({v}), 0), 0u);
  EXPECT_NE(s.find("\nSize:                 16 kB\nKernelPageSize:        4 kB\n"), std::string::npos);
  EXPECT_NE(s.find("\nRss:                   8 kB\n"), std::string::npos);
  EXPECT_NE(s.find("\nVmFlags: rd wr mr mw me gd \n"), std::string::npos) << s;
}

TEST(ProcFormat, Limits) {
  std::array<struct rlimit, RLIM_NLIMITS> l{};
  for (auto& r : l) r = {RLIM_INFINITY, RLIM_INFINITY};
  l[RLIMIT_NOFILE] = {1024, 4096};
  std::string s = FormatLimits(l);
  EXPECT_EQ(s.rfind("Limit                     Soft Limit           Hard Limit           Units     \n", 0), 0u);
  EXPECT_NE(s.find("\nMax open files            1024                 4096                 files     \n"),
            std::string::npos);
  EXPECT_NE(s.find("\nMax nice priority         unlimited            unlimited            \n"),
            std::string::npos);
}

TEST(ProcFormat, MountsAndCpuList) {
  EXPECT_EQ(FormatMounts({{"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC},
                          {"none", "/", "tmpfs", MS_RDONLY}}),
            "proc /proc proc rw,nosuid,nodev,noexec 0 0\nnone / tmpfs ro 0 0\n");
  MountLine bind{"none", "/b", "tmpfs", MS_RDONLY, 7, 1, 0x101, "/sub"};
  EXPECT_EQ(FormatMountInfo({bind}), "7 1 0:257 /sub /b ro - tmpfs none ro\n");
  EXPECT_EQ(CpuList(1), "0\n");
  EXPECT_EQ(CpuList(8), "0-7\n");
}

}  // namespace
}  // namespace sentry::fs
