#include "runsc-cli/state.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runsc-cli/errors.h"

namespace runsc {
namespace {

using nlohmann::json;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", GoStrerror(errno)));
}

absl::Status MkdirAll(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return absl::InternalError(absl::StrCat("mkdir ", path, ": ", ec.message()));
  chmod(path.c_str(), mode);
  return absl::OkStatus();
}

absl::StatusOr<base::UniqueFd> Lock(const std::string& dir) {
  base::UniqueFd fd(open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == ENOENT) return absl::NotFoundError(kErrNotExist);
    return Errno("open " + dir + "/lock");
  }
  while (flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Errno("flock " + dir + "/lock");
  }
  return fd;
}

json ProcessRefJson(const ProcessRef& p) { return {{"pid", p.pid}, {"start_time", p.start_time}}; }
ProcessRef ProcessRefFrom(const json& j) {
  ProcessRef p;
  if (j.is_object()) {
    p.pid = j.value("pid", 0);
    p.start_time = j.value("start_time", uint64_t{0});
  }
  return p;
}

}  // namespace

ProcessRef ProcessRef::Of(pid_t pid) {
  ProcessRef p{pid, 0};
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (pid <= 0 || !std::getline(in, line)) return p;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return p;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  // Fields after comm: state(3) ... starttime(22).
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3 && (field == "Z" || field == "X")) return p;  // zombie: gone
    if (i == 22) p.start_time = std::stoull(field);
  }
  return p;
}

bool ProcessRef::Alive() const {
  if (pid <= 0) return false;
  ProcessRef now = Of(pid);
  return now.start_time != 0 && now.start_time == start_time;
}

std::string ContainerState::LiveStatus() const { return sentry.Alive() ? status : "stopped"; }

nlohmann::ordered_json ContainerState::OciState() const { return OciState(LiveStatus()); }

nlohmann::ordered_json ContainerState::OciState(const std::string& s) const {
  // runc's key order: ociVersion, id, pid, status, bundle, rootfs, created, owner.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["ociVersion"] = oci_version;
  j["id"] = id;
  j["pid"] = s == "stopped" ? 0 : sentry.pid;
  j["status"] = s;
  j["bundle"] = bundle;
  j["rootfs"] = rootfs;
  j["created"] = created;
  if (!annotations.empty()) j["annotations"] = annotations;
  j["owner"] = owner;
  return j;
}

absl::Status ValidateId(const std::string& id) {
  if (id.empty() || id == "." || id == "..") return absl::InvalidArgumentError(kErrInvalidId);
  for (char c : id) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' ||
          c == '.')) {
      return absl::InvalidArgumentError(kErrInvalidId);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LockedContainer> LockedContainer::Create(const std::string& root,
                                                        const std::string& id) {
  if (auto s = ValidateId(id); !s.ok()) return s;
  if (auto s = MkdirAll(root, 0711); !s.ok()) return s;
  std::string dir = root + "/" + id;
  if (mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(kErrExist);
    return Errno("mkdir " + dir);
  }
  auto lock = Lock(dir);
  if (!lock.ok()) return lock.status();
  LockedContainer c(dir, std::move(*lock));
  c.state_.id = id;
  return c;
}

absl::StatusOr<LockedContainer> LockedContainer::Open(const std::string& root,
                                                      const std::string& id, bool locked) {
  if (auto s = ValidateId(id); !s.ok()) return s;
  std::string dir = root + "/" + id;
  absl::StatusOr<base::UniqueFd> lock = base::UniqueFd();
  if (locked) lock = Lock(dir);
  if (!lock.ok()) return lock.status();
  // Re-read after locking: a delete may have removed it meanwhile.
  std::ifstream in(dir + "/state.json");
  if (!in) return absl::NotFoundError(kErrNotExist);
  LockedContainer c(dir, std::move(*lock));
  try {
    json j = json::parse(in);
    ContainerState& s = c.state_;
    s.oci_version = j.at("ociVersion");
    s.id = j.at("id");
    s.status = j.at("status");
    s.bundle = j.at("bundle");
    s.rootfs = j.at("rootfs");
    s.created = j.at("created");
    s.owner = j.at("owner");
    if (j.contains("annotations")) s.annotations = j["annotations"].get<std::map<std::string, std::string>>();
    s.sentry = ProcessRefFrom(j.value("sentry", json()));
    s.gofer = ProcessRefFrom(j.value("gofer", json()));
    s.hooks = j.value("hooks", json::object());
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat(dir, "/state.json: ", e.what()));
  }
  return c;
}

absl::Status LockedContainer::Save() {
  nlohmann::ordered_json j = state_.OciState(state_.status);
  j["pid"] = state_.sentry.pid;
  j["sentry"] = ProcessRefJson(state_.sentry);
  j["gofer"] = ProcessRefJson(state_.gofer);
  j["hooks"] = state_.hooks;
  std::string tmp = Path("state.json.tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out.flush()) return Errno("write " + tmp);
  }
  if (rename(tmp.c_str(), Path("state.json").c_str()) != 0) return Errno("rename " + tmp);
  return absl::OkStatus();
}

absl::Status LockedContainer::Remove() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", dir_, ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status RemoveAborted(const std::string& root, const std::string& id) {
  if (auto s = ValidateId(id); !s.ok()) return s;
  std::string dir = root + "/" + id;
  auto lock = Lock(dir);
  if (lock.ok() && access((dir + "/state.json").c_str(), F_OK) != 0) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return absl::NotFoundError(kErrNotExist);
}

std::vector<std::string> ListContainers(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    if (e.is_directory() && std::filesystem::exists(e.path() / "state.json")) {
      ids.push_back(e.path().filename());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string NowRfc3339Nano() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::Now(), absl::UTCTimeZone());
}

std::string UserName(uid_t uid) {
  struct passwd* pw = getpwuid(uid);
  return pw != nullptr ? pw->pw_name : absl::StrCat(uid);
}

}  // namespace runsc
