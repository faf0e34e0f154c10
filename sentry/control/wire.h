// wire.h: framing for the control protocol: a 4-byte little-endian length
// then a serialized protobuf message, over a stream socket.
#ifndef SENTRY_CONTROL_WIRE_H_
#define SENTRY_CONTROL_WIRE_H_

#include <google/protobuf/message_lite.h>

#include "absl/status/status.h"

namespace sentry::control {

// Messages larger than this are refused (the protocol's are tiny).
inline constexpr uint32_t kMaxMessageSize = 1 << 20;

absl::Status WriteMessage(int fd, const google::protobuf::MessageLite& msg);
// NotFound on a clean EOF before the first byte; DataLoss on a torn or
// oversized frame; Unavailable on other socket errors.
absl::Status ReadMessage(int fd, google::protobuf::MessageLite& msg);

}  // namespace sentry::control

#endif  // SENTRY_CONTROL_WIRE_H_
