// server.h: the Sentry's control server (control.proto over wire.h).
//
// Serves a listening unix socket that runsc bound before starting the
// Sentry, on threads of its own, and keeps the container's lifecycle:
// created (booted, init not started) -> running (a client sent Start) ->
// stopped (init exited, or a fatal signal arrived before Start). Wait
// requests block until stopped. Signals to a running container go to the
// Controller; before Start, a signal whose default action terminates
// stops the container (nothing of it ran), others are dropped.
//
// When init's exit code is known it is also written, as decimal text, to
// the optional status fd (a file runsc opened in the container's state
// directory), so that runsc can report it after the Sentry has exited.
#ifndef SENTRY_CONTROL_SERVER_H_
#define SENTRY_CONTROL_SERVER_H_

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/unique_fd.h"
#include "sentry/control/control.pb.h"

namespace sentry::control {

// What the server asks of the Sentry.
class Controller {
 public:
  virtual ~Controller() = default;
  // Delivers `signo` (not 0) to init, or with `all` to every process.
  virtual absl::Status Signal(int signo, bool all) = 0;
};

class ControlServer {
 public:
  // Starts serving `listen_fd`. `status_fd` may be invalid.
  ControlServer(base::UniqueFd listen_fd, base::UniqueFd status_fd, Controller& controller);
  // Stops serving; replies already due (Wait after InitExited) are sent.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Blocks until a client sends Start (nullopt) or the container was
  // stopped before it started (the exit code to leave with: 128+N).
  std::optional<int> WaitForStart();
  // Init exited: Wait requests answer with `exit_code`.
  void InitExited(int exit_code);

 private:
  void AcceptLoop();
  void Serve(base::UniqueFd conn);
  Response Handle(const Request& req);
  void StopLocked(int exit_code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Response ReplyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  base::UniqueFd listen_fd_;
  base::UniqueFd status_fd_;
  Controller& controller_;
  base::UniqueFd wake_read_, wake_write_;  // readable once shutting down

  absl::Mutex mu_;
  Status status_ ABSL_GUARDED_BY(mu_) = STATUS_CREATED;
  int exit_code_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // Connection threads; finished ones are joined on the next accept.
  struct Connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Connection> connections_ ABSL_GUARDED_BY(mu_);
  std::thread accept_thread_;
};

}  // namespace sentry::control

#endif  // SENTRY_CONTROL_SERVER_H_
