// File system semantics (issue 5, first slice): path walk, files,
// directories, symlinks, links, rename, attributes and getdents64, all in
// a fresh scratch directory under /tmp (created if missing) so that the
// output is the same natively and in the sandbox's empty root.
#include "check.h"  // first: it defines _GNU_SOURCE

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sys/stat.h>

static int names_cmp(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

// The sorted names in directory fd `d` (from offset 0), joined by ','.
static void list_dir(int d, char* out, size_t out_len) {
  char buf[4096];
  char* names[64];
  int n = 0;
  lseek(d, 0, SEEK_SET);
  for (;;) {
    long r = syscall(SYS_getdents64, d, buf, sizeof(buf));
    if (r <= 0) break;
    for (long off = 0; off < r;) {
      struct dirent64* e = (struct dirent64*)(buf + off);
      if (n < 64) names[n++] = strdup(e->d_name);
      off += e->d_reclen;
    }
  }
  qsort(names, n, sizeof(names[0]), names_cmp);
  out[0] = 0;
  for (int i = 0; i < n; ++i) {
    if (i > 0) strncat(out, ",", out_len - strlen(out) - 1);
    strncat(out, names[i], out_len - strlen(out) - 1);
    free(names[i]);
  }
}

int main(void) {
  check_init();
  umask(022);
  CHECK("tmp_exists", mkdir("/tmp", 01777) == 0 || errno == EEXIST);
  char scratch[] = "/tmp/vfs_core.XXXXXX";
  CHECK("mkdtemp", mkdtemp(scratch) != NULL);
  CHECK("chdir_scratch", chdir(scratch) == 0);
  char cwd[PATH_MAX];
  CHECK("getcwd", getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, scratch) == 0);
  CHECK_ERR("getcwd_erange", syscall(SYS_getcwd, cwd, 2), ERANGE);

  // Regular files.
  int f = open("f", O_CREAT | O_EXCL | O_RDWR, 0666);
  CHECK("create", f >= 0);
  CHECK_ERR("create_excl", open("f", O_CREAT | O_EXCL | O_RDWR, 0666), EEXIST);
  struct stat st;
  CHECK("create_mode_umask", fstat(f, &st) == 0 && (st.st_mode & 07777) == 0644 &&
                                 S_ISREG(st.st_mode) && st.st_nlink == 1 && st.st_size == 0);
  CHECK("write", write(f, "hello world", 11) == 11);
  char buf[64];
  CHECK("lseek_read", lseek(f, 6, SEEK_SET) == 6 && read(f, buf, 64) == 5 &&
                          memcmp(buf, "world", 5) == 0);
  CHECK("pread", pread(f, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0);
  CHECK("seek_end", lseek(f, -1, SEEK_END) == 10);
  struct stat st2;
  CHECK("stat_matches_fstat", stat("f", &st2) == 0 && fstat(f, &st) == 0 &&
                                  st.st_ino == st2.st_ino && st.st_dev == st2.st_dev &&
                                  st2.st_size == 11);
  close(f);
  f = open("f", O_WRONLY | O_APPEND);
  CHECK("append", f >= 0 && lseek(f, 0, SEEK_SET) == 0 && write(f, "!", 1) == 1 &&
                      stat("f", &st) == 0 && st.st_size == 12);
  close(f);
  f = open("f", O_RDWR | O_TRUNC);
  CHECK("trunc_on_open", f >= 0 && fstat(f, &st) == 0 && st.st_size == 0);
  CHECK("ftruncate", ftruncate(f, 100) == 0 && fstat(f, &st) == 0 && st.st_size == 100);
  CHECK("truncate", truncate("f", 3) == 0 && stat("f", &st) == 0 && st.st_size == 3);
  close(f);
  f = open("f", O_RDONLY);
  CHECK_ERR("ftruncate_rdonly", ftruncate(f, 0), EINVAL);
  CHECK_ERR("write_rdonly", write(f, "x", 1), EBADF);
  close(f);
  CHECK_ERR("truncate_negative", truncate("f", -1), EINVAL);

  // Directories and walk errors.
  CHECK("mkdir", mkdir("d", 0777) == 0 && stat("d", &st) == 0 && S_ISDIR(st.st_mode) &&
                     (st.st_mode & 0777) == 0755 && st.st_nlink == 2);
  CHECK_ERR("mkdir_exists", mkdir("d", 0777), EEXIST);
  CHECK_ERR("mkdir_dot", mkdir(".", 0777), EEXIST);
  CHECK_ERR("open_missing", open("nope", O_RDONLY), ENOENT);
  CHECK_ERR("open_missing_dir", open("nope/x", O_CREAT | O_RDWR, 0600), ENOENT);
  CHECK_ERR("file_as_dir", open("f/x", O_RDONLY), ENOTDIR);
  CHECK_ERR("trailing_slash_file", open("f/", O_RDONLY), ENOTDIR);
  CHECK_ERR("o_directory_file", open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
  CHECK_ERR("write_dir", open("d", O_WRONLY), EISDIR);
  CHECK_ERR("creat_dir", open("d", O_CREAT | O_RDWR, 0600), EISDIR);
  char longname[NAME_MAX + 2];
  memset(longname, 'a', NAME_MAX + 1);
  longname[NAME_MAX + 1] = 0;
  CHECK_ERR("name_too_long", open(longname, O_RDONLY), ENAMETOOLONG);
  int dfd = open("d", O_RDONLY | O_DIRECTORY);
  CHECK("open_dir", dfd >= 0);
  CHECK_ERR("read_dir", read(dfd, buf, 1), EISDIR);
  int g = openat(dfd, "g", O_CREAT | O_WRONLY, 0600);
  CHECK("openat_dirfd", g >= 0 && stat("d/g", &st) == 0 && (st.st_mode & 0777) == 0600);
  close(g);
  CHECK("fstatat_empty_path", fstatat(dfd, "", &st, AT_EMPTY_PATH) == 0 && S_ISDIR(st.st_mode));
  CHECK("dotdot_walk", stat("d/../d/./g", &st) == 0 && S_ISREG(st.st_mode));
  CHECK("root_dotdot", stat("/../../..", &st) == 0 && stat("/", &st2) == 0 &&
                           st.st_ino == st2.st_ino);

  // Symlinks.
  CHECK("symlink", symlink("d/g", "l") == 0);
  CHECK_ERR("symlink_exists", symlink("x", "l"), EEXIST);
  ssize_t n = readlink("l", buf, sizeof(buf));
  CHECK("readlink", n == 3 && memcmp(buf, "d/g", 3) == 0);
  CHECK_ERR("readlink_file", readlink("f", buf, sizeof(buf)), EINVAL);
  CHECK("lstat_link", lstat("l", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 3);
  CHECK("stat_follows", stat("l", &st) == 0 && S_ISREG(st.st_mode));
  CHECK_ERR("o_nofollow", open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
  CHECK("symlink_loop_made", symlink("loop", "loop") == 0);
  CHECK_ERR("symlink_loop", open("loop", O_RDONLY), ELOOP);
  CHECK("dangling_made", symlink("nowhere", "dangling") == 0);
  CHECK_ERR("dangling", stat("dangling", &st), ENOENT);
  CHECK("dir_link", symlink("d", "ld") == 0 && stat("ld/g", &st) == 0);
  CHECK("fstatat_nofollow", fstatat(AT_FDCWD, "ld", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                S_ISLNK(st.st_mode));

  // Hard links, unlink, rmdir.
  CHECK("link", link("f", "f2") == 0 && stat("f", &st) == 0 && st.st_nlink == 2);
  CHECK_ERR("link_exists", link("f", "f2"), EEXIST);
  CHECK_ERR("link_dir", link("d", "d2"), EPERM);
  CHECK("unlink", unlink("f2") == 0 && stat("f", &st) == 0 && st.st_nlink == 1);
  CHECK_ERR("unlink_missing", unlink("f2"), ENOENT);
  CHECK_ERR("unlink_dir", unlink("d"), EISDIR);
  CHECK_ERR("rmdir_file", rmdir("f"), ENOTDIR);
  CHECK_ERR("rmdir_notempty", rmdir("d"), ENOTEMPTY);
  CHECK_ERR("rmdir_dot", rmdir("d/."), EINVAL);
  CHECK_ERR("unlinkat_badflag", unlinkat(AT_FDCWD, "f", 0x1), EINVAL);

  // Rename.
  CHECK("rename_file", rename("f", "f3") == 0 && stat("f3", &st) == 0 &&
                           stat("f", &st2) == -1 && errno == ENOENT);
  int h = open("h", O_CREAT | O_WRONLY, 0644);
  close(h);
  CHECK("rename_over", rename("f3", "h") == 0 && stat("f3", &st) == -1);
  CHECK_ERR("rename_into_self", rename("d", "d/sub"), EINVAL);
  CHECK_ERR("rename_file_over_dir", rename("h", "d"), EISDIR);
  CHECK_ERR("rename_dir_over_file", rename("d", "h"), ENOTDIR);
  CHECK("mkdir_e", mkdir("e", 0755) == 0);
  CHECK_ERR("rename_noreplace",
            syscall(SYS_renameat2, AT_FDCWD, "h", AT_FDCWD, "l", RENAME_NOREPLACE), EEXIST);
  CHECK("rename_exchange",
        syscall(SYS_renameat2, AT_FDCWD, "h", AT_FDCWD, "e", RENAME_EXCHANGE) == 0 &&
            stat("h", &st) == 0 && S_ISDIR(st.st_mode));
  CHECK("rename_back", syscall(SYS_renameat2, AT_FDCWD, "h", AT_FDCWD, "e", RENAME_EXCHANGE) == 0);
  CHECK("rename_dir_replaces_empty", mkdir("e2", 0755) == 0 && rename("e", "e2") == 0 &&
                                         stat("e", &st) == -1);

  // Attributes.
  CHECK("chmod", chmod("h", 0600) == 0 && stat("h", &st) == 0 && (st.st_mode & 07777) == 0600);
  h = open("h", O_RDONLY);
  CHECK("fchmod", fchmod(h, 0640) == 0 && fstat(h, &st) == 0 && (st.st_mode & 07777) == 0640);
  close(h);
  CHECK("chown_same", chown("h", getuid(), getgid()) == 0);
  CHECK("lchown", lchown("l", getuid(), getgid()) == 0);
  CHECK("access_ok", access("h", R_OK | W_OK) == 0 && access("d", X_OK) == 0);
  CHECK_ERR("access_missing", access("nope", F_OK), ENOENT);
  CHECK_ERR("access_badmode", access("h", 0100), EINVAL);
  struct timespec ts[2] = {{1000, 5}, {2000, 7}};
  CHECK("utimensat", utimensat(AT_FDCWD, "h", ts, 0) == 0 && stat("h", &st) == 0 &&
                         st.st_atim.tv_sec == 1000 && st.st_mtim.tv_sec == 2000 &&
                         st.st_mtim.tv_nsec == 7);

  // Directory listing and cwd changes.
  char names[512];
  list_dir(dfd, names, sizeof(names));
  CHECK("getdents_d", strcmp(names, ".,..,g") == 0);
  int sfd = open(".", O_RDONLY | O_DIRECTORY);
  list_dir(sfd, names, sizeof(names));
  CHECK("getdents_scratch", strcmp(names, ".,..,d,dangling,e2,h,l,ld,loop") == 0);
  CHECK_ERR("getdents_file", syscall(SYS_getdents64, open("h", O_RDONLY), buf, sizeof(buf)),
            ENOTDIR);
  CHECK("chdir_sub", chdir("d") == 0 && getcwd(cwd, sizeof(cwd)) != NULL &&
                         strlen(cwd) == strlen(scratch) + 2 && stat("g", &st) == 0);
  CHECK_ERR("chdir_file", chdir("g"), ENOTDIR);
  CHECK("fchdir", fchdir(sfd) == 0 && getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, scratch) == 0);

  // Clean up.
  close(dfd);
  CHECK("cleanup", unlink("d/g") == 0 && rmdir("d") == 0 && rmdir("e2") == 0 &&
                       unlink("h") == 0 && unlink("l") == 0 && unlink("ld") == 0 &&
                       unlink("loop") == 0 && unlink("dangling") == 0);
  list_dir(sfd, names, sizeof(names));
  CHECK("empty_after_cleanup", strcmp(names, ".,..") == 0);
  close(sfd);
  CHECK("chdir_up", chdir("..") == 0 && rmdir(scratch) == 0);
  return check_exit();
}
