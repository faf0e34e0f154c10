// Pipe semantics at the kernel level: EOF, EPIPE, PIPE_BUF atomicity,
// capacity, readiness and wait-queue wake-ups across threads.
#include "sentry/kernel/pipe.h"

#include <fcntl.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace sentry::kernel {
namespace {

int Err(const ErrnoOr<size_t>& r) { return r.ok() ? 0 : r.error().value(); }

TEST(PipeTest, ReadWhatWasWritten) {
  auto [r, w] = Pipe::Create();
  EXPECT_EQ(r->flags(), static_cast<uint32_t>(O_RDONLY));
  EXPECT_EQ(w->flags(), static_cast<uint32_t>(O_WRONLY));
  ASSERT_EQ(*w->Write("hello", 5), 5u);
  char buf[16] = {};
  ASSERT_EQ(*r->Read(buf, 3), 3u);
  EXPECT_EQ(std::string(buf, 3), "hel");
  ASSERT_EQ(*r->Read(buf, sizeof(buf)), 2u);
  EXPECT_EQ(std::string(buf, 2), "lo");
  EXPECT_EQ(Err(r->Read(buf, 1)), EAGAIN) << "empty with a writer: would block";
  EXPECT_EQ(Err(r->Write("x", 1)), EBADF);
  EXPECT_EQ(Err(w->Read(buf, 1)), EBADF);
  EXPECT_EQ(w->Seek(0, SEEK_CUR).ok(), false);
}

TEST(PipeTest, EofAfterLastWriterAndDataFirst) {
  auto [r, w] = Pipe::Create();
  auto w2 = w;  // a dup shares the open file: still one writer
  ASSERT_EQ(*w->Write("ab", 2), 2u);
  w.reset();
  char buf[4];
  ASSERT_EQ(*r->Read(buf, 1), 1u);
  EXPECT_EQ(Err(r->Read(buf, 0)), 0);
  w2.reset();
  EXPECT_EQ(*r->Read(buf, 4), 1u) << "buffered data before EOF";
  EXPECT_EQ(*r->Read(buf, 4), 0u);
  EXPECT_EQ(r->Readiness(kEventIn), kEventHup);
}

TEST(PipeTest, EpipeWithoutReaders) {
  auto [r, w] = Pipe::Create();
  r.reset();
  EXPECT_EQ(Err(w->Write("x", 1)), EPIPE);
  EXPECT_EQ(w->Readiness(kEventOut), kEventOut | kEventErr);
}

TEST(PipeTest, CapacityAndAtomicity) {
  auto [r, w] = Pipe::Create(O_NONBLOCK);
  EXPECT_TRUE(r->nonblocking());
  EXPECT_EQ(w->pipe().capacity(), Pipe::kDefaultCapacity);
  std::vector<char> big(Pipe::kDefaultCapacity - 100, 'a');
  ASSERT_EQ(*w->Write(big.data(), big.size()), big.size());
  EXPECT_EQ(w->Readiness(kEventOut), 0u) << "less than PIPE_BUF of room";
  EXPECT_EQ(Err(w->Write(big.data(), 200)), EAGAIN) << "atomic write does not fit";
  EXPECT_EQ(*w->Write(big.data(), 100), 100u);
  EXPECT_EQ(Err(w->Write(big.data(), 1)), EAGAIN) << "full";
  std::vector<char> out(Pipe::kDefaultCapacity);
  ASSERT_EQ(*r->Read(out.data(), 5000), 5000u);
  // A write larger than PIPE_BUF may be split: it takes what fits.
  EXPECT_EQ(*w->Write(big.data(), 6000), 5000u);
  EXPECT_EQ(w->pipe().size(), Pipe::kDefaultCapacity);
}

TEST(PipeTest, DataSurvivesWrapAroundAndResize) {
  auto [r, w] = Pipe::Create();
  std::string in;
  for (int i = 0; i < 70000; i++) in.push_back(static_cast<char>('a' + i % 26));
  ASSERT_EQ(*w->Write(in.data(), 60000), 60000u);
  std::string got(60000, '\0');
  ASSERT_EQ(*r->Read(got.data(), 50000), 50000u);
  ASSERT_EQ(*w->Write(in.data() + 60000, 10000), 10000u);  // wraps
  EXPECT_EQ(Err(w->pipe().SetCapacity(4096, false)), EBUSY);
  EXPECT_EQ(*w->pipe().SetCapacity(20000, false), 32768u) << "rounded to a power of two";
  EXPECT_EQ(Err(w->pipe().SetCapacity(2 << 20, false)), EPERM);
  EXPECT_EQ(*w->pipe().SetCapacity(2 << 20, true), size_t{2} << 20);
  EXPECT_EQ(Err(w->pipe().SetCapacity(uint64_t{1} << 40, true)), EINVAL);
  EXPECT_EQ(*w->pipe().SetCapacity(20000, false), 32768u);
  ASSERT_EQ(*r->Read(got.data(), got.size()), 20000u);
  EXPECT_EQ(got.substr(0, 20000), in.substr(50000));
  EXPECT_EQ(*w->pipe().SetCapacity(0, false), 4096u) << "at least one page";
}

// A thread blocked the way ReadFile blocks (register, check, wait) is woken
// by a writer on another thread.
TEST(PipeTest, BlockedReaderWokenByWriter) {
  auto [r, w] = Pipe::Create();
  std::atomic<bool> started{false};
  std::string got;
  std::thread reader([&, r = r] {
    Waiter waiter;
    ScopedWait sw(*r->wait_queue(), &waiter, kEventIn);
    started = true;
    char buf[8];
    for (;;) {
      auto n = r->Read(buf, sizeof(buf));
      if (n.ok()) {
        got.assign(buf, *n);
        return;
      }
      waiter.Wait(absl::Now() + absl::Seconds(10));
    }
  });
  while (!started) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(*w->Write("wake", 4), 4u);
  reader.join();
  EXPECT_EQ(got, "wake");
}

// Closing the last writer wakes a reader blocked on an empty pipe (EOF);
// closing the last reader wakes a writer blocked on a full one (EPIPE).
TEST(PipeTest, LastEndReleaseWakesTheOtherSide) {
  {
    auto [r, w] = Pipe::Create();
    std::atomic<bool> started{false};
    bool eof = false;
    std::thread reader([&, r = r] {
      Waiter waiter;
      ScopedWait sw(*r->wait_queue(), &waiter, kEventIn);
      started = true;
      char c;
      for (int i = 0; i < 100; i++) {
        auto n = r->Read(&c, 1);
        if (n.ok()) {
          eof = *n == 0;
          return;
        }
        waiter.Wait(absl::Now() + absl::Seconds(10));
      }
    });
    while (!started) absl::SleepFor(absl::Milliseconds(1));
    absl::SleepFor(absl::Milliseconds(20));
    w.reset();
    reader.join();
    EXPECT_TRUE(eof);
  }
  {
    auto [r, w] = Pipe::Create();
    std::vector<char> fill(Pipe::kDefaultCapacity, 'x');
    ASSERT_EQ(*w->Write(fill.data(), fill.size()), fill.size());
    std::atomic<bool> started{false};
    int err = 0;
    std::thread writer([&, w = w] {
      Waiter waiter;
      ScopedWait sw(*w->wait_queue(), &waiter, kEventOut);
      started = true;
      for (int i = 0; i < 100; i++) {
        auto n = w->Write("y", 1);
        if (!n.ok() && n.error().value() != EAGAIN) {
          err = n.error().value();
          return;
        }
        waiter.Wait(absl::Now() + absl::Seconds(10));
      }
    });
    while (!started) absl::SleepFor(absl::Milliseconds(1));
    absl::SleepFor(absl::Milliseconds(20));
    r.reset();
    writer.join();
    EXPECT_EQ(err, EPIPE);
  }
}

// Many threads writing PIPE_BUF records while one reads: no record torn.
TEST(PipeTest, ConcurrentAtomicWrites) {
  auto [r, w] = Pipe::Create();
  constexpr int kWriters = 4, kRecords = 100;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; i++) {
    writers.emplace_back([&, w = w, i] {
      std::vector<char> rec(Pipe::kPipeBuf, static_cast<char>('A' + i));
      Waiter waiter;
      ScopedWait sw(*w->wait_queue(), &waiter, kEventOut);
      for (int k = 0; k < kRecords;) {
        auto n = w->Write(rec.data(), rec.size());
        if (n.ok()) {
          ASSERT_EQ(*n, rec.size());
          k++;
        } else {
          waiter.Wait(absl::Now() + absl::Milliseconds(100));
        }
      }
    });
  }
  w.reset();  // only the writer threads' copies keep the write end open
  int counts[kWriters] = {};
  bool torn = false;
  std::vector<char> rec(Pipe::kPipeBuf);
  size_t got = 0;
  Waiter waiter;
  ScopedWait sw(*r->wait_queue(), &waiter, kEventIn);
  for (;;) {
    auto n = r->Read(rec.data() + got, rec.size() - got);
    if (!n.ok()) {
      waiter.Wait(absl::Now() + absl::Milliseconds(100));
      continue;
    }
    if (*n == 0) break;
    got += *n;
    if (got < rec.size()) continue;
    got = 0;
    for (char c : rec) torn |= c != rec[0];
    counts[rec[0] - 'A']++;
  }
  for (auto& t : writers) t.join();
  EXPECT_FALSE(torn);
  EXPECT_EQ(got, 0u);
  for (int c : counts) EXPECT_EQ(c, kRecords);
}

TEST(PipeTest, StatusFlags) {
  auto [r, w] = Pipe::Create(O_NONBLOCK | O_DIRECT);
  EXPECT_EQ(w->flags(), static_cast<uint32_t>(O_WRONLY | O_NONBLOCK | O_DIRECT));
  w->SetFlags(O_RDWR | O_APPEND | O_CREAT);
  EXPECT_EQ(w->flags(), static_cast<uint32_t>(O_WRONLY | O_APPEND)) << "access mode is fixed";
  struct stat st;
  ASSERT_TRUE(r->Stat(&st).ok());
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

}  // namespace
}  // namespace sentry::kernel
