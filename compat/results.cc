#include "compat/results.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compat/syscalls.h"
#include "nlohmann/json.hpp"

namespace compat {
namespace {

using nlohmann::json;

absl::StatusOr<int> Count(const json& side, const char* key, const std::string& where) {
  auto it = side.find(key);
  if (it == side.end()) return 0;
  if (!it->is_number_unsigned() || it->get<uint64_t>() > std::numeric_limits<int>::max()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".", key, ": want a count"));
  }
  return static_cast<int>(it->get<uint64_t>());
}

absl::StatusOr<std::optional<PassFail>> Side(const json& entry, const char* key,
                                             const std::string& name) {
  auto it = entry.find(key);
  if (it == entry.end()) return std::nullopt;
  const std::string where = absl::StrCat("syscalls.", name, ".", key);
  if (!it->is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": want an object"));
  for (const auto& [k, v] : it->items()) {
    if (k != "pass" && k != "fail") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown key \"", k, "\""));
    }
  }
  absl::StatusOr<int> pass = Count(*it, "pass", where);
  if (!pass.ok()) return pass.status();
  absl::StatusOr<int> fail = Count(*it, "fail", where);
  if (!fail.ok()) return fail.status();
  return PassFail{*pass, *fail};
}

}  // namespace

absl::StatusOr<SuiteResults> ParseSuiteResults(std::string_view json_text) {
  const json doc = json::parse(json_text.begin(), json_text.end(), nullptr,
                               /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("results: not valid JSON");
  if (!doc.is_object()) return absl::InvalidArgumentError("results: want a JSON object");
  auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() ||
      format->get_ref<const std::string&>() != kResultsFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat("results: \"format\" must be \"", std::string(kResultsFormat), "\""));
  }
  SuiteResults out;
  if (auto suite = doc.find("suite"); suite != doc.end()) {
    if (!suite->is_string()) return absl::InvalidArgumentError("results: \"suite\" must be a string");
    out.suite = suite->get<std::string>();
  }
  auto syscalls = doc.find("syscalls");
  if (syscalls == doc.end() || !syscalls->is_object()) {
    return absl::InvalidArgumentError("results: want a \"syscalls\" object");
  }
  for (const auto& [name, entry] : syscalls->items()) {
    if (LookupSyscall(std::string_view(name)) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("results: unknown syscall \"", name, "\""));
    }
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("syscalls.", name, ": want an object"));
    }
    for (const auto& [k, v] : entry.items()) {
      if (k != "native" && k != "sandbox") {
        return absl::InvalidArgumentError(
            absl::StrCat("syscalls.", name, ": unknown key \"", k, "\""));
      }
    }
    SyscallResult r;
    absl::StatusOr<std::optional<PassFail>> native = Side(entry, "native", name);
    if (!native.ok()) return native.status();
    absl::StatusOr<std::optional<PassFail>> sandbox = Side(entry, "sandbox", name);
    if (!sandbox.ok()) return sandbox.status();
    r.native = *native;
    r.sandbox = *sandbox;
    out.syscalls.emplace(name, r);
  }
  return out;
}

absl::StatusOr<std::optional<SuiteResults>> ReadSuiteResults(const std::string& path) {
  FILE* f = fopen(path.c_str(), "re");
  if (f == nullptr) {
    if (errno == ENOENT) return std::nullopt;
    return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  const bool failed = ferror(f) != 0;
  fclose(f);
  if (failed) return absl::DataLossError(absl::StrCat("read ", path));
  absl::StatusOr<SuiteResults> r = ParseSuiteResults(text);
  if (!r.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", r.status().message()));
  return std::optional<SuiteResults>(*std::move(r));
}

}  // namespace compat
