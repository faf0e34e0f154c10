#include "sentry/kernel/load_elf.h"

#include <sys/mman.h>
#include <sys/random.h>

#include <cstring>
#include <tuple>

#include "sentry/loader/elf.h"
#include "sentry/loader/load_plan.h"
#include "sentry/loader/stack.h"

namespace sentry::kernel {
namespace {

// Records why and returns the errno.
Errno Fail(std::string* message, Errno e, const std::string& why) {
  if (message != nullptr) *message = why + ": " + std::strerror(e.value());
  return e;
}

ErrnoResult Map(mm::MemoryManager& mm, uint64_t addr, uint64_t len, int prot, int extra_flags,
                std::shared_ptr<mm::MappableFile> file = nullptr, uint64_t offset = 0,
                const char* name = "") {
  mm::MmapRequest req;
  req.name = name;
  req.addr = addr;
  req.length = len;
  req.prot = prot;
  req.flags = MAP_PRIVATE | MAP_FIXED | extra_flags | (file == nullptr ? MAP_ANONYMOUS : 0);
  if (file != nullptr) req.name = file->Name();
  req.file = std::move(file);
  req.offset = offset;
  auto r = mm.Mmap(req);
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace

ErrnoResult ReaderMappable::ReadPage(uint64_t offset, uint8_t* dst) {
  size_t done = 0;
  while (done < mm::kPageSize) {
    auto n = reader_->ReadAt(offset + done, dst + done, mm::kPageSize - done);
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    done += *n;
  }
  if (done == 0) return Errno(EFAULT);
  std::memset(dst + done, 0, mm::kPageSize - done);
  return {};
}

ErrnoOr<ExecImage> LoadElf(const ElfLoadRequest& req, mm::MemoryManager& mm,
                           std::string* message) {
  const uint64_t task_size = mm.options().max_address;
  auto exe = loader::ParseElf(*req.exe.reader, loader::ElfRole::kExecutable, task_size);
  if (!exe.ok()) {
    return Fail(message, exe.error(),
                exe.error().value() == ENOEXEC ? "not an ELF executable" : "cannot read ELF");
  }
  ElfSource interp_src;
  std::optional<loader::ElfInfo> interp;
  if (exe->interp) {
    if (!req.open_interp) return Fail(message, Errno(ENOENT), "PT_INTERP " + *exe->interp);
    auto src = req.open_interp(*exe->interp);
    if (!src.ok()) return Fail(message, src.error(), "interpreter " + *exe->interp);
    interp_src = std::move(*src);
    auto info = loader::ParseElf(*interp_src.reader, loader::ElfRole::kInterpreter, task_size);
    if (!info.ok()) return Fail(message, info.error(), "interpreter " + *exe->interp);
    interp = std::move(*info);
  }

  loader::BiasPolicy policy;
  policy.mmap_top = mm.options().mmap_base;
  auto bias = loader::ChooseLoadBias(*exe, loader::ElfRole::kExecutable, policy);
  if (!bias.ok()) return Fail(message, bias.error(), "no room for the image");
  uint64_t interp_bias = 0;
  if (interp) {
    auto ib = loader::ChooseLoadBias(*interp, loader::ElfRole::kInterpreter, policy);
    if (!ib.ok()) return Fail(message, ib.error(), "no room for the interpreter");
    interp_bias = *ib;
  }
  auto plan = loader::MakeLoadPlan(*exe, *bias, interp ? &*interp : nullptr, interp_bias,
                                   task_size);
  if (!plan.ok()) return Fail(message, plan.error(), "bad load plan");

  loader::StackParams sp;
  sp.stack_top = loader::PageDown(mm.options().max_address) & ~uint64_t{15};
  sp.argv = req.argv;
  sp.envp = req.envp;
  sp.execfn = req.execfn;
  sp.rlimit_stack = req.rlimit_stack;
  if (getrandom(sp.random.data(), sp.random.size(), 0) != static_cast<ssize_t>(sp.random.size())) {
    return Fail(message, Errno(EIO), "getrandom");
  }
  sp.auxv = loader::HostAuxvDefaults();
  sp.auxv.phdr = plan->at_phdr;
  sp.auxv.phent = plan->at_phent;
  sp.auxv.phnum = plan->at_phnum;
  sp.auxv.base = plan->at_base;
  sp.auxv.entry = plan->at_entry;
  sp.auxv.uid = req.creds.uid;
  sp.auxv.euid = req.creds.euid;
  sp.auxv.gid = req.creds.gid;
  sp.auxv.egid = req.creds.egid;
  sp.auxv.secure = (req.creds.uid != req.creds.euid || req.creds.gid != req.creds.egid) ? 1 : 0;
  auto stack = loader::BuildInitialStack(sp);
  if (!stack.ok()) return Fail(message, stack.error(), "initial stack");

  // --- execute the plan ---
  std::shared_ptr<mm::MappableFile> files[2] = {
      req.exe.mappable != nullptr
          ? req.exe.mappable
          : std::make_shared<ReaderMappable>(req.exe.reader, req.execfn),
      nullptr};
  if (interp) {
    files[1] = interp_src.mappable != nullptr
                   ? interp_src.mappable
                   : std::make_shared<ReaderMappable>(interp_src.reader, *exe->interp);
  }
  // File segments are mapped writable while kZeroFill clears their last
  // page; final protections are applied afterwards, in op order (a later
  // op wins a shared page, as its mapping replaced the earlier one).
  std::vector<std::tuple<uint64_t, uint64_t, int>> prots;
  for (const loader::MapOp& op : plan->ops) {
    switch (op.kind) {
      case loader::MapOp::Kind::kMapFile: {
        const auto& file = files[op.image == loader::Image::kExecutable ? 0 : 1];
        ErrnoResult r = Map(mm, op.addr, op.len, PROT_READ | PROT_WRITE, 0, file, op.file_offset);
        if (!r.ok()) return Fail(message, r.error(), "map segment");
        prots.emplace_back(op.addr, op.len, op.prot);
        break;
      }
      case loader::MapOp::Kind::kZeroFill: {
        std::vector<uint8_t> zeros(op.len, 0);
        ErrnoResult c = mm.CopyOut(op.addr, zeros.data(), zeros.size());
        // A segment file page that cannot be read is the image's fault.
        if (!c.ok()) return Fail(message, Errno(EIO), "zero-fill");
        break;
      }
      case loader::MapOp::Kind::kMapAnon: {
        ErrnoResult r = Map(mm, op.addr, op.len, op.prot, 0);
        if (!r.ok()) return Fail(message, r.error(), "map bss");
        prots.emplace_back(op.addr, op.len, op.prot);
        break;
      }
    }
  }
  for (const auto& [addr, len, prot] : prots) {
    ErrnoResult r = mm.Mprotect(addr, len, prot);
    if (!r.ok()) return Fail(message, r.error(), "protect segment");
  }
  mm.SetBrkBase(plan->brk);

  const uint64_t stack_len = loader::PageUp(stack->bytes.size()) + (128 << 10);
  const int stack_prot = PROT_READ | PROT_WRITE | (plan->executable_stack ? PROT_EXEC : 0);
  ErrnoResult r = Map(mm, stack->stack_top - stack_len, stack_len, stack_prot, MAP_GROWSDOWN,
                      nullptr, 0, "[stack]");
  if (!r.ok()) return Fail(message, r.error(), "map stack");
  ErrnoResult c = mm.CopyOut(stack->sp, stack->bytes.data(), stack->bytes.size());
  if (!c.ok()) return Fail(message, c.error(), "fill stack");
  mm.SetImageInfo({req.exe_path.empty() ? req.execfn : req.exe_path, stack->arg_start,
                   stack->arg_end, stack->env_start, stack->env_end});
  return ExecImage{plan->start_pc, stack->sp};
}

}  // namespace sentry::kernel
