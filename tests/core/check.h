// Shared helpers for the core test programs: every assertion prints
// "ok <name>" or "FAIL <name>: detail"; main returns check_exit().
// Only the main process/thread prints; children report through exit
// statuses or pipes so the output order is deterministic.
#ifndef TESTS_CORE_CHECK_H_
#define TESTS_CORE_CHECK_H_

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int check_failed;

static void check_init(void) { setvbuf(stdout, NULL, _IONBF, 0); }

#define CHECK(name, cond)                                                   \
  do {                                                                      \
    int check_errno_ = errno;                                               \
    if (cond) {                                                             \
      printf("ok %s\n", name);                                              \
    } else {                                                                \
      printf("FAIL %s: %s (errno %d %s) at line %d\n", name, #cond,         \
             check_errno_, strerror(check_errno_), __LINE__);               \
      check_failed = 1;                                                     \
    }                                                                       \
  } while (0)

// expr must return -1 with errno == err.
#define CHECK_ERR(name, expr, err)                                          \
  do {                                                                      \
    errno = 0;                                                              \
    long check_r_ = (long)(expr);                                           \
    int check_e_ = errno;                                                   \
    if (check_r_ == -1 && check_e_ == (err)) {                              \
      printf("ok %s\n", name);                                              \
    } else {                                                                \
      printf("FAIL %s: %s returned %ld errno %d (%s), want errno %d (%s)\n", \
             name, #expr, check_r_, check_e_, strerror(check_e_), (int)(err), \
             strerror(err));                                                \
      check_failed = 1;                                                     \
    }                                                                       \
  } while (0)

static int check_exit(void) { return check_failed ? 1 : 0; }

#endif  // TESTS_CORE_CHECK_H_
