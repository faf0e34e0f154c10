// memory_manager.h: one app address space: VMAs, lazily populated pages in
// the MemoryFile, the platform AddressSpace mirroring them, copy-in/out.
//
// Model. Every populated page of the address space is a page of the sandbox
// MemoryFile, recorded in a page table (app page -> file offset). Pages are
// populated on first touch: an app fault (HandleFault) or a copy. Private
// pages are copy-on-write: after Fork both managers hold the same file page
// (reference count 2) mapped without PROT_WRITE; the first write copies it
// (or, if the other side already let go, takes it over). Shared anonymous
// memory is allocated at mmap time, never copied, and shared by Fork.
//
// Every method is thread-safe. Syscall-style methods return what Linux
// returns (errno values of the man pages); host failures of the platform
// AddressSpace are logged (with ptrace they only happen when the stub died,
// and the next Switch reports that).
//
// Lock order: MemoryManager::mu_ -> MemoryFile::mu_ (and -> the platform's
// AddressSpace locks). MappableFile methods run under mu_.
#ifndef SENTRY_MM_MEMORY_MANAGER_H_
#define SENTRY_MM_MEMORY_MANAGER_H_

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "platform/platform.h"
#include "sentry/errno.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/vma.h"

namespace sentry::mm {

// Linux x86-64's TASK_SIZE: app pointers at or above it are always EFAULT.
inline constexpr uint64_t kTaskSize = 0x800000000000;
// TASK_SIZE_MAX, the bound of Linux's access_ok().
inline constexpr uint64_t kTaskSizeMax = kTaskSize - 4096;

// access_ok(): [addr, addr+len) lies below TASK_SIZE_MAX. Syscalls that
// take a buffer check it before anything else, as Linux does.
constexpr bool AccessOk(uint64_t addr, uint64_t len) {
  return len == 0 || (addr < kTaskSizeMax && len <= kTaskSizeMax - addr);
}

struct MemoryManagerOptions {
  // Mappings lie in [min_address, max_address). max_address is the
  // platform's MaxUserAddress(). min_address is Linux's mmap_min_addr
  // (MAP_FIXED below it is EPERM).
  uint64_t min_address = 0x10000;
  uint64_t max_address = 0x7fc000000000;
  // Non-fixed mappings go top-down below mmap_base (0 = max_address minus a
  // 1 GiB stack gap). The loader puts the stack above it.
  uint64_t mmap_base = 0;
  // RLIMIT_STACK's soft limit: a MAP_GROWSDOWN Vma never grows beyond it
  // (the fault is SIGSEGV). ~0: unlimited.
  uint64_t stack_limit = 8 << 20;
};

// One element of an app iovec array.
struct IoVec {
  uint64_t base = 0;
  uint64_t len = 0;
};

// Arguments of Mmap, as mmap(2) takes them; file mappings pass the file and
// the prot bound its open mode allows.
struct MmapRequest {
  uint64_t addr = 0;
  uint64_t length = 0;
  int prot = PROT_NONE;
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
  std::shared_ptr<MappableFile> file;  // null: anonymous (flags must say so)
  uint64_t offset = 0;
  int max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
  std::string name;
};

// What /proc/<pid>/{exe,cmdline,environ} show of the loaded image (Linux
// keeps it in mm_struct): the loader records it; Fork copies it.
struct ImageInfo {
  std::string exe;  // the executable's path as execve resolved it
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
};

class MemoryManager {
 public:
  // `file` must outlive this manager. `as` mirrors this address space.
  MemoryManager(MemoryFile& file, std::unique_ptr<platform::AddressSpace> as,
                MemoryManagerOptions options = {});
  // Drops every page reference (the AddressSpace goes with it) and syncs
  // shared file mappings back to their files.
  ~MemoryManager();
  MemoryManager(const MemoryManager&) = delete;
  MemoryManager& operator=(const MemoryManager&) = delete;

  platform::AddressSpace& address_space() { return *as_; }
  MemoryFile& memory_file() { return file_; }
  // The options, with the current stack limit.
  MemoryManagerOptions options() const {
    MemoryManagerOptions o = options_;
    o.stack_limit = stack_limit_.load(std::memory_order_relaxed);
    return o;
  }
  // setrlimit(RLIMIT_STACK): applies to later stack growth.
  void SetStackLimit(uint64_t limit) { stack_limit_.store(limit, std::memory_order_relaxed); }

  // fork(): a new manager over `child_as` with the same VMAs. Private pages
  // become copy-on-write on both sides; shared pages stay shared.
  std::unique_ptr<MemoryManager> Fork(std::unique_ptr<platform::AddressSpace> child_as);

  // Resolves an app fault at `addr`: populates the page(s) and maps them into
  // the AddressSpace; the app may then be resumed at the faulting insn.
  // Errors tell the task which signal to send: EFAULT = SIGSEGV SEGV_MAPERR
  // (no VMA), EACCES = SIGSEGV SEGV_ACCERR (VMA forbids the access),
  // EIO/ENOMEM = SIGBUS (file page unavailable / memory file full).
  ErrnoResult HandleFault(uint64_t addr, platform::AccessType access);

  // --- syscalls (mmap.cc, advice.cc) ---
  ErrnoOr<uint64_t> Mmap(const MmapRequest& req);
  ErrnoResult Munmap(uint64_t addr, uint64_t len);
  ErrnoResult Mprotect(uint64_t addr, uint64_t len, int prot);
  ErrnoOr<uint64_t> Mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                           int flags, uint64_t new_addr);
  // Where the heap starts (the loader calls this once, after the ELF's bss).
  void SetBrkBase(uint64_t addr);
  // brk(2): moves the break to `addr` if it stays within [base, base+rlimit]
  // and the pages are free; returns the (new or unchanged) break. 0 queries.
  uint64_t Brk(uint64_t addr, uint64_t rlimit_data);
  ErrnoResult Madvise(uint64_t addr, uint64_t len, int advice);
  // mincore(2): writes one byte per page (1 = populated) to app `vec_addr`.
  ErrnoResult Mincore(uint64_t addr, uint64_t len, uint64_t vec_addr);
  ErrnoResult Msync(uint64_t addr, uint64_t len, int flags);

  // --- copy-in/out (copy.cc) ---
  // All-or-nothing: EFAULT if any byte is inaccessible (some bytes may have
  // been copied). Reads need any of PROT_READ/WRITE/EXEC, writes PROT_WRITE;
  // untouched pages are populated as a fault would.
  ErrnoResult CopyIn(uint64_t addr, void* dst, size_t len);
  ErrnoResult CopyOut(uint64_t addr, const void* src, size_t len);
  // read(2)/write(2) style: copies the accessible prefix; returns its length,
  // or EFAULT if len > 0 and not even the first byte is accessible.
  ErrnoOr<size_t> CopyInPartial(uint64_t addr, void* dst, size_t len);
  ErrnoOr<size_t> CopyOutPartial(uint64_t addr, const void* src, size_t len);
  // How many bytes from addr (at most len) the app could access for
  // reading (or writing) without a fault; populates nothing.
  size_t AccessiblePrefix(uint64_t addr, size_t len, bool write);
  // A NUL-terminated string of at most max_len bytes including the NUL
  // (PATH_MAX style): ENAMETOOLONG if there is no NUL in the first max_len
  // bytes, EFAULT if a byte before the NUL is inaccessible.
  ErrnoOr<std::string> CopyInString(uint64_t addr, size_t max_len);
  // An app `struct iovec[count]` (readv/writev): EINVAL if count > 1024 or
  // an iov_len > SSIZE_MAX; EFAULT if the array is inaccessible or a range
  // reaches past the user address space (access_ok). Lengths are
  // clipped so the total stays within MAX_RW_COUNT, as Linux does.
  ErrnoOr<std::vector<IoVec>> CopyInIovecs(uint64_t addr, size_t count);
  // Scatter/gather with CopyInPartial/CopyOutPartial semantics over `iovs`.
  ErrnoOr<size_t> CopyOutToIovecs(const std::vector<IoVec>& iovs, const void* src,
                                  size_t len);
  ErrnoOr<size_t> CopyInFromIovecs(const std::vector<IoVec>& iovs, void* dst, size_t len);

  // ===== futex support (futex_support.cc) =====
  // What identifies the futex word at `addr` for futex(2) without
  // FUTEX_PRIVATE_FLAG (Linux's get_futex_key).
  struct FutexKeyInfo {
    bool shared = false;  // true: `value` is a MemoryFile offset (any mapping
                          // of the page, in any MemoryManager, gives the same);
                          // false: `value` is the app address (this mm only)
    uint64_t value = 0;
  };
  // Private memory: {false, addr}. Shared memory (MAP_SHARED, anonymous or
  // file): populates the page and returns {true, MemoryFile offset of addr}.
  // EINVAL if addr is not 4-aligned; EFAULT if it has no Vma, the Vma
  // forbids reads (PROT_NONE) or the page cannot be populated.
  ErrnoOr<FutexKeyInfo> FutexKey(uint64_t addr);
  // Atomic read-modify-write of the app u32 at 4-aligned `addr`, done on the
  // Sentry's mapping of its MemoryFile page with __atomic builtins under mu_
  // (so atomic against app threads' own atomics on the page): reads old,
  // and if update(old) has a value stores it (compare-and-swap loop).
  // Returns old. Needs PROT_WRITE (breaks copy-on-write like a write
  // fault): EFAULT if unmapped or not writable, EINVAL if misaligned.
  ErrnoOr<uint32_t> AtomicU32(uint64_t addr,
                              absl::FunctionRef<std::optional<uint32_t>(uint32_t)> update);
  // Compare-and-exchange: stores `desired` iff the word equals `expected`;
  // returns the value found (== expected on success). Errors as AtomicU32.
  ErrnoOr<uint32_t> CompareExchangeU32(uint64_t addr, uint32_t expected, uint32_t desired);
  // ===== end futex support =====

  // --- introspection (/proc/pid/maps, tests) ---
  std::vector<Vma> Vmas() const;
  // Number of populated pages (in [start, end) for the second form).
  size_t PopulatedPages() const;
  size_t PopulatedPages(uint64_t start, uint64_t end) const;
  // MemoryFile offset of the page at addr, or -1 if not populated.
  int64_t PageOffset(uint64_t addr) const;
  uint64_t brk() const;
  void SetImageInfo(ImageInfo info);
  ImageInfo image_info() const;

 private:
  struct Page {
    uint64_t offset = 0;  // in the MemoryFile
    bool mapped = false;  // currently mapped in as_
  };
  using PageTable = std::map<uint64_t, Page>;  // page address -> page

  // --- core helpers (memory_manager.cc); all need mu_ held ---
  // Whether `vma` allows `access` (read: any of RWX; write: W; exec: X).
  static bool Allows(const Vma& vma, platform::AccessType access);
  // The prot to map page `pg` of `vma` with (no PROT_WRITE while a private
  // page is shared copy-on-write).
  int EffectiveProt(const Vma& vma, const Page& pg) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the page at page address `addr` of `vma` populated and, if
  // `write`, privately owned. Sets *pg to its entry. `fault_around`: an
  // anonymous fault may populate a few neighbours at once. If `map`, maps
  // what it populated (and any page whose backing changed) into as_.
  ErrnoResult Populate(Vma& vma, uint64_t addr, bool write, bool map, bool fault_around,
                       Page** pg) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Maps populated but unmapped pages of vma near addr (fault-around).
  void MapAround(const Vma& vma, uint64_t addr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finds the Vma for an access at addr, growing a MAP_GROWSDOWN Vma down to
  // it if addr lies just below one. EFAULT if none.
  ErrnoOr<Vma*> VmaForAccess(uint64_t addr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Unmaps [start, end) from as_ and drops the pages there from the table.
  void DropPages(uint64_t start, uint64_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-protects mapped pages of [start, end) in as_ to their effective prot.
  void ReprotectMapped(uint64_t start, uint64_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes VMAs and pages of [start, end).
  void UnmapLocked(uint64_t start, uint64_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Allocates the pages of a new shared anonymous Vma [start, end).
  ErrnoResult AllocateShared(uint64_t start, uint64_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LogIfError(const absl::Status& s, const char* what) const;
  // The parts of shared file Vmas inside [start, end), for MappableFile::Sync
  // once mu_ is released.
  struct FileRange {
    std::shared_ptr<MappableFile> file;
    uint64_t offset = 0, len = 0;
  };
  std::vector<FileRange> SharedFileRangesLocked(uint64_t start, uint64_t end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Syncs each range; the first error.
  static ErrnoResult SyncRanges(const std::vector<FileRange>& ranges);

  // madvise DONTFORK/DOFORK/WIPEONFORK/KEEPONFORK over [start, end).
  ErrnoResult SetForkAdvice(uint64_t start, uint64_t end, int advice)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // --- copy helpers (copy.cc) ---
  // Copies up to len bytes between app memory at addr and buf; returns the
  // number of bytes done before the first inaccessible byte.
  size_t CopyLocked(uint64_t addr, uint8_t* buf, size_t len, bool out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // --- mmap helpers (mmap.cc) ---
  ErrnoOr<uint64_t> FindPlacement(uint64_t hint, uint64_t len, bool map32)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves Vmas and pages of [old, old+len) to new_addr (which is free).
  void MoveLocked(uint64_t old_addr, uint64_t len, uint64_t new_addr, bool keep_old)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  MemoryFile& file_;
  std::unique_ptr<platform::AddressSpace> as_;  // reset first in the destructor
  const MemoryManagerOptions options_;
  std::atomic<uint64_t> stack_limit_;

  mutable absl::Mutex mu_;
  VmaSet vmas_ ABSL_GUARDED_BY(mu_);
  PageTable pages_ ABSL_GUARDED_BY(mu_);
  uint64_t brk_base_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t brk_ ABSL_GUARDED_BY(mu_) = 0;
  ImageInfo image_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sentry::mm

#endif  // SENTRY_MM_MEMORY_MANAGER_H_
