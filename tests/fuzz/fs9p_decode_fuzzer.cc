// Fuzzes the 9P frame decoder and the directory-entry parser. Whatever
// decodes must re-encode to exactly the input bytes (the codec is strict:
// no trailing bytes, one encoding per message).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fs9p/codec.h"
#include "fs9p/dirent.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<fs9p::Frame> f = fs9p::DecodeFrame(in, 1 << 20);
  if (f.ok() && fs9p::EncodeFrame(f->tag, f->msg) != in) abort();
  absl::StatusOr<std::vector<fs9p::Dirent>> d = fs9p::ParseDirents(in);
  if (d.ok()) {
    std::string out;
    for (const auto& e : *d) {
      if (!fs9p::AppendDirent(e, SIZE_MAX, out)) abort();
    }
    if (out != in) abort();
  }
  return 0;
}
