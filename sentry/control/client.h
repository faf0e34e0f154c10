// client.h: the runsc side of the control protocol (control.proto): one
// connection to a Sentry's control socket, one request at a time.
#ifndef SENTRY_CONTROL_CLIENT_H_
#define SENTRY_CONTROL_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "sentry/control/control.pb.h"

namespace sentry::control {

class ControlClient {
 public:
  // Unavailable if nothing listens at `socket_path` (the Sentry is gone).
  static absl::StatusOr<ControlClient> Connect(const std::string& socket_path);

  // Sends `req` and reads its response. Unavailable/NotFound if the
  // Sentry went away; DeadlineExceeded after `timeout`. A Response with
  // an error set is still returned as a value.
  absl::StatusOr<Response> Call(const Request& req,
                                absl::Duration timeout = absl::InfiniteDuration());

 private:
  explicit ControlClient(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::UniqueFd fd_;
};

}  // namespace sentry::control

#endif  // SENTRY_CONTROL_CLIENT_H_
