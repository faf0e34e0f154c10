#include "compat/signals.h"

#include <array>
#include <charconv>

namespace compat {
namespace {

constexpr std::array<std::string_view, 32> kNames = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP",   "SIGABRT",
    "SIGBUS",    "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2",   "SIGPIPE",
    "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP",   "SIGTSTP",
    "SIGTTIN",   "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM", "SIGPROF",
    "SIGWINCH",  "SIGPOLL", "SIGPWR",    "SIGSYS",
};

struct Alias {
  std::string_view name;
  int number;
};
constexpr Alias kAliases[] = {
    {"SIGIOT", 6}, {"SIGIO", 29}, {"SIGCLD", 17}, {"SIGUNUSED", 31}, {"SIGRTMAX", kMaxSignal},
};

constexpr std::string_view kRtPrefix = "SIGRTMIN";

}  // namespace

std::string_view StandardSignalName(int sig) {
  if (sig < 1 || sig >= static_cast<int>(kNames.size())) return {};
  return kNames[sig];
}

std::string SignalName(int sig) {
  if (sig >= 1 && sig < kSigRtMin) return std::string(kNames[sig]);
  if (sig == kSigRtMin) return std::string(kRtPrefix);
  if (sig > kSigRtMin && sig <= kMaxSignal) {
    return std::string(kRtPrefix) + "+" + std::to_string(sig - kSigRtMin);
  }
  return {};
}

std::optional<int> SignalNumber(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (int s = 1; s < kSigRtMin; ++s) {
    if (kNames[s] == name) return s;
  }
  for (const Alias& a : kAliases) {
    if (a.name == name) return a.number;
  }
  if (name.substr(0, kRtPrefix.size()) != kRtPrefix) return std::nullopt;
  std::string_view rest = name.substr(kRtPrefix.size());
  if (rest.empty()) return kSigRtMin;
  if (rest[0] != '+' || rest.size() < 2) return std::nullopt;
  int n = 0;
  auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), n);
  if (ec != std::errc() || end != rest.data() + rest.size()) return std::nullopt;
  if (n < 1 || kSigRtMin + n > kMaxSignal) return std::nullopt;
  return kSigRtMin + n;
}

}  // namespace compat
