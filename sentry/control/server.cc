#include "sentry/control/server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "sentry/control/wire.h"

namespace sentry::control {
namespace {

// Whether a signal's default action leaves the process running.
bool DefaultIsHarmless(int sig) {
  switch (sig) {
    case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return true;
    default:
      return false;
  }
}

// Waits until `fd` is readable or the server shuts down (false).
bool WaitReadable(int fd, int wake_fd) {
  struct pollfd p[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    int n = poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (p[1].revents != 0) return false;
    return true;
  }
}

}  // namespace

ControlServer::ControlServer(base::UniqueFd listen_fd, base::UniqueFd status_fd,
                             Controller& controller)
    : listen_fd_(std::move(listen_fd)), status_fd_(std::move(status_fd)), controller_(controller) {
  // Inherited from runsc: keep them out of anything the Sentry spawns.
  fcntl(listen_fd_.get(), F_SETFD, FD_CLOEXEC);
  if (status_fd_) fcntl(status_fd_.get(), F_SETFD, FD_CLOEXEC);
  int p[2];
  if (pipe2(p, O_CLOEXEC) == 0) {
    wake_read_.reset(p[0]);
    wake_write_.reset(p[1]);
  }
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

ControlServer::~ControlServer() {
  {
    absl::MutexLock l(&mu_);
    shutting_down_ = true;
  }
  char c = 0;
  (void)!write(wake_write_.get(), &c, 1);
  accept_thread_.join();
  std::vector<Connection> connections;
  {
    absl::MutexLock l(&mu_);
    connections.swap(connections_);
  }
  for (auto& c : connections) c.thread.join();
}

void ControlServer::AcceptLoop() {
  while (WaitReadable(listen_fd_.get(), wake_read_.get())) {
    int fd = accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    absl::MutexLock l(&mu_);
    if (shutting_down_) {
      close(fd);
      return;
    }
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (*it->done) {
        it->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    connections_.push_back({std::thread([this, fd, done] {
                              Serve(base::UniqueFd(fd));
                              *done = true;
                            }),
                            done});
  }
}

void ControlServer::Serve(base::UniqueFd conn) {
  while (WaitReadable(conn.get(), wake_read_.get())) {
    Request req;
    if (!ReadMessage(conn.get(), req).ok()) return;
    Response resp = Handle(req);
    if (!WriteMessage(conn.get(), resp).ok()) return;
  }
}

std::optional<int> ControlServer::WaitForStart() {
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(
      +[](Status* s) { return *s != STATUS_CREATED; }, &status_));
  if (status_ == STATUS_STOPPED) return exit_code_;
  return std::nullopt;
}

void ControlServer::InitExited(int exit_code) {
  absl::MutexLock l(&mu_);
  StopLocked(exit_code);
}

void ControlServer::StopLocked(int exit_code) {
  if (status_ == STATUS_STOPPED) return;
  status_ = STATUS_STOPPED;
  exit_code_ = exit_code;
  if (status_fd_) {
    std::string text = absl::StrCat(exit_code, "\n");
    (void)!pwrite(status_fd_.get(), text.data(), text.size(), 0);
    status_fd_.reset();
  }
}

Response ControlServer::ReplyLocked() {
  Response r;
  r.set_status(status_);
  if (status_ == STATUS_STOPPED) r.set_exit_code(exit_code_);
  if (status_ == STATUS_RUNNING) r.set_init_pid(1);
  return r;
}

Response ControlServer::Handle(const Request& req) {
  absl::MutexLock l(&mu_);
  switch (req.kind_case()) {
    case Request::kStart: {
      Response r;
      if (status_ == STATUS_CREATED) {
        status_ = STATUS_RUNNING;
        return ReplyLocked();
      }
      r = ReplyLocked();
      r.set_error(status_ == STATUS_RUNNING ? "cannot start an already running container"
                                            : "cannot start a container that has stopped");
      return r;
    }
    case Request::kSignal: {
      int sig = req.signal().signo();
      if (sig < 0 || sig >= NSIG) {
        Response r = ReplyLocked();
        r.set_error(absl::StrCat("invalid signal ", sig));
        return r;
      }
      if (status_ == STATUS_STOPPED) {
        Response r = ReplyLocked();
        r.set_error("container not running");
        return r;
      }
      if (sig == 0) return ReplyLocked();
      if (status_ == STATUS_CREATED) {
        if (!DefaultIsHarmless(sig)) StopLocked(128 + sig);
        return ReplyLocked();
      }
      // Running: the kernel takes its own lock; do not hold ours.
      mu_.Unlock();
      absl::Status s = controller_.Signal(sig, req.signal().all());
      mu_.Lock();
      Response r = ReplyLocked();
      if (!s.ok()) r.set_error(std::string(s.message()));
      return r;
    }
    case Request::kWait:
      mu_.Await(absl::Condition(
          +[](ControlServer* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return s->status_ == STATUS_STOPPED || s->shutting_down_;
          },
          this));
      if (status_ != STATUS_STOPPED) {
        Response r = ReplyLocked();
        r.set_error("sentry shutting down");
        return r;
      }
      return ReplyLocked();
    case Request::kState:
      return ReplyLocked();
    default: {
      Response r = ReplyLocked();
      r.set_error("unknown request");
      return r;
    }
  }
}

}  // namespace sentry::control
