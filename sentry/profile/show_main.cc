// profile_show: prints a profile written by `sentry --profile-syscalls FILE`.
//
//   profile_show [--format text|html] FILE
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "sentry/profile/show.h"

int main(int argc, char** argv) {
  CLI::App app{"profile_show: a syscall profile as a table or an HTML page"};
  std::string path, format = "text";
  app.add_option("FILE", path, "the profile")->required();
  app.add_option("--format", format, "text or html")->check(CLI::IsMember({"text", "html"}));
  CLI11_PARSE(app, argc, argv);
  auto p = sentry::profile::ReadProfile(path);
  if (!p.ok()) {
    std::fprintf(stderr, "profile_show: %s\n", std::string(p.status().message()).c_str());
    return 1;
  }
  const std::string out =
      format == "html" ? sentry::profile::FormatHtml(*p) : sentry::profile::FormatTable(*p);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
