#include "sentry/boot/spec.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace sentry::boot {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("boot spec: ", field, ": ", why));
}

absl::Status CheckKeys(const json& obj, const std::string& where,
                       const std::set<std::string>& allowed) {
  for (const auto& [k, v] : obj.items()) {
    if (allowed.count(k) == 0) return Bad(where + k, "unknown key");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Strings(const json& v, const std::string& field) {
  if (!v.is_array()) return Bad(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) return Bad(field, "must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

absl::StatusOr<uint64_t> Unsigned(const json& v, const std::string& field, uint64_t max) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max) {
    return Bad(field, absl::StrCat("must be an integer in [0, ", max, "]"));
  }
  return v.get<uint64_t>();
}

}  // namespace

int RlimitFromName(const std::string& name) {
  static const std::pair<const char*, int> kNames[] = {
      {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
  };
  for (const auto& [n, v] : kNames) {
    if (name == n) return v;
  }
  return -1;
}

absl::StatusOr<BootSpec> ParseBootSpec(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("boot spec: not valid JSON");
  if (!j.is_object()) return Bad("(top)", "must be an object");
  if (auto s = CheckKeys(j, "", {"args", "env", "cwd", "user", "hostname", "rlimits", "fds", "root",
                                "overlay", "gofer_fd"});
      !s.ok()) {
    return s;
  }
  BootSpec spec;
  if (!j.contains("args")) return Bad("args", "missing");
  auto args = Strings(j["args"], "args");
  if (!args.ok()) return args.status();
  if (args->empty() || (*args)[0].empty()) return Bad("args", "must name the program");
  spec.args = std::move(*args);
  if (j.contains("env")) {
    auto env = Strings(j["env"], "env");
    if (!env.ok()) return env.status();
    spec.env = std::move(*env);
  }
  if (j.contains("cwd")) {
    if (!j["cwd"].is_string() || j["cwd"].get<std::string>().empty() ||
        j["cwd"].get<std::string>()[0] != '/') {
      return Bad("cwd", "must be an absolute path");
    }
    spec.cwd = j["cwd"].get<std::string>();
  }
  if (j.contains("hostname")) {
    if (!j["hostname"].is_string() || j["hostname"].get<std::string>().size() > 64) {
      return Bad("hostname", "must be a string of at most 64 bytes");
    }
    spec.hostname = j["hostname"].get<std::string>();
  }
  if (j.contains("user")) {
    const json& u = j["user"];
    if (!u.is_object()) return Bad("user", "must be an object");
    if (auto s = CheckKeys(u, "user.", {"uid", "gid", "additionalGids", "umask", "username"});
        !s.ok()) {
      return s;
    }
    if (u.contains("uid")) {
      auto v = Unsigned(u["uid"], "user.uid", 0xfffffffe);
      if (!v.ok()) return v.status();
      spec.uid = static_cast<uint32_t>(*v);
    }
    if (u.contains("gid")) {
      auto v = Unsigned(u["gid"], "user.gid", 0xfffffffe);
      if (!v.ok()) return v.status();
      spec.gid = static_cast<uint32_t>(*v);
    }
    if (u.contains("additionalGids")) {
      if (!u["additionalGids"].is_array()) return Bad("user.additionalGids", "must be an array");
      for (const auto& g : u["additionalGids"]) {
        auto v = Unsigned(g, "user.additionalGids", 0xfffffffe);
        if (!v.ok()) return v.status();
        spec.groups.push_back(static_cast<uint32_t>(*v));
      }
    }
  }
  if (j.contains("rlimits")) {
    if (!j["rlimits"].is_array()) return Bad("rlimits", "must be an array");
    for (const auto& r : j["rlimits"]) {
      if (!r.is_object()) return Bad("rlimits", "entries must be objects");
      if (auto s = CheckKeys(r, "rlimits[].", {"type", "soft", "hard"}); !s.ok()) return s;
      if (!r.contains("type") || !r["type"].is_string()) return Bad("rlimits[].type", "missing");
      int res = RlimitFromName(r["type"].get<std::string>());
      if (res < 0) return Bad("rlimits[].type", "unknown limit " + r["type"].get<std::string>());
      if (!r.contains("soft") || !r.contains("hard")) return Bad("rlimits[]", "needs soft and hard");
      auto soft = Unsigned(r["soft"], "rlimits[].soft", UINT64_MAX);
      auto hard = Unsigned(r["hard"], "rlimits[].hard", UINT64_MAX);
      if (!soft.ok()) return soft.status();
      if (!hard.ok()) return hard.status();
      if (*soft > *hard) return Bad("rlimits[]", "soft exceeds hard");
      spec.rlimits.emplace_back(res, rlimit{*soft, *hard});
    }
  }
  if (j.contains("fds")) {
    if (!j["fds"].is_array()) return Bad("fds", "must be an array");
    std::set<int> seen;
    for (const auto& f : j["fds"]) {
      if (!f.is_object()) return Bad("fds", "entries must be objects");
      if (auto s = CheckKeys(f, "fds[].", {"app", "host"}); !s.ok()) return s;
      if (!f.contains("app") || !f.contains("host")) return Bad("fds[]", "needs app and host");
      auto app = Unsigned(f["app"], "fds[].app", 1 << 20);
      auto host = Unsigned(f["host"], "fds[].host", 1 << 20);
      if (!app.ok()) return app.status();
      if (!host.ok()) return host.status();
      if (!seen.insert(static_cast<int>(*app)).second) return Bad("fds[].app", "duplicate");
      spec.fds.emplace_back(static_cast<int>(*app), static_cast<int>(*host));
    }
  }
  if (j.contains("root")) {
    const json& r = j["root"];
    if (!r.is_object()) return Bad("root", "must be an object");
    if (auto s = CheckKeys(r, "root.", {"path", "readonly"}); !s.ok()) return s;
    if (r.contains("path")) {
      if (!r["path"].is_string() || r["path"].get<std::string>().empty() ||
          r["path"].get<std::string>()[0] != '/') {
        return Bad("root.path", "must be an absolute path");
      }
      spec.root_path = r["path"].get<std::string>();
    }
    if (r.contains("readonly")) {
      if (!r["readonly"].is_boolean()) return Bad("root.readonly", "must be a boolean");
      spec.root_readonly = r["readonly"].get<bool>();
    }
  }
  if (j.contains("overlay")) {
    if (!j["overlay"].is_string() ||
        (j["overlay"] != "memory" && j["overlay"] != "none")) {
      return Bad("overlay", "must be \"memory\" or \"none\"");
    }
    spec.overlay = j["overlay"].get<std::string>();
  }
  if (j.contains("gofer_fd")) {
    auto fd = Unsigned(j["gofer_fd"], "gofer_fd", 1 << 20);
    if (!fd.ok()) return fd.status();
    spec.gofer_fd = static_cast<int>(*fd);
  }
  return spec;
}

}  // namespace sentry::boot
