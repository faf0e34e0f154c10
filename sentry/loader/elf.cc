#include "sentry/loader/elf.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace sentry::loader {
namespace {

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

int ProtFromFlags(uint32_t f) {
  int prot = 0;
  if (f & PF_R) prot |= PROT_READ;
  if (f & PF_W) prot |= PROT_WRITE;
  if (f & PF_X) prot |= PROT_EXEC;
  return prot;
}

// splitmix64: a tiny deterministic generator for seeded bias randomization.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The header fields binfmt_elf checks (plus class and data encoding).
bool HeaderOk(const Elf64_Ehdr& eh) {
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return false;
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return false;
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return false;
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) return false;
  if (eh.e_machine != EM_X86_64) return false;
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) return false;
  if (eh.e_phnum == 0) return false;
  if (uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) > kPageSize) return false;
  return true;
}

}  // namespace

ErrnoOr<ElfInfo> ParseElf(ImageReader& image, ElfRole role,
                          uint64_t task_size) {
  const Errno bad(role == ElfRole::kInterpreter ? ELIBBAD : ENOEXEC);
  // Read errors other than truncation pass through; truncation is `bad`.
  auto read = [&](uint64_t off, void* buf, size_t len) -> ErrnoResult {
    ErrnoResult r = ReadFull(image, off, buf, len);
    if (!r.ok() && r.error().value() == ENOEXEC) return bad;
    return r;
  };
  const uint64_t file_size = image.Size();

  Elf64_Ehdr eh;
  if (ErrnoResult r = read(0, &eh, sizeof(eh)); !r.ok()) return r.error();
  if (!HeaderOk(eh)) return bad;

  ElfInfo info;
  info.type = eh.e_type;
  info.entry = eh.e_entry;
  info.phoff = eh.e_phoff;
  const uint64_t ph_bytes = uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
  if (eh.e_phoff > file_size || file_size - eh.e_phoff < ph_bytes) return bad;
  info.phdrs.resize(eh.e_phnum);
  if (ErrnoResult r = read(eh.e_phoff, info.phdrs.data(), ph_bytes); !r.ok()) {
    return r.error();
  }

  bool have_interp = false;
  uint64_t prev_end = 0;
  for (const Elf64_Phdr& ph : info.phdrs) {
    switch (ph.p_type) {
      case PT_LOAD: {
        if (ph.p_filesz > ph.p_memsz) return bad;
        if ((ph.p_vaddr - ph.p_offset) % kPageSize != 0) return bad;
        if (ph.p_offset > file_size || file_size - ph.p_offset < ph.p_filesz) {
          return bad;
        }
        // The page-aligned range must neither wrap nor reach task_size.
        if (ph.p_vaddr >= task_size || ph.p_memsz > task_size - ph.p_vaddr ||
            PageUp(ph.p_vaddr + ph.p_memsz) > task_size) {
          return bad;
        }
        if (!info.segments.empty() && ph.p_vaddr < prev_end) return bad;
        prev_end = ph.p_vaddr + ph.p_memsz;
        ElfSegment s;
        s.vaddr = ph.p_vaddr;
        s.memsz = ph.p_memsz;
        s.offset = ph.p_offset;
        s.filesz = ph.p_filesz;
        s.align = ph.p_align;
        s.prot = ProtFromFlags(ph.p_flags);
        info.segments.push_back(s);
        if (IsPowerOfTwo(ph.p_align)) {
          info.max_align = std::max(info.max_align, uint64_t{ph.p_align});
        }
        break;
      }
      case PT_INTERP: {
        if (role == ElfRole::kInterpreter || have_interp) break;
        have_interp = true;
        if (ph.p_filesz < 2 || ph.p_filesz > kMaxInterpSize) return bad;
        if (ph.p_offset > file_size || file_size - ph.p_offset < ph.p_filesz) {
          return bad;
        }
        std::string path(ph.p_filesz, '\0');
        if (ErrnoResult r = read(ph.p_offset, path.data(), ph.p_filesz);
            !r.ok()) {
          return r.error();
        }
        if (path.back() != '\0') return bad;
        path.resize(std::strlen(path.c_str()));
        info.interp = std::move(path);
        break;
      }
      case PT_GNU_STACK:
        info.stack_exec =
            (ph.p_flags & PF_X) ? StackExec::kExec : StackExec::kNoExec;
        break;
      case PT_PHDR:
        if (!info.pt_phdr_vaddr) info.pt_phdr_vaddr = ph.p_vaddr;
        break;
      default:
        break;
    }
  }
  if (info.segments.empty()) return bad;

  info.min_vaddr = PageDown(info.segments.front().vaddr);
  info.max_vaddr = PageUp(prev_end);

  info.phdr_vaddr = info.pt_phdr_vaddr.value_or(0);
  for (const ElfSegment& s : info.segments) {
    if (s.offset <= eh.e_phoff && eh.e_phoff < s.offset + s.filesz) {
      info.phdr_vaddr = eh.e_phoff - s.offset + s.vaddr;
      break;
    }
  }
  return info;
}

ErrnoOr<uint64_t> ChooseLoadBias(const ElfInfo& info, ElfRole role,
                                 const BiasPolicy& policy) {
  if (info.type == ET_EXEC) return uint64_t{0};
  const uint64_t align = info.max_align;
  // Linux's arch_mmap_rnd(): up to 2^28 pages.
  uint64_t rnd = 0;
  if (policy.seed) rnd = (Mix(*policy.seed) & ((1ULL << 28) - 1)) * kPageSize;

  uint64_t base;
  if (role == ElfRole::kExecutable && info.interp) {
    base = policy.dyn_base + rnd;
    if (base < policy.dyn_base) return Errno(ENOMEM);
  } else {
    // Top-down below the mmap area's top, like the first mmap after exec.
    if (policy.mmap_top < rnd || policy.mmap_top - rnd < info.span()) {
      return Errno(ENOMEM);
    }
    base = policy.mmap_top - rnd - info.span();
  }
  base &= ~(align - 1);
  if (base == 0) return Errno(ENOMEM);
  // bias = base - min_vaddr, modulo 2^64 (min_vaddr may exceed base).
  return base - info.min_vaddr;
}

}  // namespace sentry::loader
