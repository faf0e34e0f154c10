// isolation_test.cc: app code never reaches the host kernel, and stubs die
// with their Sentry.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <atomic>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "platform/platform.h"
#include "platform/ptrace/address_space.h"
#include "platform/ptrace/context.h"
#include "platform/ptrace/stub_page.h"
#include "platform/testing/snippet.h"

namespace platform::ptrace {
namespace {

using platform::testing::CodeState;
using platform::testing::kDataAddr;
using platform::testing::TestSandbox;

pid_t StubPid(TestSandbox& sb) {
  return dynamic_cast<PtraceAddressSpace&>(sb.as()).stub()->pid();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One syscall with the given number and args taken from registers the test
// sets (rdi, rsi, rdx, r10, r8, r9), then syscall 1999.
SNIPPET(one_syscall, "syscall\n mov $1999, %eax\n syscall\n")

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sb = TestSandbox::Create();
    ASSERT_TRUE(sb.ok()) << sb.status();
    sb_ = std::move(*sb);
    ASSERT_TRUE(sb_->LoadCode(one_syscall_begin, one_syscall_end).ok());
    auto ctx = sb_->platform().NewContext();
    ASSERT_TRUE(ctx.ok());
    ctx_ = std::move(*ctx);
  }

  // Runs syscall `nr` in the app; expects a syscall stop reporting it,
  // answers `ret`, and expects the app to go on to syscall 1999.
  void RunSyscall(uint64_t nr, std::vector<uint64_t> args, uint64_t ret = 0) {
    CpuState cpu = CodeState();
    cpu.regs.rax = nr;
    uint64_t* regs[] = {&cpu.regs.rdi, &cpu.regs.rsi, &cpu.regs.rdx,
                        &cpu.regs.r10, &cpu.regs.r8, &cpu.regs.r9};
    for (size_t i = 0; i < args.size(); ++i) *regs[i] = args[i];
    auto stop = ctx_->Switch(sb_->as(), cpu);
    ASSERT_TRUE(stop.ok()) << stop.status();
    ASSERT_EQ(stop->reason, StopReason::kSyscall);
    ASSERT_EQ(cpu.syscall_no(), nr);
    for (size_t i = 0; i < args.size(); ++i) ASSERT_EQ(cpu.arg(i), args[i]);
    cpu.set_return(ret);
    auto next = ctx_->Switch(sb_->as(), cpu);
    ASSERT_TRUE(next.ok()) << next.status();
    ASSERT_EQ(next->reason, StopReason::kSyscall);
    ASSERT_EQ(cpu.syscall_no(), 1999u);
  }

  // Puts a NUL-terminated string in the data page; returns its app address.
  uint64_t PutString(size_t offset, const std::string& s) {
    std::memcpy(sb_->data() + offset, s.c_str(), s.size() + 1);
    return kDataAddr + offset;
  }

  std::unique_ptr<TestSandbox> sb_;
  std::unique_ptr<Context> ctx_;
};

TEST_F(IsolationTest, WriteReachesNoHostFile) {
  // If the stub had inherited our stdout, or its syscall ran, "PWNED" would
  // show up in this pipe; fd 3 (the memory file itself) must stay intact too.
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_NONBLOCK), 0);
  fflush(stdout);
  const int saved = dup(1);
  ASSERT_EQ(dup2(pipefd[1], 1), 1);
  TearDown();
  SetUp();  // the stub forks with the pipe as fd 1
  dup2(saved, 1);
  close(saved);
  const uint64_t msg = PutString(0x100, "PWNED");
  RunSyscall(SYS_write, {1, msg, 5}, 5);
  RunSyscall(SYS_write, {kStubMemoryFd, msg, 5}, 5);
  RunSyscall(SYS_pwrite64, {kStubMemoryFd, msg, 5, 0}, 5);
  close(pipefd[1]);
  char buf[16];
  EXPECT_EQ(read(pipefd[0], buf, sizeof(buf)), 0);  // EOF: nothing written
  close(pipefd[0]);
  EXPECT_NE(std::memcmp(sb_->file(), "PWNED", 5), 0);
  EXPECT_EQ(lseek(sb_->memfd(), 0, SEEK_CUR), 0);
}

TEST_F(IsolationTest, KillOfTheSentryDoesNothing) {
  RunSyscall(SYS_kill, {uint64_t(getpid()), SIGKILL});
  RunSyscall(SYS_tgkill, {uint64_t(getpid()), uint64_t(gettid()), SIGKILL});
  RunSyscall(SYS_kill, {0, SIGKILL});  // own process group
  RunSyscall(SYS_kill, {uint64_t(-1), SIGKILL});
  // Still alive to run this line.
  SUCCEED();
}

TEST_F(IsolationTest, ExecveDoesNotReplaceTheStub) {
  const std::string exe_before = ReadFile("/proc/" + std::to_string(StubPid(*sb_)) + "/cmdline");
  const uint64_t path = PutString(0x100, "/bin/sh");
  RunSyscall(SYS_execve, {path, 0, 0});
  RunSyscall(SYS_execveat, {uint64_t(AT_FDCWD), path, 0, 0, 0});
  char exe[PATH_MAX] = {}, self[PATH_MAX] = {};
  ASSERT_GT(readlink(("/proc/" + std::to_string(StubPid(*sb_)) + "/exe").c_str(), exe, sizeof(exe) - 1), 0);
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof(self) - 1), 0);
  EXPECT_STREQ(exe, self);
  EXPECT_EQ(ReadFile("/proc/" + std::to_string(StubPid(*sb_)) + "/cmdline"), exe_before);
}

TEST_F(IsolationTest, OpenAndCreatTouchNoHostFile) {
  char dir[] = "/tmp/platform-isolation-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string marker = std::string(dir) + "/marker";
  const uint64_t marker_addr = PutString(0x100, marker);
  const uint64_t passwd = PutString(0x300, "/etc/passwd");
  RunSyscall(SYS_creat, {marker_addr, 0644}, 4);
  RunSyscall(SYS_open, {marker_addr, O_CREAT | O_WRONLY, 0644}, 4);
  RunSyscall(SYS_openat, {uint64_t(AT_FDCWD), marker_addr, O_CREAT | O_WRONLY, 0644}, 4);
  RunSyscall(SYS_mkdir, {marker_addr, 0755});
  RunSyscall(SYS_open, {passwd, O_RDONLY}, 4);
  struct stat st;
  EXPECT_NE(stat(marker.c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);
  // No descriptor appeared in the stub.
  const std::string fd_dir = "/proc/" + std::to_string(StubPid(*sb_)) + "/fd";
  DIR* d = opendir(fd_dir.c_str());
  ASSERT_NE(d, nullptr);
  int fds = 0;
  while (dirent* e = readdir(d)) fds += e->d_name[0] != '.';
  closedir(d);
  EXPECT_EQ(fds, 1);
  rmdir(dir);
}

// mmap(0x800000, 4096, RW, PRIVATE|ANON|FIXED), then store to 0x800000.
SNIPPET(mmap_then_touch, "syscall\n movq $1, 0x800000\n mov $1999, %eax\n syscall\n")

TEST_F(IsolationTest, MmapCreatesNoMapping) {
  ASSERT_TRUE(sb_->LoadCode(mmap_then_touch_begin, mmap_then_touch_end).ok());
  CpuState cpu = CodeState();
  cpu.regs.rax = SYS_mmap;
  cpu.regs.rdi = 0x800000;
  cpu.regs.rsi = 4096;
  cpu.regs.rdx = PROT_READ | PROT_WRITE;
  cpu.regs.r10 = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  cpu.regs.r8 = uint64_t(-1);
  auto stop = ctx_->Switch(sb_->as(), cpu);
  ASSERT_TRUE(stop.ok());
  ASSERT_EQ(stop->reason, StopReason::kSyscall);
  ASSERT_EQ(cpu.syscall_no(), uint64_t(SYS_mmap));
  cpu.set_return(0x800000);  // pretend it worked
  auto fault = ctx_->Switch(sb_->as(), cpu);
  ASSERT_TRUE(fault.ok());
  EXPECT_EQ(fault->reason, StopReason::kFault);
  EXPECT_EQ(fault->fault_addr, 0x800000u);
  EXPECT_EQ(ReadFile("/proc/" + std::to_string(StubPid(*sb_)) + "/maps").find("00800000-"),
            std::string::npos);
}

// The legacy vsyscall page: the kernel emulates time() there without a
// ptrace syscall stop; the stub's seccomp filter must refuse it.
SNIPPET(vsyscall_time, "mov $0x600100, %edi\n mov $0xffffffffff600400, %rax\n call *%rax\n"
                       "mov $1999, %eax\n syscall\n")

TEST_F(IsolationTest, VsyscallIsTrappedNotRun) {
  ASSERT_TRUE(sb_->LoadCode(vsyscall_time_begin, vsyscall_time_end).ok());
  uint64_t sentinel = 0x5e5e5e5e5e5e5e5e;
  std::memcpy(sb_->data() + 0x100, &sentinel, 8);
  CpuState cpu = CodeState();
  auto stop = ctx_->Switch(sb_->as(), cpu);
  ASSERT_TRUE(stop.ok()) << stop.status();
  EXPECT_EQ(stop->reason, StopReason::kSignal);
  EXPECT_EQ(stop->signo, SIGSYS);
  uint64_t after;
  std::memcpy(&after, sb_->data() + 0x100, 8);
  EXPECT_EQ(after, sentinel);  // time() did not write its result
}

// 32-bit syscall entry from 64-bit code: kill(pid, SIGKILL) in the i386
// table is 37. It must stop like any syscall and not run.
SNIPPET(int80_kill, "mov $37, %eax\n int $0x80\n mov $1999, %eax\n syscall\n")

TEST_F(IsolationTest, Int80IsInterceptedToo) {
  ASSERT_TRUE(sb_->LoadCode(int80_kill_begin, int80_kill_end).ok());
  CpuState cpu = CodeState();
  cpu.regs.rbx = getpid();
  cpu.regs.rcx = SIGKILL;
  auto stop = ctx_->Switch(sb_->as(), cpu);
  ASSERT_TRUE(stop.ok()) << stop.status();
  EXPECT_EQ(stop->reason, StopReason::kSyscall);
  EXPECT_EQ(cpu.syscall_no(), 37u);
  EXPECT_TRUE(stop->compat_syscall);
  auto next = ctx_->Switch(sb_->as(), cpu);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(cpu.syscall_no(), 1999u);
  EXPECT_FALSE(next->compat_syscall);
}

// If the kernel cannot write the fault's signal frame, it resets the stub's
// SIGSEGV handler to the default; the platform must re-arm it, or the next
// fault would kill the whole stub.
SNIPPET(fault_twice, "movq $7, 0x700000\n mov $1999, %eax\n syscall\n")

TEST_F(IsolationTest, UnusableSignalStackIsSurvived) {
  CpuState cpu = CodeState();
  cpu.regs.rax = 1000;  // one_syscall first: binds a stub thread (slot 0)
  ASSERT_TRUE(ctx_->Switch(sb_->as(), cpu).ok());
  ASSERT_TRUE(sb_->LoadCode(fault_twice_begin, fault_twice_end).ok());
  auto& pctx = dynamic_cast<PtraceContext&>(*ctx_);
  const StubPage& page = **StubPage::Get();
  auto r = pctx.InjectSyscall(SYS_mprotect, page.AltStackAddr(0), kAltStackSize,
                              PROT_READ, 0, 0, 0);
  ASSERT_TRUE(r.ok() && *r == 0) << (r.ok() ? *r : -1);
  cpu = CodeState();
  auto first = ctx_->Switch(sb_->as(), cpu);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->reason, StopReason::kFault);
  EXPECT_EQ(first->fault_addr, 0x700000u);
  EXPECT_EQ(first->access, AccessType::kUnknown);  // no frame to read
  r = pctx.InjectSyscall(SYS_mprotect, page.AltStackAddr(0), kAltStackSize,
                         PROT_READ | PROT_WRITE, 0, 0, 0);
  ASSERT_TRUE(r.ok() && *r == 0);
  auto second = ctx_->Switch(sb_->as(), cpu);  // the same fault again
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->reason, StopReason::kFault);
  EXPECT_EQ(second->access, AccessType::kWrite);
}

// --- Stubs die with their Sentry ---

bool Reaped(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    pid_t got = waitpid(pid, &status, __WALL | WNOHANG);
    if (got == pid) return true;
    // Not (yet) our child: it is reparented to us when its parent dies.
    // Gone altogether means someone else reaped it: dead too.
    if (got < 0 && errno == ECHILD && kill(pid, 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// Counts itself in at 0x600000, then spins forever in app code: a stub
// thread left untraced here would live on, so only the kill mechanisms
// (PTRACE_O_EXITKILL, PR_SET_PDEATHSIG) can end it.
SNIPPET(lifetime_spin, "lock incq 0x600000\n 1: jmp 1b\n")

// In a child process (the "Sentry"): two address spaces, three contexts on
// three threads running app code. Writes the stub pids to `out`, then
// waits to be killed.
[[noreturn]] void RunDoomedSentry(int out) {
  auto sb = TestSandbox::Create();
  if (!sb.ok() || !(*sb)->LoadCode(lifetime_spin_begin, lifetime_spin_end).ok()) _exit(2);
  auto as2 = (*sb)->platform().NewAddressSpace();
  if (!as2.ok()) _exit(3);
  std::vector<pid_t> pids = {StubPid(**sb),
                             dynamic_cast<PtraceAddressSpace&>(**as2).stub()->pid(), 0};
  // The template stub both were spawned from.
  const std::string status = ReadFile("/proc/" + std::to_string(pids[0]) + "/status");
  const size_t ppid = status.find("PPid:");
  if (ppid == std::string::npos) _exit(6);
  pids[2] = std::atoi(status.c_str() + ppid + 5);
  if (pids[2] == getpid()) _exit(7);
  for (int i = 0; i < 3; ++i) {
    std::thread([&] {
      auto ctx = (*sb)->platform().NewContext();
      CpuState cpu = CodeState();
      if (!ctx.ok()) _exit(4);
      (void)(*ctx)->Switch((*sb)->as(), cpu);  // never returns
      _exit(4);
    }).detach();
  }
  auto* running = reinterpret_cast<std::atomic<uint64_t>*>((*sb)->data());
  while (running->load() < 3) std::this_thread::yield();
  if (write(out, pids.data(), pids.size() * sizeof(pid_t)) !=
      ssize_t(pids.size() * sizeof(pid_t))) {
    _exit(5);
  }
  for (;;) pause();
}

TEST(StubLifetimeTest, KillingTheSentryKillsEveryStub) {
  // Orphaned stubs get reparented to us, so we can see them die.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t sentry = fork();
  ASSERT_GE(sentry, 0);
  if (sentry == 0) {
    close(fds[0]);
    RunDoomedSentry(fds[1]);
  }
  close(fds[1]);
  pid_t pids[3];  // two address spaces and their template
  ASSERT_EQ(read(fds[0], pids, sizeof(pids)), ssize_t(sizeof(pids)));
  close(fds[0]);
  for (pid_t p : pids) {
    ASSERT_EQ(kill(p, 0), 0) << "stub " << p << " should be alive";
  }
  // The first stub has its leader plus three app threads.
  DIR* d = opendir(("/proc/" + std::to_string(pids[0]) + "/task").c_str());
  ASSERT_NE(d, nullptr);
  int tasks = 0;
  while (dirent* e = readdir(d)) tasks += e->d_name[0] != '.';
  closedir(d);
  EXPECT_EQ(tasks, 4);

  ASSERT_EQ(kill(sentry, SIGKILL), 0);
  int status;
  ASSERT_EQ(waitpid(sentry, &status, 0), sentry);
  for (pid_t p : pids) {
    EXPECT_TRUE(Reaped(p, std::chrono::seconds(10))) << "stub " << p << " survived";
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

bool DeadOrZombie(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    if (stat.empty() || paren == std::string::npos || stat[paren + 2] == 'Z' ||
        stat[paren + 2] == 'X') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// The documented hazard of the thread rule: a host thread that exits while
// its Context lives takes the whole stub down (PTRACE_O_EXITKILL). Without
// EXITKILL the interrupted stub thread would be detached and spin on,
// untraced, in app code.
TEST(StubLifetimeTest, ExitOfAContextsThreadKillsItsStub) {
  auto sb = TestSandbox::Create();
  ASSERT_TRUE(sb.ok()) << sb.status();
  ASSERT_TRUE((*sb)->LoadCode(lifetime_spin_begin, lifetime_spin_end).ok());
  const pid_t pid = StubPid(**sb);
  std::unique_ptr<Context> leaked;
  absl::Status result;
  std::thread([&] {
    auto ctx = (*sb)->platform().NewContext();
    if (!ctx.ok()) return;
    Context* c = ctx->get();
    auto* running = reinterpret_cast<std::atomic<uint64_t>*>((*sb)->data());
    std::thread interrupter([&] {
      while (running->load() == 0) std::this_thread::yield();
      c->Interrupt();
    });
    CpuState cpu = CodeState();
    result = c->Switch((*sb)->as(), cpu).status();
    interrupter.join();
    leaked = std::move(*ctx);  // not destroyed on this thread, which now exits
  }).join();
  ASSERT_TRUE(result.ok()) << result;
  EXPECT_TRUE(DeadOrZombie(pid, std::chrono::seconds(10)));
  leaked.reset();  // off its thread: only logs an error
}

}  // namespace
}  // namespace platform::ptrace
