// procfs and sysfs: /proc/self and /proc/<pid> files, the top-level /proc
// files, /proc/sys, /sys/devices/system/cpu. Formats as man 5 proc.
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

extern char** environ;

namespace {

// The whole content of `path` read with read(2); "" and a failure if it
// cannot be opened.
std::string ReadAll(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(n, 0) << path;
  close(fd);
  return out;
}

std::string Readlink(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  EXPECT_GT(n, 0) << path << ": " << strerror(errno);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::vector<std::string> DirNames(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = opendir(path.c_str());
  EXPECT_NE(d, nullptr) << path;
  if (d == nullptr) return out;
  while (struct dirent* e = readdir(d)) out.push_back(e->d_name);
  closedir(d);
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The "Key:\tvalue" line of a status-style file, without the key.
std::string Field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      while (!v.empty() && (v[0] == '\t' || v[0] == ' ')) v.erase(0, 1);
      return v;
    }
  }
  return "";
}

// Fields of a stat line after "(comm)": index 0 is the state (field 3).
std::vector<std::string> StatFieldsAfterComm(const std::string& stat) {
  std::vector<std::string> out;
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return out;
  std::istringstream in(stat.substr(close_paren + 1));
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

TEST(Proc, SelfLinkIsPid) {
  EXPECT_EQ(Readlink("/proc/self"), std::to_string(getpid()));
}

TEST(Proc, ThreadSelfLink) {
  EXPECT_EQ(Readlink("/proc/thread-self"),
            std::to_string(getpid()) + "/task/" + std::to_string(syscall(SYS_gettid)));
}

TEST(Proc, StatPidCommAndParent) {
  std::string s = ReadAll("/proc/self/stat");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(atoi(s.c_str()), getpid());
  char comm[17] = {};
  prctl(PR_GET_NAME, comm);
  EXPECT_NE(s.find("(" + std::string(comm) + ")"), std::string::npos) << s;
  auto f = StatFieldsAfterComm(s);
  ASSERT_EQ(f.size(), 50u) << s;  // fields 3..52
  EXPECT_EQ(f[0], "R");
  EXPECT_EQ(atoi(f[1].c_str()), getppid());
  EXPECT_EQ(atoi(f[2].c_str()), getpgrp());
  EXPECT_EQ(atoi(f[17].c_str()), 1);  // num_threads
  EXPECT_EQ(s.back(), '\n');
}

TEST(Proc, StatusFields) {
  std::string s = ReadAll("/proc/self/status");
  EXPECT_EQ(Field(s, "Pid"), std::to_string(getpid()));
  EXPECT_EQ(Field(s, "Tgid"), std::to_string(getpid()));
  EXPECT_EQ(Field(s, "PPid"), std::to_string(getppid()));
  EXPECT_EQ(Field(s, "Threads"), "1");
  char uids[64];
  snprintf(uids, sizeof(uids), "%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(), geteuid());
  EXPECT_EQ(Field(s, "Uid"), uids);
  EXPECT_EQ(Field(s, "State").substr(0, 1), "R");
  char comm[17] = {};
  prctl(PR_GET_NAME, comm);
  EXPECT_EQ(Field(s, "Name"), comm);
  EXPECT_FALSE(Field(s, "SigBlk").empty());
}

TEST(Proc, CommMatchesPrctlName) {
  char comm[17] = {};
  prctl(PR_GET_NAME, comm);
  EXPECT_EQ(ReadAll("/proc/self/comm"), std::string(comm) + "\n");
}

TEST(Proc, CmdlineStartsWithArgv0) {
  std::string c = ReadAll("/proc/self/cmdline");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.back(), '\0');
  EXPECT_EQ(std::string(c.c_str()), std::string(program_invocation_name));
}

TEST(Proc, EnvironMatchesInitialEnvironment) {
  std::string e = ReadAll("/proc/self/environ");
  if (environ == nullptr || environ[0] == nullptr) {
    EXPECT_TRUE(e.empty());
    return;
  }
  EXPECT_EQ(std::string(e.c_str()), std::string(environ[0]));
}

TEST(Proc, ExeLinkNamesTheBinary) {
  std::string exe = Readlink("/proc/self/exe");
  std::string argv0 = program_invocation_name;
  auto base = [](const std::string& p) { return p.substr(p.rfind('/') + 1); };
  EXPECT_EQ(base(exe), base(argv0));
  EXPECT_EQ(exe[0], '/');
}

TEST(Proc, CwdLinkIsGetcwd) {
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(Readlink("/proc/self/cwd"), cwd);
  EXPECT_EQ(Readlink("/proc/self/root"), "/");
}

TEST(Proc, FdDirListsOpenFds) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  auto names = DirNames("/proc/self/fd");
  EXPECT_TRUE(Contains(names, std::to_string(p[0])));
  EXPECT_TRUE(Contains(names, std::to_string(p[1])));
  std::string l = Readlink("/proc/self/fd/" + std::to_string(p[0]));
  EXPECT_EQ(l.rfind("pipe:[", 0), 0u) << l;
  EXPECT_EQ(l, Readlink("/proc/self/fd/" + std::to_string(p[1])));
  close(p[0]);
  close(p[1]);
  names = DirNames("/proc/self/fd");
  EXPECT_FALSE(Contains(names, std::to_string(p[1])));
  struct stat st;
  EXPECT_ERRNO(lstat(("/proc/self/fd/" + std::to_string(p[1])).c_str(), &st), ENOENT);
}

TEST(Proc, FdLinkReopensPipe) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int w = open(("/proc/self/fd/" + std::to_string(p[1])).c_str(), O_WRONLY);
  ASSERT_GE(w, 0) << strerror(errno);
  ASSERT_EQ(write(w, "hey", 3), 3);
  char buf[4] = {};
  ASSERT_EQ(read(p[0], buf, 3), 3);
  EXPECT_STREQ(buf, "hey");
  close(w);
  close(p[0]);
  close(p[1]);
}

TEST(Proc, FdLinkOpensPipeInRequestedMode) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  // The write end's link opened for reading: a new read end of that pipe.
  int r = open(("/proc/self/fd/" + std::to_string(p[1])).c_str(), O_RDONLY);
  ASSERT_GE(r, 0) << strerror(errno);
  EXPECT_EQ(fcntl(r, F_GETFL) & O_ACCMODE, O_RDONLY);
  ASSERT_EQ(write(p[1], "ab", 2), 2);
  char buf[2];
  ASSERT_EQ(read(r, buf, 2), 2);
  EXPECT_EQ(memcmp(buf, "ab", 2), 0);
  close(r);
  close(p[0]);
  close(p[1]);
}

TEST(Proc, FdLinkOfProcFileNamesIt) {
  int fd = open("/proc/self/status", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(Readlink("/proc/self/fd/" + std::to_string(fd)),
            "/proc/" + std::to_string(getpid()) + "/status");
  // Opening the link opens the same object with its own offset.
  char c;
  ASSERT_EQ(read(fd, &c, 1), 1);
  int again = open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDONLY);
  ASSERT_GE(again, 0);
  char d;
  ASSERT_EQ(read(again, &d, 1), 1);
  EXPECT_EQ(c, d);
  close(again);
  close(fd);
}

TEST(Proc, FdinfoShowsPosAndFlags) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  char buf[10];
  ASSERT_EQ(read(fd, buf, sizeof(buf)), 10);
  std::string info = ReadAll("/proc/self/fdinfo/" + std::to_string(fd));
  EXPECT_EQ(Field(info, "pos"), "10") << info;
  long flags = strtol(Field(info, "flags").c_str(), nullptr, 8);
  EXPECT_NE(flags & O_CLOEXEC, 0) << info;
  EXPECT_EQ(flags & O_ACCMODE, O_RDONLY);
  close(fd);
}

TEST(Proc, MapsHasStackAndLinuxFormat) {
  std::string m = ReadAll("/proc/self/maps");
  EXPECT_NE(m.find("[stack]"), std::string::npos);
  std::regex line_re("^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2,}:[0-9a-f]{2,} [0-9]+ *(.*)$");
  std::istringstream in(m);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    std::smatch sm;
    EXPECT_TRUE(std::regex_match(line, sm, line_re)) << line;
    if (!sm.empty() && sm[1].length() > 0) {
      EXPECT_EQ(line.find(sm[1].str()), 73u) << line;
    }
  }
  EXPECT_GT(lines, 2);
  // Our own stack variable lies in the [stack] line's range.
  int local = 0;
  uintptr_t addr = reinterpret_cast<uintptr_t>(&local);
  bool found = false;
  std::istringstream in2(m);
  while (std::getline(in2, line)) {
    if (line.find("[stack]") == std::string::npos) continue;
    unsigned long lo, hi;
    ASSERT_EQ(sscanf(line.c_str(), "%lx-%lx", &lo, &hi), 2);
    found = addr >= lo && addr < hi;
  }
  EXPECT_TRUE(found);
}

TEST(Proc, SmapsRssOfTouchedPages) {
  const size_t len = 16 * 4096;
  char* p = static_cast<char*>(mmap(nullptr, len, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  for (size_t i = 0; i < 4; ++i) p[i * 4096] = 1;
  char head[64];
  snprintf(head, sizeof(head), "%08lx-%08lx ", (unsigned long)p, (unsigned long)(p + len));
  std::string s = ReadAll("/proc/self/smaps");
  size_t at = s.find(head);
  ASSERT_NE(at, std::string::npos) << head;
  std::string block = s.substr(at, s.find("VmFlags:", at) - at);
  EXPECT_EQ(Field(block.substr(block.find('\n') + 1), "Size"), "64 kB") << block;
  int rss = atoi(Field(block.substr(block.find('\n') + 1), "Rss").c_str());
  EXPECT_GE(rss, 16) << block;  // the 4 touched pages at least (a fault may map neighbours)
  munmap(p, len);
}

TEST(Proc, LimitsMatchGetrlimit) {
  std::string l = ReadAll("/proc/self/limits");
  std::istringstream in(l);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "Limit                     Soft Limit           Hard Limit           Units     ");
  struct rlimit r;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
  char want[128];
  snprintf(want, sizeof(want), "%-25s %-20lu %-20lu %-10s", "Max open files", (unsigned long)r.rlim_cur,
           (unsigned long)r.rlim_max, "files");
  EXPECT_NE(l.find(want), std::string::npos) << l;
}

TEST(Proc, MountsListProc) {
  std::string m = ReadAll("/proc/self/mounts");
  EXPECT_NE(m.find(" /proc proc "), std::string::npos) << m;
  EXPECT_EQ(ReadAll("/proc/mounts"), m);
  // mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS".
  std::istringstream in(ReadAll("/proc/self/mountinfo"));
  std::regex line_re("^[0-9]+ [0-9]+ [0-9]+:[0-9]+ /[^ ]* /[^ ]* [^ ]+( [^ ]+)* - [^ ]+ [^ ]+ [^ ]+$");
  std::string line;
  bool proc = false;
  while (std::getline(in, line)) {
    EXPECT_TRUE(std::regex_match(line, line_re)) << line;
    if (line.find(" / /proc ") != std::string::npos && line.find(" - proc ") != std::string::npos) {
      proc = true;
    }
  }
  EXPECT_TRUE(proc);
}

TEST(Proc, ChildPidDirAndItsEnd) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(p[1]);
    (void)!read(p[0], &c, 1);
    _exit(0);
  }
  ASSERT_GT(child, 0);
  close(p[0]);
  const std::string dir = "/proc/" + std::to_string(child);
  EXPECT_TRUE(Contains(DirNames("/proc"), std::to_string(child)));
  auto f = StatFieldsAfterComm(ReadAll(dir + "/stat"));
  ASSERT_GE(f.size(), 2u);
  EXPECT_EQ(atoi(f[1].c_str()), getpid());
  close(p[1]);
  // Exited but not reaped: a zombie.
  siginfo_t si;
  ASSERT_EQ(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);
  f = StatFieldsAfterComm(ReadAll(dir + "/stat"));
  ASSERT_GE(f.size(), 1u);
  EXPECT_EQ(f[0], "Z");
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  struct stat st;
  EXPECT_ERRNO(stat(dir.c_str(), &st), ENOENT);
}

TEST(Proc, TaskDirListsThreads) {
  pthread_t th;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_EQ(pthread_create(
                &th, nullptr,
                [](void* arg) -> void* {
                  char c;
                  (void)!read(*static_cast<int*>(arg), &c, 1);
                  return nullptr;
                },
                &p[0]),
            0);
  auto names = DirNames("/proc/self/task");
  int tids = 0;
  for (const auto& n : names) tids += (n != "." && n != "..");
  EXPECT_EQ(tids, 2);
  EXPECT_TRUE(Contains(names, std::to_string(getpid())));
  EXPECT_EQ(Field(ReadAll("/proc/self/status"), "Threads"), "2");
  // The other thread: listed under task/, reachable (not listed) as /proc/<tid>.
  std::string other;
  for (const auto& n : names) {
    if (n != "." && n != ".." && n != std::to_string(getpid())) other = n;
  }
  ASSERT_FALSE(other.empty());
  EXPECT_FALSE(Contains(DirNames("/proc"), other));
  EXPECT_EQ(atoi(ReadAll("/proc/self/task/" + other + "/stat").c_str()), atoi(other.c_str()));
  EXPECT_EQ(Field(ReadAll("/proc/" + other + "/status"), "Pid"), other);
  EXPECT_EQ(Field(ReadAll("/proc/" + other + "/status"), "Tgid"), std::to_string(getpid()));
  ASSERT_EQ(write(p[1], "x", 1), 1);
  pthread_join(th, nullptr);
  close(p[0]);
  close(p[1]);
}

TEST(Proc, StatFilesHaveSizeZero) {
  struct stat st;
  ASSERT_EQ(stat("/proc/self/status", &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(lstat("/proc/self", &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(stat("/proc/self", &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(Proc, TopLevelFiles) {
  double up = 0, idle = 0;
  EXPECT_EQ(sscanf(ReadAll("/proc/uptime").c_str(), "%lf %lf", &up, &idle), 2);
  EXPECT_GT(up, 0);
  EXPECT_NE(ReadAll("/proc/meminfo").find("MemTotal:"), std::string::npos);
  EXPECT_NE(ReadAll("/proc/cpuinfo").find("processor"), std::string::npos);
  std::string stat = ReadAll("/proc/stat");
  EXPECT_EQ(stat.rfind("cpu  ", 0), 0u) << stat;
  EXPECT_NE(stat.find("\nbtime "), std::string::npos);
  std::regex load_re("^[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+\n$");
  std::string load = ReadAll("/proc/loadavg");
  EXPECT_TRUE(std::regex_match(load, load_re)) << load;
  EXPECT_EQ(ReadAll("/proc/version").rfind("Linux version ", 0), 0u);
  std::string fs = ReadAll("/proc/filesystems");
  EXPECT_NE(fs.find("\tproc\n"), std::string::npos);
  EXPECT_NE(fs.find("\ttmpfs\n"), std::string::npos);
  auto names = DirNames("/proc");
  EXPECT_TRUE(Contains(names, "self"));
  EXPECT_TRUE(Contains(names, std::to_string(getpid())));
}

TEST(Proc, SysKernelMatchesUname) {
  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  EXPECT_EQ(ReadAll("/proc/sys/kernel/hostname"), std::string(u.nodename) + "\n");
  EXPECT_EQ(ReadAll("/proc/sys/kernel/osrelease"), std::string(u.release) + "\n");
  EXPECT_EQ(ReadAll("/proc/sys/kernel/ostype"), "Linux\n");
  EXPECT_GT(atoi(ReadAll("/proc/sys/kernel/pid_max").c_str()), 0);
  std::string oc = ReadAll("/proc/sys/vm/overcommit_memory");
  EXPECT_TRUE(oc == "0\n" || oc == "1\n" || oc == "2\n") << oc;
}

TEST(Sys, CpuOnlineAndPossible) {
  for (const char* f : {"/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible"}) {
    std::string s = ReadAll(f);
    EXPECT_EQ(s.rfind("0", 0), 0u) << f << ": " << s;
    EXPECT_EQ(s.back(), '\n');
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  EXPECT_GE(n, 1);
}

}  // namespace
