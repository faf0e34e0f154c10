// cpu_state.cc: CpuState storage and the CPU's XSAVE layout.
#include "platform/cpu_state.h"

#include <cpuid.h>
#include <sys/user.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace platform {

static_assert(sizeof(Regs) == sizeof(user_regs_struct));
static_assert(offsetof(Regs, orig_rax) == offsetof(user_regs_struct, orig_rax));
static_assert(offsetof(Regs, rip) == offsetof(user_regs_struct, rip));
static_assert(offsetof(Regs, fs_base) == offsetof(user_regs_struct, fs_base));
static_assert(offsetof(Regs, gs) == offsetof(user_regs_struct, gs));
static_assert(sizeof(FxsaveArea) == sizeof(user_fpregs_struct));

namespace {

constexpr uint64_t kUserCs = 0x33;
constexpr uint64_t kUserDs = 0x2b;
constexpr uint64_t kEflagsIf = 0x202;  // IF plus the always-one bit 1.

uint64_t ReadXcr0() {
  uint32_t lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

XsaveLayout ComputeLayout() {
  XsaveLayout l;
  unsigned a, b, c, d;
  __cpuid_count(0xd, 0, a, b, c, d);
  l.size = b;
  l.features = ReadXcr0();
  for (int i = 2; i < 64; ++i) {
    if (!(l.features & (uint64_t{1} << i))) continue;
    __cpuid_count(0xd, i, a, b, c, d);
    l.comp_size[i] = a;
    l.offset[i] = b;
  }
  if (l.size < kXsaveHeaderOffset + 64) l.size = kXsaveHeaderOffset + 64;
  return l;
}

}  // namespace

const XsaveLayout& XsaveLayout::Get() {
  static const XsaveLayout layout = ComputeLayout();
  return layout;
}

void CpuState::AlignedFree::operator()(uint8_t* p) const { std::free(p); }

CpuState::CpuState() {
  const size_t size = XsaveLayout::Get().size;
  // aligned_alloc needs a size that is a multiple of the alignment.
  void* p = std::aligned_alloc(64, (size + 63) & ~size_t{63});
  if (p == nullptr) std::abort();  // out of memory, as operator new would.
  fp_.reset(static_cast<uint8_t*>(p));
  regs.cs = kUserCs;
  regs.ss = kUserDs;
  regs.eflags = kEflagsIf;
  ResetFp();
}

CpuState::CpuState(const CpuState& other) : CpuState() { *this = other; }

CpuState& CpuState::operator=(const CpuState& other) {
  if (this == &other) return *this;
  if (!fp_) {
    CpuState fresh;
    fp_ = std::move(fresh.fp_);
  }
  regs = other.regs;
  std::memcpy(fp_.get(), other.fp_.get(), fp_size());
  fp_valid_ = other.fp_valid_;
  fp_dirty_ = other.fp_dirty_;
  return *this;
}

uint64_t CpuState::arg(int i) const {
  switch (i) {
    case 0: return regs.rdi;
    case 1: return regs.rsi;
    case 2: return regs.rdx;
    case 3: return regs.r10;
    case 4: return regs.r8;
    case 5: return regs.r9;
    default: return 0;
  }
}

uint64_t CpuState::xstate_bv() const {
  uint64_t bv;
  std::memcpy(&bv, fp_.get() + kXsaveHeaderOffset, sizeof(bv));
  return bv;
}

void CpuState::set_xstate_bv(uint64_t bv) {
  std::memcpy(mutable_fp() + kXsaveHeaderOffset, &bv, sizeof(bv));
}

void CpuState::ResetFp() {
  uint8_t* fp = mutable_fp();
  std::memset(fp, 0, fp_size());
  FxsaveArea& fx = *reinterpret_cast<FxsaveArea*>(fp);
  fx.fcw = 0x37f;
  fx.mxcsr = 0x1f80;
  // xstate_bv = x87|SSE: the legacy area above is authoritative for them;
  // every other component is in its init state.
  set_xstate_bv(XsaveLayout::Get().features & 0x3);
}

}  // namespace platform
