// runsc list [--format table|json] [--quiet]: runc's output: a table
// (Go tabwriter: min width 12, padding 3) or a JSON array ("null" if
// empty, as Go encodes a nil slice).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "nlohmann/json.hpp"
#include "runsc-cli/commands.h"
#include "runsc-cli/log.h"
#include "runsc-cli/state.h"

namespace runsc {
namespace {

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  // Every column but the last is padded (tabwriter: the last cell of a
  // line is not tab-terminated).
  size_t ncol = rows[0].size();
  std::vector<size_t> width(ncol, 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i + 1 < ncol; ++i) width[i] = std::max(width[i], r[i].size() + 3);
  }
  for (auto& w : width) w = std::max<size_t>(w, 12);
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < ncol; ++i) {
      line += r[i];
      if (i + 1 < ncol) line += std::string(width[i] - r[i].size(), ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

void AddListCommand(CLI::App& app, const GlobalFlags& g, Commands& cmds) {
  struct Opts {
    std::string format = "table";
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("list", "list the containers under --root");
  sub->alias("ls");
  sub->add_option("-f,--format", o->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  sub->add_flag("-q,--quiet", o->quiet, "print the IDs only");
  cmds.Add(sub, [&g, o] {
    std::vector<ContainerState> states;
    for (const auto& id : ListContainers(g.root)) {
      auto c = LockedContainer::Open(g.root, id, /*lock=*/false);
      if (c.ok()) states.push_back(c->state());
    }
    if (o->quiet) {
      for (const auto& s : states) std::printf("%s\n", s.id.c_str());
      return 0;
    }
    if (o->format == "json") {
      if (states.empty()) {
        std::printf("null\n");
        return 0;
      }
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const auto& s : states) a.push_back(s.OciState());
      std::printf("%s\n", a.dump().c_str());
      return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& s : states) {
      nlohmann::ordered_json j = s.OciState();
      rows.push_back({s.id, std::to_string(j["pid"].get<int>()), j["status"].get<std::string>(),
                      s.bundle, s.created, s.owner});
    }
    PrintTable(rows);
    return 0;
  });
}

}  // namespace runsc
