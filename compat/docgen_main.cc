// compat_docgen: writes docs/compatibility.md from the syscall table and the
// support registry, optionally with suite results (compat/README.md).
//
//   compat_docgen [--out FILE] [--results RESULTS.json]
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "compat/doc.h"
#include "compat/results.h"

namespace {

bool WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  FILE* f = fopen(tmp.c_str(), "we");
  if (f == nullptr) return false;
  const bool wrote = fwrite(text.data(), 1, text.size(), f) == text.size();
  if (fclose(f) != 0 || !wrote) return false;
  return rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"generate docs/compatibility.md"};
  std::string out = "-", results_path;
  app.add_option("--out", out, "file to write; - for stdout")->capture_default_str();
  app.add_option("--results", results_path,
                 "suite results JSON (format " + std::string(compat::kResultsFormat) +
                     "); a missing file means no results columns");
  CLI11_PARSE(app, argc, argv);

  std::optional<compat::SuiteResults> results;
  if (!results_path.empty()) {
    absl::StatusOr<std::optional<compat::SuiteResults>> r = compat::ReadSuiteResults(results_path);
    if (!r.ok()) {
      fprintf(stderr, "compat_docgen: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    if (!r->has_value()) {
      fprintf(stderr, "compat_docgen: %s does not exist; no results columns\n",
              results_path.c_str());
    }
    results = *std::move(r);
  }
  const std::string page = compat::RenderCompatibilityPage(results ? &*results : nullptr);
  if (out == "-") {
    return fwrite(page.data(), 1, page.size(), stdout) == page.size() ? 0 : 1;
  }
  if (!WriteFile(out, page)) {
    perror(("compat_docgen: write " + out).c_str());
    return 1;
  }
  return 0;
}
