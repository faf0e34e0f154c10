// futex: WAIT/WAKE, timeouts, REQUEUE/CMP_REQUEUE, WAKE_OP, bitsets,
// shared futexes across fork, FUTEX_CLOCK_REALTIME, robust lists.
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static long futex(void* uaddr, int op, int val, const void* timeout_or_val2, void* uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

// Waiters block on `stage` (value 0); the main thread moves them onto
// `target` with CMP_REQUEUE until all are there: then they are certainly
// asleep on `target`, so wake counts are exact.
static int stage;
static atomic_int woken;
struct waiter_arg {
  int op;
  int bitset;
};
static void* stage_waiter(void* p) {
  struct waiter_arg* a = p;
  long r;
  if (a->op == FUTEX_WAIT_BITSET_PRIVATE)
    r = futex(&stage, a->op, 0, NULL, NULL, a->bitset);
  else
    r = futex(&stage, a->op, 0, NULL, NULL, 0);
  if (r == 0) atomic_fetch_add(&woken, 1);
  return NULL;
}
static pthread_t park_th[8];
static struct waiter_arg park_arg = {FUTEX_WAIT_PRIVATE, 0};
static void park(int n, int* target) {
  for (int i = 0; i < n; i++) pthread_create(&park_th[i], NULL, stage_waiter, &park_arg);
  int moved = 0;
  while (moved < n) {
    long r = futex(&stage, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void*)(long)64, target, 0);
    if (r > 0) moved += (int)r;
    else sched_yield();
  }
}
static void unpark_join(int n) {
  for (int i = 0; i < n; i++) pthread_join(park_th[i], NULL);
}

static int robust_pipe[2], robust_go[2];
static pthread_mutex_t robust_mu;
static void* robust_owner(void* arg) {
  (void)arg;
  pthread_mutex_lock(&robust_mu);
  char c;
  if (write(robust_pipe[1], "l", 1) != 1) return NULL;
  if (read(robust_go[0], &c, 1) != 1) return NULL;  // main says "die"
  return NULL;                                        // exits holding the lock
}

int main(void) {
  check_init();
  int word = 5;
  CHECK_ERR("wait_value_mismatch_eagain", futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL, NULL, 0), EAGAIN);
  struct timespec rel = {0, 20 * 1000 * 1000};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK_ERR("wait_timeout_etimedout", futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0), ETIMEDOUT);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  CHECK("wait_timeout_elapsed", ms >= 19);
  struct timespec badts = {0, 1000000000};
  CHECK_ERR("wait_bad_timespec_einval", futex(&word, FUTEX_WAIT_PRIVATE, 5, &badts, NULL, 0), EINVAL);
  struct timespec negts = {-1, 0};
  CHECK_ERR("wait_negative_timespec_einval", futex(&word, FUTEX_WAIT_PRIVATE, 5, &negts, NULL, 0), EINVAL);
  CHECK("wake_no_waiters_0", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
  CHECK_ERR("wait_misaligned_einval", futex((char*)&word + 1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EINVAL);
  CHECK_ERR("bad_op_enosys", futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);

  // WAKE counts, via requeued waiters.
  int target = 0;
  park(3, &target);
  CHECK("cmp_requeue_moved_3", 1);
  CHECK("wake_on_stage_after_requeue_0", futex(&stage, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 0);
  CHECK("wake_count_2", futex(&target, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0) == 2);
  CHECK("wake_count_rest_1", futex(&target, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 1);
  unpark_join(3);
  CHECK("waiters_returned_0", atomic_load(&woken) == 3);

  // CMP_REQUEUE with a wrong value: EAGAIN. REQUEUE: wake 1, move the rest.
  CHECK_ERR("cmp_requeue_mismatch_eagain",
            futex(&stage, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void*)1L, &target, 1), EAGAIN);
  int target2 = 0;
  park(3, &target);
  // Returns woken + requeued (the man page says only "woken").
  CHECK("requeue_wake1_move2",
        futex(&target, FUTEX_REQUEUE_PRIVATE, 1, (void*)(long)10, &target2, 0) == 3);
  CHECK("requeue_target_empty", futex(&target, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 0);
  CHECK("requeue_moved_wake", futex(&target2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 2);
  unpark_join(3);
  // CMP_REQUEUE returns woken + requeued.
  park(3, &target);
  CHECK("cmp_requeue_returns_woken_plus_moved",
        futex(&target, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)(long)1, &target2, 0) == 2);
  CHECK("cmp_requeue_left_1", futex(&target, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 1);
  CHECK("cmp_requeue_moved_1", futex(&target2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) == 1);
  unpark_join(3);

  // WAKE_OP: *uaddr2 = 5 (old 0), wake one on uaddr1 and, as old == 0, one on uaddr2.
  int w1 = 0, w2 = 0;
  park(1, &w1);
  pthread_t first = park_th[0];
  park(1, &w2);
  park_th[1] = park_th[0];
  park_th[0] = first;
  long r = futex(&w1, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &w2,
                 FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0));
  CHECK("wake_op_woke_2", r == 2);
  CHECK("wake_op_set", w2 == 5);
  unpark_join(2);
  r = futex(&w1, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &w2, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 100));
  CHECK("wake_op_add_no_waiters", r == 0 && w2 == 8);
  r = futex(&w1, FUTEX_WAKE_OP_PRIVATE, 1, (void*)1L, &w2,
            FUTEX_OP(FUTEX_OP_OR, 4, FUTEX_OP_CMP_NE, 0) | (FUTEX_OP_OPARG_SHIFT << 28));
  CHECK("wake_op_or_shift", r == 0 && w2 == (8 | 16));

  // Bitsets: a waiter with bitset 1 is not woken by bitset 2.
  park_arg.op = FUTEX_WAIT_BITSET_PRIVATE;
  park_arg.bitset = 1;
  park(1, &target);
  CHECK("wake_bitset_mismatch_0",
        futex(&target, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 2) == 0);
  CHECK("wake_bitset_match_1", futex(&target, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 3) == 1);
  unpark_join(1);
  park_arg.op = FUTEX_WAIT_PRIVATE;
  CHECK_ERR("wait_bitset_0_einval",
            futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0), EINVAL);
  CHECK_ERR("wake_bitset_0_einval",
            futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL);

  // WAIT_BITSET takes an absolute timeout; CLOCK_REALTIME and MONOTONIC.
  struct timespec abs;
  clock_gettime(CLOCK_REALTIME, &abs);
  abs.tv_nsec += 20 * 1000 * 1000;
  if (abs.tv_nsec >= 1000000000) abs.tv_sec++, abs.tv_nsec -= 1000000000;
  CHECK_ERR("wait_bitset_realtime_abs_etimedout",
            futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL,
                  FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  CHECK("wait_bitset_realtime_after_deadline",
        now.tv_sec > abs.tv_sec || (now.tv_sec == abs.tv_sec && now.tv_nsec >= abs.tv_nsec));
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_sec -= 1;  // already in the past
  CHECK_ERR("wait_bitset_monotonic_past_etimedout",
            futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);

  // Shared futex in a MAP_SHARED page across fork.
  int* sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  *sh = 0;
  pid_t pid = fork();
  if (pid == 0) {
    long rr = futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0);
    _exit(rr == 0 ? 0 : 1);
  }
  int wakes = 0;
  for (int i = 0; i < 1000000 && wakes == 0; i++) {
    wakes = (int)futex(sh, FUTEX_WAKE, 1, NULL, NULL, 0);
    if (wakes == 0) usleep(500);
  }
  int ws = 0;
  waitpid(pid, &ws, 0);
  CHECK("shared_futex_wake_across_fork", wakes == 1);
  CHECK("shared_futex_child_woken", WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
  // The parent's own waiter, woken by the child.
  pid = fork();
  if (pid == 0) {
    for (int i = 0; i < 1000000; i++) {
      if (futex(sh, FUTEX_WAKE, 1, NULL, NULL, 0) == 1) _exit(0);
      usleep(500);
    }
    _exit(1);
  }
  CHECK("shared_futex_parent_wait", futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0) == 0);
  waitpid(pid, &ws, 0);
  CHECK("shared_futex_child_woke_parent", WIFEXITED(ws) && WEXITSTATUS(ws) == 0);

  // Robust mutex: the owner thread dies holding it.
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust_mu, &ma);
  CHECK("robust_pipe", pipe(robust_pipe) == 0 && pipe(robust_go) == 0);
  pthread_t owner;
  pthread_create(&owner, NULL, robust_owner, NULL);
  char c;
  CHECK("robust_owner_locked", read(robust_pipe[0], &c, 1) == 1 && c == 'l');
  CHECK("robust_trylock_busy", pthread_mutex_trylock(&robust_mu) == EBUSY);
  CHECK("robust_tell_owner_die", write(robust_go[1], "d", 1) == 1);
  // Lock (possibly blocking while the owner is still alive): EOWNERDEAD.
  CHECK("robust_lock_eownerdead", pthread_mutex_lock(&robust_mu) == EOWNERDEAD);
  pthread_join(owner, NULL);
  CHECK("robust_consistent", pthread_mutex_consistent(&robust_mu) == 0);
  CHECK("robust_unlock", pthread_mutex_unlock(&robust_mu) == 0);
  CHECK("robust_relock_ok", pthread_mutex_lock(&robust_mu) == 0 && pthread_mutex_unlock(&robust_mu) == 0);

  // Raw: the kernel sets FUTEX_OWNER_DIED in the word of a dead owner.
  pthread_mutex_init(&robust_mu, &ma);
  pthread_create(&owner, NULL, robust_owner, NULL);
  CHECK("robust_owner_locked2", read(robust_pipe[0], &c, 1) == 1);
  CHECK("robust_tell_owner_die2", write(robust_go[1], "d", 1) == 1);
  pthread_join(owner, NULL);
  CHECK("robust_word_owner_died", (robust_mu.__data.__lock & FUTEX_OWNER_DIED) != 0);
  CHECK("robust_word_tid_cleared", (robust_mu.__data.__lock & FUTEX_TID_MASK) == 0);
  CHECK("robust_trylock_eownerdead", pthread_mutex_trylock(&robust_mu) == EOWNERDEAD);

  // get_robust_list reports what set_robust_list installed.
  struct robust_list_head* head = NULL;
  size_t len = 0;
  CHECK("get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len) == 0 && head != NULL &&
                               len == sizeof(struct robust_list_head));
  CHECK_ERR("set_robust_list_bad_len_einval", syscall(SYS_set_robust_list, head, len + 1), EINVAL);

  return check_exit();
}
