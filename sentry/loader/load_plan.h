// The mapping operations execve performs for an ELF executable (and its
// interpreter), as data: the MemoryManager executes them later, in order.
//
// Contract (mirrors Linux's elf_load()/elf_map() per PT_LOAD):
//  - For each PT_LOAD with p_filesz > 0: kMapFile of
//    [PageDown(vaddr+bias), PageUp(vaddr+bias+filesz)) from file offset
//    PageDown(p_offset), private (copy-on-write), with the segment's prot.
//    Bytes of the last page past end of file read as zero (mmap semantics).
//  - If p_memsz > p_filesz: kZeroFill of [vaddr+bias+filesz, PageUp(that))
//    (the rest of the last file page; the MM writes zeros whatever the prot,
//    through the Sentry's view of the page), then kMapAnon of the whole
//    pages [PageUp(vaddr+bias+filesz), PageUp(vaddr+bias+memsz)),
//    PROT_READ|PROT_WRITE plus PROT_EXEC if the segment has it, whatever the
//    segment's other flags (Linux's vm_brk_flags(); checked against the
//    kernel). A PT_LOAD with p_filesz == 0 is only that kMapAnon, starting
//    at PageDown(vaddr+bias).
//  - Ops are MAP_FIXED: a later op replaces whatever an earlier one mapped
//    in the same pages (adjacent segments may share a page, as on Linux).
//  - Each op names its image (executable or interpreter) for kMapFile.
//  - Everything lies below task_size; executable and interpreter spans do
//    not overlap (else ENOMEM). Zero-length ops are never emitted.
#ifndef SENTRY_LOADER_LOAD_PLAN_H_
#define SENTRY_LOADER_LOAD_PLAN_H_

#include <cstdint>
#include <vector>

#include "sentry/errno.h"
#include "sentry/loader/elf.h"

namespace sentry::loader {

enum class Image { kExecutable, kInterpreter };

struct MapOp {
  enum class Kind { kMapFile, kZeroFill, kMapAnon };
  Kind kind = Kind::kMapFile;
  Image image = Image::kExecutable;
  uint64_t addr = 0;         // page aligned except for kZeroFill
  uint64_t len = 0;          // page multiple except for kZeroFill
  uint64_t file_offset = 0;  // kMapFile only; page aligned
  int prot = 0;              // PROT_*; kMapFile/kMapAnon
  bool operator==(const MapOp&) const = default;
};

struct LoadPlan {
  std::vector<MapOp> ops;
  uint64_t exec_bias = 0;
  uint64_t interp_bias = 0;  // 0 without interpreter
  // Where the first instruction is: the interpreter's entry if any, else the
  // executable's (both biased).
  uint64_t start_pc = 0;
  // Auxv facts.
  uint64_t at_entry = 0;  // executable's biased e_entry
  uint64_t at_phdr = 0;   // executable's biased phdr_vaddr
  uint64_t at_phent = sizeof(Elf64_Phdr);
  uint64_t at_phnum = 0;
  uint64_t at_base = 0;  // interpreter bias (0 without interpreter)
  // Initial program break: PageUp(end of the executable's highest PT_LOAD).
  uint64_t brk = 0;
  // From the executable's PT_GNU_STACK.
  bool executable_stack = false;
  // Biased page-aligned spans, for the MM's bookkeeping and overlap checks.
  uint64_t exec_start = 0, exec_end = 0;
  uint64_t interp_start = 0, interp_end = 0;
};

// `interp` is null when the executable has no PT_INTERP (the caller loads the
// PT_INTERP file and parses it with ElfRole::kInterpreter). Biases usually
// come from ChooseLoadBias. ENOMEM if a biased segment wraps, reaches
// task_size, or the two images overlap.
ErrnoOr<LoadPlan> MakeLoadPlan(const ElfInfo& exec, uint64_t exec_bias,
                               const ElfInfo* interp, uint64_t interp_bias,
                               uint64_t task_size = kDefaultTaskSize);

}  // namespace sentry::loader

#endif  // SENTRY_LOADER_LOAD_PLAN_H_
