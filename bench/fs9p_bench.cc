// 9P file-service benchmark: read throughput of a 64 MiB file with a 1 MiB
// msize, and small-operation latency, through our client and gofer (with
// and without FD donation), through Debian's diod when installed, and as
// direct host syscalls, in one run. Prints a table; --json for machines.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fs9p/path_client.h"
#include "tests/gofer/server_launcher.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kFileSize = 64 << 20;

double NsPerOp(int iterations, const std::function<bool()>& op) {
  for (int i = 0; i < iterations / 10 + 1; ++i) op();  // warm up
  auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    if (!op()) return -1;
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / iterations;
}

struct Row {
  std::string server;
  double read_mib_s, walk_getattr_ns, open_read_ns;
};

// All three measurements through a 9P session.
Row Measure9p(tests::ServerKind kind, const std::string& dir) {
  Row row{tests::ServerName(kind), -1, -1, -1};
  tests::ServerOptions opts;
  opts.msize = 1 << 20;
  auto server = tests::StartServer(kind, dir, opts);
  if (!server.ok()) {
    fprintf(stderr, "skip %s: %s\n", row.server.c_str(), std::string(server.status().message()).c_str());
    return row;
  }
  fs9p::Client& c = (*server)->client();
  auto fs = fs9p::PathClient::Attach(c, (*server)->aname());
  if (!fs.ok()) return row;
  bool donated = c.fd_donation();
  std::string buf(c.iounit(), '\0');

  // Throughput: open once, read the whole file; through the donated FD
  // when we have one, as the Sentry would.
  auto fid = fs->Walk("big");
  auto opened = c.Call(fs9p::Tlopen{*fid, O_RDONLY});
  if (!opened.ok()) return row;
  int fd = opened->fd.get();
  auto start = Clock::now();
  const int kPasses = 3;
  for (int pass = 0; pass < kPasses; ++pass) {
    for (uint64_t off = 0; off < kFileSize;) {
      size_t n;
      if (donated && fd >= 0) {
        ssize_t r = pread(fd, buf.data(), buf.size(), off);
        if (r <= 0) return row;
        n = r;
      } else {
        auto r = c.Rpc<fs9p::Rread>(fs9p::Tread{*fid, off, c.iounit()});
        if (!r.ok() || r->data.bytes.empty()) return row;
        n = r->data.bytes.size();
      }
      off += n;
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  row.read_mib_s = kPasses * (kFileSize >> 20) / secs;
  (void)fs->Clunk(*fid);

  uint32_t root = fs->root_fid();
  row.walk_getattr_ns = NsPerOp(2000, [&] {
    uint32_t f = c.NewFid();
    bool ok = c.Rpc<fs9p::Rwalk>(fs9p::Twalk{root, f, {"small"}}).ok() &&
              c.Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{f, fs9p::kGetattrBasic}).ok() &&
              c.Rpc<fs9p::Rclunk>(fs9p::Tclunk{f}).ok();
    c.ReleaseFid(f);
    return ok;
  });
  row.open_read_ns = NsPerOp(2000, [&] {
    uint32_t f = c.NewFid();
    bool ok = c.Rpc<fs9p::Rwalk>(fs9p::Twalk{root, f, {"small"}}).ok();
    auto o = c.Call(fs9p::Tlopen{f, O_RDONLY});
    ok = ok && o.ok();
    if (ok && o->fd.valid()) {
      ok = pread(o->fd.get(), buf.data(), 4096, 0) == 4096;
    } else if (ok) {
      auto r = c.Rpc<fs9p::Rread>(fs9p::Tread{f, 0, 4096});
      ok = r.ok() && r->data.bytes.size() == 4096;
    }
    ok = c.Rpc<fs9p::Rclunk>(fs9p::Tclunk{f}).ok() && ok;
    c.ReleaseFid(f);
    return ok;
  });
  return row;
}

Row MeasureHost(const std::string& dir) {
  Row row{"host syscalls", -1, -1, -1};
  std::string big = dir + "/big", small = dir + "/small";
  std::string buf(1 << 20, '\0');
  int fd = open(big.c_str(), O_RDONLY);
  auto start = Clock::now();
  const int kPasses = 3;
  for (int pass = 0; pass < kPasses; ++pass) {
    for (off_t off = 0; off < static_cast<off_t>(kFileSize);) {
      ssize_t n = pread(fd, buf.data(), buf.size(), off);
      if (n <= 0) return row;
      off += n;
    }
  }
  row.read_mib_s = kPasses * (kFileSize >> 20) / std::chrono::duration<double>(Clock::now() - start).count();
  close(fd);
  int dfd = open(dir.c_str(), O_PATH | O_DIRECTORY);
  row.walk_getattr_ns = NsPerOp(20000, [&] {
    int f = openat(dfd, "small", O_PATH | O_NOFOLLOW);
    struct stat st;
    bool ok = f >= 0 && fstat(f, &st) == 0;
    close(f);
    return ok;
  });
  row.open_read_ns = NsPerOp(20000, [&] {
    int f = openat(dfd, "small", O_RDONLY);
    bool ok = f >= 0 && pread(f, buf.data(), 4096, 0) == 4096;
    close(f);
    return ok;
  });
  close(dfd);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
  char tmpl[] = "/tmp/fs9p-bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  std::string dir = tmpl;
  {
    std::string chunk(1 << 20, 'x');
    FILE* f = fopen((dir + "/big").c_str(), "w");
    for (size_t i = 0; i < kFileSize / chunk.size(); ++i) fwrite(chunk.data(), 1, chunk.size(), f);
    fclose(f);
    f = fopen((dir + "/small").c_str(), "w");
    fwrite(chunk.data(), 1, 8192, f);
    fclose(f);
  }
  std::vector<Row> rows = {MeasureHost(dir), Measure9p(tests::ServerKind::kGofer, dir),
                           Measure9p(tests::ServerKind::kGoferFdDonation, dir),
                           Measure9p(tests::ServerKind::kDiod, dir)};
  std::filesystem::remove_all(dir);
  if (json) {
    printf("[");
    for (size_t i = 0; i < rows.size(); ++i) {
      printf("%s{\"server\":\"%s\",\"read_mib_s\":%.1f,\"walk_getattr_clunk_ns\":%.0f,"
             "\"lopen_read4k_clunk_ns\":%.0f}",
             i ? "," : "", rows[i].server.c_str(), rows[i].read_mib_s, rows[i].walk_getattr_ns,
             rows[i].open_read_ns);
    }
    printf("]\n");
    return 0;
  }
  printf("9P file service (64 MiB sequential read, msize 1 MiB; small ops on a cached 8 KiB file)\n");
  printf("%-20s %14s %26s %28s\n", "server", "read MiB/s", "walk+getattr+clunk ns/op",
         "lopen+read 4K+clunk ns/op");
  for (const Row& r : rows) {
    printf("%-20s %14.0f %26.0f %28.0f\n", r.server.c_str(), r.read_mib_s, r.walk_getattr_ns,
           r.open_read_ns);
  }
  printf("(-1 means not measured: server unavailable or an operation failed)\n");
  return 0;
}
