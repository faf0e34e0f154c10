// oci_config.h: a bundle's config.json (OCI runtime-spec 1.x), parsed and
// validated into what runsc can honour.
//
// Every error is one line naming the field ("process.args: must not be
// empty"). Keys the runtime-spec defines but whose meaning the sandbox
// already provides or does not need (capabilities, seccomp, apparmor,
// namespaces, cgroup resources, masked paths...) are accepted and
// recorded as `ignored`; keys it does not define are refused, as are
// values runsc cannot honour (a terminal, an unknown mount type): a
// typo or an unmet requirement must not pass silently. (The
// runtime-spec asks runtimes to ignore unknown properties; we choose to
// refuse them, see runsc-cli/README.md.)
#ifndef RUNSC_CLI_OCI_CONFIG_H_
#define RUNSC_CLI_OCI_CONFIG_H_

#include <sys/resource.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace runsc {

struct OciRlimit {
  std::string type;  // "RLIMIT_NOFILE"
  int resource = 0;  // RLIMIT_NOFILE
  uint64_t soft = 0, hard = 0;
};

struct OciProcess {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd;
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  bool terminal = false;
  std::vector<OciRlimit> rlimits;
  bool no_new_privileges = false;
};

struct OciMount {
  std::string destination;  // absolute, inside the container
  std::string type;         // "bind", "tmpfs", "proc", ...
  std::string source;       // for bind: absolute host path
  std::vector<std::string> options;
  bool bind() const { return type == "bind"; }
  bool read_only() const;
};

struct OciHook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout_seconds;
};

struct OciHooks {
  std::vector<OciHook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

struct OciConfig {
  std::string oci_version;
  OciProcess process;
  std::string root_path;  // absolute (resolved against the bundle)
  bool root_readonly = false;
  std::string hostname;
  std::vector<OciMount> mounts;
  std::map<std::string, std::string> annotations;
  OciHooks hooks;
  std::vector<std::string> ignored;  // accepted fields runsc does not act on
};

// Parses `json_text` (the text of <bundle>/config.json). `bundle` is the
// absolute bundle directory, which a relative root.path is resolved in.
// Checks the root directory exists.
absl::StatusOr<OciConfig> ParseOciConfig(const std::string& json_text, const std::string& bundle);

// Reads <bundle>/config.json and parses it. Errors as runc words them:
// "JSON specification file config.json not found", and for a missing
// bundle "chdir BUNDLE: No such file or directory".
absl::StatusOr<OciConfig> LoadBundleConfig(const std::string& bundle);

// The parsed hooks as runtime-spec JSON (for the state dir).
nlohmann::json HooksToJson(const OciHooks& hooks);
absl::StatusOr<OciHooks> HooksFromJson(const nlohmann::json& j);

}  // namespace runsc

#endif  // RUNSC_CLI_OCI_CONFIG_H_
