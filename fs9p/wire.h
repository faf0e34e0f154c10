// Little-endian 9P field encoding and bounds-checked decoding.
//
// Encoder appends fields; Decoder reads them and records the first error
// (a field past the end, NUL in a string, too many walk elements) instead of
// reading on. Both are visitors for the `Visit` field lists in messages.h.
#ifndef FS9P_WIRE_H_
#define FS9P_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fs9p/messages.h"

namespace fs9p {

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void operator()(uint8_t v) { Put(v, 1); }
  void operator()(uint16_t v) { Put(v, 2); }
  void operator()(uint32_t v) { Put(v, 4); }
  void operator()(uint64_t v) { Put(v, 8); }
  void operator()(const std::string& s) {
    Put(s.size(), 2);
    out_.append(s);
  }
  void operator()(const Qid& q) {
    Put(q.type, 1);
    Put(q.version, 4);
    Put(q.path, 8);
  }
  void operator()(const Payload& p) {
    Put(p.bytes.size(), 4);
    out_.append(p.bytes);
  }
  void operator()(const std::vector<std::string>& v) {
    Put(v.size(), 2);
    for (const auto& s : v) (*this)(s);
  }
  void operator()(const std::vector<Qid>& v) {
    Put(v.size(), 2);
    for (const auto& q : v) (*this)(q);
  }

 private:
  void Put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  void operator()(uint8_t& v) { v = static_cast<uint8_t>(Get(1)); }
  void operator()(uint16_t& v) { v = static_cast<uint16_t>(Get(2)); }
  void operator()(uint32_t& v) { v = static_cast<uint32_t>(Get(4)); }
  void operator()(uint64_t& v) { v = Get(8); }
  void operator()(std::string& s) {
    size_t n = Get(2);
    if (!Need(n)) return;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    if (s.find('\0') != std::string::npos) Fail("string contains NUL");
  }
  void operator()(Qid& q) {
    (*this)(q.type);
    (*this)(q.version);
    (*this)(q.path);
  }
  void operator()(Payload& p) {
    size_t n = Get(4);
    if (!Need(n)) return;
    p.bytes.assign(in_.substr(pos_, n));
    pos_ += n;
  }
  void operator()(std::vector<std::string>& v) {
    size_t n = Get(2);
    if (n > kMaxWalkElements) return Fail("too many walk names");
    // Each string costs at least its 2-byte length.
    if (!Need(n * 2)) return;
    v.resize(n);
    for (auto& s : v) (*this)(s);
  }
  void operator()(std::vector<Qid>& v) {
    size_t n = Get(2);
    if (n > kMaxWalkElements) return Fail("too many walk qids");
    if (!Need(n * 13)) return;
    v.resize(n);
    for (auto& q : v) (*this)(q);
  }

  // Position after the fields read so far.
  size_t position() const { return pos_; }
  bool ok() const { return error_.empty(); }

  // OK if every field fit and nothing is left over.
  absl::Status Finish() {
    if (!error_.empty()) return absl::InvalidArgumentError(error_);
    if (pos_ != in_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(in_.size() - pos_, " trailing bytes"));
    }
    return absl::OkStatus();
  }

 private:
  bool Need(size_t n) {
    if (!error_.empty()) return false;
    if (n > in_.size() - pos_) {
      Fail("field runs past the end of the frame");
      return false;
    }
    return true;
  }
  uint64_t Get(int n) {
    if (!Need(n)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += n;
    return v;
  }
  void Fail(const char* why) {
    if (error_.empty()) error_ = why;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string error_;
};

// Encodes a visitable value's fields (no frame header) onto `out`.
template <class T>
void AppendFields(const T& value, std::string& out) {
  Encoder e(out);
  // Visit only reads the fields when given an Encoder.
  const_cast<T&>(value).Visit(e);
}

}  // namespace fs9p

#endif  // FS9P_WIRE_H_
