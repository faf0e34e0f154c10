// The Sentry's --strace output for a fixed program, line for line, with
// addresses and durations masked (issue #9's strace test).
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Outcome {
  int status = -1;
  std::string err;
};

Outcome RunSentry(const std::string& flags) {
  const std::string cmd = std::string(SENTRY_BIN) + " " + flags + " -- " + TRACED_BIN + " 2>&1 >/dev/null";
  Outcome r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.err.append(buf, n);
  r.status = pclose(p);
  return r;
}

// The lines after the program's own first syscall (libc start-up before
// main differs between libc builds), with masks applied.
std::string Normalize(const std::string& out) {
  std::string s = std::regex_replace(out, std::regex("<[0-9]+\\.[0-9]{6}>"), "<T>");
  s = std::regex_replace(s, std::regex("0x[0-9a-f]+"), "ADDR");
  size_t start = s.find("mkdir(\"/work\"");
  if (start == std::string::npos) return s;
  start = s.rfind('\n', start);
  return s.substr(start == std::string::npos ? 0 : start + 1);
}

TEST(StraceTest, LinesMatchStraceFormat) {
  Outcome r = RunSentry("--strace");
  ASSERT_TRUE(WIFEXITED(r.status)) << r.err;
  EXPECT_EQ(WEXITSTATUS(r.status), 3) << r.err;
  EXPECT_EQ(Normalize(r.err), Slurp(EXPECTED_TXT));
}

TEST(StraceTest, SyscallFilter) {
  Outcome r = RunSentry("--strace --strace-syscalls=pipe2,munmap");
  ASSERT_TRUE(WIFEXITED(r.status)) << r.err;
  // The Sentry's own log lines ("sentry: ...") are not strace lines.
  std::string s = std::regex_replace(r.err, std::regex("sentry: [^\n]*\n"), "");
  s = std::regex_replace(s, std::regex("<[0-9]+\\.[0-9]{6}>"), "<T>");
  s = std::regex_replace(s, std::regex("0x[0-9a-f]+"), "ADDR");
  EXPECT_EQ(s, "[   1] pipe2([3, 4], O_NONBLOCK) = 0 <T>\n[   1] munmap(ADDR, 8192) = 0 <T>\n");
}

TEST(StraceTest, LogSizeBoundsBuffers) {
  Outcome r = RunSentry("--strace --strace-syscalls=write --strace-log-size 4");
  ASSERT_TRUE(WIFEXITED(r.status)) << r.err;
  EXPECT_NE(r.err.find("write(4, \"0123\"..., 46) = 46"), std::string::npos) << r.err;
}

TEST(StraceTest, UnknownSyscallNameIsAUsageError) {
  Outcome r = RunSentry("--strace --strace-syscalls=openat,nosuchcall");
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 125);
  EXPECT_NE(r.err.find("unknown syscall \"nosuchcall\""), std::string::npos) << r.err;
}

TEST(StraceTest, OffByDefault) {
  Outcome r = RunSentry("");
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 3);
  EXPECT_EQ(r.err.find("openat("), std::string::npos) << r.err;
}

}  // namespace
