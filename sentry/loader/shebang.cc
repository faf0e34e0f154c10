#include "sentry/loader/shebang.h"

#include <algorithm>
#include <cstring>

namespace sentry::loader {
namespace {

bool SpaceTab(char c) { return c == ' ' || c == '\t'; }

// Index of the first non-space/tab in [first, last], or -1.
int NextNonSpaceTab(const char* buf, int first, int last) {
  for (; first <= last; first++) {
    if (!SpaceTab(buf[first])) return first;
  }
  return -1;
}

// Index of the first space/tab/NUL in [first, last], or -1.
int NextTerminator(const char* buf, int first, int last) {
  for (; first <= last; first++) {
    if (SpaceTab(buf[first]) || buf[first] == '\0') return first;
  }
  return -1;
}

}  // namespace

// A line-by-line port of load_script()'s parsing.
ErrnoOr<Shebang> ParseShebang(std::string_view head) {
  char buf[kShebangBufSize] = {};
  std::memcpy(buf, head.data(), std::min(head.size(), kShebangBufSize));
  if (buf[0] != '#' || buf[1] != '!') return Errno(ENOEXEC);
  const int buf_end = kShebangBufSize - 1;

  // strnchr(buf, sizeof(buf), '\n') stops at a NUL.
  int i_end = -1;
  for (int i = 0; i < static_cast<int>(kShebangBufSize) && buf[i] != '\0';
       i++) {
    if (buf[i] == '\n') {
      i_end = i;
      break;
    }
  }
  if (i_end < 0) {
    i_end = NextNonSpaceTab(buf, 2, buf_end);
    if (i_end < 0) return Errno(ENOEXEC);
    if (NextTerminator(buf, i_end, buf_end) < 0) return Errno(ENOEXEC);
    i_end = buf_end;
  }
  while (i_end > 2 && SpaceTab(buf[i_end - 1])) i_end--;

  const int i_name = NextNonSpaceTab(buf, 2, i_end);
  if (i_name < 0 || i_name == i_end) return Errno(ENOEXEC);
  int i_arg = -1;
  const int i_sep = NextTerminator(buf, i_name, i_end);
  if (i_sep >= 0 && buf[i_sep] != '\0') i_arg = NextNonSpaceTab(buf, i_sep, i_end);

  // load_script() writes NULs at i_end and (with an argument) at i_sep, then
  // uses C strings.
  buf[i_end] = '\0';
  if (i_arg >= 0) buf[i_sep] = '\0';
  Shebang sb;
  sb.interpreter = std::string(buf + i_name, strnlen(buf + i_name, i_end - i_name));
  if (i_arg >= 0) sb.arg = std::string(buf + i_arg, strnlen(buf + i_arg, i_end - i_arg));
  return sb;
}

ErrnoOr<Shebang> ReadShebang(ImageReader& image) {
  char buf[kShebangBufSize];
  size_t got = 0;
  while (got < sizeof(buf)) {
    ErrnoOr<size_t> n = image.ReadAt(got, buf + got, sizeof(buf) - got);
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    got += *n;
  }
  return ParseShebang(std::string_view(buf, got));
}

std::vector<std::string> RewriteScriptArgv(
    const Shebang& sb, const std::string& script_path,
    const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  out.reserve(argv.size() + 2);
  out.push_back(sb.interpreter);
  if (sb.arg) out.push_back(*sb.arg);
  out.push_back(script_path);
  for (size_t i = 1; i < argv.size(); i++) out.push_back(argv[i]);
  return out;
}

}  // namespace sentry::loader
