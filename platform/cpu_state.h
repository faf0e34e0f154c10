// cpu_state.h: x86-64 register state of one app thread.
//
// General registers are laid out exactly like Linux `struct user_regs_struct`
// (static_asserts in cpu_state.cc), so ptrace GETREGS/SETREGS copy straight
// in and out. They include fs_base and gs_base.
//
// FP/SSE/AVX state is an XSAVE area in the standard (non-compacted) format,
// 64-byte aligned, sized from CPUID leaf 0xD (the size for the features the
// OS enabled in XCR0). That is the format of PTRACE_GETREGSET NT_X86_XSTATE
// and of the `fpstate` of a Linux signal frame, so the Sentry can copy it
// into and out of signal frames as is.
//
// Lazy FP rule. Fetching FP state is costly on some platforms, so a CpuState
// says where the truth is:
//   fp_valid()  cpu.fp holds the app's current FP state. Context::Switch
//               clears it (the state is then in the platform) unless it had
//               to read it anyway. Context::PullFpState() sets it.
//   fp_dirty()  the Sentry changed cpu.fp; the next Switch loads it into the
//               CPU first and clears the flag.
// To read FP state: PullFpState(), then fp(). To change part of it:
// PullFpState(), then mutable_fp(). To replace all of it (sigreturn, exec):
// just write through mutable_fp(). mutable_fp() sets both flags. Copying a
// CpuState (fork) copies the flags too, so pull before copying. A new
// CpuState holds the initial state (valid and dirty): the first Switch of a
// new thread loads the x86 init FP state.
#ifndef PLATFORM_CPU_STATE_H_
#define PLATFORM_CPU_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace platform {

// Same layout as struct user_regs_struct in <sys/user.h>.
struct Regs {
  uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
  uint64_t rax, rcx, rdx, rsi, rdi, orig_rax;
  uint64_t rip, cs, eflags, rsp, ss;
  uint64_t fs_base, gs_base;
  uint64_t ds, es, fs, gs;
};

// The 512-byte legacy region at the start of every XSAVE area (FXSAVE
// format). Same layout as struct user_fpregs_struct / _libc_fpstate.
struct FxsaveArea {
  uint16_t fcw, fsw, ftw, fop;
  uint64_t rip, rdp;
  uint32_t mxcsr, mxcsr_mask;
  uint8_t st[8][16];    // x87/MMX registers, 16 bytes each (10 used).
  uint8_t xmm[16][16];  // XMM0-15.
  uint8_t padding[48];
  uint8_t sw_reserved[48];  // Linux puts struct _fpx_sw_bytes here.
};
static_assert(sizeof(FxsaveArea) == 512);

// XSAVE layout of this CPU (CPUID leaf 0xD), computed once.
struct XsaveLayout {
  size_t size = 0;             // bytes of the area (CPUID.(0xD,0).EBX).
  uint64_t features = 0;       // XCR0: state components enabled by the OS.
  uint32_t offset[64] = {};    // standard-format offset of component i >= 2.
  uint32_t comp_size[64] = {}; // size of component i >= 2 (0: not present).
  static const XsaveLayout& Get();
};

inline constexpr size_t kXsaveHeaderOffset = 512;  // xstate_bv lives here.
inline constexpr int kXfeatureYmm = 2;             // upper halves of YMM0-15.

class CpuState {
 public:
  // Registers of a fresh 64-bit user thread: user code/stack segments,
  // eflags with IF set, everything else zero; FP in the x86 init state.
  CpuState();
  CpuState(const CpuState& other);
  CpuState& operator=(const CpuState& other);
  CpuState(CpuState&&) noexcept = default;
  CpuState& operator=(CpuState&&) noexcept = default;
  ~CpuState() = default;

  Regs regs = {};

  // Syscall accessors (valid at a kSyscall stop). The number is orig_rax.
  uint64_t syscall_no() const { return regs.orig_rax; }
  uint64_t arg(int i) const;  // i in [0, 6): rdi rsi rdx r10 r8 r9.
  void set_return(uint64_t value) { regs.rax = value; }
  uint64_t ip() const { return regs.rip; }
  uint64_t sp() const { return regs.rsp; }

  // FP state (see the lazy FP rule above).
  bool fp_valid() const { return fp_valid_; }
  bool fp_dirty() const { return fp_dirty_; }
  const uint8_t* fp() const { return fp_.get(); }
  uint8_t* mutable_fp() {
    fp_valid_ = fp_dirty_ = true;
    return fp_.get();
  }
  size_t fp_size() const { return XsaveLayout::Get().size; }
  const FxsaveArea& fxsave() const {
    return *reinterpret_cast<const FxsaveArea*>(fp_.get());
  }
  FxsaveArea& mutable_fxsave() {
    return *reinterpret_cast<FxsaveArea*>(mutable_fp());
  }
  uint64_t xstate_bv() const;
  void set_xstate_bv(uint64_t bv);
  // Puts the FP area in the x86 init state (fcw 0x37f, mxcsr 0x1f80).
  void ResetFp();

  // For platforms only: record where the FP truth is.
  void set_fp_flags(bool valid, bool dirty) {
    fp_valid_ = valid;
    fp_dirty_ = dirty;
  }
  uint8_t* raw_fp() { return fp_.get(); }

 private:
  struct AlignedFree {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t[], AlignedFree> fp_;
  bool fp_valid_ = true;
  bool fp_dirty_ = true;
};

}  // namespace platform

#endif  // PLATFORM_CPU_STATE_H_
