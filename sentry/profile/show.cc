#include "sentry/profile/show.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sentry::profile {
namespace {

std::vector<const SyscallStats*> ByTotal(const Profile& p) {
  std::vector<const SyscallStats*> v;
  for (const SyscallStats& s : p.syscalls()) v.push_back(&s);
  std::stable_sort(v.begin(), v.end(), [](const SyscallStats* a, const SyscallStats* b) {
    return a->total_ns() > b->total_ns();
  });
  return v;
}

std::string Us(uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", static_cast<double>(ns) / 1000.0);
  return b;
}

std::string Escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

}  // namespace

absl::StatusOr<Profile> ReadProfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  Profile p;
  if (!p.ParseFromString(ss.str())) {
    return absl::DataLossError(absl::StrCat(path, ": not a syscall profile"));
  }
  return p;
}

std::string FormatTable(const Profile& p) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %10s %8s %12s %10s %10s %10s %10s\n", "syscall", "count",
                "errors", "total_us", "mean_us", "p50_us", "p99_us", "max_us");
  out += line;
  uint64_t calls = 0, total = 0;
  for (const SyscallStats* s : ByTotal(p)) {
    calls += s->count();
    total += s->total_ns();
    std::snprintf(line, sizeof line, "%-20s %10llu %8llu %12s %10s %10s %10s %10s\n",
                  s->name().c_str(), static_cast<unsigned long long>(s->count()),
                  static_cast<unsigned long long>(s->errors()), Us(s->total_ns()).c_str(),
                  Us(s->count() ? s->total_ns() / s->count() : 0).c_str(), Us(s->p50_ns()).c_str(),
                  Us(s->p99_ns()).c_str(), Us(s->max_ns()).c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "%-20s %10llu %8s %12s   (wall %s ms; times are the Sentry's handling)\n",
                "total", static_cast<unsigned long long>(calls), "", Us(total).c_str(),
                Us(p.wall_ns() / 1000).c_str());
  out += line;
  return out;
}

std::string FormatHtml(const Profile& p) {
  const auto rows = ByTotal(p);
  const uint64_t top = rows.empty() ? 1 : std::max<uint64_t>(rows.front()->total_ns(), 1);
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Syscall profile</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}"
      ".bar{background:#4a7fd4;height:14px;display:inline-block}"
      "td{padding:2px 8px;font-size:13px}.hist{display:flex;align-items:flex-end;height:40px}"
      ".hist div{background:#d47f4a;width:6px;margin-right:1px}</style></head><body>\n";
  absl::StrAppend(&h, "<h1>Syscall profile</h1><p>container ", Escape(p.container_id()),
                  ", wall time ", Us(p.wall_ns() / 1000), " ms</p>\n");
  h += "<h2>Time per syscall</h2>\n<table id=\"time-per-syscall\">\n"
       "<tr><th>syscall</th><th>count</th><th>errors</th><th>total us</th><th></th></tr>\n";
  for (const SyscallStats* s : rows) {
    const int width = static_cast<int>(400.0 * static_cast<double>(s->total_ns()) / static_cast<double>(top));
    absl::StrAppend(&h, "<tr class=\"row\"><td>", Escape(s->name()), "</td><td>", s->count(),
                    "</td><td>", s->errors(), "</td><td>", Us(s->total_ns()),
                    "</td><td><span class=\"bar\" style=\"width:", std::max(width, 1),
                    "px\"></span></td></tr>\n");
  }
  h += "</table>\n<h2>Latency histograms (log2 ns buckets)</h2>\n";
  for (const SyscallStats* s : rows) {
    uint64_t peak = 1;
    for (uint64_t c : s->histogram()) peak = std::max(peak, c);
    absl::StrAppend(&h, "<h3>", Escape(s->name()), "</h3><div class=\"hist\" data-syscall=\"",
                    Escape(s->name()), "\">");
    for (int i = 0; i < s->histogram_size(); ++i) {
      const int height = static_cast<int>(40.0 * static_cast<double>(s->histogram(i)) / static_cast<double>(peak));
      absl::StrAppend(&h, "<div title=\"2^", i, " ns: ", s->histogram(i), "\" style=\"height:",
                      height, "px\"></div>");
    }
    h += "</div>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace sentry::profile
