#include "runsc-cli/boot_spec.h"

namespace runsc {

nlohmann::json MakeBootSpec(const OciConfig& c, const BootSpecOptions& opts) {
  using nlohmann::json;
  const OciProcess& p = c.process;
  json j = json::object();
  j["args"] = p.args;
  j["env"] = p.env;
  j["cwd"] = p.cwd;
  j["user"] = {{"uid", p.uid}, {"gid", p.gid}, {"additionalGids", p.additional_gids}};
  if (!c.hostname.empty()) j["hostname"] = c.hostname;
  json rl = json::array();
  for (const auto& r : p.rlimits) rl.push_back({{"type", r.type}, {"soft", r.soft}, {"hard", r.hard}});
  j["rlimits"] = rl;
  if (opts.with_rootfs) {
    j["root"] = {{"path", c.root_path}, {"readonly", c.root_readonly}};
    j["overlay"] = opts.overlay;
    if (opts.gofer_fd >= 0) j["gofer_fd"] = opts.gofer_fd;
  }
  return j;
}

}  // namespace runsc
