#include "fs9p/messages.h"

#include <array>

namespace fs9p {
namespace {

// In the order of the Message variant.
constexpr std::array<const char*, std::variant_size_v<Message>> kNames = {
    "Rlerror", "Tstatfs", "Rstatfs", "Tlopen", "Rlopen", "Tlcreate", "Rlcreate", "Tsymlink",
    "Rsymlink", "Tmknod", "Rmknod", "Trename", "Rrename", "Treadlink", "Rreadlink", "Tgetattr",
    "Rgetattr", "Tsetattr", "Rsetattr", "Txattrwalk", "Rxattrwalk", "Txattrcreate",
    "Rxattrcreate", "Treaddir", "Rreaddir", "Tfsync", "Rfsync", "Tlock", "Rlock", "Tgetlock",
    "Rgetlock", "Tlink", "Rlink", "Tmkdir", "Rmkdir", "Trenameat", "Rrenameat", "Tunlinkat",
    "Runlinkat", "Tversion", "Rversion", "Tauth", "Rauth", "Tattach", "Rattach", "Tflush",
    "Rflush", "Twalk", "Rwalk", "Tread", "Rread", "Twrite", "Rwrite", "Tclunk", "Rclunk",
    "Tremove", "Rremove"};

template <size_t I = 0>
const char* NameOf(uint8_t type) {
  if constexpr (I == std::variant_size_v<Message>) {
    return "unknown";
  } else {
    using M = std::variant_alternative_t<I, Message>;
    if (static_cast<uint8_t>(M::kType) == type) return kNames[I];
    return NameOf<I + 1>(type);
  }
}

}  // namespace

Type TypeOf(const Message& m) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::kType; }, m);
}

const char* TypeName(uint8_t type) { return NameOf(type); }

bool IsRequest(uint8_t type) {
  // T-messages have even numbers; Rlerror (7) answers the unused Tlerror (6).
  return type % 2 == 0 && type != 6;
}

}  // namespace fs9p
