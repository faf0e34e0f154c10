// compat-run end to end: the fake suite (testdata/) gives exactly the expected
// report in each format (testdata/golden/), with a fake sentry that makes
// chosen tests differ and with the real Sentry.
//
// COMPAT_RUN_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kSuite = SUITE_DIR;
const std::string kTestdata = TESTDATA_DIR;
const std::string kFakeSentry = kTestdata + "/fake_sentry.sh";

struct Outcome {
  int status = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class CompatRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/compat_run_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome CompatRun(const std::vector<std::string>& args) {
    std::string cmd = Quote(COMPAT_RUN_BIN);
    for (const auto& a : args) cmd += " " + Quote(a);
    std::string err = dir_ + "/stderr";
    cmd += " 2>" + Quote(err);
    Outcome r;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + st;
    r.err = ReadFile(err);
    return r;
  }

  // Paths and durations vary from run to run.
  static std::string Mask(std::string s) {
    auto replace_all = [&](const std::string& from, const std::string& to) {
      for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
        s.replace(pos, from.size(), to);
      }
    };
    replace_all(kSuite, "@SUITE@");
    replace_all(kTestdata, "@TESTDATA@");
    s = std::regex_replace(s, std::regex(R"("seconds": [0-9.eE+-]+)"), "\"seconds\": 0");
    s = std::regex_replace(s, std::regex(R"(time="[0-9.]+")"), "time=\"0\"");
    return s;
  }

  static void ExpectGolden(const std::string& actual, const std::string& golden) {
    std::string path = kTestdata + "/golden/" + golden;
    if (getenv("COMPAT_RUN_UPDATE_GOLDEN") != nullptr) {
      std::ofstream(path, std::ios::binary) << actual;
      return;
    }
    EXPECT_EQ(actual, ReadFile(path)) << "golden file " << path;
  }

  std::string dir_;
};

TEST_F(CompatRunTest, FakeSentryReportsInEveryFormat) {
  Outcome r = CompatRun({"--sentry", kFakeSentry, "--timeout", "4", "--jobs", "4", "--json",
                     dir_ + "/report.json", "--junit", dir_ + "/report.xml", kSuite});
  EXPECT_EQ(r.status, 1) << r.err;  // native-pass tests fail in the sandbox
  EXPECT_EQ(r.err, "");
  ExpectGolden(r.out, "fake.txt");
  ExpectGolden(Mask(ReadFile(dir_ + "/report.json")), "fake.json");
  ExpectGolden(Mask(ReadFile(dir_ + "/report.xml")), "fake.xml");
}

TEST_F(CompatRunTest, BaselineDecidesRegressions) {
  const std::string filter = R"(^(plain_|tap|gtest_fake/Fake\.FailsInSandbox))";
  // Everything that fails in the sandbox now already failed there before.
  std::ofstream(dir_ + "/old.json") << R"({"tests": [
    {"name": "plain_pass", "sandbox": {"result": "fail"}},
    {"name": "plain_fail", "sandbox": {"result": "fail"}},
    {"name": "tap/2 second", "sandbox": {"result": "fail"}},
    {"name": "tap/1 first", "sandbox": {"result": "pass"}},
    {"name": "gtest_fake/Fake.FailsInSandbox", "sandbox": {"result": "crash"}}]})";
  Outcome r = CompatRun({"--sentry", kFakeSentry, "--filter", filter, "--baseline", dir_ + "/old.json",
                     "--json", dir_ + "/new.json", kSuite});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ExpectGolden(r.out, "baseline_ok.txt");

  // plain_pass passed in the sandbox before: a regression now.
  std::ofstream(dir_ + "/old.json") << R"({"tests": [
    {"name": "plain_pass", "sandbox": {"result": "pass"}},
    {"name": "plain_skip", "sandbox": {"result": "skip"}}]})";
  r = CompatRun({"--sentry", kFakeSentry, "--filter", filter, "--baseline", dir_ + "/old.json",
                 kSuite});
  EXPECT_EQ(r.status, 1) << r.err;
  ExpectGolden(r.out, "baseline_regression.txt");

  // The new report serves as a baseline for the same run: no regression.
  r = CompatRun({"--sentry", kFakeSentry, "--filter", filter, "--baseline", dir_ + "/new.json",
                 kSuite});
  EXPECT_EQ(r.status, 0) << r.err << r.out;
}

TEST_F(CompatRunTest, FilterSelectsTests) {
  Outcome r = CompatRun({"--sentry", kFakeSentry, "--filter", R"(Passes$)", kSuite});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "TEST                     NATIVE  SANDBOX\n"
            "gtest_fake/Fake.Passes   pass    pass\n"
            "gtest_fake/Other.Passes  pass    pass\n"
            "\n"
            "tests: 2, native pass: 2, sandbox pass: 2, differences: 0, regressions: 0\n");
}

TEST_F(CompatRunTest, BadArgumentsExitTwoWithOneLine) {
  const std::string pass = kSuite + "/plain_pass";
  struct Case {
    std::vector<std::string> args;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {{}, "SUITE_DIR_OR_BINARIES"},
      {{"--sentry", kFakeSentry, "--jobs", "0", pass}, "--jobs"},
      {{"--sentry", kFakeSentry, "--jobs", "x", pass}, "--jobs"},
      {{"--sentry", kFakeSentry, "--timeout", "-1", pass}, "--timeout"},
      {{"--sentry", kFakeSentry, "--timeout", "abc", pass}, "--timeout"},
      {{"--sentry", kFakeSentry, "--platform", "kvm", pass}, "--platform"},
      {{"--sentry", kFakeSentry, "--filter", "(", pass}, "--filter"},
      {{"--sentry", kFakeSentry, "--bogus", pass}, "--bogus"},
      {{"--sentry", "/nonexistent/sentry", pass}, "--sentry"},
      {{"--sentry", kFakeSentry, "/nonexistent/suite"}, "/nonexistent/suite"},
      {{"--sentry", kFakeSentry, kTestdata + "/plain_pass.c"}, "plain_pass.c"},
      {{"--sentry", kFakeSentry, "--baseline", "/nonexistent.json", pass}, "--baseline"},
      {{"--sentry", kFakeSentry, "--baseline", kTestdata + "/plain_pass.c", pass}, "--baseline"},
      {{"--sentry", kFakeSentry, "--filter", "nomatch", pass}, "no tests"},
      {{"--sentry", kFakeSentry, "--json", "/nonexistent/dir/x.json", pass}, "--json"},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += " " + a;
    SCOPED_TRACE(joined);
    Outcome r = CompatRun(c.args);
    EXPECT_EQ(r.status, 2);
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.rfind("compat-run: ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find(c.mentions), std::string::npos) << r.err;
  }
}

TEST_F(CompatRunTest, HelpDefinesExitStatus) {
  Outcome r = CompatRun({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Exit status:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2  usage or infrastructure error"), std::string::npos) << r.out;
}

// The plain fakes behave the same under the real Sentry.
TEST_F(CompatRunTest, RealSentryMatchesNative) {
  std::vector<std::string> args = {"--sentry", SENTRY_BIN, "--timeout", "5", "--jobs", "2", "--json",
                                   dir_ + "/report.json"};
  for (const char* fake :
       {"plain_pass", "plain_fail", "plain_skip", "crash_abort", "crash_segv", "hang", "tap"}) {
    args.push_back(kSuite + "/" + fake);
  }
  Outcome r = CompatRun(args);
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  ExpectGolden(r.out, "real.txt");
}

}  // namespace
