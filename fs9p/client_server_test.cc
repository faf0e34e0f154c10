// The fs9p client and server against each other, and each against a
// scripted raw peer for the cases a well-behaved partner never produces.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "fs9p/client.h"
#include "fs9p/codec.h"
#include "fs9p/server.h"
#include "fs9p/transport.h"
#include "gtest/gtest.h"

namespace fs9p {
namespace {

using base::UniqueFd;

std::pair<UniqueFd, UniqueFd> SocketPair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Answers reads with bytes derived from the offset; fid 99 blocks until
// released; Tlopen donates /proc/self/exe's FD.
class FakeHandler : public Handler {
 public:
  Reply Handle(const Message& req, const Session& s) override { return Answer(req, s); }
  void Reset() override { ++resets_; }

  std::atomic<int> resets_{0};
  absl::Notification release_;
  absl::Notification blocked_;

 private:
  Reply Answer(const Message& req, const Session& s) {
    if (auto* r = std::get_if<Tread>(&req)) {
      if (r->fid == 99) {
        blocked_.Notify();
        release_.WaitForNotification();
      }
      uint32_t n = std::min(r->count, s.msize - kIoHeaderSize);
      std::string data(n, static_cast<char>('a' + r->offset % 26));
      return {Rread{Payload{data}}, {}};
    }
    if (std::get_if<Tlopen>(&req)) {
      return {Rlopen{Qid{0, 0, 5}, 0}, UniqueFd(open("/proc/self/exe", O_RDONLY | O_CLOEXEC))};
    }
    if (auto* a = std::get_if<Tattach>(&req)) return {Rattach{Qid{kQidDir, 0, a->fid}}, {}};
    return {Rlerror{ENOSYS}, {}};
  }
};

class ClientServer : public ::testing::Test {
 protected:
  void Start(Server::Options so, Client::Options co) {
    auto [a, b] = SocketPair();
    server_ = std::make_unique<Server>(handler_, so);
    serve_thread_ = std::thread([this, fd = b.release()]() mutable {
      serve_status_ = server_->Serve(UniqueFd(fd));
    });
    auto c = Client::Connect(std::move(a), co);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }
  void TearDown() override {
    if (!handler_.release_.HasBeenNotified()) handler_.release_.Notify();
    client_.reset();
    if (serve_thread_.joinable()) serve_thread_.join();
  }

  FakeHandler handler_;
  std::unique_ptr<Server> server_;
  std::thread serve_thread_;
  absl::Status serve_status_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientServer, NegotiatesSmallerMsize) {
  Start({.max_msize = 8192}, {.msize = 1 << 20});
  EXPECT_EQ(client_->msize(), 8192u);
  auto r = client_->Rpc<Rread>(Tread{1, 0, 1 << 20});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data.bytes.size(), 8192u - kIoHeaderSize);
}

TEST_F(ClientServer, RlerrorBecomesErrno) {
  Start({}, {});
  auto r = client_->Rpc<Rstatfs>(Tstatfs{1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrnoOf(r.status()), ENOSYS);
}

TEST_F(ClientServer, WrongReplyTypeIsAnError) {
  Start({}, {});
  auto r = client_->Rpc<Rwalk>(Tattach{1, kNoFid, "u", "", 0});
  EXPECT_TRUE(absl::IsInternal(r.status())) << r.status();
}

TEST_F(ClientServer, ManyThreadsInFlightGetTheirOwnReplies) {
  Start({.workers = 4}, {});
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        uint64_t off = t * 1000 + i;
        auto r = client_->Rpc<Rread>(Tread{1, off, 64});
        if (!r.ok() || r->data.bytes != std::string(64, static_cast<char>('a' + off % 26))) {
          if (++bad == 1) ADD_FAILURE() << "first bad reply: " << r.status();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(ClientServer, BlockedRequestDoesNotHoldUpOthers) {
  Start({.workers = 2}, {});
  std::thread slow([&] { EXPECT_TRUE(client_->Rpc<Rread>(Tread{99, 0, 8}).ok()); });
  handler_.blocked_.WaitForNotification();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(client_->Rpc<Rread>(Tread{1, 0, 8}).ok());
  handler_.release_.Notify();
  slow.join();
}

TEST_F(ClientServer, CancelOfRequestTheServerFinishesReturnsItsReply) {
  Start({.workers = 2}, {});
  CancelToken cancel;
  absl::StatusOr<Rread> r;
  std::thread slow([&] { r = client_->Rpc<Rread>(Tread{99, 0, 8}, &cancel); });
  handler_.blocked_.WaitForNotification();
  cancel.Cancel();
  handler_.release_.Notify();
  slow.join();
  // Our server answers the request before the Rflush, so the reply stands.
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data.bytes.size(), 8u);
}

TEST_F(ClientServer, DonatesFdOnlyWhenNegotiated) {
  Start({.offer_fd_donation = true}, {.fd_donation = true});
  ASSERT_TRUE(client_->fd_donation());
  auto r = client_->Call(Tlopen{1, O_RDONLY});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->fd.valid());
  struct stat a, b;
  ASSERT_EQ(fstat(r->fd.get(), &a), 0);
  ASSERT_EQ(stat("/proc/self/exe", &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
}

TEST_F(ClientServer, NoFdWithoutNegotiation) {
  Start({.offer_fd_donation = true}, {.fd_donation = false});
  EXPECT_FALSE(client_->fd_donation());
  auto r = client_->Call(Tlopen{1, O_RDONLY});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->fd.valid());
}

TEST_F(ClientServer, ServerThatDeclinesExtensionStillWorks) {
  Start({.offer_fd_donation = false}, {.fd_donation = true});
  EXPECT_FALSE(client_->fd_donation());
  auto r = client_->Call(Tlopen{1, O_RDONLY});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->fd.valid());
}

TEST_F(ClientServer, InlineServerWorks) {
  Start({.workers = 0}, {});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(client_->Rpc<Rread>(Tread{1, 3, 10}).ok());
}

// A scripted peer: the test plays one side of the protocol by hand.
class RawPeer {
 public:
  explicit RawPeer(int fd) : fd_(fd) {}
  void Send(uint16_t tag, const Message& m) { ASSERT_TRUE(WriteFrame(fd_, EncodeFrame(tag, m)).ok()); }
  void SendBytes(const std::string& b) { ASSERT_TRUE(WriteFrame(fd_, b).ok()); }
  absl::StatusOr<Frame> Receive() {
    auto rf = ReadFrame(fd_, 1 << 20);
    if (!rf.ok()) return rf.status();
    return DecodeFrame(rf->bytes, 1 << 20);
  }
  int fd_;
};

class ServerRaw : public ::testing::Test {
 protected:
  void SetUp() override {
    auto [a, b] = SocketPair();
    peer_fd_ = std::move(a);
    server_ = std::make_unique<Server>(handler_, Server::Options{.max_msize = 8192});
    thread_ = std::thread([this, fd = b.release()] { status_ = server_->Serve(UniqueFd(fd)); });
  }
  void TearDown() override {
    peer_fd_.reset();
    thread_.join();
  }
  void Version() {
    RawPeer p(peer_fd_.get());
    p.Send(kNoTag, Tversion{8192, "9P2000.L"});
    auto f = p.Receive();
    ASSERT_TRUE(f.ok());
    ASSERT_EQ(std::get<Rversion>(f->msg).version, "9P2000.L");
  }
  // True if the server closed the connection (an end of stream, or a reset
  // when it closed with our bytes unread).
  bool Closed() {
    char c;
    return read(peer_fd_.get(), &c, 1) <= 0;
  }

  FakeHandler handler_;
  UniqueFd peer_fd_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  absl::Status status_;
};

TEST_F(ServerRaw, RequestBeforeVersionGetsEproto) {
  RawPeer p(peer_fd_.get());
  p.Send(1, Tattach{1, kNoFid, "u", "", 0});
  auto f = p.Receive();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(std::get<Rlerror>(f->msg).ecode, static_cast<uint32_t>(EPROTO));
}

TEST_F(ServerRaw, UnknownVersionAnswersUnknown) {
  RawPeer p(peer_fd_.get());
  p.Send(kNoTag, Tversion{8192, "9P2000.u"});
  auto f = p.Receive();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(std::get<Rversion>(f->msg).version, "unknown");
}

TEST_F(ServerRaw, MalformedBodyGetsEinvalAndConnectionLives) {
  Version();
  RawPeer p(peer_fd_.get());
  std::string bad = EncodeFrame(5, Twalk{1, 2, {std::string("a\0b", 3)}});
  p.SendBytes(bad);
  auto f = p.Receive();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->tag, 5);
  EXPECT_EQ(std::get<Rlerror>(f->msg).ecode, static_cast<uint32_t>(EINVAL));
  p.Send(6, Tattach{1, kNoFid, "u", "", 0});
  f = p.Receive();
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(std::holds_alternative<Rattach>(f->msg));
}

TEST_F(ServerRaw, UnknownTypeGetsEopnotsupp) {
  Version();
  RawPeer p(peer_fd_.get());
  p.SendBytes(std::string("\x07\x00\x00\x00\x70\x09\x00", 7));  // legacy Topen
  auto f = p.Receive();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(std::get<Rlerror>(f->msg).ecode, static_cast<uint32_t>(EOPNOTSUPP));
}

TEST_F(ServerRaw, FrameOverMsizeClosesConnection) {
  Version();
  RawPeer p(peer_fd_.get());
  p.Send(1, Twrite{1, 0, Payload{std::string(9000, 'x')}});
  EXPECT_TRUE(Closed());
  thread_.join();
  EXPECT_FALSE(status_.ok());
  thread_ = std::thread([] {});
}

TEST_F(ServerRaw, ReplyFromClientClosesConnection) {
  Version();
  RawPeer p(peer_fd_.get());
  p.Send(1, Rclunk{});
  EXPECT_TRUE(Closed());
}

TEST_F(ServerRaw, DuplicateTagInFlightClosesConnection) {
  Version();
  RawPeer p(peer_fd_.get());
  p.Send(3, Tread{99, 0, 8});  // blocks in the handler
  handler_.blocked_.WaitForNotification();
  p.Send(3, Tread{1, 0, 8});
  EXPECT_TRUE(Closed());
  handler_.release_.Notify();
  thread_.join();
  EXPECT_FALSE(status_.ok());
  thread_ = std::thread([] {});
}

TEST_F(ServerRaw, FlushOfUnknownTagIsAnsweredAtOnce) {
  Version();
  RawPeer p(peer_fd_.get());
  p.Send(2, Tflush{77});
  auto f = p.Receive();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->tag, 2);
  EXPECT_TRUE(std::holds_alternative<Rflush>(f->msg));
}

TEST_F(ServerRaw, FlushComesAfterTheFlushedReply) {
  Version();
  RawPeer p(peer_fd_.get());
  p.Send(3, Tread{99, 0, 8});
  handler_.blocked_.WaitForNotification();
  p.Send(4, Tflush{3});
  handler_.release_.Notify();
  auto first = p.Receive();
  auto second = p.Receive();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->tag, 3);
  EXPECT_EQ(second->tag, 4);
  EXPECT_TRUE(std::holds_alternative<Rflush>(second->msg));
}

TEST_F(ServerRaw, VersionResetsHandler) {
  Version();
  int before = handler_.resets_.load();
  Version();
  EXPECT_GT(handler_.resets_.load(), before);
}

TEST_F(ServerRaw, FdSentByClientIsIgnored) {
  Version();
  std::string frame = EncodeFrame(1, Tattach{1, kNoFid, "u", "", 0});
  UniqueFd f(open("/dev/null", O_RDONLY));
  ASSERT_TRUE(WriteFrame(peer_fd_.get(), frame, f.get()).ok());
  RawPeer p(peer_fd_.get());
  auto r = p.Receive();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::holds_alternative<Rattach>(r->msg));
}

// The client against a scripted server.
class ClientRaw : public ::testing::Test {
 protected:
  void Connect(Client::Options o = {}) {
    auto [a, b] = SocketPair();
    server_fd_ = std::move(b);
    std::thread t([this] {
      RawPeer p(server_fd_.get());
      auto f = p.Receive();
      ASSERT_TRUE(f.ok());
      auto v = std::get<Tversion>(f->msg);
      p.Send(kNoTag, Rversion{v.msize, v.version == kVersion9P2000L ? v.version : "unknown"});
      if (v.version != kVersion9P2000L) {
        f = p.Receive();
        ASSERT_TRUE(f.ok());
        p.Send(kNoTag, Rversion{v.msize, kVersion9P2000L});
      }
    });
    auto c = Client::Connect(std::move(a), o);
    t.join();
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }
  UniqueFd server_fd_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientRaw, FallsBackWhenServerDoesNotKnowExtension) {
  Connect({.fd_donation = true});
  EXPECT_FALSE(client_->fd_donation());
}

TEST_F(ClientRaw, CancelSendsFlushAndReturnsCancelled) {
  Connect();
  CancelToken cancel;
  absl::StatusOr<Rread> r;
  std::thread caller([&] { r = client_->Rpc<Rread>(Tread{1, 0, 8}, &cancel); });
  RawPeer p(server_fd_.get());
  auto req = p.Receive();
  ASSERT_TRUE(req.ok());
  cancel.Cancel();
  auto flush = p.Receive();
  ASSERT_TRUE(flush.ok());
  ASSERT_TRUE(std::holds_alternative<Tflush>(flush->msg));
  EXPECT_EQ(std::get<Tflush>(flush->msg).oldtag, req->tag);
  p.Send(flush->tag, Rflush{});
  caller.join();
  EXPECT_TRUE(absl::IsCancelled(r.status())) << r.status();
  EXPECT_EQ(ErrnoOf(r.status()), EINTR);
}

TEST_F(ClientRaw, ServerHangupFailsPendingCalls) {
  Connect();
  absl::StatusOr<Rread> r;
  std::thread caller([&] { r = client_->Rpc<Rread>(Tread{1, 0, 8}); });
  RawPeer p(server_fd_.get());
  ASSERT_TRUE(p.Receive().ok());
  server_fd_.reset();
  caller.join();
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_FALSE(client_->Rpc<Rread>(Tread{1, 0, 8}).ok());
}

TEST_F(ClientRaw, MalformedReplyBreaksConnectionWithoutCrash) {
  Connect();
  absl::StatusOr<Rread> r;
  std::thread caller([&] { r = client_->Rpc<Rread>(Tread{1, 0, 8}); });
  RawPeer p(server_fd_.get());
  auto req = p.Receive();
  ASSERT_TRUE(req.ok());
  std::string bad = EncodeFrame(req->tag, Rread{Payload{"abc"}});
  bad[7] = static_cast<char>(0xff);  // count lies
  p.SendBytes(bad);
  caller.join();
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace fs9p
