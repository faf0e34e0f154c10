#include "fs9p/dirent.h"

#include "gtest/gtest.h"

namespace fs9p {
namespace {

TEST(Dirent, RoundTripsAndRespectsLimit) {
  std::vector<Dirent> in = {{Qid{kQidDir, 1, 42}, 10, 4, "dir"}, {Qid{0, 2, 43}, 20, 8, "file.txt"}};
  std::string out;
  for (const auto& d : in) ASSERT_TRUE(AppendDirent(d, 1000, out));
  EXPECT_EQ(out.size(), DirentSize(in[0]) + DirentSize(in[1]));
  auto back = ParseDirents(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, in);
  EXPECT_FALSE(AppendDirent(in[0], out.size() + DirentSize(in[0]) - 1, out));
}

TEST(Dirent, RejectsTruncatedEntries) {
  std::string out;
  ASSERT_TRUE(AppendDirent({Qid{}, 1, 0, "abc"}, 100, out));
  for (size_t cut = 1; cut < out.size(); ++cut) {
    EXPECT_FALSE(ParseDirents(out.substr(0, cut)).ok()) << cut;
  }
}

}  // namespace
}  // namespace fs9p
