#include "compat/results.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace compat {
namespace {

TEST(CompatSuiteResults, Parses) {
  absl::StatusOr<SuiteResults> r = ParseSuiteResults(R"({
    "format": "gsandbox-syscall-results-v1",
    "suite": "tests/syscalls",
    "syscalls": {
      "read": {"native": {"pass": 12, "fail": 0}, "sandbox": {"pass": 11, "fail": 1}},
      "openat": {"native": {"pass": 3}}
    }})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->suite, "tests/syscalls");
  ASSERT_EQ(r->syscalls.size(), 2u);
  EXPECT_EQ(r->syscalls["read"].native, (PassFail{12, 0}));
  EXPECT_EQ(r->syscalls["read"].sandbox, (PassFail{11, 1}));
  EXPECT_EQ(r->syscalls["openat"].native, (PassFail{3, 0}));
  EXPECT_EQ(r->syscalls["openat"].sandbox, std::nullopt);
}

TEST(CompatSuiteResults, RejectsBadInput) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"syscalls": {}})",
      R"({"format": "v0", "syscalls": {}})",
      R"({"format": "gsandbox-syscall-results-v1"})",
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"nosuch": {}}})",
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"read": 1}})",
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"read": {"natve": {}}}})",
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"read": {"native": {"pass": -1}}}})",
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"read": {"native": {"pass": 1.5}}}})",
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"read": {"native": {"ok": 1}}}})",
      R"({"format": "gsandbox-syscall-results-v1", "suite": 3, "syscalls": {}})",
  };
  for (const char* text : bad) EXPECT_FALSE(ParseSuiteResults(text).ok()) << text;
}

TEST(CompatSuiteResults, MissingFileIsNoResults) {
  absl::StatusOr<std::optional<SuiteResults>> r = ReadSuiteResults("/nonexistent/results.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());
}

TEST(CompatSuiteResults, ReadsFile) {
  char path[] = "/tmp/compat_results_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text =
      R"({"format": "gsandbox-syscall-results-v1", "syscalls": {"close": {"sandbox": {"fail": 2}}}})";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  absl::StatusOr<std::optional<SuiteResults>> r = ReadSuiteResults(path);
  unlink(path);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->syscalls["close"].sandbox, (PassFail{0, 2}));
}

}  // namespace
}  // namespace compat
