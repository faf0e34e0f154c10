#include "fs9p/transport.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "fs9p/errors.h"
#include "fs9p/messages.h"

namespace fs9p {
namespace {

// Closes every FD in the control messages of `msg` except the first, which
// it returns (or -1).
int TakeFd(msghdr& msg) {
  int taken = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (taken < 0) {
        taken = fd;
      } else {
        ::close(fd);
      }
    }
  }
  return taken;
}

// Reads exactly `len` bytes. `fd_out`, when given, receives an attached FD.
absl::Status ReadExactly(int sock, char* buf, size_t len, base::UniqueFd* fd_out, bool* eof) {
  size_t got = 0;
  while (got < len) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    iovec iov{buf + got, len - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "recvmsg");
    }
    int fd = TakeFd(msg);
    if (fd >= 0) {
      if (fd_out != nullptr && !fd_out->valid() && got == 0) {
        fd_out->reset(fd);
      } else {
        ::close(fd);
      }
    }
    if (n == 0) {
      if (got == 0 && eof != nullptr) {
        *eof = true;
        return absl::OutOfRangeError("end of stream");
      }
      return absl::DataLossError("connection closed inside a frame");
    }
    got += n;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFrame(int sock, std::string_view frame, int attach_fd) {
  size_t sent = 0;
  while (sent < frame.size()) {
    iovec iov{const_cast<char*>(frame.data()) + sent, frame.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (sent == 0 && attach_fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &attach_fd, sizeof(int));
    }
    ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "sendmsg");
    }
    sent += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<ReceivedFrame> ReadFrame(int sock, uint32_t msize) {
  ReceivedFrame f;
  char size_bytes[4];
  bool eof = false;
  if (absl::Status s = ReadExactly(sock, size_bytes, 4, &f.fd, &eof); !s.ok()) return s;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= uint32_t{static_cast<uint8_t>(size_bytes[i])} << (8 * i);
  if (size < kHeaderSize || size > msize) {
    return absl::InvalidArgumentError(absl::StrCat("frame size ", size, " outside [7, ", msize, "]"));
  }
  f.bytes.resize(size);
  memcpy(f.bytes.data(), size_bytes, 4);
  if (absl::Status s = ReadExactly(sock, f.bytes.data() + 4, size - 4, nullptr, nullptr); !s.ok()) {
    return s;
  }
  return f;
}

}  // namespace fs9p
