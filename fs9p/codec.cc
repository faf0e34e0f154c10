#include "fs9p/codec.h"

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fs9p/wire.h"

namespace fs9p {
namespace {

// Decodes the body into the variant alternative whose kType is `type`.
template <size_t I = 0>
absl::StatusOr<Message> DecodeBody(uint8_t type, std::string_view body) {
  if constexpr (I == std::variant_size_v<Message>) {
    return absl::UnimplementedError(absl::StrCat("unknown message type ", type));
  } else {
    using M = std::variant_alternative_t<I, Message>;
    if (static_cast<uint8_t>(M::kType) != type) return DecodeBody<I + 1>(type, body);
    M m;
    Decoder d(body);
    m.Visit(d);
    if (absl::Status s = d.Finish(); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(TypeName(type), ": ", s.message()));
    }
    return Message(std::move(m));
  }
}

void PutLe32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

void EncodeFrame(uint16_t tag, const Message& msg, std::string& out) {
  size_t start = out.size();
  out.append(4, '\0');
  Encoder e(out);
  e(static_cast<uint8_t>(TypeOf(msg)));
  e(tag);
  std::visit([&](const auto& m) { AppendFields(m, out); }, msg);
  PutLe32(out.data() + start, static_cast<uint32_t>(out.size() - start));
}

std::string EncodeFrame(uint16_t tag, const Message& msg) {
  std::string out;
  EncodeFrame(tag, msg, out);
  return out;
}

absl::StatusOr<FrameHeader> DecodeHeader(std::string_view bytes, uint32_t msize) {
  if (bytes.size() < kHeaderSize) return absl::InvalidArgumentError("frame shorter than its header");
  FrameHeader h;
  for (int i = 0; i < 4; ++i) h.size |= uint32_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  h.type = static_cast<uint8_t>(bytes[4]);
  h.tag = static_cast<uint16_t>(static_cast<uint8_t>(bytes[5]) | (static_cast<uint8_t>(bytes[6]) << 8));
  if (h.size < kHeaderSize) return absl::InvalidArgumentError("frame size below header size");
  if (h.size > msize) {
    return absl::InvalidArgumentError(absl::StrCat("frame size ", h.size, " exceeds msize ", msize));
  }
  return h;
}

absl::StatusOr<Frame> DecodeFrame(std::string_view bytes, uint32_t msize) {
  absl::StatusOr<FrameHeader> h = DecodeHeader(bytes, msize);
  if (!h.ok()) return h.status();
  if (h->size != bytes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame size field ", h->size, " but frame has ", bytes.size(), " bytes"));
  }
  absl::StatusOr<Message> m = DecodeBody(h->type, bytes.substr(kHeaderSize));
  if (!m.ok()) return m.status();
  return Frame{h->tag, *std::move(m)};
}

}  // namespace fs9p
