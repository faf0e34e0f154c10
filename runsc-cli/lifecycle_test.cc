// Drives the built runsc binary through the OCI lifecycle with a temp
// --root and a bundle whose process is a static test program (prog.c),
// checking exit codes and the messages runc gives.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace {

using nlohmann::json;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runsc_lc.XXXXXX";
    tmp_ = mkdtemp(tmpl);
    root_ = tmp_ + "/root";
    bundle_ = tmp_ + "/bundle";
    mkdir(bundle_.c_str(), 0755);
    mkdir((bundle_ + "/rootfs").c_str(), 0755);
    // The program also inside the rootfs at the same path, so the tests
    // hold whether the Sentry takes it from the host (today) or from the
    // gofer-served rootfs (kSentryServesRootfs).
    std::filesystem::path in_root = bundle_ + "/rootfs" + PROG_BIN;
    std::filesystem::create_directories(in_root.parent_path());
    std::filesystem::copy_file(PROG_BIN, in_root);
  }
  void TearDown() override {
    // Kill whatever a failed test left behind.
    Runsc({"list", "-q"});
    std::istringstream ids(last_list_);
    std::string id;
    while (ids >> id) Runsc({"delete", "--force", id});
    ASSERT_EQ(system(("rm -rf " + tmp_).c_str()), 0);
  }

  void WriteConfig(const json& process_args, json extra = json::object()) {
    json c = {{"ociVersion", "1.0.2"},
              {"process", {{"args", process_args}, {"cwd", "/"}}},
              {"root", {{"path", "rootfs"}}}};
    for (auto& [k, v] : extra.items()) c[k] = v;
    std::ofstream(bundle_ + "/config.json") << c.dump();
  }

  // Runs runsc with stdio in files (the container inherits them) and
  // waits for runsc only.
  Result Runsc(std::vector<std::string> args, std::atomic<pid_t>* started = nullptr) {
    std::vector<std::string> argv = {RUNSC_BIN, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out = tmp_ + "/stdout." + std::to_string(n_), err = tmp_ + "/stderr." + std::to_string(n_);
    ++n_;
    pid_t pid = fork();
    if (pid == 0) {
      int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      dup2(o, 1);
      dup2(e, 2);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execv(cargv[0], cargv.data());
      _exit(126);
    }
    if (started != nullptr) *started = pid;
    int status;
    waitpid(pid, &status, 0);
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    if (args.size() == 2 && args[0] == "list") last_list_ = r.out;
    return r;
  }

  json State(const std::string& id) {
    Result r = Runsc({"state", id});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? json::parse(r.out) : json();
  }

  // Waits until `id`'s status is `want` (the Sentry's exit is async).
  bool StatusBecomes(const std::string& id, const std::string& want) {
    for (int i = 0; i < 500; ++i) {
      if (State(id)["status"] == want) return true;
      usleep(10000);
    }
    return false;
  }

  std::string tmp_, root_, bundle_, last_list_;
  int n_ = 0;
};

TEST_F(LifecycleTest, CreateStartKillDelete) {
  WriteConfig({PROG_BIN, "sleep", "100"}, {{"annotations", {{"k", "v"}}}});
  Result r = Runsc({"create", "--bundle", bundle_, "--pid-file", tmp_ + "/pid", "c1"});
  ASSERT_EQ(r.code, 0) << r.err;
  json s = State("c1");
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["id"], "c1");
  EXPECT_EQ(s["bundle"], bundle_);
  EXPECT_EQ(s["rootfs"], bundle_ + "/rootfs");
  EXPECT_EQ(s["annotations"]["k"], "v");
  int pid = s["pid"];
  EXPECT_GT(pid, 0);
  EXPECT_EQ(ReadFile(tmp_ + "/pid"), std::to_string(pid));
  EXPECT_EQ(kill(pid, 0), 0);

  r = Runsc({"start", "c1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(State("c1")["status"], "running");
  r = Runsc({"start", "c1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "cannot start an already running container\n");
  r = Runsc({"delete", "c1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "cannot delete container c1 that is not stopped: running\n");

  r = Runsc({"kill", "c1", "KILL"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Runsc({"wait", "c1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["exitStatus"], 137);
  ASSERT_TRUE(StatusBecomes("c1", "stopped"));
  EXPECT_EQ(State("c1")["pid"], 0);
  r = Runsc({"kill", "c1", "9"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "container not running\n");
  r = Runsc({"start", "c1"});
  EXPECT_EQ(r.err, "cannot start a container that has stopped\n");

  r = Runsc({"delete", "c1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(Exists(root_ + "/c1"));
  r = Runsc({"state", "c1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "container does not exist\n");
}

TEST_F(LifecycleTest, StateKeysInRuncOrder) {
  WriteConfig({PROG_BIN, "exit", "0"});
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "c"}).code, 0);
  std::string out = Runsc({"state", "c"}).out;
  std::vector<std::string> order = {"ociVersion", "id", "pid", "status", "bundle", "rootfs",
                                    "created", "owner"};
  size_t last = 0;
  for (const auto& k : order) {
    size_t at = out.find("\"" + k + "\":");
    ASSERT_NE(at, std::string::npos) << k;
    EXPECT_GT(at, last) << k;
    last = at;
  }
  EXPECT_EQ(Runsc({"delete", "c"}).code, 0);  // created: delete kills it
}

TEST_F(LifecycleTest, RunExitCodes) {
  WriteConfig({PROG_BIN, "echo", "hi"});
  Result r = Runsc({"run", "--bundle", bundle_, "r0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hi");
  EXPECT_FALSE(Exists(root_ + "/r0"));  // run deletes the container

  WriteConfig({PROG_BIN, "exit", "3"});
  r = Runsc({"run", "--bundle", bundle_, "r3"});
  EXPECT_EQ(r.code, 3) << r.err;

  WriteConfig({PROG_BIN, "sleep", "100"});
  Result killed;
  std::thread t([&] { killed = Runsc({"run", "--bundle", bundle_, "--pid-file", tmp_ + "/p", "r9"}); });
  bool running = false;
  for (int i = 0; i < 500 && !running; ++i) {
    usleep(10000);
    Result s = Runsc({"state", "r9"});
    running = s.code == 0 && json::parse(s.out)["status"] == "running";
  }
  EXPECT_TRUE(running);
  EXPECT_EQ(Runsc({"kill", "r9", "SIGKILL"}).code, 0);
  t.join();
  EXPECT_EQ(killed.code, 128 + 9) << killed.err;
}

TEST_F(LifecycleTest, RunForwardsSignals) {
  WriteConfig({PROG_BIN, "sleep", "100"});
  std::atomic<pid_t> pid{0};
  Result r;
  std::thread t([&] { r = Runsc({"run", "--bundle", bundle_, "fw"}, &pid); });
  bool running = false;
  for (int i = 0; i < 500 && !running; ++i) {
    usleep(10000);
    Result s = Runsc({"state", "fw"});
    running = s.code == 0 && json::parse(s.out)["status"] == "running";
  }
  ASSERT_TRUE(running);
  kill(pid, SIGTERM);  // to runsc run, which passes it to the container
  t.join();
  EXPECT_EQ(r.code, 128 + SIGTERM) << r.err;
  EXPECT_FALSE(Exists(root_ + "/fw"));
}

TEST_F(LifecycleTest, RunDetach) {
  WriteConfig({PROG_BIN, "exit", "5"});
  Result r = Runsc({"run", "-d", "--bundle", bundle_, "d"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Runsc({"wait", "d"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["exitStatus"], 5);
  ASSERT_TRUE(StatusBecomes("d", "stopped"));
  EXPECT_EQ(Runsc({"delete", "d"}).code, 0);
}

TEST_F(LifecycleTest, KillBeforeStartStops) {
  WriteConfig({PROG_BIN, "echo", "never"});
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "k"}).code, 0);
  EXPECT_EQ(Runsc({"kill", "k", "TERM"}).code, 0);
  ASSERT_TRUE(StatusBecomes("k", "stopped"));
  Result r = Runsc({"wait", "k"});
  EXPECT_EQ(json::parse(r.out)["exitStatus"], 128 + SIGTERM);
  EXPECT_EQ(Runsc({"delete", "k"}).code, 0);
}

TEST_F(LifecycleTest, KillAllAndConcurrentStarts) {
  WriteConfig({PROG_BIN, "sleep", "100"});
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "p"}).code, 0);
  // Concurrent starts are serialized: exactly one starts the container.
  std::vector<Result> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) threads.emplace_back([&] { r = Runsc({"start", "p"}); });
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const auto& r : results) {
    if (r.code == 0) {
      ++ok;
    } else {
      EXPECT_EQ(r.err, "cannot start an already running container\n");
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(Runsc({"kill", "--all", "p", "15"}).code, 0);
  Result r = Runsc({"wait", "p"});
  EXPECT_EQ(json::parse(r.out)["exitStatus"], 128 + SIGTERM);
  ASSERT_TRUE(StatusBecomes("p", "stopped"));
  EXPECT_EQ(Runsc({"delete", "p"}).code, 0);
}

TEST_F(LifecycleTest, ListTableAndJson) {
  Result r = Runsc({"list", "--format", "json"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "null\n");
  WriteConfig({PROG_BIN, "sleep", "100"});
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "a"}).code, 0);
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "b"}).code, 0);
  r = Runsc({"list", "--format", "json"});
  json l = json::parse(r.out);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0]["id"], "a");
  EXPECT_EQ(l[1]["status"], "created");
  r = Runsc({"list"});
  EXPECT_EQ(r.out.rfind("ID          PID         STATUS      BUNDLE", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\na "), std::string::npos);
  r = Runsc({"list", "-q"});
  EXPECT_EQ(r.out, "a\nb\n");
}

TEST_F(LifecycleTest, DuplicateIdKeepsTheFirst) {
  WriteConfig({PROG_BIN, "sleep", "100"});
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "dup"}).code, 0);
  int pid = State("dup")["pid"];
  Result r = Runsc({"create", "--bundle", bundle_, "dup"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "container with given ID already exists\n");
  EXPECT_EQ(State("dup")["pid"], pid);
  EXPECT_EQ(State("dup")["status"], "created");
}

TEST_F(LifecycleTest, ErrorsLeaveNothingBehind) {
  Result r = Runsc({"create", "--bundle", bundle_, "x"});  // no config.json
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "JSON specification file config.json not found\n");
  EXPECT_FALSE(Exists(root_ + "/x"));

  r = Runsc({"create", "--bundle", tmp_ + "/nope", "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "chdir " + tmp_ + "/nope: no such file or directory\n");

  std::ofstream(bundle_ + "/config.json") << "{\"ociVersion\": ";
  r = Runsc({"create", "--bundle", bundle_, "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("config.json: invalid JSON: ", 0), 0u) << r.err;
  EXPECT_FALSE(Exists(root_ + "/x"));

  WriteConfig({PROG_BIN}, {{"procesz", json::object()}});
  r = Runsc({"create", "--bundle", bundle_, "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "procesz: unknown field\n");

  WriteConfig({tmp_ + "/no-such-binary"});
  r = Runsc({"create", "--bundle", bundle_, "--pid-file", tmp_ + "/pid", "x"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("sandbox failed to start: sentry exited with status 127"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(Exists(root_ + "/x"));
  EXPECT_FALSE(Exists(tmp_ + "/pid"));

  r = Runsc({"create", "--bundle", bundle_, "bad/id"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "invalid container ID format\n");
}

TEST_F(LifecycleTest, DeleteUnknownAndForce) {
  Result r = Runsc({"delete", "ghost"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "container does not exist\n");
  EXPECT_EQ(Runsc({"delete", "--force", "ghost"}).code, 0);
  // An aborted create (directory without state.json) is cleaned up.
  mkdir(root_.c_str(), 0700);
  mkdir((root_ + "/half").c_str(), 0700);
  EXPECT_EQ(Runsc({"delete", "half"}).code, 1);
  EXPECT_FALSE(Exists(root_ + "/half"));

  WriteConfig({PROG_BIN, "sleep", "100"});
  ASSERT_EQ(Runsc({"run", "-d", "--bundle", bundle_, "f"}).code, 0);
  int pid = State("f")["pid"];
  r = Runsc({"delete", "--force", "f"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(Exists(root_ + "/f"));
  EXPECT_NE(kill(pid, 0) == 0 && ReadFile("/proc/" + std::to_string(pid) + "/stat").find(") Z") ==
                std::string::npos,
            true);
}

TEST_F(LifecycleTest, CrashedSandboxIsStopped) {
  WriteConfig({PROG_BIN, "sleep", "100"});
  ASSERT_EQ(Runsc({"run", "-d", "--bundle", bundle_, "c"}).code, 0);
  int pid = State("c")["pid"];
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(StatusBecomes("c", "stopped"));
  EXPECT_EQ(State("c")["pid"], 0);
  Result r = Runsc({"wait", "c"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(Runsc({"delete", "c"}).code, 0);
  EXPECT_FALSE(Exists(root_ + "/c"));
}

TEST_F(LifecycleTest, HooksRunInOrderWithState) {
  std::string log = tmp_ + "/hooks.log";
  auto hook = [&](const std::string& kind) {
    // Records the hook's kind and the status it was given on stdin.
    return json::array({{{"path", "/bin/sh"},
                         {"args", {"sh", "-c",
                                   "read s; echo \"" + kind +
                                       " $(echo \"$s\" | sed 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/')\" >> " +
                                       log}}}});
  };
  json hooks = {{"prestart", hook("prestart")},
                {"createRuntime", hook("createRuntime")},
                {"createContainer", hook("createContainer")},
                {"startContainer", hook("startContainer")},
                {"poststart", hook("poststart")},
                {"poststop", hook("poststop")}};
  WriteConfig({PROG_BIN, "exit", "0"}, {{"hooks", hooks}});
  ASSERT_EQ(Runsc({"create", "--bundle", bundle_, "h"}).code, 0);
  ASSERT_EQ(Runsc({"start", "h"}).code, 0);
  ASSERT_TRUE(StatusBecomes("h", "stopped"));
  ASSERT_EQ(Runsc({"delete", "h"}).code, 0);
  EXPECT_EQ(ReadFile(log),
            "prestart creating\ncreateRuntime creating\ncreateContainer creating\n"
            "startContainer created\npoststart running\npoststop stopped\n");
}

TEST_F(LifecycleTest, FailingCreateHookUndoesCreate) {
  json hooks = {{"createRuntime", {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo no >&2; exit 7"}}}}}};
  WriteConfig({PROG_BIN, "sleep", "100"}, {{"hooks", hooks}});
  Result r = Runsc({"create", "--bundle", bundle_, "--pid-file", tmp_ + "/pid", "h"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "createRuntime hook #0 (/bin/sh): exit status 7, stdout: , stderr: no\n");
  EXPECT_FALSE(Exists(root_ + "/h"));
  EXPECT_FALSE(Exists(tmp_ + "/pid"));
}

TEST_F(LifecycleTest, HookTimeoutFailsCreate) {
  json hooks = {{"prestart", {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "sleep 30"}}, {"timeout", 1}}}}};
  WriteConfig({PROG_BIN, "sleep", "100"}, {{"hooks", hooks}});
  Result r = Runsc({"create", "--bundle", bundle_, "t"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "prestart hook #0 (/bin/sh): timed out after 1s, stdout: , stderr: \n");
  EXPECT_FALSE(Exists(root_ + "/t"));
}

TEST_F(LifecycleTest, CliErrors) {
  Result r = Runsc({"--bogus", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "runsc: unknown flag --bogus\n");
  r = Runsc({"frobnicate"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  r = Runsc({"kill", "x", "NOPE"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "unknown signal \"NOPE\"\n");
  // Flags podman/containerd pass are accepted.
  r = Runsc({"--log", tmp_ + "/log.json", "--log-format", "json", "--systemd-cgroup", "state", "nope"});
  EXPECT_EQ(r.code, 1);
  json line = json::parse(ReadFile(tmp_ + "/log.json"));
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["msg"], "container does not exist");
}

TEST_F(LifecycleTest, SpecAndFeatures) {
  Result r = Runsc({"spec", "--bundle", bundle_});
  ASSERT_EQ(r.code, 0) << r.err;
  json spec = json::parse(ReadFile(bundle_ + "/config.json"));
  EXPECT_EQ(spec["process"]["args"][0], "sh");
  r = Runsc({"spec", "--bundle", bundle_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "File config.json exists. Remove it first\n");
  r = Runsc({"features"});
  ASSERT_EQ(r.code, 0);
  json f = json::parse(r.out);
  EXPECT_EQ(f["ociVersionMin"], "1.0.0");
  EXPECT_EQ(f["hooks"].size(), 6u);
}

}  // namespace
