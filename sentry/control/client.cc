#include "sentry/control/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "sentry/control/wire.h"

namespace sentry::control {

absl::StatusOr<ControlClient> ControlClient::Connect(const std::string& socket_path) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("control socket path too long: ", socket_path));
  }
  memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat("connect ", socket_path, ": ", strerror(errno)));
  }
  return ControlClient(std::move(fd));
}

absl::StatusOr<Response> ControlClient::Call(const Request& req, absl::Duration timeout) {
  if (auto s = WriteMessage(fd_.get(), req); !s.ok()) return s;
  if (timeout != absl::InfiniteDuration()) {
    struct pollfd p = {fd_.get(), POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
    int n;
    do {
      n = poll(&p, 1, ms);
    } while (n < 0 && errno == EINTR);
    if (n == 0) return absl::DeadlineExceededError("control: no reply from the sentry");
  }
  Response resp;
  if (auto s = ReadMessage(fd_.get(), resp); !s.ok()) return s;
  return resp;
}

}  // namespace sentry::control
