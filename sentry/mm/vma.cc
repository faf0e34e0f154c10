// vma.cc: Vma and VmaSet.
#include "sentry/mm/vma.h"

#include "sentry/mm/memory_file.h"

#include <algorithm>

namespace sentry::mm {

bool Vma::CanMergeWith(const Vma& next) const {
  if (end != next.start || prot != next.prot || max_prot != next.max_prot ||
      flags != next.flags || file != next.file || name != next.name ||
      dontfork != next.dontfork || wipeonfork != next.wipeonfork) {
    return false;
  }
  return file == nullptr || file_offset + length() == next.file_offset;
}

Vma* VmaSet::Find(uint64_t addr) {
  auto it = m_.upper_bound(addr);
  if (it == m_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

const Vma* VmaSet::Find(uint64_t addr) const {
  return const_cast<VmaSet*>(this)->Find(addr);
}

VmaSet::iterator VmaSet::FirstEndingAfter(uint64_t addr) {
  auto it = m_.upper_bound(addr);
  if (it != m_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > addr) return prev;
  }
  return it;
}

bool VmaSet::Overlaps(uint64_t start, uint64_t end) const {
  auto it = const_cast<VmaSet*>(this)->FirstEndingAfter(start);
  return it != m_.end() && it->second.start < end;
}

bool VmaSet::Covers(uint64_t start, uint64_t end) const {
  uint64_t a = start;
  while (a < end) {
    const Vma* v = Find(a);
    if (v == nullptr) return false;
    a = v->end;
  }
  return true;
}

void VmaSet::SplitAt(uint64_t addr) {
  Vma* v = Find(addr);
  if (v == nullptr || v->start == addr) return;
  Vma upper = *v;
  upper.start = addr;
  if (upper.file) upper.file_offset += addr - v->start;
  v->end = addr;
  m_.emplace(addr, std::move(upper));
}

std::vector<Vma> VmaSet::Remove(uint64_t start, uint64_t end) {
  std::vector<Vma> removed;
  SplitAt(start);
  SplitAt(end);
  auto it = m_.lower_bound(start);
  while (it != m_.end() && it->second.start < end) {
    removed.push_back(std::move(it->second));
    it = m_.erase(it);
  }
  return removed;
}

void VmaSet::Insert(Vma v) {
  const uint64_t start = v.start, end = v.end;
  m_.emplace(start, std::move(v));
  MergeAround(start, end);
}

void VmaSet::MergeAround(uint64_t start, uint64_t end) {
  auto it = FirstEndingAfter(start);
  if (it != m_.begin() && (it == m_.end() || it->second.start >= start)) --it;
  while (it != m_.end() && it->second.start <= end) {
    auto next = std::next(it);
    if (next != m_.end() && it->second.CanMergeWith(next->second)) {
      it->second.end = next->second.end;
      m_.erase(next);
      continue;  // try the new neighbour too
    }
    it = next;
  }
}

std::optional<uint64_t> VmaSet::FindGapTopDown(uint64_t len, uint64_t lo, uint64_t hi) const {
  if (len == 0 || hi < lo || hi - lo < len) return std::nullopt;
  // Walk gaps from the top: the gap above each Vma (bounded by the next).
  uint64_t gap_end = hi;
  auto it = m_.lower_bound(hi);
  // A Vma straddling hi bounds the first gap.
  if (it != m_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > hi) gap_end = std::min(gap_end, prev->second.start), it = prev;
  }
  while (true) {
    uint64_t gap_start = lo;
    auto prev = it;
    bool has_prev = prev != m_.begin();
    if (has_prev) {
      --prev;
      gap_start = std::max(lo, prev->second.end);
    }
    if (gap_end >= gap_start && gap_end - gap_start >= len) return PageDown(gap_end - len);
    if (!has_prev || prev->second.start <= lo) return std::nullopt;
    gap_end = prev->second.start;
    it = prev;
  }
}

std::optional<uint64_t> VmaSet::FindGapBottomUp(uint64_t len, uint64_t lo, uint64_t hi) const {
  if (len == 0 || hi < lo || hi - lo < len) return std::nullopt;
  uint64_t gap_start = lo;
  auto it = const_cast<VmaSet*>(this)->FirstEndingAfter(lo);
  while (true) {
    uint64_t gap_end = it == m_.end() ? hi : std::min(hi, it->second.start);
    if (gap_end >= gap_start && gap_end - gap_start >= len) return gap_start;
    if (it == m_.end() || it->second.end >= hi) return std::nullopt;
    gap_start = it->second.end;
    ++it;
  }
}

}  // namespace sentry::mm
