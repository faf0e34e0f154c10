// x86-64 signal frames: what the Sentry writes on the app's stack before a
// handler runs, and reads back at rt_sigreturn. Layout and rules follow
// Linux's arch/x86/kernel/signal.c: rt_sigframe {pretcode, ucontext,
// siginfo}, the XSAVE area 64-byte aligned above it, magic numbers in the
// FXSAVE software-reserved bytes.
#include <cstring>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {
namespace {

// The kernel's struct sigcontext (x86-64); glibc's clashes with the uapi
// header, so the layout is spelled out.
struct Sigcontext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;
  uint64_t reserved1[8];
};
static_assert(sizeof(Sigcontext) == 256);

struct KernelUcontext {
  uint64_t uc_flags;
  uint64_t uc_link;
  stack_t uc_stack;
  Sigcontext uc_mcontext;
  uint64_t uc_sigmask;
};
static_assert(sizeof(KernelUcontext) == 304);

struct RtSigframe {
  uint64_t pretcode;
  KernelUcontext uc;
  siginfo_t info;
};
static_assert(sizeof(RtSigframe) == 440);

constexpr uint64_t kUcFpXstate = 0x1;
constexpr uint64_t kUcSigcontextSs = 0x2;
constexpr uint64_t kUcStrictRestoreSs = 0x4;
constexpr uint32_t kFpXstateMagic1 = 0x46505853;
constexpr uint32_t kFpXstateMagic2 = 0x46505845;
constexpr uint64_t kRedZone = 128;
constexpr uint64_t kUserCs = 0x33;
constexpr uint64_t kUserSs = 0x2b;
// eflags bits sigreturn takes from the frame (Linux's FIX_EFLAGS).
constexpr uint64_t kFixEflags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 |
                                0x1 | 0x10000;

// Linux's _fpx_sw_bytes, in FXSAVE's software-reserved bytes.
struct FpxSwBytes {
  uint32_t magic1;
  uint32_t extended_size;
  uint64_t xfeatures;
  uint32_t xstate_size;
  uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

int AltStackFlags(const stack_t& ss, bool on_stack) {
  if ((ss.ss_flags & SS_DISABLE) != 0) return SS_DISABLE;
  return on_stack ? SS_ONSTACK : 0;
}

}  // namespace

bool Task::SetupFrame(const siginfo_t& info, const SigAction& act, SigSet frame_mask) {
  if ((act.flags & kSaRestorer) == 0) return false;  // x86-64 requires a restorer
  if (!PullFp().ok()) return false;
  const size_t fp_size = cpu_.fp_size();
  auto& r = cpu_.regs;
  bool was_on_stack = OnAltStack(r.rsp);
  uint64_t sp = r.rsp - kRedZone;
  if ((act.flags & SA_ONSTACK) != 0 && (altstack_.ss_flags & SS_DISABLE) == 0 && !was_on_stack) {
    sp = reinterpret_cast<uint64_t>(altstack_.ss_sp) + altstack_.ss_size;
  }
  sp -= fp_size + sizeof(uint32_t);
  sp &= ~uint64_t{63};
  const uint64_t fp_addr = sp;
  sp -= sizeof(RtSigframe);
  sp = (sp & ~uint64_t{15}) - 8;
  const uint64_t frame_addr = sp;

  // FP state, with the software bytes that tell sigreturn its extent.
  std::vector<uint8_t> fp(cpu_.fp(), cpu_.fp() + fp_size);
  FpxSwBytes sw{};
  sw.magic1 = kFpXstateMagic1;
  sw.extended_size = static_cast<uint32_t>(fp_size + sizeof(uint32_t));
  sw.xfeatures = platform::XsaveLayout::Get().features;
  sw.xstate_size = static_cast<uint32_t>(fp_size);
  std::memcpy(fp.data() + offsetof(platform::FxsaveArea, sw_reserved), &sw, sizeof(sw));
  if (!mm_->CopyOut(fp_addr, fp.data(), fp_size).ok()) return false;
  if (!mm_->CopyOut(fp_addr + fp_size, &kFpXstateMagic2, sizeof(kFpXstateMagic2)).ok()) {
    return false;
  }

  RtSigframe f;
  std::memset(&f, 0, sizeof(f));
  f.pretcode = act.restorer;
  f.uc.uc_flags = kUcFpXstate | kUcSigcontextSs | kUcStrictRestoreSs;
  f.uc.uc_stack = altstack_;
  f.uc.uc_stack.ss_flags = AltStackFlags(altstack_, was_on_stack);
  auto& sc = f.uc.uc_mcontext;
  sc.r8 = r.r8, sc.r9 = r.r9, sc.r10 = r.r10, sc.r11 = r.r11;
  sc.r12 = r.r12, sc.r13 = r.r13, sc.r14 = r.r14, sc.r15 = r.r15;
  sc.di = r.rdi, sc.si = r.rsi, sc.bp = r.rbp, sc.bx = r.rbx;
  sc.dx = r.rdx, sc.ax = r.rax, sc.cx = r.rcx, sc.sp = r.rsp, sc.ip = r.rip;
  sc.flags = r.eflags;
  sc.cs = static_cast<uint16_t>(r.cs);
  sc.ss = static_cast<uint16_t>(r.ss);
  sc.oldmask = frame_mask;
  if (info.si_signo == SIGSEGV || info.si_signo == SIGBUS) {
    sc.cr2 = reinterpret_cast<uint64_t>(info.si_addr);
  }
  sc.fpstate = fp_addr;
  f.uc.uc_sigmask = frame_mask;
  f.info = info;
  if (!mm_->CopyOut(frame_addr, &f, sizeof(f)).ok()) return false;

  r.rdi = static_cast<uint64_t>(info.si_signo);
  r.rsi = frame_addr + offsetof(RtSigframe, info);
  r.rdx = frame_addr + offsetof(RtSigframe, uc);
  r.rax = 0;
  r.rsp = frame_addr;
  r.rip = act.handler;
  r.cs = kUserCs;
  r.ss = kUserSs;
  r.eflags &= ~uint64_t{0x400 | 0x100 | 0x10000};  // DF, TF, RF
  cpu_.ResetFp();  // handlers start with a clean FPU, as on Linux
  return true;
}

SyscallReturn Task::SigReturn() {
  auto& r = cpu_.regs;
  const uint64_t frame_addr = r.rsp - 8;  // the handler's `ret` popped pretcode
  RtSigframe f;
  auto segv = [this]() {
    absl::MutexLock l(&kernel_.mu());
    kernel_.GroupExitLocked(*tg_, WaitStatusSignaled(SIGSEGV));
    return SyscallReturn::Ok(0);
  };
  if (!mm_->CopyIn(frame_addr, &f, sizeof(f)).ok()) return segv();
  const auto& sc = f.uc.uc_mcontext;
  // FP state first: a bad one fails the whole sigreturn.
  if (sc.fpstate != 0) {
    const size_t fp_size = cpu_.fp_size();
    std::vector<uint8_t> fp(fp_size);
    if (!mm_->CopyIn(sc.fpstate, fp.data(), fp_size).ok()) return segv();
    platform::FxsaveArea fx;
    std::memcpy(&fx, fp.data(), sizeof(fx));
    uint32_t mxcsr_mask = fx.mxcsr_mask != 0 ? fx.mxcsr_mask : 0xffbf;
    mxcsr_mask = cpu_.fxsave().mxcsr_mask != 0 ? cpu_.fxsave().mxcsr_mask : mxcsr_mask;
    if ((fx.mxcsr & ~mxcsr_mask) != 0) return segv();
    uint64_t xstate_bv = 0;
    std::memcpy(&xstate_bv, fp.data() + platform::kXsaveHeaderOffset, sizeof(xstate_bv));
    uint64_t features = platform::XsaveLayout::Get().features;
    std::memcpy(fp.data() + offsetof(platform::FxsaveArea, sw_reserved),
                cpu_.fp() + offsetof(platform::FxsaveArea, sw_reserved), 48);
    if ((xstate_bv & ~features) != 0) {
      xstate_bv &= features;
      std::memcpy(fp.data() + platform::kXsaveHeaderOffset, &xstate_bv, sizeof(xstate_bv));
    }
    // The rest of the XSAVE header must be zero for XRSTOR.
    std::memset(fp.data() + platform::kXsaveHeaderOffset + 8, 0, 56);
    std::memcpy(cpu_.mutable_fp(), fp.data(), fp_size);
  } else {
    cpu_.ResetFp();
  }
  r.r8 = sc.r8, r.r9 = sc.r9, r.r10 = sc.r10, r.r11 = sc.r11;
  r.r12 = sc.r12, r.r13 = sc.r13, r.r14 = sc.r14, r.r15 = sc.r15;
  r.rdi = sc.di, r.rsi = sc.si, r.rbp = sc.bp, r.rbx = sc.bx;
  r.rdx = sc.dx, r.rax = sc.ax, r.rcx = sc.cx, r.rsp = sc.sp, r.rip = sc.ip;
  r.eflags = (r.eflags & ~kFixEflags) | (sc.flags & kFixEflags);
  r.cs = kUserCs;
  r.ss = kUserSs;
  r.orig_rax = ~uint64_t{0};
  restart_code_ = 0;
  // sigaltstack from the frame; errors are ignored, as Linux does.
  const stack_t& ss = f.uc.uc_stack;
  if (!OnAltStack(r.rsp)) {
    if ((ss.ss_flags & SS_DISABLE) != 0) {
      altstack_ = stack_t{nullptr, SS_DISABLE, 0};
    } else if (ss.ss_size >= static_cast<size_t>(MINSIGSTKSZ)) {
      altstack_ = stack_t{ss.ss_sp, 0, ss.ss_size};
    }
  }
  SetSignalMask(f.uc.uc_sigmask);
  return SyscallReturn::Ok(static_cast<int64_t>(r.rax));
}

}  // namespace sentry::kernel
