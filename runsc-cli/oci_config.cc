#include "runsc-cli/oci_config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runsc-cli/errors.h"
#include "sentry/boot/spec.h"

namespace runsc {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// Field walker: checks types and collects which keys of an object were used.
class Obj {
 public:
  Obj(const json& j, std::string where) : j_(j), where_(std::move(where)) {}
  std::string Name(const std::string& k) const { return where_.empty() ? k : where_ + "." + k; }
  const json* Get(const std::string& k) {
    used_.insert(k);
    auto it = j_.find(k);
    return (it == j_.end() || it->is_null()) ? nullptr : &*it;
  }
  // Marks `keys` as known but without effect in the sandbox.
  void Ignore(std::initializer_list<const char*> keys, std::vector<std::string>& ignored) {
    for (const char* k : keys) {
      used_.insert(k);
      if (j_.contains(k)) ignored.push_back(Name(k));
    }
  }
  // Every key must have been looked at.
  absl::Status Finish() const {
    for (const auto& [k, v] : j_.items()) {
      if (used_.count(k) == 0) return Bad(Name(k), "unknown field");
    }
    return absl::OkStatus();
  }

 private:
  const json& j_;
  std::string where_;
  std::set<std::string> used_;
};

absl::StatusOr<std::string> String(const json& v, const std::string& f) {
  if (!v.is_string()) return Bad(f, "must be a string");
  return v.get<std::string>();
}
absl::StatusOr<bool> Bool(const json& v, const std::string& f) {
  if (!v.is_boolean()) return Bad(f, "must be a boolean");
  return v.get<bool>();
}
absl::StatusOr<uint64_t> Unsigned(const json& v, const std::string& f, uint64_t max) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max) {
    return Bad(f, absl::StrCat("must be an integer in [0, ", max, "]"));
  }
  return v.get<uint64_t>();
}
absl::StatusOr<std::vector<std::string>> Strings(const json& v, const std::string& f) {
  if (!v.is_array()) return Bad(f, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) return Bad(f, "must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}
absl::Status NeedObject(const json& v, const std::string& f) {
  return v.is_object() ? absl::OkStatus() : Bad(f, "must be an object");
}
absl::Status NeedArray(const json& v, const std::string& f) {
  return v.is_array() ? absl::OkStatus() : Bad(f, "must be an array");
}

#define ASSIGN_OR_RETURN(lhs, expr)        \
  do {                                     \
    auto _r = (expr);                      \
    if (!_r.ok()) return _r.status();      \
    lhs = std::move(*_r);                  \
  } while (0)
#define RETURN_IF_ERROR(expr)              \
  do {                                     \
    absl::Status _s = (expr);              \
    if (!_s.ok()) return _s;               \
  } while (0)

absl::Status ParseUser(const json& j, const std::string& f, OciProcess& p) {
  RETURN_IF_ERROR(NeedObject(j, f));
  Obj o(j, f);
  if (auto* v = o.Get("uid")) ASSIGN_OR_RETURN(p.uid, Unsigned(*v, o.Name("uid"), 0xfffffffe));
  if (auto* v = o.Get("gid")) ASSIGN_OR_RETURN(p.gid, Unsigned(*v, o.Name("gid"), 0xfffffffe));
  if (auto* v = o.Get("additionalGids")) {
    RETURN_IF_ERROR(NeedArray(*v, o.Name("additionalGids")));
    for (size_t i = 0; i < v->size(); ++i) {
      uint32_t g;
      ASSIGN_OR_RETURN(g, Unsigned((*v)[i], absl::StrCat(o.Name("additionalGids"), "[", i, "]"),
                                   0xfffffffe));
      p.additional_gids.push_back(g);
    }
  }
  if (auto* v = o.Get("umask")) {
    uint64_t m;
    ASSIGN_OR_RETURN(m, Unsigned(*v, o.Name("umask"), 0777));
    if (m != 022) return Bad(o.Name("umask"), "only 0022 (18) is supported yet");
  }
  if (auto* v = o.Get("username")) {
    if (!v->is_string() || !v->get<std::string>().empty()) {
      return Bad(o.Name("username"), "is a Windows field; use uid and gid");
    }
  }
  return o.Finish();
}

absl::Status ParseRlimits(const json& j, const std::string& f, OciProcess& p) {
  RETURN_IF_ERROR(NeedArray(j, f));
  std::set<std::string> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string fi = absl::StrCat(f, "[", i, "]");
    RETURN_IF_ERROR(NeedObject(j[i], fi));
    Obj o(j[i], fi);
    OciRlimit r;
    const json* t = o.Get("type");
    if (t == nullptr) return Bad(o.Name("type"), "is required");
    ASSIGN_OR_RETURN(r.type, String(*t, o.Name("type")));
    r.resource = sentry::boot::RlimitFromName(r.type);
    if (r.resource < 0) return Bad(o.Name("type"), absl::StrCat("unknown rlimit \"", r.type, "\""));
    if (!seen.insert(r.type).second) return Bad(o.Name("type"), "duplicate rlimit " + r.type);
    const json* soft = o.Get("soft");
    const json* hard = o.Get("hard");
    if (soft == nullptr || hard == nullptr) return Bad(fi, "soft and hard are required");
    ASSIGN_OR_RETURN(r.soft, Unsigned(*soft, o.Name("soft"), UINT64_MAX));
    ASSIGN_OR_RETURN(r.hard, Unsigned(*hard, o.Name("hard"), UINT64_MAX));
    if (r.soft > r.hard) return Bad(fi, "soft must not exceed hard");
    RETURN_IF_ERROR(o.Finish());
    p.rlimits.push_back(r);
  }
  return absl::OkStatus();
}

absl::Status ParseProcess(const json& j, OciConfig& c) {
  RETURN_IF_ERROR(NeedObject(j, "process"));
  Obj o(j, "process");
  OciProcess& p = c.process;
  if (auto* v = o.Get("args")) ASSIGN_OR_RETURN(p.args, Strings(*v, "process.args"));
  if (p.args.empty()) return Bad("process.args", "must not be empty");
  if (auto* v = o.Get("env")) ASSIGN_OR_RETURN(p.env, Strings(*v, "process.env"));
  for (size_t i = 0; i < p.env.size(); ++i) {
    if (p.env[i].find('=') == std::string::npos) {
      return Bad(absl::StrCat("process.env[", i, "]"), "must be KEY=VALUE");
    }
  }
  if (auto* v = o.Get("cwd")) ASSIGN_OR_RETURN(p.cwd, String(*v, "process.cwd"));
  if (p.cwd.empty() || p.cwd[0] != '/') return Bad("process.cwd", "must be an absolute path");
  if (auto* v = o.Get("user")) RETURN_IF_ERROR(ParseUser(*v, "process.user", p));
  if (auto* v = o.Get("terminal")) ASSIGN_OR_RETURN(p.terminal, Bool(*v, "process.terminal"));
  if (p.terminal) {
    return Bad("process.terminal", "terminals are not supported yet (run without a tty)");
  }
  if (auto* v = o.Get("rlimits")) RETURN_IF_ERROR(ParseRlimits(*v, "process.rlimits", p));
  if (auto* v = o.Get("noNewPrivileges")) {
    // Honoured by construction: the Sentry grants no privileges on exec.
    ASSIGN_OR_RETURN(p.no_new_privileges, Bool(*v, "process.noNewPrivileges"));
  }
  if (auto* v = o.Get("commandLine")) {
    (void)v;
    return Bad("process.commandLine", "is a Windows field; use args");
  }
  // The sandbox is the security boundary; these host mechanisms do not
  // apply to the app inside it.
  o.Ignore({"consoleSize", "capabilities", "apparmorProfile", "oomScoreAdj", "selinuxLabel",
            "scheduler", "ioPriority", "execCPUAffinity"},
           c.ignored);
  return o.Finish();
}

absl::Status ParseRoot(const json& j, const std::string& bundle, OciConfig& c) {
  RETURN_IF_ERROR(NeedObject(j, "root"));
  Obj o(j, "root");
  const json* path = o.Get("path");
  if (path == nullptr) return Bad("root.path", "is required");
  std::string p;
  ASSIGN_OR_RETURN(p, String(*path, "root.path"));
  if (p.empty()) return Bad("root.path", "must not be empty");
  c.root_path = p[0] == '/' ? p : bundle + "/" + p;
  if (auto* v = o.Get("readonly")) ASSIGN_OR_RETURN(c.root_readonly, Bool(*v, "root.readonly"));
  RETURN_IF_ERROR(o.Finish());
  struct stat st;
  if (stat(c.root_path.c_str(), &st) != 0) {
    return Bad("root.path", absl::StrCat(c.root_path, ": ", GoStrerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) return Bad("root.path", c.root_path + ": not a directory");
  return absl::OkStatus();
}

const std::set<std::string>& MountTypes() {
  static const std::set<std::string> kTypes = {"bind", "tmpfs", "proc", "sysfs", "devpts",
                                               "mqueue", "cgroup", "cgroup2"};
  return kTypes;
}

absl::Status ParseMounts(const json& j, OciConfig& c) {
  RETURN_IF_ERROR(NeedArray(j, "mounts"));
  for (size_t i = 0; i < j.size(); ++i) {
    std::string f = absl::StrCat("mounts[", i, "]");
    RETURN_IF_ERROR(NeedObject(j[i], f));
    Obj o(j[i], f);
    OciMount m;
    const json* dst = o.Get("destination");
    if (dst == nullptr) return Bad(o.Name("destination"), "is required");
    ASSIGN_OR_RETURN(m.destination, String(*dst, o.Name("destination")));
    if (m.destination.empty() || m.destination[0] != '/') {
      return Bad(o.Name("destination"), "must be an absolute path");
    }
    if (auto* v = o.Get("type")) ASSIGN_OR_RETURN(m.type, String(*v, o.Name("type")));
    if (auto* v = o.Get("source")) ASSIGN_OR_RETURN(m.source, String(*v, o.Name("source")));
    if (auto* v = o.Get("options")) ASSIGN_OR_RETURN(m.options, Strings(*v, o.Name("options")));
    for (const char* k : {"uidMappings", "gidMappings"}) {
      if (auto* v = o.Get(k); v != nullptr && !v->empty()) {
        return Bad(o.Name(k), "id-mapped mounts are not supported");
      }
    }
    bool bind_opt = false;
    for (const auto& opt : m.options) bind_opt |= opt == "bind" || opt == "rbind";
    if (bind_opt && (m.type.empty() || m.type == "none")) m.type = "bind";
    if (MountTypes().count(m.type) == 0) {
      return Bad(o.Name("type"), absl::StrCat("mount type \"", m.type, "\" is not supported"));
    }
    if (m.bind()) {
      if (m.source.empty() || m.source[0] != '/') {
        return Bad(o.Name("source"), "a bind mount needs an absolute source");
      }
      struct stat st;
      if (stat(m.source.c_str(), &st) != 0) {
        return Bad(o.Name("source"), absl::StrCat(m.source, ": ", GoStrerror(errno)));
      }
    }
    RETURN_IF_ERROR(o.Finish());
    c.mounts.push_back(std::move(m));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<OciHook>> ParseHookList(const json& j, const std::string& f) {
  RETURN_IF_ERROR(NeedArray(j, f));
  std::vector<OciHook> out;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string fi = absl::StrCat(f, "[", i, "]");
    RETURN_IF_ERROR(NeedObject(j[i], fi));
    Obj o(j[i], fi);
    OciHook h;
    const json* path = o.Get("path");
    if (path == nullptr) return Bad(o.Name("path"), "is required");
    ASSIGN_OR_RETURN(h.path, String(*path, o.Name("path")));
    if (h.path.empty() || h.path[0] != '/') return Bad(o.Name("path"), "must be absolute");
    if (auto* v = o.Get("args")) ASSIGN_OR_RETURN(h.args, Strings(*v, o.Name("args")));
    if (auto* v = o.Get("env")) ASSIGN_OR_RETURN(h.env, Strings(*v, o.Name("env")));
    if (auto* v = o.Get("timeout")) {
      if (!v->is_number_integer() || v->get<int64_t>() <= 0 || v->get<int64_t>() > 1 << 30) {
        return Bad(o.Name("timeout"), "must be a positive number of seconds");
      }
      h.timeout_seconds = static_cast<int>(v->get<int64_t>());
    }
    RETURN_IF_ERROR(o.Finish());
    out.push_back(std::move(h));
  }
  return out;
}

absl::Status ParseHooksInto(const json& j, OciHooks& h) {
  RETURN_IF_ERROR(NeedObject(j, "hooks"));
  Obj o(j, "hooks");
  std::pair<const char*, std::vector<OciHook>*> kinds[] = {
      {"prestart", &h.prestart},
      {"createRuntime", &h.create_runtime},
      {"createContainer", &h.create_container},
      {"startContainer", &h.start_container},
      {"poststart", &h.poststart},
      {"poststop", &h.poststop},
  };
  for (auto& [name, list] : kinds) {
    if (auto* v = o.Get(name)) ASSIGN_OR_RETURN(*list, ParseHookList(*v, o.Name(name)));
  }
  return o.Finish();
}

absl::Status ParseLinux(const json& j, OciConfig& c) {
  RETURN_IF_ERROR(NeedObject(j, "linux"));
  Obj o(j, "linux");
  if (auto* v = o.Get("namespaces")) {
    RETURN_IF_ERROR(NeedArray(*v, "linux.namespaces"));
    static const std::set<std::string> kTypes = {"pid",  "network", "mount", "ipc",
                                                 "uts",  "user",    "cgroup", "time"};
    for (size_t i = 0; i < v->size(); ++i) {
      std::string f = absl::StrCat("linux.namespaces[", i, "]");
      RETURN_IF_ERROR(NeedObject((*v)[i], f));
      Obj ns((*v)[i], f);
      std::string type;
      const json* t = ns.Get("type");
      if (t == nullptr) return Bad(ns.Name("type"), "is required");
      ASSIGN_OR_RETURN(type, String(*t, ns.Name("type")));
      if (kTypes.count(type) == 0) {
        return Bad(ns.Name("type"), absl::StrCat("unknown namespace \"", type, "\""));
      }
      if (auto* p = ns.Get("path"); p != nullptr && !(p->is_string() && p->get<std::string>().empty())) {
        return Bad(ns.Name("path"), "joining an existing namespace is not supported");
      }
      RETURN_IF_ERROR(ns.Finish());
    }
  }
  // The Sentry provides its own namespaces, devices, /proc and limits;
  // these describe host mechanisms (resources are not enforced yet).
  o.Ignore({"uidMappings", "gidMappings", "timeOffsets", "devices", "cgroupsPath", "resources",
            "rootfsPropagation", "seccomp", "sysctl", "maskedPaths", "readonlyPaths", "mountLabel",
            "intelRdt", "personality", "memoryPolicy", "netDevices"},
           c.ignored);
  return o.Finish();
}

}  // namespace

bool OciMount::read_only() const {
  for (const auto& o : options) {
    if (o == "ro") return true;
  }
  return false;
}

absl::StatusOr<OciConfig> ParseOciConfig(const std::string& json_text, const std::string& bundle) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    size_t pos = what.find("] ");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    return absl::InvalidArgumentError("config.json: invalid JSON: " + what);
  }
  if (!j.is_object()) return absl::InvalidArgumentError("config.json: must be a JSON object");
  OciConfig c;
  Obj o(j, "");
  const json* version = o.Get("ociVersion");
  if (version == nullptr) return Bad("ociVersion", "is required");
  ASSIGN_OR_RETURN(c.oci_version, String(*version, "ociVersion"));
  if (!absl::StartsWith(c.oci_version, "1.")) {
    return Bad("ociVersion", absl::StrCat("unsupported version \"", c.oci_version, "\""));
  }
  const json* process = o.Get("process");
  if (process == nullptr) return Bad("process", "must not be empty");
  RETURN_IF_ERROR(ParseProcess(*process, c));
  const json* root = o.Get("root");
  if (root == nullptr) return Bad("root", "is required");
  RETURN_IF_ERROR(ParseRoot(*root, bundle, c));
  if (auto* v = o.Get("hostname")) ASSIGN_OR_RETURN(c.hostname, String(*v, "hostname"));
  if (c.hostname.size() > 64) return Bad("hostname", "must be at most 64 bytes");
  if (auto* v = o.Get("domainname")) {
    std::string d;
    ASSIGN_OR_RETURN(d, String(*v, "domainname"));
    if (!d.empty()) return Bad("domainname", "is not supported yet");
  }
  if (auto* v = o.Get("mounts")) RETURN_IF_ERROR(ParseMounts(*v, c));
  if (auto* v = o.Get("hooks")) RETURN_IF_ERROR(ParseHooksInto(*v, c.hooks));
  if (auto* v = o.Get("annotations")) {
    RETURN_IF_ERROR(NeedObject(*v, "annotations"));
    for (const auto& [k, val] : v->items()) {
      if (!val.is_string()) return Bad("annotations." + k, "must be a string");
      c.annotations[k] = val.get<std::string>();
    }
  }
  if (auto* v = o.Get("linux")) RETURN_IF_ERROR(ParseLinux(*v, c));
  for (const char* other : {"solaris", "windows", "vm", "zos", "freebsd"}) {
    if (o.Get(other) != nullptr) return Bad(other, "runsc runs Linux containers only");
  }
  RETURN_IF_ERROR(o.Finish());
  return c;
}

absl::StatusOr<OciConfig> LoadBundleConfig(const std::string& bundle) {
  struct stat st;
  if (stat(bundle.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("chdir ", bundle, ": ", GoStrerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("chdir ", bundle, ": ", GoStrerror(ENOTDIR)));
  }
  std::ifstream in(bundle + "/config.json");
  if (!in) return absl::NotFoundError("JSON specification file config.json not found");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseOciConfig(ss.str(), bundle);
}

json HooksToJson(const OciHooks& hooks) {
  auto list = [](const std::vector<OciHook>& hs) {
    json a = json::array();
    for (const auto& h : hs) {
      json e = {{"path", h.path}};
      if (!h.args.empty()) e["args"] = h.args;
      if (!h.env.empty()) e["env"] = h.env;
      if (h.timeout_seconds) e["timeout"] = *h.timeout_seconds;
      a.push_back(e);
    }
    return a;
  };
  return {{"prestart", list(hooks.prestart)},
          {"createRuntime", list(hooks.create_runtime)},
          {"createContainer", list(hooks.create_container)},
          {"startContainer", list(hooks.start_container)},
          {"poststart", list(hooks.poststart)},
          {"poststop", list(hooks.poststop)}};
}

absl::StatusOr<OciHooks> HooksFromJson(const json& j) {
  OciHooks h;
  RETURN_IF_ERROR(ParseHooksInto(j, h));
  return h;
}

}  // namespace runsc
