// 9p-ls: lists a directory (or prints a file) served over 9P2000.L at a
// unix socket, through the project's own client. Used by `make run`.
//
//   9p-ls --socket PATH [--cat] [PATH_IN_FS]
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "fs9p/path_client.h"

namespace {

std::string ModeString(uint32_t mode) {
  std::string s = S_ISDIR(mode) ? "d" : S_ISLNK(mode) ? "l" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (mode & (0400 >> i)) ? rwx[i] : '-';
  return s;
}

int Fail(const std::string& what, const absl::Status& s) {
  fprintf(stderr, "9p-ls: %s: %s\n", what.c_str(), std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"list a directory served over 9P2000.L"};
  std::string socket_path, path;
  bool cat = false;
  app.add_option("--socket", socket_path, "unix socket of the 9P server")->required();
  app.add_flag("--cat", cat, "print the file instead of listing");
  app.add_option("path", path, "path inside the served tree");
  CLI11_PARSE(app, argc, argv);

  base::UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    fprintf(stderr, "9p-ls: socket path too long: %s\n", socket_path.c_str());
    return 1;
  }
  socket_path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    fprintf(stderr, "9p-ls: connect %s: %s\n", socket_path.c_str(), strerror(errno));
    return 1;
  }
  auto client = fs9p::Client::Connect(std::move(sock), {});
  if (!client.ok()) return Fail("version", client.status());
  auto fs = fs9p::PathClient::Attach(**client, "");
  if (!fs.ok()) return Fail("attach", fs.status());
  if (cat) {
    auto data = fs->ReadFile(path);
    if (!data.ok()) return Fail(path, data.status());
    fwrite(data->data(), 1, data->size(), stdout);
    return 0;
  }
  auto entries = fs->ReadDir(path);
  if (!entries.ok()) return Fail(path.empty() ? "/" : path, entries.status());
  for (const auto& e : *entries) {
    if (e.name == "." || e.name == "..") continue;
    std::string child = path.empty() ? e.name : path + "/" + e.name;
    auto a = fs->Getattr(child);
    if (!a.ok()) return Fail(child, a.status());
    std::string line = ModeString(a->mode) + " " + std::to_string(a->size) + "\t" + e.name;
    if (S_ISLNK(a->mode)) {
      auto t = fs->Readlink(child);
      if (t.ok()) line += " -> " + *t;
    }
    printf("%s\n", line.c_str());
  }
  return 0;
}
