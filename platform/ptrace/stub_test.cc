// stub_test.cc: a stub process holds nothing of the host but its code page,
// its signal stacks and the memory file, and is traced as documented.
#include "platform/ptrace/stub.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "platform/ptrace/address_space.h"
#include "platform/ptrace/context.h"
#include "platform/testing/snippet.h"

namespace platform::ptrace {
namespace {

using platform::testing::CodeState;
using platform::testing::TestSandbox;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

std::string StatusField(pid_t pid, const std::string& field) {
  for (absl::string_view line : absl::StrSplit(ReadFile("/proc/" + std::to_string(pid) + "/status"), '\n')) {
    if (absl::StartsWith(line, field + ":")) {
      std::string v(line.substr(field.size() + 1));
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

pid_t StubPid(TestSandbox& sb) {
  return dynamic_cast<PtraceAddressSpace&>(sb.as()).stub()->pid();
}

SNIPPET(stub_test_syscall, "mov $1000, %eax\n syscall\n")

TEST(StubTest, HoldsOnlyTheMemoryFileAtItsFixedNumber) {
  auto sb = TestSandbox::Create();
  ASSERT_TRUE(sb.ok()) << sb.status();
  const pid_t pid = StubPid(**sb);
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  EXPECT_EQ(ListDir(fd_dir), std::vector<std::string>{std::to_string(kStubMemoryFd)});
  struct stat want, got;
  ASSERT_EQ(fstat((*sb)->memfd(), &want), 0);
  ASSERT_EQ(stat((fd_dir + "/" + std::to_string(kStubMemoryFd)).c_str(), &got), 0);
  EXPECT_EQ(want.st_ino, got.st_ino);
  EXPECT_EQ(want.st_dev, got.st_dev);
}

TEST(StubTest, MapsNothingButStubPagesMemoryFileAndVsyscall) {
  auto sb = TestSandbox::Create();
  ASSERT_TRUE(sb.ok()) << sb.status();
  ASSERT_TRUE((*sb)->LoadCode(stub_test_syscall_begin, stub_test_syscall_end).ok());
  auto ctx = (*sb)->platform().NewContext();
  ASSERT_TRUE(ctx.ok());
  CpuState cpu = CodeState();
  ASSERT_TRUE((*ctx)->Switch((*sb)->as(), cpu).ok());  // creates a stub thread
  const uint64_t max = (*sb)->platform().MaxUserAddress();
  const StubPage& page = **StubPage::Get();
  const std::string maps = ReadFile("/proc/" + std::to_string(StubPid(**sb)) + "/maps");
  int memfd_maps = 0, stub_maps = 0;
  for (absl::string_view line : absl::StrSplit(maps, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    ASSERT_GE(f.size(), 5u) << line;
    std::vector<absl::string_view> range = absl::StrSplit(f[0], '-');
    uint64_t lo, hi;
    ASSERT_TRUE(absl::SimpleHexAtoi(range[0], &lo) && absl::SimpleHexAtoi(range[1], &hi));
    if (line.find("[vsyscall]") != absl::string_view::npos) continue;
    if (line.find("/memfd:sandbox-memory") != absl::string_view::npos) {
      EXPECT_LE(hi, max) << line;
      ++memfd_maps;
      continue;
    }
    // Anything else is the stub's own region above MaxUserAddress.
    EXPECT_GE(lo, page.base()) << line;
    EXPECT_LE(hi, page.region_end()) << line;
    if (lo == page.base()) {
      EXPECT_EQ(f[1], "r-xp") << line;
    }
    ++stub_maps;
  }
  EXPECT_EQ(memfd_maps, 2) << maps;  // code and data pages of the test
  EXPECT_EQ(stub_maps, 2) << maps;   // code page + one signal stack
}

TEST(StubTest, RunsConfinedAndTracedOutOfOurSession) {
  auto sb = TestSandbox::Create();
  ASSERT_TRUE(sb.ok()) << sb.status();
  const pid_t pid = StubPid(**sb);
  EXPECT_EQ(StatusField(pid, "Seccomp"), "2");
  EXPECT_EQ(StatusField(pid, "NoNewPrivs"), "1");
  EXPECT_EQ(StatusField(pid, "SigBlk"), "0000000000000000");
  EXPECT_EQ(StatusField(pid, "SigIgn"), "0000000000010000");  // SIGCHLD only
  // Traced by a thread of this process (the TracerThread).
  const std::string tracer = StatusField(pid, "TracerPid");
  std::vector<std::string> tasks = ListDir("/proc/self/task");
  EXPECT_NE(std::find(tasks.begin(), tasks.end(), tracer), tasks.end()) << tracer;
  // Out of our session (terminal signals never reach app code): in the
  // session of the template stub it was spawned from, a child of ours.
  EXPECT_NE(getsid(pid), getsid(0));
  const pid_t parent = std::stoi(StatusField(pid, "PPid"));
  EXPECT_EQ(getsid(pid), parent);
  EXPECT_EQ(std::stoi(StatusField(parent, "PPid")), getpid());
  EXPECT_EQ(StatusField(parent, "Seccomp"), "2");
}

TEST(StubTest, EachContextTracesItsOwnStubThread) {
  auto sb = TestSandbox::Create();
  ASSERT_TRUE(sb.ok()) << sb.status();
  ASSERT_TRUE((*sb)->LoadCode(stub_test_syscall_begin, stub_test_syscall_end).ok());
  const pid_t pid = StubPid(**sb);
  std::vector<std::string> tracers(3), tids(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      auto ctx = (*sb)->platform().NewContext();
      if (!ctx.ok()) return;
      CpuState cpu = CodeState();
      if (!(*ctx)->Switch((*sb)->as(), cpu).ok()) return;
      const pid_t tid = dynamic_cast<PtraceContext&>(**ctx).stub_tid();
      tids[i] = std::to_string(tid);
      tracers[i] = StatusField(tid, "TracerPid");
      EXPECT_EQ(tracers[i], std::to_string(gettid()));
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(tids[i].empty());
  EXPECT_EQ(std::set<std::string>(tids.begin(), tids.end()).size(), 3u);
  // The contexts were destroyed on their threads: their stub threads exited,
  // only the leader is left.
  EXPECT_EQ(ListDir("/proc/" + std::to_string(pid) + "/task"),
            std::vector<std::string>{std::to_string(pid)});
}

}  // namespace
}  // namespace platform::ptrace
