#include "sentry/loader/load_plan.h"

#include <sys/mman.h>

#include <algorithm>

namespace sentry::loader {
namespace {

// Appends the ops for one image; ENOMEM if it does not fit below task_size.
ErrnoResult AddImage(const ElfInfo& info, uint64_t bias, Image image,
                     uint64_t task_size, std::vector<MapOp>& ops,
                     uint64_t& start, uint64_t& end) {
  // Biased span; the unbiased span is validated by ParseElf, so only the
  // bias can make it wrap.
  start = info.min_vaddr + bias;
  end = info.max_vaddr + bias;
  if (start < bias || end < start || end > task_size || start == end) {
    return Errno(ENOMEM);
  }
  for (const ElfSegment& s : info.segments) {
    const uint64_t va = s.vaddr + bias;
    const uint64_t file_end = va + s.filesz;
    const uint64_t mem_end = va + s.memsz;
    if (s.memsz == 0) continue;
    if (s.filesz > 0) {
      MapOp op;
      op.kind = MapOp::Kind::kMapFile;
      op.image = image;
      op.addr = PageDown(va);
      op.len = PageUp(file_end) - op.addr;
      op.file_offset = PageDown(s.offset);
      op.prot = s.prot;
      ops.push_back(op);
      if (s.memsz > s.filesz && PageUp(file_end) != file_end) {
        MapOp z;
        z.kind = MapOp::Kind::kZeroFill;
        z.image = image;
        z.addr = file_end;
        z.len = PageUp(file_end) - file_end;
        ops.push_back(z);
      }
    }
    const uint64_t anon_start = s.filesz > 0 ? PageUp(file_end) : PageDown(va);
    const uint64_t anon_end = PageUp(mem_end);
    if (anon_end > anon_start) {
      MapOp a;
      a.kind = MapOp::Kind::kMapAnon;
      a.image = image;
      a.addr = anon_start;
      a.len = anon_end - anon_start;
      // Linux maps these with vm_brk_flags(): read-write whatever p_flags
      // say, plus exec if the segment is executable.
      a.prot = PROT_READ | PROT_WRITE | (s.prot & PROT_EXEC);
      ops.push_back(a);
    }
  }
  return {};
}

}  // namespace

ErrnoOr<LoadPlan> MakeLoadPlan(const ElfInfo& exec, uint64_t exec_bias,
                               const ElfInfo* interp, uint64_t interp_bias,
                               uint64_t task_size) {
  LoadPlan plan;
  plan.exec_bias = exec_bias;
  if (ErrnoResult r = AddImage(exec, exec_bias, Image::kExecutable, task_size,
                               plan.ops, plan.exec_start, plan.exec_end);
      !r.ok()) {
    return r.error();
  }
  uint64_t highest = 0;
  for (const ElfSegment& s : exec.segments) {
    highest = std::max(highest, s.vaddr + s.memsz);
  }
  plan.brk = PageUp(highest + exec_bias);
  plan.at_entry = exec.entry + exec_bias;
  plan.at_phdr = exec.phdr_vaddr + exec_bias;
  plan.at_phnum = exec.phdrs.size();
  plan.executable_stack = exec.executable_stack();
  plan.start_pc = plan.at_entry;
  if (interp != nullptr) {
    plan.interp_bias = interp_bias;
    if (ErrnoResult r =
            AddImage(*interp, interp_bias, Image::kInterpreter, task_size,
                     plan.ops, plan.interp_start, plan.interp_end);
        !r.ok()) {
      return r.error();
    }
    if (plan.interp_start < plan.exec_end &&
        plan.exec_start < plan.interp_end) {
      return Errno(ENOMEM);
    }
    plan.at_base = interp_bias;
    plan.start_pc = interp->entry + interp_bias;
  }
  return plan;
}

}  // namespace sentry::loader
