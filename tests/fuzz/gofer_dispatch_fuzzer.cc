// Fuzzes the 9P server and the gofer's FileServer together: each input is a
// byte stream a client sends after a valid Tversion and Tattach (fid 1 is
// the root). The process first confines itself into a scratch root (the
// gofer's own Confine), so even a walk bug cannot reach host files; the
// fuzz work dir (FUZZ_WORKDIR: corpus and artifacts) and /proc are bound in
// at their host paths. Needs root.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "fs9p/codec.h"
#include "fs9p/server.h"
#include "gofer/confine.h"
#include "gofer/file_server.h"

namespace {

std::unique_ptr<gofer::FileServer> g_server;

void MakeScratchTree(const std::string& root) {
  mkdir((root + "/dir").c_str(), 0755);
  mkdir((root + "/dir/sub").c_str(), 0755);
  std::ofstream(root + "/file") << "contents of a file\n";
  std::ofstream(root + "/dir/inner") << "inner\n";
  symlink("/", (root + "/abs_link").c_str());
  symlink("../../..", (root + "/rel_link").c_str());
  symlink("/proc/self/root", (root + "/magic_link").c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/gofer-fuzz.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) abort();
  std::string root = tmpl;
  MakeScratchTree(root);
  gofer::ConfineOptions opts;
  opts.root = root;
  opts.mounts.push_back({"/proc", "/proc", false});
  if (const char* work = getenv("FUZZ_WORKDIR")) opts.mounts.push_back({work, work, false});
  if (absl::Status s = gofer::Confine(opts); !s.ok()) {
    fprintf(stderr, "gofer_dispatch_fuzzer: cannot confine (run as root): %s\n", s.ToString().c_str());
    abort();
  }
  auto server = gofer::FileServer::Create("/", {});
  if (!server.ok()) abort();
  g_server = *std::move(server);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) abort();
  base::UniqueFd client(sv[0]);
  std::string stream = fs9p::EncodeFrame(fs9p::kNoTag, fs9p::Tversion{65536, fs9p::kVersionFdDonation});
  fs9p::EncodeFrame(0, fs9p::Tattach{1, fs9p::kNoFid, "root", "", 0}, stream);
  stream.append(reinterpret_cast<const char*>(data), size);
  // Feed the stream and drain the replies while the server runs inline.
  std::thread io([&] {
    size_t off = 0;
    while (off < stream.size()) {
      ssize_t n = send(client.get(), stream.data() + off, stream.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += n;
    }
    shutdown(client.get(), SHUT_WR);
    char buf[65536];
    while (recv(client.get(), buf, sizeof(buf), 0) > 0) {
    }
  });
  fs9p::Server server(*g_server, {.max_msize = 65536, .offer_fd_donation = true, .workers = 0});
  (void)server.Serve(base::UniqueFd(sv[1]));
  io.join();
  return 0;
}
