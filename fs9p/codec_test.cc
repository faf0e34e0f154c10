#include "fs9p/codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fs9p {
namespace {

// Fills every field with a distinct value derived from a counter, so a
// field the codec drops, swaps or truncates changes the decoded message.
class Filler {
 public:
  void operator()(uint8_t& v) { v = static_cast<uint8_t>(Next()); }
  void operator()(uint16_t& v) { v = static_cast<uint16_t>(Next() * 257); }
  void operator()(uint32_t& v) { v = static_cast<uint32_t>(Next() * 0x01010101u); }
  void operator()(uint64_t& v) { v = Next() * 0x0101010101010101ull; }
  void operator()(std::string& s) { s = "name" + std::to_string(Next()); }
  void operator()(Qid& q) {
    (*this)(q.type);
    (*this)(q.version);
    (*this)(q.path);
  }
  void operator()(Payload& p) { p.bytes = std::string(100 + Next(), '\xab') + std::string(1, '\0'); }
  void operator()(std::vector<std::string>& v) { v = {"a", "bb", "ccc"}; }
  void operator()(std::vector<Qid>& v) {
    v.resize(3);
    for (auto& q : v) (*this)(q);
  }

 private:
  uint64_t Next() { return ++n_; }
  uint64_t n_ = 0;
};

template <size_t I = 0>
void RoundTripAll(int& count) {
  if constexpr (I < std::variant_size_v<Message>) {
    using M = std::variant_alternative_t<I, Message>;
    M m;
    Filler f;
    m.Visit(f);
    std::string bytes = EncodeFrame(0x1234, m);
    absl::StatusOr<Frame> back = DecodeFrame(bytes, 1 << 20);
    ASSERT_TRUE(back.ok()) << TypeName(static_cast<uint8_t>(M::kType)) << ": " << back.status();
    EXPECT_EQ(back->tag, 0x1234);
    ASSERT_TRUE(std::holds_alternative<M>(back->msg)) << TypeName(static_cast<uint8_t>(M::kType));
    EXPECT_TRUE(std::get<M>(back->msg) == m) << TypeName(static_cast<uint8_t>(M::kType));
    // Every proper prefix of the body is rejected.
    for (size_t cut = kHeaderSize; cut < bytes.size(); ++cut) {
      std::string truncated = bytes.substr(0, cut);
      truncated[0] = static_cast<char>(cut & 0xff);
      truncated[1] = static_cast<char>((cut >> 8) & 0xff);
      truncated[2] = truncated[3] = 0;
      EXPECT_FALSE(DecodeFrame(truncated, 1 << 20).ok())
          << TypeName(static_cast<uint8_t>(M::kType)) << " cut at " << cut;
    }
    ++count;
    RoundTripAll<I + 1>(count);
  }
}

TEST(Codec, EveryMessageRoundTripsAndRejectsTruncation) {
  int count = 0;
  RoundTripAll(count);
  EXPECT_EQ(count, 57);
}

TEST(Codec, KnownEncodingOfTversion) {
  // size=21 type=100 tag=0xffff msize=8192 "9P2000.L"
  std::string want("\x15\x00\x00\x00\x64\xff\xff\x00\x20\x00\x00\x08\x00" "9P2000.L", 21);
  EXPECT_EQ(EncodeFrame(kNoTag, Tversion{8192, "9P2000.L"}), want);
}

TEST(Codec, KnownEncodingOfTwalk) {
  std::string want("\x18\x00\x00\x00\x6e\x01\x00"   // size 24, Twalk, tag 1
                   "\x02\x00\x00\x00\x03\x00\x00\x00"  // fid 2, newfid 3
                   "\x02\x00\x01\x00" "a\x02\x00" "bc", 24);
  EXPECT_EQ(EncodeFrame(1, Twalk{2, 3, {"a", "bc"}}), want);
}

TEST(Codec, RejectsSizeFieldThatLies) {
  std::string bytes = EncodeFrame(1, Tclunk{7});
  bytes[0] = static_cast<char>(bytes.size() + 1);
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
  bytes[0] = static_cast<char>(bytes.size() - 1);
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
}

TEST(Codec, RejectsTrailingBytes) {
  std::string bytes = EncodeFrame(1, Tclunk{7});
  bytes.push_back('x');
  bytes[0] = static_cast<char>(bytes.size());
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
}

TEST(Codec, RejectsFrameOverMsize) {
  std::string bytes = EncodeFrame(1, Twrite{1, 0, Payload{std::string(5000, 'x')}});
  EXPECT_TRUE(DecodeFrame(bytes, 8192).ok());
  EXPECT_FALSE(DecodeFrame(bytes, 4096).ok());
  EXPECT_FALSE(DecodeHeader(bytes, 4096).ok());
}

TEST(Codec, RejectsSizeBelowHeader) {
  std::string bytes("\x06\x00\x00\x00\x78\x01\x00", 7);
  EXPECT_FALSE(DecodeHeader(bytes, 8192).ok());
  EXPECT_FALSE(DecodeHeader(std::string("\x07\x00\x00", 3), 8192).ok());
}

TEST(Codec, RejectsPayloadCountPastFrame) {
  std::string bytes = EncodeFrame(1, Twrite{1, 0, Payload{"hello"}});
  // count sits after size/type/tag/fid/offset: 7 + 4 + 8 = 19.
  bytes[19] = static_cast<char>(0xff);
  bytes[20] = static_cast<char>(0xff);
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
}

TEST(Codec, RejectsStringLengthPastFrame) {
  std::string bytes = EncodeFrame(1, Treadlink{1});
  Frame f{1, Rreadlink{"target"}};
  bytes = EncodeFrame(1, f.msg);
  bytes[7] = 100;  // string length
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
}

TEST(Codec, RejectsNulInString) {
  std::string bytes = EncodeFrame(1, Twalk{1, 2, {std::string("a\0b", 3)}});
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
}

TEST(Codec, RejectsMoreThanSixteenWalkNames) {
  std::vector<std::string> names(17, "x");
  std::string bytes = EncodeFrame(1, Twalk{1, 2, names});
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
  names.resize(16);
  EXPECT_TRUE(DecodeFrame(EncodeFrame(1, Twalk{1, 2, names}), 1 << 20).ok());
}

TEST(Codec, RejectsWalkCountPastFrame) {
  std::string bytes = EncodeFrame(1, Twalk{1, 2, {}});
  bytes[15] = 10;  // nwname: 10 names in zero bytes
  EXPECT_FALSE(DecodeFrame(bytes, 1 << 20).ok());
}

TEST(Codec, UnknownTypeIsUnimplemented) {
  std::string bytes("\x07\x00\x00\x00\x05\x01\x00", 7);
  absl::StatusOr<Frame> f = DecodeFrame(bytes, 8192);
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(absl::IsUnimplemented(f.status()));
  // Legacy 9P2000 Topen (112) is not part of 9P2000.L.
  bytes[4] = 112;
  EXPECT_TRUE(absl::IsUnimplemented(DecodeFrame(bytes, 8192).status()));
}

TEST(Codec, NamesAndDirection) {
  EXPECT_STREQ(TypeName(110), "Twalk");
  EXPECT_STREQ(TypeName(7), "Rlerror");
  EXPECT_STREQ(TypeName(5), "unknown");
  EXPECT_TRUE(IsRequest(110));
  EXPECT_FALSE(IsRequest(111));
  EXPECT_FALSE(IsRequest(6));
}

}  // namespace
}  // namespace fs9p
