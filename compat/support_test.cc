#include "compat/support.h"

#include <cerrno>
#include <set>

#include "gtest/gtest.h"

namespace compat {
namespace {

const SupportEntry& For(std::string_view name) {
  const SyscallInfo* s = LookupSyscall(name);
  EXPECT_NE(s, nullptr) << name;
  return SupportFor(*s);
}

TEST(CompatSupportTable, EveryEntryNamesARealSyscallOnce) {
  std::set<std::string_view> seen;
  for (const SupportEntry& e : SupportTable()) {
    EXPECT_NE(LookupSyscall(e.name), nullptr) << "unknown syscall in support_table.cc: " << e.name;
    EXPECT_TRUE(seen.insert(e.name).second) << "listed twice: " << e.name;
    if (e.level != SupportLevel::kFull) {
      EXPECT_FALSE(e.note.empty()) << e.name;
    }
  }
}

TEST(CompatSupportTable, LookupFindsEntries) {
  for (const SupportEntry& e : SupportTable()) EXPECT_EQ(&For(e.name), &e) << e.name;
}

TEST(CompatSupportTable, DefaultIsUnimplementedEnosys) {
  // A syscall nobody has written yet (change it if acct ever lands).
  const SupportEntry& e = For("acct");
  EXPECT_EQ(e.level, SupportLevel::kUnimplemented);
  EXPECT_EQ(e.error, ENOSYS);
  EXPECT_TRUE(e.note.empty());
}

TEST(CompatSupportTable, ProjectDecisions) {
  for (std::string_view name :
       {"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_init",
        "fanotify_mark", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "perf_event_open", "bpf", "userfaultfd", "rseq"}) {
    EXPECT_EQ(For(name).level, SupportLevel::kUnsupported) << name;
    EXPECT_EQ(For(name).error, ENOSYS) << name;
  }
  EXPECT_NE(For("socket").note.find("AF_INET"), std::string_view::npos);
}

TEST(CompatSupportTable, LevelNames) {
  EXPECT_EQ(SupportLevelName(SupportLevel::kFull), "Full");
  EXPECT_EQ(SupportLevelName(SupportLevel::kPartial), "Partial");
  EXPECT_EQ(SupportLevelName(SupportLevel::kUnsupported), "Unsupported");
  EXPECT_EQ(SupportLevelName(SupportLevel::kUnimplemented), "Unimplemented");
}

}  // namespace
}  // namespace compat
