// Threads: counters under a raw-futex lock and under pthread_mutex, join,
// condition variables, TLS, gettid/getpid, exit_group from a thread, the
// leader exiting with pthread_exit while another thread keeps running.
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define NTHREADS 8
#define ITERS 20000

static long futex(atomic_int* uaddr, int op, int val) {
  return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

// Drepper's three-state mutex: 0 free, 1 locked, 2 locked with waiters.
static atomic_int flock_word;
static void flock_lock(void) {
  int c = 0;
  if (atomic_compare_exchange_strong(&flock_word, &c, 1)) return;
  if (c != 2) c = atomic_exchange(&flock_word, 2);
  while (c != 0) {
    futex(&flock_word, FUTEX_WAIT_PRIVATE, 2);
    c = atomic_exchange(&flock_word, 2);
  }
}
static void flock_unlock(void) {
  if (atomic_fetch_sub(&flock_word, 1) != 1) {
    atomic_store(&flock_word, 0);
    futex(&flock_word, FUTEX_WAKE_PRIVATE, 1);
  }
}

static long counter_futex, counter_mutex;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int tls_value = 42;
static pid_t tids[NTHREADS];
static pid_t pids[NTHREADS];
static int tls_ok[NTHREADS];

static void* worker(void* arg) {
  int idx = (int)(long)arg;
  int ok = tls_value == 42;  // fresh copy of the initializer
  tls_value = idx * 100;
  for (int i = 0; i < ITERS; i++) {
    flock_lock();
    counter_futex++;
    flock_unlock();
    pthread_mutex_lock(&mu);
    counter_mutex++;
    pthread_mutex_unlock(&mu);
  }
  tids[idx] = (pid_t)syscall(SYS_gettid);
  pids[idx] = getpid();
  tls_ok[idx] = ok && tls_value == idx * 100;
  return (void*)(long)(idx + 1000);
}

// Condition variable ping-pong: a queue of one slot.
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER;
static int slot = -1;
static long consumed_sum;

static void* consumer(void* arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&qmu);
    while (slot < 0) pthread_cond_wait(&qcv, &qmu);
    int v = slot;
    slot = -1;
    pthread_cond_broadcast(&qcv);
    pthread_mutex_unlock(&qmu);
    if (v == 0) return NULL;
    consumed_sum += v;
  }
}

static void* exit_group_thread(void* arg) {
  syscall(SYS_exit_group, (int)(long)arg);
  return NULL;
}
static void* exit_thread(void* arg) {
  (void)arg;
  exit(7);
}
static int leader_gone_pipe[2];
static void* survivor(void* arg) {
  (void)arg;
  char c;
  // Wait until the leader has called pthread_exit (it writes first).
  if (read(leader_gone_pipe[0], &c, 1) != 1) _exit(20);
  // Keep running after the leader is gone.
  volatile long x = 0;
  for (int i = 0; i < 100000; i++) x += i;
  exit(x > 0 ? 5 : 21);
}

static int wait_status(pid_t pid) {
  int ws = 0;
  if (waitpid(pid, &ws, 0) != pid) return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int main(void) {
  check_init();
  pthread_t th[NTHREADS];
  int created = 1;
  for (int i = 0; i < NTHREADS; i++)
    if (pthread_create(&th[i], NULL, worker, (void*)(long)i) != 0) created = 0;
  CHECK("pthread_create_8", created);
  int joined = 1;
  for (int i = 0; i < NTHREADS; i++) {
    void* ret = NULL;
    if (pthread_join(th[i], &ret) != 0 || ret != (void*)(long)(i + 1000)) joined = 0;
  }
  CHECK("pthread_join_values", joined);
  CHECK("futex_lock_counter", counter_futex == (long)NTHREADS * ITERS);
  CHECK("pthread_mutex_counter", counter_mutex == (long)NTHREADS * ITERS);
  CHECK("futex_lock_free_after", atomic_load(&flock_word) == 0);
  int tls = 1, same_pid = 1, distinct = 1;
  pid_t main_tid = (pid_t)syscall(SYS_gettid);
  for (int i = 0; i < NTHREADS; i++) {
    tls &= tls_ok[i];
    same_pid &= pids[i] == getpid();
    if (tids[i] == main_tid || tids[i] <= 0) distinct = 0;
    for (int j = 0; j < i; j++)
      if (tids[i] == tids[j]) distinct = 0;
  }
  CHECK("tls_per_thread", tls && tls_value == 42);
  CHECK("getpid_same_in_threads", same_pid);
  CHECK("gettid_distinct", distinct);
  CHECK("main_tid_is_pid", main_tid == getpid());

  // Condition variables.
  pthread_t c;
  CHECK("cond_consumer_create", pthread_create(&c, NULL, consumer, NULL) == 0);
  long produced = 0;
  for (int v = 1; v <= 2000; v++) {
    pthread_mutex_lock(&qmu);
    while (slot >= 0) pthread_cond_wait(&qcv, &qmu);
    slot = v;
    produced += v;
    pthread_cond_broadcast(&qcv);
    pthread_mutex_unlock(&qmu);
  }
  pthread_mutex_lock(&qmu);
  while (slot >= 0) pthread_cond_wait(&qcv, &qmu);
  slot = 0;
  pthread_cond_broadcast(&qcv);
  pthread_mutex_unlock(&qmu);
  CHECK("cond_consumer_join", pthread_join(c, NULL) == 0);
  CHECK("cond_all_consumed", consumed_sum == produced);

  // pthread_cond_timedwait times out.
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 20 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
  pthread_mutex_lock(&qmu);
  CHECK("cond_timedwait_timeout", pthread_cond_timedwait(&qcv, &qmu, &ts) == ETIMEDOUT);
  pthread_mutex_unlock(&qmu);

  // Detached thread and many short-lived threads (tid reuse, CLEARTID).
  int many = 1;
  for (int i = 0; i < 200; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void*)(long)(i % NTHREADS)) != 0 ||
        pthread_join(t, NULL) != 0)
      many = 0;
  }
  CHECK("many_short_threads", many);

  // exit_group from a non-leader thread ends the whole process.
  pid_t pid = fork();
  if (pid == 0) {
    pthread_t t;
    pthread_create(&t, NULL, exit_group_thread, (void*)9L);
    for (;;) pause();
  }
  CHECK("thread_exit_group_status", wait_status(pid) == 9);
  pid = fork();
  if (pid == 0) {
    pthread_t t;
    pthread_create(&t, NULL, exit_thread, NULL);
    pthread_join(t, NULL);
    _exit(1);
  }
  CHECK("thread_exit_status", wait_status(pid) == 7);
  // Blocked threads are killed by exit_group too.
  pid = fork();
  if (pid == 0) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, consumer, NULL);  // block in cond_wait
    pthread_t e;
    pthread_create(&e, NULL, exit_group_thread, (void*)11L);
    pthread_join(t[0], NULL);
    _exit(1);
  }
  CHECK("exit_group_kills_blocked_threads", wait_status(pid) == 11);
  // The leader calls pthread_exit; the process lives on until the last thread exits.
  pid = fork();
  if (pid == 0) {
    if (pipe(leader_gone_pipe) != 0) _exit(22);
    pthread_t t;
    pthread_create(&t, NULL, survivor, NULL);
    if (write(leader_gone_pipe[1], "x", 1) != 1) _exit(23);
    pthread_exit(NULL);
  }
  CHECK("leader_pthread_exit_process_continues", wait_status(pid) == 5);
  // All threads pthread_exit: status 0.
  pid = fork();
  if (pid == 0) {
    pthread_t t;
    pthread_create(&t, NULL, worker, (void*)0L);
    pthread_exit(NULL);
  }
  CHECK("last_thread_exit_status_0", wait_status(pid) == 0);

  return check_exit();
}
