// Starts a 9P server process (Debian's diod, or our gofer) serving a
// directory over a socketpair, and connects an fs9p::Client to it.
#ifndef TESTS_GOFER_SERVER_LAUNCHER_H_
#define TESTS_GOFER_SERVER_LAUNCHER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs9p/client.h"

namespace tests {

enum class ServerKind { kDiod, kGofer, kGoferFdDonation };
const char* ServerName(ServerKind k);

struct ServerOptions {
  bool read_only = false;
  std::vector<std::string> extra_args;
  uint32_t msize = 1 << 20;
};

class RunningServer {
 public:
  ~RunningServer();  // disconnects, then kills and reaps the server
  fs9p::Client& client() { return *client_; }
  // The aname that attaches the served directory.
  const std::string& aname() const { return aname_; }
  pid_t pid() const { return pid_; }

 private:
  friend absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(ServerKind, const std::string&,
                                                                     const ServerOptions&);
  pid_t pid_ = -1;
  std::string aname_;
  std::unique_ptr<fs9p::Client> client_;
};

// Unavailable when the server binary is missing (the caller skips).
absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(ServerKind kind, const std::string& dir,
                                                           const ServerOptions& opts = {});

// The gofer binary built with the tests.
std::string GoferBinary();

}  // namespace tests

#endif  // TESTS_GOFER_SERVER_LAUNCHER_H_
