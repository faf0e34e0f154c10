// state.h: the container state directory <root>/<id>/ and its lock.
//
//   <root>/<id>/lock          flock()ed by every runsc call on the container
//   <root>/<id>/state.json    the OCI state plus runsc's bookkeeping;
//                             written atomically (rename), last step of create
//   <root>/<id>/control.sock  the Sentry's control socket (sandbox.h)
//   <root>/<id>/exit_status   init's exit code, written by the Sentry
//   <root>/<id>/boot.json     the Sentry's boot spec
//
// A directory without state.json is an aborted create: it does not exist
// for state/start/kill, and delete removes it (as runc does). Whether the
// sandbox still runs is never stored: it is read from /proc (a crashed
// Sentry, a zombie or a reused PID all mean "stopped").
#ifndef RUNSC_CLI_STATE_H_
#define RUNSC_CLI_STATE_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"
#include "nlohmann/json.hpp"

namespace runsc {

// A host process identified by PID and start time (field 22 of
// /proc/PID/stat), so that a reused PID is not mistaken for it.
struct ProcessRef {
  pid_t pid = 0;
  uint64_t start_time = 0;
  // Alive, not a zombie, and the same process.
  bool Alive() const;
  static ProcessRef Of(pid_t pid);  // start_time 0 if pid does not exist
};

struct ContainerState {
  std::string oci_version;
  std::string id;
  std::string status;  // as last recorded: "created" or "running"
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339 with nanoseconds, UTC
  std::string owner;
  std::map<std::string, std::string> annotations;
  ProcessRef sentry;  // the sandbox: its PID is the container's pid
  ProcessRef gofer;   // pid 0 if none
  nlohmann::json hooks = nlohmann::json::object();  // OciHooks as JSON

  // "stopped" if the Sentry is gone, else the recorded status.
  std::string LiveStatus() const;
  // The OCI state as `runc state` prints it (pid 0 once stopped).
  nlohmann::ordered_json OciState() const;
  // With `status` in place of the live one (for hooks).
  nlohmann::ordered_json OciState(const std::string& status) const;
};

// Holds <root>/<id>/lock; released when destroyed.
class LockedContainer {
 public:
  // Validates `id` (runc's rule: [A-Za-z0-9_+.-]+, not "." or ".."),
  // creates <root>/<id> exclusively ("container with given ID already
  // exists") and locks it.
  static absl::StatusOr<LockedContainer> Create(const std::string& root, const std::string& id);
  // Locks an existing container and loads its state. NotFound
  // ("container does not exist") if there is no state.json. With
  // `lock` false only reads (state.json is replaced atomically): for
  // state, list and wait, which must not wait behind a long operation
  // nor block one (a hook may call `runsc state`).
  static absl::StatusOr<LockedContainer> Open(const std::string& root, const std::string& id,
                                              bool lock = true);

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  ContainerState& state() { return state_; }
  // Writes state() to state.json atomically.
  absl::Status Save();
  // Removes the whole directory (the lock is held until destruction).
  absl::Status Remove();

 private:
  LockedContainer(std::string dir, base::UniqueFd lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
  std::string dir_;
  base::UniqueFd lock_;
  ContainerState state_;
};

absl::Status ValidateId(const std::string& id);
// Removes <root>/<id> if it holds no state.json (an aborted create).
// NotFound ("container does not exist") either way unless removed nothing.
absl::Status RemoveAborted(const std::string& root, const std::string& id);
// Ids of the containers under `root` (with a state.json), sorted.
std::vector<std::string> ListContainers(const std::string& root);
// Now, as Go's time.RFC3339Nano in UTC.
std::string NowRfc3339Nano();
// The user name of `uid`, or its number.
std::string UserName(uid_t uid);

}  // namespace runsc

#endif  // RUNSC_CLI_STATE_H_
