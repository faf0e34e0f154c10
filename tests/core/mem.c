// Memory: anonymous mappings, MAP_FIXED(_NOREPLACE), MAP_GROWSDOWN, faults
// with si_code/si_addr, fork copy-on-write vs MAP_SHARED, mremap, madvise,
// mincore, brk.
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

static sigjmp_buf fault_jmp;
static volatile int fault_signo, fault_code;
static void* volatile fault_addr;

static void on_fault(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  fault_signo = sig;
  fault_code = si->si_code;
  fault_addr = si->si_addr;
  siglongjmp(fault_jmp, 1);
}

// Writes (or reads) *p; returns 1 if it faulted.
static int touch(volatile char* p, int write) {
  fault_signo = 0;
  if (sigsetjmp(fault_jmp, 1) == 0) {
    if (write)
      *p = 1;
    else
      (void)*p;
    return 0;
  }
  return 1;
}

static int all_zero(const char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

int main(void) {
  check_init();
  const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
  struct sigaction sa = {0};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);

  char* p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK("mmap_anon_private", p != MAP_FAILED);
  CHECK("mmap_page_aligned", ((uintptr_t)p % pg) == 0);
  CHECK("mmap_zero_filled", all_zero(p, 4 * pg));
  memset(p, 0xab, 4 * pg);
  CHECK("mmap_write_read", (unsigned char)p[4 * pg - 1] == 0xab);

  CHECK_ERR("mmap_len0_einval", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
  CHECK_ERR("mmap_no_type_einval", mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
  CHECK_ERR("mmap_badfd_ebadf", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 999, 0), EBADF);
  CHECK_ERR("mmap_fixed_unaligned_einval",
            mmap(p + 1, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);

  // MAP_FIXED replaces the second page with fresh zeroes.
  char* q = mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  CHECK("map_fixed_address", q == p + pg);
  CHECK("map_fixed_replaces", all_zero(q, pg) && (unsigned char)p[0] == 0xab &&
                                  (unsigned char)p[2 * pg] == 0xab);
  q = mmap(p + pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  CHECK("map_fixed_noreplace_eexist", q == MAP_FAILED && errno == EEXIST);

  // munmap then access: SEGV_MAPERR at that address.
  CHECK("munmap_middle", munmap(p + 2 * pg, pg) == 0);
  CHECK("munmap_fault", touch(p + 2 * pg + 8, 0));
  CHECK("segv_maperr_signo", fault_signo == SIGSEGV);
  CHECK("segv_maperr_code", fault_code == SEGV_MAPERR);
  CHECK("segv_maperr_addr", fault_addr == p + 2 * pg + 8);
  CHECK("munmap_neighbours_intact", (unsigned char)p[3 * pg] == 0xab && !touch(p + 3 * pg, 1));
  CHECK_ERR("munmap_unaligned_einval", munmap(p + 1, pg), EINVAL);
  q = mmap(p + 2 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  CHECK("map_fixed_noreplace_hole", q == p + 2 * pg);

  // mprotect read-only: write faults with SEGV_ACCERR, read still works.
  CHECK("mprotect_ro", mprotect(p, pg, PROT_READ) == 0);
  CHECK("mprotect_ro_read_ok", !touch(p + 5, 0));
  CHECK("mprotect_ro_write_faults", touch(p + 5, 1));
  CHECK("segv_accerr_code", fault_signo == SIGSEGV && fault_code == SEGV_ACCERR);
  CHECK("segv_accerr_addr", fault_addr == p + 5);
  CHECK("mprotect_none", mprotect(p, pg, PROT_NONE) == 0);
  CHECK("mprotect_none_read_faults", touch(p + 100, 0) && fault_code == SEGV_ACCERR &&
                                         fault_addr == p + 100);
  CHECK("mprotect_rw_restores", mprotect(p, pg, PROT_READ | PROT_WRITE) == 0 && !touch(p, 1) &&
                                    (unsigned char)p[1] == 0xab);
  CHECK_ERR("mprotect_unaligned_einval", mprotect(p + 1, pg, PROT_READ), EINVAL);
  CHECK_ERR("mprotect_bad_prot_einval", mprotect(p, pg, 0x100), EINVAL);
  munmap(p, 4 * pg);
  CHECK_ERR("mprotect_unmapped_enomem", mprotect(p, pg, PROT_READ), ENOMEM);

  // MAP_GROWSDOWN: the top page is usable.
  char* g = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
  CHECK("map_growsdown", g != MAP_FAILED);
  CHECK("map_growsdown_top_writable", !touch(g + 4 * pg - 1, 1) && g[4 * pg - 1] == 1);
  munmap(g, 4 * pg);

  // fork: private pages are copy-on-write, shared ones are shared.
  char* priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char* shr = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK("mmap_anon_shared", shr != MAP_FAILED);
  strcpy(priv, "parent");
  strcpy(shr, "parent");
  pid_t pid = fork();
  if (pid == 0) {
    int ok = strcmp(priv, "parent") == 0 && strcmp(shr, "parent") == 0;
    strcpy(priv, "child");
    strcpy(shr, "child");
    _exit(ok ? 0 : 3);
  }
  int ws = 0;
  CHECK("fork_wait", waitpid(pid, &ws, 0) == pid);
  CHECK("fork_child_saw_parent_data", WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
  CHECK("fork_cow_private", strcmp(priv, "parent") == 0);
  CHECK("fork_shared_visible", strcmp(shr, "child") == 0);
  // Parent writes after fork don't reach the child either.
  int pfd[2];
  CHECK("pipe", pipe(pfd) == 0);
  pid = fork();
  if (pid == 0) {
    char c;
    close(pfd[1]);
    if (read(pfd[0], &c, 1) != 1) _exit(4);
    _exit(strcmp(priv, "parent") == 0 && strcmp(shr, "after") == 0 ? 0 : 5);
  }
  close(pfd[0]);
  strcpy(priv, "changed");
  strcpy(shr, "after");
  CHECK("pipe_write", write(pfd[1], "x", 1) == 1);
  close(pfd[1]);
  CHECK("fork_wait2", waitpid(pid, &ws, 0) == pid);
  CHECK("fork_cow_parent_write_private", WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
  munmap(priv, pg);
  munmap(shr, pg);

  // mremap: grow (may move), contents kept; shrink in place.
  char* m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(m, 0x5a, 2 * pg);
  char* m2 = mremap(m, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
  CHECK("mremap_grow", m2 != MAP_FAILED);
  CHECK("mremap_grow_keeps_data", (unsigned char)m2[0] == 0x5a && (unsigned char)m2[2 * pg - 1] == 0x5a);
  CHECK("mremap_grow_new_zero", all_zero(m2 + 2 * pg, 6 * pg));
  char* m3 = mremap(m2, 8 * pg, pg, 0);
  CHECK("mremap_shrink_in_place", m3 == m2 && (unsigned char)m3[0] == 0x5a);
  CHECK("mremap_shrink_tail_unmapped", touch(m3 + pg, 0) && fault_code == SEGV_MAPERR);
  CHECK_ERR("mremap_bad_flags_einval", mremap(m3, pg, 2 * pg, 0x100), EINVAL);
  CHECK_ERR("mremap_unaligned_einval", mremap(m3 + 1, pg, 2 * pg, MREMAP_MAYMOVE), EINVAL);
  // MREMAP_FIXED to a chosen place.
  char* dst = mmap(NULL, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char* m4 = mremap(m3, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst + pg);
  CHECK("mremap_fixed", m4 == dst + pg && (unsigned char)m4[7] == 0x5a);
  CHECK("mremap_fixed_old_gone", touch(m3, 0) && fault_code == SEGV_MAPERR);
  munmap(dst, 2 * pg);

  // madvise(MADV_DONTNEED) zeroes private anonymous pages.
  char* d = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(d, 7, 2 * pg);
  CHECK("madvise_dontneed", madvise(d, pg, MADV_DONTNEED) == 0);
  CHECK("madvise_dontneed_zeroes", all_zero(d, pg) && d[pg] == 7);
  CHECK_ERR("madvise_bad_advice_einval", madvise(d, pg, 12345), EINVAL);

  // mincore: touched page resident; unmapped range ENOMEM.
  unsigned char vec[2] = {0, 0};
  CHECK("mincore", mincore(d, 2 * pg, vec) == 0);
  CHECK("mincore_touched_resident", (vec[1] & 1) == 1);
  CHECK_ERR("mincore_unaligned_einval", mincore(d + 1, pg, vec), EINVAL);
  munmap(d, 2 * pg);
  CHECK_ERR("mincore_unmapped_enomem", mincore(d, pg, vec), ENOMEM);

  // brk: grow, use, shrink.
  char* b0 = sbrk(0);
  CHECK("sbrk0", b0 != (void*)-1);
  CHECK("brk_grow", brk(b0 + 16 * pg) == 0 && (char*)sbrk(0) == b0 + 16 * pg);
  memset(b0, 3, 16 * pg);
  CHECK("brk_memory_usable", b0[16 * pg - 1] == 3);
  CHECK("brk_shrink", brk(b0 + pg) == 0 && (char*)sbrk(0) == b0 + pg);
  CHECK("brk_shrunk_unmapped", touch(b0 + 8 * pg, 0) && fault_code == SEGV_MAPERR);
  CHECK("brk_regrow_zeroed", brk(b0 + 4 * pg) == 0 && all_zero(b0 + 2 * pg, 2 * pg));
  // raw brk below the start fails (returns the current break).
  long cur = syscall(SYS_brk, 0);
  CHECK("brk_raw_query", cur == (long)(b0 + 4 * pg));
  CHECK("brk_raw_too_low_unchanged", syscall(SYS_brk, 4096L) == cur);

  return check_exit();
}
