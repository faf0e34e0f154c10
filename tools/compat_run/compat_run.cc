// compat-run: runs test binaries natively and under the Sentry and reports,
// per test, the native result, the sandbox result and whether they differ.
// See tools/compat_run/README.md for the formats and exit codes.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "nlohmann/json.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kOutputCap = 4 << 20;  // per stream per process
constexpr int kSkipExit = 32;

// An infrastructure or usage error: one line on stderr, exit status 2.
struct UsageError {
  std::string message;
};

// ---------------------------------------------------------------------------
// Processes

struct ProcResult {
  bool spawned = false;
  std::string spawn_error;
  bool timed_out = false;
  bool signaled = false;
  int code = 0;  // exit code, or the signal number when signaled
  std::string out, err;
  double seconds = 0;
};

void ReadSome(int& fd, std::string& buf) {
  char chunk[65536];
  ssize_t n = ::read(fd, chunk, sizeof chunk);
  if (n > 0) {
    size_t room = buf.size() < kOutputCap ? kOutputCap - buf.size() : 0;
    buf.append(chunk, std::min(room, static_cast<size_t>(n)));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    ::close(fd);
    fd = -1;
  }
}

// Runs argv with stdin /dev/null, stdout/stderr captured (capped), in its own
// process group. After `timeout` seconds the whole group is killed. When the
// leader exits, whatever is left of its group is killed too.
ProcResult RunProcess(const std::vector<std::string>& args, double timeout) {
  ProcResult r;
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int outp[2], errp[2];
  if (::pipe2(outp, O_CLOEXEC) != 0) {
    r.spawn_error = std::string("pipe: ") + strerror(errno);
    return r;
  }
  if (::pipe2(errp, O_CLOEXEC) != 0) {
    r.spawn_error = std::string("pipe: ") + strerror(errno);
    ::close(outp[0]);
    ::close(outp[1]);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
  posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                    POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &defaults);

  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(timeout));
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, &at, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  ::close(outp[1]);
  ::close(errp[1]);
  int fds[2] = {outp[0], errp[0]};
  std::string* bufs[2] = {&r.out, &r.err};
  if (rc != 0) {
    r.spawn_error = std::string("cannot run ") + args[0] + ": " + strerror(rc);
    for (int fd : fds) ::close(fd);
    return r;
  }
  r.spawned = true;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));

  auto exited = [&] {
    siginfo_t si{};
    // WNOWAIT: the zombie leader keeps the group ID reserved for the kill.
    return ::waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
  };
  for (;;) {
    if (exited()) break;
    auto now = Clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    int wait_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
    if (pidfd < 0) wait_ms = std::min(wait_ms, 20);
    pollfd p[3];
    int n = 0;
    int idx[2] = {-1, -1};
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        idx[i] = n;
        p[n++] = {fds[i], POLLIN, 0};
      }
    }
    if (pidfd >= 0) p[n++] = {pidfd, POLLIN, 0};
    if (n == 0) wait_ms = std::min(wait_ms, 20);
    int pr = ::poll(p, n, wait_ms);
    if (pr < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (idx[i] >= 0 && (p[idx[i]].revents & (POLLIN | POLLHUP | POLLERR))) ReadSome(fds[i], *bufs[i]);
    }
  }
  ::kill(-pid, SIGKILL);  // leftovers of the group (ESRCH if none)
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (pidfd >= 0) ::close(pidfd);
  if (!r.timed_out) {
    if (WIFSIGNALED(status)) {
      r.signaled = true;
      r.code = WTERMSIG(status);
    } else {
      r.code = WEXITSTATUS(status);
    }
  }
  // Drain what is left; a process that escaped the group may hold the pipes,
  // so give up after a short while.
  auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while ((fds[0] >= 0 || fds[1] >= 0) && Clock::now() < drain_deadline) {
    pollfd p[2];
    int n = 0;
    int idx[2] = {-1, -1};
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        idx[i] = n;
        p[n++] = {fds[i], POLLIN, 0};
      }
    }
    if (::poll(p, n, 100) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (idx[i] >= 0 && (p[idx[i]].revents & (POLLIN | POLLHUP | POLLERR))) ReadSome(fds[i], *bufs[i]);
    }
  }
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  return r;
}

// Runs fn(0..n-1) on up to `jobs` threads.
void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> threads;
  size_t count = std::min<size_t>(static_cast<size_t>(std::max(jobs, 1)), n);
  for (size_t i = 0; i < count; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
}

// ---------------------------------------------------------------------------
// Results

struct Result {
  std::string result;  // pass, fail, skip, timeout, crash, error
  std::string detail;  // "exit 1", "SIGSEGV", "missing", ...
  double seconds = 0;

  std::string Display() const { return detail.empty() ? result : result + " (" + detail + ")"; }
  bool Pass() const { return result == "pass"; }
};

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev != nullptr) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(sig);
}

// The process-level result. In the sandbox the Sentry exits with 128+N when
// the program was killed by signal N.
Result Classify(const ProcResult& p, bool sandbox) {
  Result r;
  r.seconds = p.seconds;
  if (!p.spawned) {
    r.result = "error";
    r.detail = p.spawn_error;
  } else if (p.timed_out) {
    r.result = "timeout";
  } else if (p.signaled) {
    r.result = "crash";
    r.detail = SignalName(p.code);
    if (sandbox) r.detail = "sentry " + r.detail;
  } else if (sandbox && p.code > 128 && p.code <= 128 + 64) {
    r.result = "crash";
    r.detail = SignalName(p.code - 128);
  } else if (p.code == 0) {
    r.result = "pass";
  } else if (p.code == kSkipExit) {
    r.result = "skip";
  } else {
    r.result = "fail";
    r.detail = "exit " + std::to_string(p.code);
  }
  return r;
}

// ---------------------------------------------------------------------------
// TAP

struct TapLine {
  Result result;
  std::string description;
};

struct TapOutput {
  bool is_tap = false;
  bool skip_all = false;
  int plan = -1;
  std::map<int, TapLine> lines;
};

TapOutput ParseTap(const std::string& out, double seconds) {
  static const std::regex kTest(R"(^(not )?ok\b *([0-9]+)? *(?:- *)?(.*)$)");
  static const std::regex kPlan(R"(^1\.\.([0-9]+)(.*)$)");
  static const std::regex kDirective(R"(^(.*?) *# *(skip|todo)\b.*$)", std::regex::icase);
  TapOutput t;
  std::istringstream in(out);
  std::string line;
  int last = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::smatch m;
    if (std::regex_match(line, m, kPlan)) {
      t.is_tap = true;
      t.plan = std::stoi(m[1].str());
      std::smatch d;
      std::string rest = m[2].str();
      if (t.plan == 0 && std::regex_match(rest, d, kDirective)) t.skip_all = true;
      continue;
    }
    if (!std::regex_match(line, m, kTest)) continue;
    t.is_tap = true;
    int num = m[2].matched ? std::stoi(m[2].str()) : last + 1;
    last = num;
    TapLine tl;
    std::string desc = m[3].str();
    std::smatch d;
    bool directive = std::regex_match(desc, d, kDirective);
    if (directive) desc = d[1].str();
    while (!desc.empty() && desc.back() == ' ') desc.pop_back();
    tl.description = desc;
    tl.result.seconds = seconds;
    if (directive) {
      tl.result.result = "skip";  // "# SKIP", and "# TODO" (not a failure in TAP)
    } else if (m[1].matched) {
      tl.result.result = "fail";
    } else {
      tl.result.result = "pass";
    }
    t.lines.emplace(num, std::move(tl));
  }
  return t;
}

// ---------------------------------------------------------------------------
// gtest

std::vector<std::string> ParseGtestList(const std::string& out) {
  std::vector<std::string> tests;
  std::istringstream in(out);
  std::string line, suite;
  auto first_token = [](const std::string& s) {
    size_t b = s.find_first_not_of(' ');
    if (b == std::string::npos) return std::string();
    size_t e = s.find_first_of(" \t#", b);
    return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      std::string tok = first_token(line);
      suite = (tok.size() > 1 && tok.back() == '.') ? tok : "";
      continue;
    }
    if (suite.empty()) continue;
    std::string test = first_token(line);
    if (test.empty()) continue;
    if (suite.rfind("DISABLED_", 0) == 0 || test.rfind("DISABLED_", 0) == 0) continue;
    tests.push_back(suite + test);
  }
  return tests;
}

// Whether the file mentions --gtest_list_tests (gtest's help text does), so
// plain programs are not run an extra time for detection.
bool MentionsGtest(const fs::path& path) {
  static const std::string kNeedle = "gtest_list_tests";
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string carry;
  std::vector<char> buf(1 << 20);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::string chunk = carry + std::string(buf.data(), static_cast<size_t>(f.gcount()));
    if (chunk.find(kNeedle) != std::string::npos) return true;
    carry = chunk.size() >= kNeedle.size() ? chunk.substr(chunk.size() - kNeedle.size() + 1) : chunk;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The run

struct Options {
  std::string sentry;
  std::string platform = "ptrace";
  int jobs = 1;
  double timeout = 60;
  std::optional<std::regex> filter;
  std::string json, junit, baseline;
  std::vector<std::string> inputs;
};

enum class Kind { kPlain, kGtest };

struct Binary {
  fs::path path;
  std::string name;  // file name
  Kind kind = Kind::kPlain;
  std::vector<std::string> gtests;  // Suite.Case, when kGtest
};

struct TestReport {
  std::string name;
  std::string binary;
  std::string kind;  // plain, tap, gtest
  Result native, sandbox;
  bool differs = false;
  bool regression = false;
};

// One process to run: a binary (plain/TAP) or one gtest case, on one side.
struct Unit {
  size_t binary;
  std::string gtest;  // empty for plain
  ProcResult native, sandbox;
};

bool IsExecutableFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

std::vector<Binary> CollectBinaries(const std::vector<std::string>& inputs) {
  std::vector<Binary> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    fs::path p = fs::absolute(in, ec);
    if (ec || !fs::exists(p, ec)) throw UsageError{"no such suite directory or binary: " + in};
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> entries;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        if (IsExecutableFile(e.path())) entries.push_back(e.path());
      }
      if (ec) throw UsageError{"cannot read suite directory " + in + ": " + ec.message()};
      std::sort(entries.begin(), entries.end());
      for (auto& e : entries) out.push_back({e, e.filename().string(), Kind::kPlain, {}});
    } else if (IsExecutableFile(p)) {
      out.push_back({p, p.filename().string(), Kind::kPlain, {}});
    } else {
      throw UsageError{"not an executable file: " + in};
    }
  }
  return out;
}

std::vector<std::string> SandboxArgs(const Options& o, std::vector<std::string> prog) {
  std::vector<std::string> a = {o.sentry, "--platform", o.platform, "--"};
  a.insert(a.end(), prog.begin(), prog.end());
  return a;
}

bool FilterMatches(const Options& o, const std::string& name) {
  return !o.filter || std::regex_search(name, *o.filter);
}

std::vector<TestReport> Run(const Options& o, std::vector<Binary>& bins) {
  // Detect gtest binaries (natively).
  ParallelFor(bins.size(), o.jobs, [&](size_t i) {
    Binary& b = bins[i];
    if (!MentionsGtest(b.path)) return;
    ProcResult p = RunProcess({b.path.string(), "--gtest_list_tests"}, o.timeout);
    if (!p.spawned || p.timed_out || p.signaled || p.code != 0) return;
    auto tests = ParseGtestList(p.out);
    if (tests.empty()) return;
    b.kind = Kind::kGtest;
    b.gtests = std::move(tests);
  });

  std::vector<Unit> units;
  for (size_t i = 0; i < bins.size(); ++i) {
    const Binary& b = bins[i];
    if (b.kind == Kind::kGtest) {
      for (const auto& t : b.gtests) {
        if (FilterMatches(o, b.name + "/" + t)) units.push_back({i, t, {}, {}});
      }
    } else if (FilterMatches(o, b.name)) {
      units.push_back({i, "", {}, {}});
    }
  }
  if (units.empty()) throw UsageError{"no tests to run"};

  ParallelFor(units.size() * 2, o.jobs, [&](size_t i) {
    Unit& u = units[i / 2];
    std::vector<std::string> prog = {bins[u.binary].path.string()};
    if (!u.gtest.empty()) {
      prog.push_back("--gtest_filter=" + u.gtest);
      prog.push_back("--gtest_color=no");
    }
    if (i % 2 == 0) {
      u.native = RunProcess(prog, o.timeout);
    } else {
      u.sandbox = RunProcess(SandboxArgs(o, prog), o.timeout);
    }
  });

  std::vector<TestReport> reports;
  for (const Unit& u : units) {
    const Binary& b = bins[u.binary];
    Result n = Classify(u.native, false), s = Classify(u.sandbox, true);
    if (!u.gtest.empty()) {
      auto gskip = [](const ProcResult& p, Result& r) {
        if (r.Pass() && p.out.find("[  SKIPPED ]") != std::string::npos) r.result = "skip";
      };
      gskip(u.native, n);
      gskip(u.sandbox, s);
      reports.push_back({b.name + "/" + u.gtest, b.path.string(), "gtest", n, s, false, false});
      continue;
    }
    TapOutput nt = ParseTap(u.native.out, n.seconds), st = ParseTap(u.sandbox.out, s.seconds);
    if ((!nt.is_tap && !st.is_tap) || (nt.lines.empty() && st.lines.empty())) {
      if (nt.skip_all) n = {"skip", "", n.seconds};
      if (st.skip_all) s = {"skip", "", s.seconds};
      reports.push_back({b.name, b.path.string(), nt.is_tap || st.is_tap ? "tap" : "plain", n, s,
                         false, false});
      continue;
    }
    // TAP: one test per number seen on either side or promised by a plan.
    std::set<int> nums;
    for (const TapOutput* t : {&nt, &st}) {
      for (const auto& [k, v] : t->lines) nums.insert(k);
      for (int k = 1; k <= t->plan; ++k) nums.insert(k);
    }
    auto side = [](const TapOutput& t, const Result& proc, int k) {
      auto it = t.lines.find(k);
      if (it != t.lines.end()) return it->second.result;
      if (t.skip_all) return Result{"skip", "", proc.seconds};
      if (!proc.Pass() && proc.result != "skip") return proc;  // crashed, timed out...
      return Result{"fail", "missing", proc.seconds};
    };
    for (int k : nums) {
      std::string desc;
      if (auto it = nt.lines.find(k); it != nt.lines.end()) {
        desc = it->second.description;
      } else if (auto it2 = st.lines.find(k); it2 != st.lines.end()) {
        desc = it2->second.description;
      }
      std::string name = b.name + "/" + std::to_string(k) + (desc.empty() ? "" : " " + desc);
      reports.push_back({name, b.path.string(), "tap", side(nt, n, k), side(st, s, k), false, false});
    }
  }
  return reports;
}

// name -> sandbox result of a previous JSON report.
std::map<std::string, std::string> LoadBaseline(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw UsageError{"--baseline: cannot read " + path};
  std::map<std::string, std::string> out;
  try {
    nlohmann::json j = nlohmann::json::parse(f);
    for (const auto& t : j.at("tests")) {
      out[t.at("name").get<std::string>()] = t.at("sandbox").at("result").get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw UsageError{"--baseline: " + path + " is not a compat-run JSON report: " + e.what()};
  }
  return out;
}

struct Totals {
  size_t tests = 0, native_pass = 0, sandbox_pass = 0, differences = 0, regressions = 0;
};

Totals Assess(std::vector<TestReport>& reports, const std::optional<std::map<std::string, std::string>>& baseline) {
  Totals t;
  for (auto& r : reports) {
    r.differs = r.native.Display() != r.sandbox.Display();
    if (baseline) {
      auto it = baseline->find(r.name);
      r.regression = it != baseline->end() && it->second == "pass" && !r.sandbox.Pass();
    } else {
      r.regression = r.native.Pass() && !r.sandbox.Pass();
    }
    ++t.tests;
    t.native_pass += r.native.Pass();
    t.sandbox_pass += r.sandbox.Pass();
    t.differences += r.differs;
    t.regressions += r.regression;
  }
  return t;
}

// ---------------------------------------------------------------------------
// Reports

void WriteText(std::ostream& os, const std::vector<TestReport>& reports, const Totals& t) {
  size_t w0 = 4, w1 = 6;
  for (const auto& r : reports) {
    w0 = std::max(w0, r.name.size());
    w1 = std::max(w1, r.native.Display().size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size() + 2, ' '); };
  os << pad("TEST", w0) << pad("NATIVE", w1) << "SANDBOX\n";
  for (const auto& r : reports) {
    os << pad(r.name, w0) << pad(r.native.Display(), w1) << r.sandbox.Display();
    if (r.regression) {
      os << "  <- REGRESSION";
    } else if (r.differs) {
      os << "  <- differs";
    }
    os << "\n";
  }
  os << "\ntests: " << t.tests << ", native pass: " << t.native_pass
     << ", sandbox pass: " << t.sandbox_pass << ", differences: " << t.differences
     << ", regressions: " << t.regressions << "\n";
}

std::string JsonReport(const Options& o, const std::vector<TestReport>& reports, const Totals& t) {
  nlohmann::ordered_json j;
  j["tool"] = "compat-run";
  j["format_version"] = 1;
  j["sentry"] = o.sentry;
  j["platform"] = o.platform;
  j["timeout_seconds"] = o.timeout;
  j["baseline"] = o.baseline.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.baseline);
  auto res = [](const Result& r) {
    nlohmann::ordered_json x;
    x["result"] = r.result;
    x["detail"] = r.detail;
    x["seconds"] = r.seconds;
    return x;
  };
  nlohmann::ordered_json tests = nlohmann::ordered_json::array();
  for (const auto& r : reports) {
    nlohmann::ordered_json x;
    x["name"] = r.name;
    x["binary"] = r.binary;
    x["kind"] = r.kind;
    x["native"] = res(r.native);
    x["sandbox"] = res(r.sandbox);
    x["differs"] = r.differs;
    x["regression"] = r.regression;
    tests.push_back(std::move(x));
  }
  j["tests"] = std::move(tests);
  nlohmann::ordered_json tot;
  tot["tests"] = t.tests;
  tot["native_pass"] = t.native_pass;
  tot["sandbox_pass"] = t.sandbox_pass;
  tot["differences"] = t.differences;
  tot["regressions"] = t.regressions;
  j["totals"] = std::move(tot);
  return j.dump(2) + "\n";
}

std::string XmlEscape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      case '\n': o += "&#10;"; break;
      case '\t': o += "&#9;"; break;
      default:
        if (c < 0x20) {
          o += '?';  // not representable in XML 1.0
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string JunitReport(const std::vector<TestReport>& reports) {
  // One <testsuite> per binary, in report order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const TestReport*>> by_binary;
  for (const auto& r : reports) {
    std::string suite = fs::path(r.binary).filename().string();
    if (!by_binary.count(suite)) order.push_back(suite);
    by_binary[suite].push_back(&r);
  }
  auto failed = [](const TestReport& r) { return (r.native.Pass() && !r.sandbox.Pass()) || r.regression; };
  auto skipped = [&](const TestReport& r) { return !failed(r) && r.native.result == "skip"; };
  size_t total_fail = 0, total_skip = 0;
  double total_time = 0;
  std::ostringstream body;
  for (const auto& suite : order) {
    const auto& rs = by_binary[suite];
    size_t f = 0, sk = 0;
    double time = 0;
    for (const auto* r : rs) {
      f += failed(*r);
      sk += skipped(*r);
      time += r->sandbox.seconds;
    }
    total_fail += f;
    total_skip += sk;
    total_time += time;
    body << "  <testsuite name=\"" << XmlEscape(suite) << "\" tests=\"" << rs.size()
         << "\" failures=\"" << f << "\" errors=\"0\" skipped=\"" << sk << "\" time=\""
         << Seconds(time) << "\">\n";
    for (const auto* r : rs) {
      body << "    <testcase classname=\"" << XmlEscape(suite) << "\" name=\"" << XmlEscape(r->name)
           << "\" time=\"" << Seconds(r->sandbox.seconds) << "\">\n";
      std::string summary = "native: " + r->native.Display() + ", sandbox: " + r->sandbox.Display();
      if (failed(*r)) {
        std::string type = r->native.Pass() && !r->sandbox.Pass() ? "sandbox-difference" : "regression";
        body << "      <failure type=\"" << type << "\" message=\"" << XmlEscape(summary) << "\"/>\n";
      } else if (skipped(*r)) {
        body << "      <skipped message=\"" << XmlEscape(summary) << "\"/>\n";
      }
      body << "      <system-out>" << XmlEscape(summary) << "</system-out>\n";
      body << "    </testcase>\n";
    }
    body << "  </testsuite>\n";
  }
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << "<testsuites name=\"compat-run\" tests=\"" << reports.size() << "\" failures=\"" << total_fail
     << "\" errors=\"0\" skipped=\"" << total_skip << "\" time=\"" << Seconds(total_time) << "\">\n";
  os << body.str() << "</testsuites>\n";
  return os.str();
}

void WriteFile(const std::string& path, const std::string& what, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  f.close();
  if (!f) throw UsageError{what + ": cannot write " + path};
}

std::string DefaultSentry() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  // build/tools/compat_run/compat-run -> build/sentry/boot/sentry
  return (self.parent_path() / ".." / ".." / "sentry" / "boot" / "sentry").lexically_normal().string();
}

constexpr const char* kDescription =
    "compat-run: runs test binaries natively and in the sandbox (the Sentry) and reports,\n"
    "per test, the native result, the sandbox result and whether they differ.\n"
    "\n"
    "A SUITE_DIR is a directory whose executable files are each run; a BINARY is run as given.\n"
    "gtest binaries (they list tests with --gtest_list_tests) run one process per test case;\n"
    "TAP output (\"ok N - name\", \"not ok N\", \"1..N\", \"# SKIP\") gives one test per TAP line;\n"
    "any other program is one test: exit 0 = pass, 32 = skip, other = fail.\n"
    "Results: pass, fail, skip, timeout, crash (SIGxxx), error (could not start).\n"
    "\n"
    "Exit status:\n"
    "  0  no regression: with --baseline, no test whose sandbox result was \"pass\" in the\n"
    "     baseline has another sandbox result now; without --baseline, every test that\n"
    "     passes natively also passes in the sandbox\n"
    "  1  at least one regression (as above)\n"
    "  2  usage or infrastructure error (bad argument, missing sentry, no tests, unwritable report)\n";

int Main(int argc, char** argv) {
  Options o;
  unsigned hc = std::thread::hardware_concurrency();
  o.jobs = hc == 0 ? 1 : static_cast<int>(hc);
  std::string filter;
  CLI::App app{kDescription, "compat-run"};
  app.add_option("--sentry", o.sentry, "the Sentry binary (default: sentry/boot/sentry of this build tree)");
  app.add_option("--platform", o.platform, "the Sentry's platform")
      ->check(CLI::IsMember({"ptrace"}))
      ->capture_default_str();
  app.add_option("--jobs,-j", o.jobs, "processes run at once (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--timeout", o.timeout, "seconds per test process before its process group is killed")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            try {
              size_t used = 0;
              double d = std::stod(v, &used);
              if (used == v.size() && d > 0 && d < 1e9) return "";
            } catch (const std::exception&) {
            }
            return "expected a positive number of seconds, got '" + v + "'";
          },
          "SECONDS"))
      ->capture_default_str();
  app.add_option("--filter", filter,
                 "ECMAScript regex searched in test names (binary, or binary/Suite.Case for gtest; "
                 "a TAP binary is kept or dropped as a whole by its binary name)");
  app.add_option("--json", o.json, "write a JSON report to FILE");
  app.add_option("--junit", o.junit, "write a JUnit XML report to FILE");
  app.add_option("--baseline", o.baseline, "a previous --json report: regressions are counted against it")
      ->check(CLI::ExistingFile);
  app.add_option("SUITE_DIR_OR_BINARIES", o.inputs, "suite directories and test binaries")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::cerr << "compat-run: " << msg << " (see --help)\n";
    return 2;
  }
  try {
    if (!filter.empty()) {
      try {
        o.filter.emplace(filter, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        throw UsageError{"--filter: invalid regular expression '" + filter + "': " + e.what()};
      }
    }
    if (o.sentry.empty()) {
      o.sentry = DefaultSentry();
      if (o.sentry.empty() || !IsExecutableFile(o.sentry)) {
        throw UsageError{"no sentry found next to compat-run (" + o.sentry + "); pass --sentry PATH"};
      }
    } else if (!IsExecutableFile(o.sentry)) {
      throw UsageError{"--sentry: not an executable file: " + o.sentry};
    }
    o.sentry = fs::absolute(o.sentry).string();
    std::optional<std::map<std::string, std::string>> baseline;
    if (!o.baseline.empty()) baseline = LoadBaseline(o.baseline);
    std::vector<Binary> bins = CollectBinaries(o.inputs);
    std::vector<TestReport> reports = Run(o, bins);
    Totals t = Assess(reports, baseline);
    WriteText(std::cout, reports, t);
    std::cout.flush();
    if (!o.json.empty()) WriteFile(o.json, "--json", JsonReport(o, reports, t));
    if (!o.junit.empty()) WriteFile(o.junit, "--junit", JunitReport(reports));
    return t.regressions == 0 ? 0 : 1;
  } catch (const UsageError& e) {
    std::cerr << "compat-run: " << e.message << "\n";
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  return Main(argc, argv);
}
