// ELF64 x86-64 executable parsing for execve: validation and the facts the
// load plan and the initial stack need. Pure: reads the image through an
// ImageReader, maps nothing.
//
// Contract:
//  - ParseElf accepts only what Linux's binfmt_elf would load on x86-64, and
//    rejects up front (before the point of no return of execve) what Linux
//    would fail on later, when the old image is already gone:
//      * magic, ELFCLASS64, ELFDATA2LSB, EM_X86_64, e_type ET_EXEC or ET_DYN;
//      * e_phentsize == sizeof(Elf64_Phdr), 1 <= e_phnum, phnum * phentsize
//        <= one page (Linux's limit), the table inside the file;
//      * PT_LOAD: p_filesz <= p_memsz, p_vaddr == p_offset (mod page size),
//        file range inside the file, [p_vaddr, p_vaddr + p_memsz) neither
//        wrapping nor reaching `task_size`, segments sorted by p_vaddr and
//        not overlapping (they may share a page; the later one wins, as on
//        Linux), at least one PT_LOAD;
//      * PT_INTERP (executables only; the first one counts, as on Linux):
//        2 <= p_filesz <= PATH_MAX, inside the file, last byte NUL; the path
//        is the bytes before the first NUL (what open() would see);
//    Any violation is ENOEXEC for an executable. For an interpreter
//    (ElfRole::kInterpreter) every violation is ELIBBAD, as Linux reports a
//    bad interpreter; an interpreter's own PT_INTERP is ignored (as Linux).
//  - Read errors of the ImageReader pass through unchanged (EIO, ...), except
//    short reads, which are truncation: ENOEXEC / ELIBBAD.
//  - EACCES (noexec mount, no x bit) and ETXTBSY are the caller's business.
//  - All addresses in ElfInfo are unbiased (link-time) virtual addresses.
#ifndef SENTRY_LOADER_ELF_H_
#define SENTRY_LOADER_ELF_H_

#include <elf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sentry/errno.h"
#include "sentry/loader/image_reader.h"

namespace sentry::loader {

inline constexpr uint64_t kPageSize = 4096;
// Linux x86-64 TASK_SIZE_MAX with 4-level paging: the end of user space.
inline constexpr uint64_t kDefaultTaskSize = 0x7ffffffff000ULL;
// Longest PT_INTERP path Linux accepts (p_filesz, NUL included).
inline constexpr uint64_t kMaxInterpSize = 4096;  // PATH_MAX

inline constexpr uint64_t PageDown(uint64_t a) { return a & ~(kPageSize - 1); }
// Precondition: a + kPageSize - 1 does not wrap.
inline constexpr uint64_t PageUp(uint64_t a) {
  return (a + kPageSize - 1) & ~(kPageSize - 1);
}

enum class ElfRole { kExecutable, kInterpreter };

// Whether PT_GNU_STACK asked for an executable stack. kDefault means no
// PT_GNU_STACK; on x86-64 that is a non-executable stack (Linux >= 5.8 no
// longer sets READ_IMPLIES_EXEC for 64-bit binaries).
enum class StackExec { kDefault, kExec, kNoExec };

// One PT_LOAD, unbiased, with mmap protections from p_flags.
struct ElfSegment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  uint64_t align = 0;  // p_align as in the file
  int prot = 0;        // PROT_READ | PROT_WRITE | PROT_EXEC from PF_R/W/X
};

struct ElfInfo {
  uint16_t type = 0;   // ET_EXEC or ET_DYN
  uint64_t entry = 0;  // e_entry, unbiased
  uint64_t phoff = 0;  // e_phoff
  std::vector<Elf64_Phdr> phdrs;     // the whole program header table
  std::vector<ElfSegment> segments;  // PT_LOADs in file order (= vaddr order)
  // PT_INTERP path without the NUL; empty optional when absent (or role is
  // kInterpreter).
  std::optional<std::string> interp;
  StackExec stack_exec = StackExec::kDefault;
  // Unbiased address of the program headers in memory, for AT_PHDR: like
  // Linux >= 5.18, e_phoff translated through the PT_LOAD whose file range
  // holds it; failing that PT_PHDR's p_vaddr; failing that 0.
  uint64_t phdr_vaddr = 0;
  std::optional<uint64_t> pt_phdr_vaddr;  // PT_PHDR p_vaddr if present

  // Page-aligned unbiased span of all PT_LOADs: [min_vaddr, max_vaddr).
  uint64_t min_vaddr = 0;
  uint64_t max_vaddr = 0;
  // Largest power-of-two p_align among PT_LOADs, at least kPageSize (Linux's
  // maximum_alignment()).
  uint64_t max_align = kPageSize;

  bool executable_stack() const { return stack_exec == StackExec::kExec; }
  uint64_t span() const { return max_vaddr - min_vaddr; }
};

// Parses and validates the image. `task_size` is the end of the user address
// space (exclusive); PT_LOADs must lie below it unbiased.
ErrnoOr<ElfInfo> ParseElf(ImageReader& image, ElfRole role,
                          uint64_t task_size = kDefaultTaskSize);

// Where ET_DYN images go, like Linux without ASLR by default.
struct BiasPolicy {
  // ET_DYN with PT_INTERP (PIE executables): ELF_ET_DYN_BASE, page aligned
  // (0x555555554aaa & ~0xfff on x86-64 with 47-bit user space).
  uint64_t dyn_base = 0x555555554000ULL;
  // Top of the mmap area: interpreters and ET_DYN without PT_INTERP
  // (static-pie, ld.so run directly) go just below it, top-down, as Linux's
  // first mmap after exec would place them (TASK_SIZE - 128 MiB gap).
  uint64_t mmap_top = 0x7ffff7fff000ULL;
  // When set, randomize like Linux's arch_mmap_rnd (28 bits of pages) from
  // this seed: deterministic for a given seed.
  std::optional<uint64_t> seed;
};

// The load bias for `info` in `role` under `policy`: 0 for ET_EXEC;
// otherwise such that the lowest PT_LOAD page lands at a max_align-aligned
// address as described in BiasPolicy. ENOMEM if it cannot fit.
ErrnoOr<uint64_t> ChooseLoadBias(const ElfInfo& info, ElfRole role,
                                 const BiasPolicy& policy);

}  // namespace sentry::loader

#endif  // SENTRY_LOADER_ELF_H_
