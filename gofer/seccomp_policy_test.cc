// The seccomp policy kills the process on a syscall outside its allowlist
// and lets the allowed ones through.
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "gofer/seccomp_policy.h"
#include "gtest/gtest.h"

namespace gofer {
namespace {

// Runs `body` in a forked child after installing the policy; its wait status.
int RunConfined(const std::function<void()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!InstallSeccompPolicy().ok()) _exit(100);
    body();
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

bool KilledBySigsys(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }

TEST(SeccompPolicyTest, AllowedCallsWork) {
  int status = RunConfined([] {
    char buf[1];
    if (getpid() <= 0 || write(-1, buf, 1) != -1) _exit(1);
    // A thread: clone with CLONE_THREAD (clone3 gets ENOSYS first).
    std::thread t([] {});
    t.join();
  });
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompPolicyTest, SocketKills) {
  EXPECT_TRUE(KilledBySigsys(RunConfined([] { socket(AF_INET, SOCK_STREAM, 0); })));
}

TEST(SeccompPolicyTest, ExecveKills) {
  EXPECT_TRUE(KilledBySigsys(RunConfined([] {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execv("/bin/true", argv);
  })));
}

TEST(SeccompPolicyTest, ForkKills) {
  // A process (clone without CLONE_THREAD) is not a thread.
  EXPECT_TRUE(KilledBySigsys(RunConfined([] { syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); })));
}

TEST(SeccompPolicyTest, Clone3FailsWithEnosys) {
  int status = RunConfined([] {
    if (syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) _exit(1);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompPolicyTest, PathBasedAndMountCallsKill) {
  EXPECT_TRUE(KilledBySigsys(RunConfined([] { syscall(SYS_open, "/etc/passwd", 0); })));
  EXPECT_TRUE(KilledBySigsys(RunConfined([] { syscall(SYS_mount, "x", "y", "z", 0, 0); })));
  EXPECT_TRUE(KilledBySigsys(RunConfined([] { syscall(SYS_kill, 1, 0); })));
}

}  // namespace
}  // namespace gofer
