#include "sentry/profile/profiler.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "sentry/profile/show.h"

namespace sentry::profile {
namespace {

TEST(ProfilerTest, CountsErrorsAndTimes) {
  Profiler p;
  p.Record(SYS_getpid, 1000, false);
  p.Record(SYS_getpid, 3000, false);
  p.Record(SYS_openat, 5000, true);
  Profile s = p.Snapshot("c1");
  EXPECT_EQ(s.container_id(), "c1");
  ASSERT_EQ(s.syscalls_size(), 2);
  const SyscallStats& g = s.syscalls(0);  // by number: getpid (39) before openat (257)
  EXPECT_EQ(g.name(), "getpid");
  EXPECT_EQ(g.count(), 2u);
  EXPECT_EQ(g.errors(), 0u);
  EXPECT_EQ(g.total_ns(), 4000u);
  EXPECT_EQ(g.max_ns(), 3000u);
  EXPECT_EQ(s.syscalls(1).name(), "openat");
  EXPECT_EQ(s.syscalls(1).errors(), 1u);
}

TEST(ProfilerTest, HistogramAndPercentiles) {
  Profiler p;
  for (int i = 0; i < 99; ++i) p.Record(SYS_read, 100, false);  // bucket 6 (64..127)
  p.Record(SYS_read, 1 << 20, false);                           // bucket 20
  const SyscallStats s = p.Snapshot().syscalls(0);
  ASSERT_EQ(s.histogram_size(), 21);
  EXPECT_EQ(s.histogram(6), 99u);
  EXPECT_EQ(s.histogram(20), 1u);
  EXPECT_EQ(s.p50_ns(), 127u);
  EXPECT_EQ(s.p90_ns(), 127u);
  EXPECT_EQ(s.p99_ns(), 127u);
  EXPECT_EQ(s.max_ns(), uint64_t{1} << 20);
}

TEST(ProfilerTest, RoundTripsThroughAFileAndRenders) {
  Profiler p;
  p.Record(SYS_write, 2500, false);
  p.Record(SYS_close, 500, true);
  const std::string path = ::testing::TempDir() + "/profile.pb";
  ASSERT_TRUE(p.WriteTo(path, "box").ok());
  auto read = ReadProfile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->container_id(), "box");
  ASSERT_EQ(read->syscalls_size(), 2);
  EXPECT_EQ(read->syscalls(0).name(), "write");
  EXPECT_EQ(read->syscalls(0).total_ns(), 2500u);
  EXPECT_EQ(read->syscalls(1).errors(), 1u);
  const std::string table = FormatTable(*read);
  // Sorted by total time: write (2.5 us) before close.
  EXPECT_LT(table.find("\nwrite "), table.find("\nclose "));
  EXPECT_NE(table.find("syscall"), std::string::npos);
  const std::string html = FormatHtml(*read);
  EXPECT_NE(html.find("id=\"time-per-syscall\""), std::string::npos);
  EXPECT_NE(html.find("data-syscall=\"write\""), std::string::npos);
  EXPECT_FALSE(ReadProfile(path + ".missing").ok());
  std::remove(path.c_str());
}

TEST(ProfilerTest, GarbageIsDataLoss) {
  const std::string path = ::testing::TempDir() + "/garbage.pb";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("\xff\xff\xff not a protobuf", f);
  std::fclose(f);
  auto r = ReadProfile(path);
  EXPECT_FALSE(r.ok());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sentry::profile
