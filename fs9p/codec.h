// Encodes and decodes whole 9P2000.L frames: size[4] type[1] tag[2] body.
//
// Decoding checks every length and count against the frame and the
// negotiated msize, rejects trailing bytes, strings containing NUL, walks
// with more than 16 names and unknown message types. It never reads past
// the input and never allocates more than the frame can justify.
#ifndef FS9P_CODEC_H_
#define FS9P_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "fs9p/messages.h"

namespace fs9p {

struct Frame {
  uint16_t tag = 0;
  Message msg;
};

// The header of a frame, readable before its body is decoded.
struct FrameHeader {
  uint32_t size = 0;
  uint8_t type = 0;
  uint16_t tag = 0;
};

// Appends the encoded frame for `msg` to `out`.
void EncodeFrame(uint16_t tag, const Message& msg, std::string& out);
std::string EncodeFrame(uint16_t tag, const Message& msg);

// Parses the 7-byte header. Fails if `bytes` is shorter, or the size field is
// below 7 or above `msize`.
absl::StatusOr<FrameHeader> DecodeHeader(std::string_view bytes, uint32_t msize);

// Decodes one whole frame (exactly `bytes`, whose size field must match).
absl::StatusOr<Frame> DecodeFrame(std::string_view bytes, uint32_t msize);

}  // namespace fs9p

#endif  // FS9P_CODEC_H_
