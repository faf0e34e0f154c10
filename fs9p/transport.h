// Moves whole 9P frames over a connected stream socket.
//
// A frame may carry one host FD as SCM_RIGHTS (our FD-donation extension).
// The reader takes the frame's 4-byte size first and then exactly the rest,
// so every recvmsg starts at a frame boundary and an FD is always attributed
// to the frame it was sent with.
#ifndef FS9P_TRANSPORT_H_
#define FS9P_TRANSPORT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"

namespace fs9p {

struct ReceivedFrame {
  std::string bytes;   // the whole frame, header included
  base::UniqueFd fd;   // an FD that arrived with it, if any
};

// Writes `frame`; `attach_fd` (if >= 0) rides along with its first byte.
absl::Status WriteFrame(int sock, std::string_view frame, int attach_fd = -1);

// Reads one frame no larger than `msize`. OutOfRange on a clean end of
// stream at a frame boundary; InvalidArgument for a size field below the
// header size or above msize (the stream is then unusable).
absl::StatusOr<ReceivedFrame> ReadFrame(int sock, uint32_t msize);

}  // namespace fs9p

#endif  // FS9P_TRANSPORT_H_
