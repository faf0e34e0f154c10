// Control server and client over a real unix socket, with a fake Controller.
#include "sentry/control/server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "sentry/control/client.h"
#include "sentry/control/wire.h"

namespace sentry::control {
namespace {

class FakeController : public Controller {
 public:
  absl::Status Signal(int signo, bool all) override {
    last_signo = signo;
    last_all = all;
    return absl::OkStatus();
  }
  std::atomic<int> last_signo{0};
  std::atomic<bool> last_all{false};
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/control_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/control.sock";
    base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, path_.size());
    ASSERT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(listen(fd.get(), 8), 0);
    status_path_ = dir_ + "/exit_status";
    base::UniqueFd status(open(status_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    server_ = std::make_unique<ControlServer>(std::move(fd), std::move(status), controller_);
  }
  void TearDown() override {
    server_.reset();
    std::string cmd = "rm -rf " + dir_;
    ASSERT_EQ(system(cmd.c_str()), 0);
  }

  Response Call(const Request& req) {
    auto c = ControlClient::Connect(path_);
    EXPECT_TRUE(c.ok()) << c.status();
    auto r = c->Call(req, absl::Seconds(10));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Response();
  }
  static Request Start() {
    Request r;
    r.mutable_start();
    return r;
  }
  static Request Sig(int signo, bool all = false) {
    Request r;
    r.mutable_signal()->set_signo(signo);
    r.mutable_signal()->set_all(all);
    return r;
  }
  static Request State() {
    Request r;
    r.mutable_state();
    return r;
  }
  std::string StatusFile() {
    std::ifstream in(status_path_);
    std::string s;
    std::getline(in, s);
    return s;
  }

  std::string dir_, path_, status_path_;
  FakeController controller_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, StartReleasesWaitForStart) {
  EXPECT_EQ(Call(State()).status(), STATUS_CREATED);
  std::thread t([&] { EXPECT_EQ(Call(Start()).error(), ""); });
  EXPECT_EQ(server_->WaitForStart(), std::nullopt);
  t.join();
  EXPECT_EQ(Call(State()).status(), STATUS_RUNNING);
  EXPECT_EQ(Call(Start()).error(), "cannot start an already running container");
}

TEST_F(ControlServerTest, SignalWhenRunningGoesToController) {
  Call(Start());
  Response r = Call(Sig(SIGTERM, true));
  EXPECT_EQ(r.error(), "");
  EXPECT_EQ(controller_.last_signo, SIGTERM);
  EXPECT_TRUE(controller_.last_all);
  EXPECT_EQ(Call(Sig(NSIG)).error(), "invalid signal 65");
}

TEST_F(ControlServerTest, FatalSignalBeforeStartStops) {
  EXPECT_EQ(Call(Sig(SIGWINCH)).status(), STATUS_CREATED);  // default: ignore
  EXPECT_EQ(Call(Sig(SIGKILL)).status(), STATUS_STOPPED);
  EXPECT_EQ(server_->WaitForStart(), 128 + SIGKILL);
  EXPECT_EQ(controller_.last_signo, 0);
  EXPECT_EQ(StatusFile(), "137");
  EXPECT_EQ(Call(Start()).error(), "cannot start a container that has stopped");
  EXPECT_EQ(Call(Sig(SIGTERM)).error(), "container not running");
}

TEST_F(ControlServerTest, WaitReturnsInitExitCode) {
  Call(Start());
  std::thread t([&] {
    Request w;
    w.mutable_wait();
    Response r = Call(w);
    EXPECT_EQ(r.status(), STATUS_STOPPED);
    EXPECT_EQ(r.exit_code(), 3);
  });
  usleep(50000);
  server_->InitExited(3);
  t.join();
  EXPECT_EQ(StatusFile(), "3");
}

TEST_F(ControlServerTest, ShutdownWithIdleClientsAndPendingWait) {
  auto idle = ControlClient::Connect(path_);
  ASSERT_TRUE(idle.ok());
  std::thread t([&] {
    auto c = ControlClient::Connect(path_);
    Request w;
    w.mutable_wait();
    auto r = c->Call(w);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->error(), "sentry shutting down");
  });
  usleep(50000);
  server_.reset();  // must not hang on either connection
  t.join();
}

TEST(WireTest, RejectsOversizedAndTornFrames) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  const unsigned char big[4] = {0xff, 0xff, 0xff, 0x7f};
  ASSERT_EQ(write(sv[0], big, 4), 4);
  Request r;
  EXPECT_EQ(ReadMessage(sv[1], r).code(), absl::StatusCode::kDataLoss);
  const unsigned char torn[5] = {10, 0, 0, 0, 1};
  ASSERT_EQ(write(sv[0], torn, 5), 5);
  close(sv[0]);
  EXPECT_EQ(ReadMessage(sv[1], r).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReadMessage(sv[1], r).code(), absl::StatusCode::kNotFound);
  close(sv[1]);
}

}  // namespace
}  // namespace sentry::control
