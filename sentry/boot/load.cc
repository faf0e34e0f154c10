#include "sentry/boot/load.h"

#include <limits.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <cstring>
#include <tuple>

#include "sentry/loader/elf.h"
#include "sentry/loader/image_reader.h"
#include "sentry/loader/load_plan.h"
#include "sentry/loader/stack.h"

namespace sentry::boot {
namespace {

bool Fail(ExecError* err, int status, std::string msg, int error = ENOEXEC) {
  err->exit_status = status;
  err->error = error;
  err->message = std::move(msg);
  return false;
}

std::string ErrnoText(Errno e) { return std::strerror(e.value()); }

// Anonymous private MAP_FIXED mapping.
ErrnoResult MapAnon(mm::MemoryManager& mm, uint64_t addr, uint64_t len, int prot,
                    int extra_flags = 0, const char* name = "") {
  mm::MmapRequest req;
  req.name = name;
  req.addr = addr;
  req.length = len;
  req.prot = prot;
  req.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra_flags;
  auto r = mm.Mmap(req);
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace

bool LoadExecutable(const ExecRequest& req, mm::MemoryManager& mm, ExecResult* out,
                    ExecError* err) {
  loader::HostFdImageReader reader(req.fd);
  const uint64_t task_size = req.max_address;
  auto exe = loader::ParseElf(reader, loader::ElfRole::kExecutable, task_size);
  if (!exe.ok()) {
    if (exe.error().value() == ENOEXEC) return Fail(err, 126, "not an ELF executable");
    return Fail(err, 126, "cannot read ELF: " + ErrnoText(exe.error()));
  }
  if (exe->interp) {
    return Fail(err, 126, "dynamic binaries need the VFS (issue 5): PT_INTERP " + *exe->interp);
  }
  loader::BiasPolicy policy;
  // Static-pie goes top-down below the mmap base, as the first mmap would.
  policy.mmap_top = mm.options().mmap_base != 0
                        ? mm.options().mmap_base
                        : loader::PageDown(req.max_address) - (uint64_t{1} << 30);
  auto bias = loader::ChooseLoadBias(*exe, loader::ElfRole::kExecutable, policy);
  if (!bias.ok()) return Fail(err, 126, "no room for the image: " + ErrnoText(bias.error()));
  auto plan = loader::MakeLoadPlan(*exe, *bias, nullptr, 0, task_size);
  if (!plan.ok()) return Fail(err, 126, "bad load plan: " + ErrnoText(plan.error()));

  loader::StackParams sp;
  sp.stack_top = loader::PageDown(req.max_address) & ~uint64_t{15};
  sp.argv = req.argv;
  sp.envp = req.envp;
  sp.execfn = req.path;
  if (getrandom(sp.random.data(), sp.random.size(), 0) != static_cast<ssize_t>(sp.random.size())) {
    return Fail(err, 126, "getrandom failed");
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
  auto stack = loader::BuildInitialStack(sp);
  if (!stack.ok()) return Fail(err, 126, "initial stack: " + ErrnoText(stack.error()), stack.error().value());

  // --- point of no return: execute the plan ---
  // Segments are mapped writable while we fill them; their final
  // protections are applied afterwards, in op order (a later op wins a
  // shared page, as its mapping replaced the earlier one).
  std::vector<std::tuple<uint64_t, uint64_t, int>> prots;
  const uint64_t file_size = reader.Size();
  std::vector<uint8_t> buf;
  for (const loader::MapOp& op : plan->ops) {
    switch (op.kind) {
      case loader::MapOp::Kind::kMapFile: {
        ErrnoResult r = MapAnon(mm, op.addr, op.len, PROT_READ | PROT_WRITE);
        if (!r.ok()) return Fail(err, 126, "map segment: " + ErrnoText(r.error()), r.error().value());
        uint64_t n = op.file_offset < file_size ? std::min(op.len, file_size - op.file_offset) : 0;
        buf.resize(n);
        if (n > 0) {
          ErrnoResult rr = loader::ReadFull(reader, op.file_offset, buf.data(), n);
          if (!rr.ok()) return Fail(err, 126, "read segment: " + ErrnoText(rr.error()), rr.error().value());
          ErrnoResult c = mm.CopyOut(op.addr, buf.data(), n);
          if (!c.ok()) return Fail(err, 126, "fill segment: " + ErrnoText(c.error()), c.error().value());
        }
        prots.emplace_back(op.addr, op.len, op.prot);
        break;
      }
      case loader::MapOp::Kind::kZeroFill: {
        std::vector<uint8_t> zeros(op.len, 0);
        ErrnoResult c = mm.CopyOut(op.addr, zeros.data(), zeros.size());
        if (!c.ok()) return Fail(err, 126, "zero-fill: " + ErrnoText(c.error()), c.error().value());
        break;
      }
      case loader::MapOp::Kind::kMapAnon: {
        ErrnoResult r = MapAnon(mm, op.addr, op.len, op.prot);
        if (!r.ok()) return Fail(err, 126, "map bss: " + ErrnoText(r.error()), r.error().value());
        prots.emplace_back(op.addr, op.len, op.prot);
        break;
      }
    }
  }
  for (const auto& [addr, len, prot] : prots) {
    ErrnoResult r = mm.Mprotect(addr, len, prot);
    if (!r.ok()) return Fail(err, 126, "protect segment: " + ErrnoText(r.error()), r.error().value());
  }
  mm.SetBrkBase(plan->brk);

  const uint64_t stack_len = loader::PageUp(stack->bytes.size()) + (128 << 10);
  int stack_prot = PROT_READ | PROT_WRITE | (plan->executable_stack ? PROT_EXEC : 0);
  ErrnoResult r = MapAnon(mm, stack->stack_top - stack_len, stack_len, stack_prot, MAP_GROWSDOWN,
                          "[stack]");
  if (!r.ok()) return Fail(err, 126, "map stack: " + ErrnoText(r.error()), r.error().value());
  ErrnoResult c = mm.CopyOut(stack->sp, stack->bytes.data(), stack->bytes.size());
  if (!c.ok()) return Fail(err, 126, "fill stack: " + ErrnoText(c.error()), c.error().value());

  // /proc/self/exe is absolute (glibc's static startup asserts it): a
  // relative boot path is relative to the Sentry's working directory.
  std::string exe_path = req.path;
  if (!exe_path.empty() && exe_path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) exe_path = std::string(cwd) + "/" + exe_path;
  }
  mm.SetImageInfo({exe_path, stack->arg_start, stack->arg_end, stack->env_start, stack->env_end});
  out->entry = plan->start_pc;
  out->sp = stack->sp;
  return true;
}

}  // namespace sentry::boot
