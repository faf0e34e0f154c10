// Test helpers: a temporary directory and a 9P session against a gofer,
// either a FileServer in this process or a `gofer` child process.
#ifndef GOFER_TEST_UTIL_H_
#define GOFER_TEST_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "fs9p/client.h"
#include "fs9p/dirent.h"
#include "fs9p/server.h"
#include "gofer/file_server.h"

namespace gofer::testing {

// A fresh directory under $TEST_TMPDIR or /tmp, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Writes `data` to `path` (created 0644).
void WriteFile(const std::string& path, const std::string& data);
std::string ReadFile(const std::string& path);

// One 9P session. Helper calls return the errno of an Rlerror as a Status.
class Session {
 public:
  // A FileServer over `root` behind an fs9p::Server on a socketpair.
  static std::unique_ptr<Session> InProcess(const std::string& root, FileServer::Options o,
                                            fs9p::Client::Options co = {});
  // Runs the gofer binary with `args` plus `--fd N`.
  static std::unique_ptr<Session> Spawn(const std::string& binary, std::vector<std::string> args,
                                        fs9p::Client::Options co = {});
  ~Session();

  fs9p::Client& client() { return *client_; }
  // Drops the connection and waits for a spawned gofer; its wait status.
  int HangUpAndWait();

  absl::StatusOr<uint32_t> Attach(uint32_t n_uname = fs9p::kNoUid);
  // Walks `names` from `fid` into a new fid; a partial walk is ENOENT.
  absl::StatusOr<uint32_t> Walk(uint32_t fid, const std::vector<std::string>& names);
  absl::StatusOr<fs9p::Rlopen> Open(uint32_t fid, uint32_t flags);
  // Creates `name` in the directory `dir` (cloned first); returns the open fid.
  absl::StatusOr<uint32_t> Create(uint32_t dir, const std::string& name, uint32_t flags,
                                  uint32_t mode, uint32_t gid = 0);
  absl::StatusOr<std::string> Read(uint32_t fid, uint64_t offset, uint32_t count);
  absl::StatusOr<uint32_t> Write(uint32_t fid, uint64_t offset, const std::string& data);
  // Every entry of an opened directory, `count` bytes per Treaddir.
  absl::StatusOr<std::vector<fs9p::Dirent>> ReadDirAll(uint32_t fid, uint32_t count = 8192,
                                                       int* calls = nullptr);
  absl::StatusOr<fs9p::Rgetattr> Getattr(uint32_t fid);
  absl::Status Clunk(uint32_t fid);

 private:
  std::unique_ptr<FileServer> fs_;
  std::unique_ptr<fs9p::Server> server_;
  std::thread serve_thread_;
  pid_t child_ = -1;
  std::unique_ptr<fs9p::Client> client_;
};

// The errno in `s` (0 if OK).
int Err(const absl::Status& s);
template <class T>
int Err(const absl::StatusOr<T>& s) {
  return Err(s.status());
}

}  // namespace gofer::testing

#endif  // GOFER_TEST_UTIL_H_
