#include "compat/syscalls.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace compat {
namespace {

// __NR_name -> number, from the host's <asm/unistd_64.h> (the truth):
// lines "#define __NR_name <decimal>".
std::map<std::string, int> HostSyscalls() {
  std::ifstream in(COMPAT_ASM_UNISTD_64);
  std::map<std::string, int> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string define, macro, value;
    if (!(words >> define >> macro >> value) || define != "#define") continue;
    if (macro.rfind("__NR_", 0) != 0 || value.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    out[macro.substr(5)] = std::stoi(value);
  }
  return out;
}

TEST(CompatSyscallTable, MatchesHostHeader) {
  const std::map<std::string, int> host = HostSyscalls();
  ASSERT_GT(host.size(), 300u) << "could not parse " << COMPAT_ASM_UNISTD_64;
  int host_max = 0;
  for (const auto& [name, nr] : host) {
    host_max = std::max(host_max, nr);
    const SyscallInfo* s = LookupSyscall(nr);
    ASSERT_NE(s, nullptr) << "host has __NR_" << name << " = " << nr << "; the table has no " << nr;
    EXPECT_EQ(s->name, name) << "number " << nr;
    EXPECT_EQ(SyscallNumber(name), nr) << name;
  }
  int newer = 0;
  for (const SyscallInfo& s : AllSyscalls()) {
    if (s.nr > host_max) {
      ++newer;
      continue;
    }
    auto it = host.find(std::string(s.name));
    ASSERT_NE(it, host.end()) << s.name << " (" << s.nr << ") is not in the host header";
    EXPECT_EQ(it->second, s.nr) << s.name;
  }
  RecordProperty("newer_than_host_header", newer);
}

TEST(CompatSyscallTable, NamesAndNumbersUnique) {
  std::set<int> numbers;
  std::set<std::string_view> names;
  for (const SyscallInfo& s : AllSyscalls()) {
    EXPECT_TRUE(numbers.insert(s.nr).second) << s.nr;
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    EXPECT_FALSE(s.name.empty());
  }
}

TEST(CompatSyscallTable, LookupsRoundTrip) {
  for (const SyscallInfo& s : AllSyscalls()) {
    EXPECT_EQ(LookupSyscall(s.nr), &s);
    EXPECT_EQ(LookupSyscall(s.name), &s);
  }
  EXPECT_EQ(AllSyscalls().back().nr, kSyscallTableSize - 1);
}

TEST(CompatSyscallTable, GapsAndJunkAreNotSyscalls) {
  for (long nr : {-1L, 335L, 400L, 423L, static_cast<long>(kSyscallTableSize), 512L, 1L << 40}) {
    EXPECT_EQ(LookupSyscall(nr), nullptr) << nr;
  }
  EXPECT_EQ(LookupSyscall("no_such_call"), nullptr);
  EXPECT_EQ(LookupSyscall(""), nullptr);
  EXPECT_EQ(SyscallNumber("opena"), std::nullopt);
}

TEST(CompatSyscallTable, ArgumentFormats) {
  const SyscallInfo* read = LookupSyscall("read");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->arg_count(), 3);
  EXPECT_EQ(read->args[0].format, ArgFormat::kFd);
  EXPECT_EQ(read->args[1].format, ArgFormat::kBufferOut);
  EXPECT_EQ(read->args[1].aux, 2);

  const SyscallInfo* openat = LookupSyscall(257);
  ASSERT_NE(openat, nullptr);
  EXPECT_EQ(openat->ret, ReturnFormat::kNewFd);
  EXPECT_EQ(openat->args[0].format, ArgFormat::kAtFd);
  EXPECT_EQ(openat->args[1].format, ArgFormat::kPath);
  EXPECT_EQ(openat->args[2].format, ArgFormat::kOpenFlags);

  EXPECT_EQ(LookupSyscall("mmap")->arg_count(), 6);
  EXPECT_EQ(LookupSyscall("mmap")->ret, ReturnFormat::kAddress);
  EXPECT_EQ(LookupSyscall("getpid")->arg_count(), 0);
  EXPECT_EQ(LookupSyscall("exit_group")->ret, ReturnFormat::kNoReturn);
  EXPECT_EQ(LookupSyscall("writev")->args[1].format, ArgFormat::kIovec);
  EXPECT_EQ(LookupSyscall("writev")->args[1].aux, 2);
}

}  // namespace
}  // namespace compat
