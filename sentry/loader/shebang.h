// "#!" scripts for execve, as Linux's fs/binfmt_script.c (>= 5.1) parses
// them. (The brief called this interpreter.{h,cc}; "interpreter" here would
// clash with the ELF PT_INTERP interpreter, hence the name.)
//
// Contract:
//  - Only the first kShebangBufSize (256) bytes are looked at, zero padded
//    when the file is shorter, exactly like bprm->buf.
//  - ENOEXEC when the buffer does not start with "#!", when there is no
//    interpreter name, or when no newline is found and the interpreter name
//    is not followed by a space, tab or NUL within the buffer (it may be
//    truncated). A truncated optional argument is accepted. "#!" followed by
//    NUL/EOF yields an empty interpreter name, as on Linux (whose open of
//    "" then fails with ENOENT).
//  - The interpreter is the first word after "#!" (spaces/tabs skipped); the
//    optional argument is the rest of the line, one string, leading and
//    trailing spaces/tabs trimmed (up to a NUL).
//  - The caller then execs `interpreter` with RewriteScriptArgv's argv and
//    the same envp and AT_EXECFN (the original filename); Linux gives up
//    with ELOOP after kMaxExecDepth such rewrites.
#ifndef SENTRY_LOADER_SHEBANG_H_
#define SENTRY_LOADER_SHEBANG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sentry/errno.h"
#include "sentry/loader/image_reader.h"

namespace sentry::loader {

inline constexpr size_t kShebangBufSize = 256;  // BINPRM_BUF_SIZE
inline constexpr int kMaxExecDepth = 5;         // exec_binprm(): depth > 5

struct Shebang {
  std::string interpreter;
  std::optional<std::string> arg;
  bool operator==(const Shebang&) const = default;
};

// Parses the head of a file (any length; only the first 256 bytes count).
ErrnoOr<Shebang> ParseShebang(std::string_view head);

// Reads the first 256 bytes of `image` and parses them. Read errors pass
// through.
ErrnoOr<Shebang> ReadShebang(ImageReader& image);

// The interpreter's argv: {interpreter, [arg,] script_path, argv[1:]...}.
// `script_path` is the name execve was given (or /dev/fd/N for execveat
// with AT_EMPTY_PATH); argv[0] is dropped, as Linux's remove_arg_zero().
std::vector<std::string> RewriteScriptArgv(
    const Shebang& sb, const std::string& script_path,
    const std::vector<std::string>& argv);

}  // namespace sentry::loader

#endif  // SENTRY_LOADER_SHEBANG_H_
