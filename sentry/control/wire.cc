#include "sentry/control/wire.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace sentry::control {
namespace {

absl::Status WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return absl::UnavailableError(absl::StrCat("control write: ", strerror(errno)));
    p += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

// Reads exactly n bytes; *got says how many arrived before EOF.
absl::Status ReadAll(int fd, char* p, size_t n, size_t* got) {
  *got = 0;
  while (*got < n) {
    ssize_t r = read(fd, p + *got, n - *got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return absl::UnavailableError(absl::StrCat("control read: ", strerror(errno)));
    if (r == 0) break;
    *got += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteMessage(int fd, const google::protobuf::MessageLite& msg) {
  std::string body;
  if (!msg.SerializeToString(&body)) return absl::InternalError("control: cannot serialize");
  if (body.size() > kMaxMessageSize) return absl::InvalidArgumentError("control: message too big");
  uint32_t n = static_cast<uint32_t>(body.size());
  char header[4] = {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 24)};
  std::string frame(header, 4);
  frame += body;
  return WriteAll(fd, frame.data(), frame.size());
}

absl::Status ReadMessage(int fd, google::protobuf::MessageLite& msg) {
  unsigned char header[4];
  size_t got = 0;
  if (auto s = ReadAll(fd, reinterpret_cast<char*>(header), 4, &got); !s.ok()) return s;
  if (got == 0) return absl::NotFoundError("control: connection closed");
  if (got < 4) return absl::DataLossError("control: torn frame header");
  uint32_t n = header[0] | (header[1] << 8) | (header[2] << 16) | (uint32_t{header[3]} << 24);
  if (n > kMaxMessageSize) return absl::DataLossError("control: oversized frame");
  std::string body(n, '\0');
  if (auto s = ReadAll(fd, body.data(), n, &got); !s.ok()) return s;
  if (got < n) return absl::DataLossError("control: torn frame");
  if (!msg.ParseFromString(body)) return absl::DataLossError("control: malformed message");
  return absl::OkStatus();
}

}  // namespace sentry::control
