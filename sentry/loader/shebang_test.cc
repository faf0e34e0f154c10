#include "sentry/loader/shebang.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sentry::loader {
namespace {

int Err(std::string_view head) {
  ErrnoOr<Shebang> r = ParseShebang(head);
  return r.ok() ? 0 : r.error().value();
}

Shebang Sb(std::string interp, std::optional<std::string> arg = std::nullopt) {
  return Shebang{std::move(interp), std::move(arg)};
}

TEST(ShebangTest, Basic) {
  EXPECT_EQ(*ParseShebang("#!/bin/sh\necho hi\n"), Sb("/bin/sh"));
  EXPECT_EQ(*ParseShebang("#! /bin/sh\n"), Sb("/bin/sh"));
  EXPECT_EQ(*ParseShebang("#!\t /bin/sh \t\n"), Sb("/bin/sh"));
  EXPECT_EQ(*ParseShebang("#!/bin/sh"), Sb("/bin/sh"));  // no newline, EOF
  EXPECT_EQ(*ParseShebang("#!/usr/bin/env python3\n"),
            Sb("/usr/bin/env", "python3"));
  // The argument is the rest of the line, one string, trimmed.
  EXPECT_EQ(*ParseShebang("#!/usr/bin/env  -S a  b \t\nxx"),
            Sb("/usr/bin/env", "-S a  b"));
  EXPECT_EQ(*ParseShebang("#!/bin/sh\r\n"), Sb("/bin/sh\r"));  // as Linux
}

TEST(ShebangTest, Enoexec) {
  EXPECT_EQ(Err(""), ENOEXEC);
  EXPECT_EQ(Err("#"), ENOEXEC);
  EXPECT_EQ(Err("\x7f" "ELF"), ENOEXEC);
  // "#!" then EOF: an empty interpreter name, which Linux then fails to
  // open (ENOENT); not a parse error.
  EXPECT_EQ(*ParseShebang("#!"), Sb(""));
  EXPECT_EQ(Err("#!\n"), ENOEXEC);
  EXPECT_EQ(Err("#!   \t \n/bin/sh\n"), ENOEXEC);
  EXPECT_EQ(Err(std::string("#!") + std::string(300, ' ')), ENOEXEC);
}

TEST(ShebangTest, LongLines) {
  // The interpreter name fills the 256-byte buffer with no terminator: it
  // may be truncated, so ENOEXEC.
  std::string longname = "#!/" + std::string(300, 'a');
  EXPECT_EQ(Err(longname), ENOEXEC);
  // A name that ends within the buffer with a long argument: accepted, the
  // argument truncated at 255 bytes of buffer.
  std::string longarg = "#!/bin/x " + std::string(400, 'b') + "\n";
  ErrnoOr<Shebang> r = ParseShebang(longarg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interpreter, "/bin/x");
  ASSERT_TRUE(r->arg.has_value());
  EXPECT_EQ(r->arg->size(), 255u - 9u);
  // A newline within the buffer makes anything before it fine.
  std::string exact = "#!/" + std::string(250, 'c') + "\n";
  ASSERT_EQ(exact.size(), 254u);
  r = ParseShebang(exact);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interpreter.size(), 251u);
  // Name ending exactly at the last byte of the buffer is not terminated.
  std::string edge = "#!/" + std::string(253, 'd');
  ASSERT_EQ(edge.size(), 256u);
  EXPECT_EQ(Err(edge + "\n"), ENOEXEC);
  // ...but a space at the last byte terminates it.
  std::string edge2 = "#!/" + std::string(252, 'd') + " ";
  r = ParseShebang(edge2 + "more");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interpreter.size(), 253u);
  EXPECT_FALSE(r->arg.has_value());
}

TEST(ShebangTest, NulInLine) {
  // A NUL ends the search for the newline and terminates the name.
  EXPECT_EQ(*ParseShebang(std::string("#!/bin/sh\0 arg\n", 15)),
            Sb("/bin/sh"));
  EXPECT_EQ(*ParseShebang(std::string("#!/bin/sh ar\0g\n", 15)),
            Sb("/bin/sh", "ar"));
}

TEST(ShebangTest, ReadFromImage) {
  MemoryImageReader r(std::vector<uint8_t>{'#', '!', '/', 'a', ' ', 'b', '\n'});
  EXPECT_EQ(*ReadShebang(r), Sb("/a", "b"));
}

TEST(ShebangTest, RewriteArgv) {
  EXPECT_THAT(RewriteScriptArgv(Sb("/bin/sh"), "./s.sh", {"s.sh", "x", "y"}),
              ::testing::ElementsAre("/bin/sh", "./s.sh", "x", "y"));
  EXPECT_THAT(RewriteScriptArgv(Sb("/usr/bin/env", "python3 -u"), "/s.py",
                                {"whatever"}),
              ::testing::ElementsAre("/usr/bin/env", "python3 -u", "/s.py"));
  EXPECT_THAT(RewriteScriptArgv(Sb("/bin/sh"), "/s", {}),
              ::testing::ElementsAre("/bin/sh", "/s"));
}

// Runs `path` natively with argv {"script", "x y", "z"}: its stdout, or the
// execve errno as "errno N".
std::string NativeRun(const std::string& path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    const char* argv[] = {"script", "x y", "z", nullptr};
    const char* envp[] = {nullptr};
    execve(path.c_str(), const_cast<char**>(argv), const_cast<char**>(envp));
    dprintf(1, "errno %d", errno);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

// Scripts whose interpreter is /bin/echo: what Linux passes to echo is what
// RewriteScriptArgv says (echo prints argv[1:] joined by spaces).
TEST(ShebangTest, MatchesLinux) {
  char dir[] = "/tmp/shebang_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string pad(230, 'p');
  const std::vector<std::string> heads = {
      "#!/bin/echo\n",
      "#!/bin/echo one\n",
      "#! \t/bin/echo  one two \t\nrest",
      "#!/bin/echo",
      "#!/bin/echo " + pad + "truncated-argument-beyond-256-bytes\n",
      "#!/bin/echo\t" + std::string(300, ' ') + "\n",
      "#!/bin/echo" + std::string(300, ' '),
      "#!    \n",
      "#!/bin/ech" + std::string(300, 'o'),
      std::string("#!/bin/echo\0arg\n", 17),
      std::string("#!/bin/echo a\0rg\n", 17),
  };
  int i = 0;
  for (const std::string& head : heads) {
    SCOPED_TRACE(head);
    const std::string path = std::string(dir) + "/s" + std::to_string(i++);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, head.data(), head.size()),
              static_cast<ssize_t>(head.size()));
    close(fd);
    std::string expected;
    ErrnoOr<Shebang> sb = ParseShebang(head);
    if (!sb.ok()) {
      expected = "errno " + std::to_string(sb.error().value());
    } else {
      ASSERT_EQ(sb->interpreter, "/bin/echo");
      std::vector<std::string> argv =
          RewriteScriptArgv(*sb, path, {"script", "x y", "z"});
      for (size_t k = 1; k < argv.size(); k++) {
        expected += (k > 1 ? " " : "") + argv[k];
      }
      expected += "\n";
    }
    EXPECT_EQ(NativeRun(path), expected);
    unlink(path.c_str());
  }
  rmdir(dir);
}

}  // namespace
}  // namespace sentry::loader
