#include "sentry/profile/profiler.h"

#include <bit>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sentry::profile {
namespace {

int Bucket(uint64_t ns) {
  if (ns < 2) return 0;
  const int b = 63 - std::countl_zero(ns);
  return b < kBuckets ? b : kBuckets - 1;
}

}  // namespace

Profiler::Profiler() : start_(absl::Now()) {}

void Profiler::Record(uint64_t nr, uint64_t ns, bool error) {
  if (nr >= slots_.size()) return;
  Slot& s = slots_[nr];
  s.count.fetch_add(1, std::memory_order_relaxed);
  if (error) s.errors.fetch_add(1, std::memory_order_relaxed);
  s.total_ns.fetch_add(ns, std::memory_order_relaxed);
  uint64_t max = s.max_ns.load(std::memory_order_relaxed);
  while (ns > max && !s.max_ns.compare_exchange_weak(max, ns, std::memory_order_relaxed)) {
  }
  s.hist[Bucket(ns)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t Percentile(const uint64_t* hist, int buckets, uint64_t count, double q, uint64_t max_ns) {
  if (count == 0) return 0;
  const double want = q * static_cast<double>(count);
  uint64_t seen = 0;
  for (int i = 0; i < buckets; ++i) {
    seen += hist[i];
    if (static_cast<double>(seen) >= want) {
      const uint64_t upper = (uint64_t{2} << i) - 1;
      return upper < max_ns ? upper : max_ns;
    }
  }
  return max_ns;
}

Profile Profiler::Snapshot(const std::string& container_id) const {
  Profile p;
  p.set_container_id(container_id);
  p.set_wall_ns(static_cast<uint64_t>(absl::ToInt64Nanoseconds(absl::Now() - start_)));
  for (size_t nr = 0; nr < slots_.size(); ++nr) {
    const Slot& s = slots_[nr];
    const uint64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    SyscallStats* st = p.add_syscalls();
    st->set_nr(static_cast<uint32_t>(nr));
    const compat::SyscallInfo* info = compat::LookupSyscall(static_cast<long>(nr));
    st->set_name(info != nullptr ? std::string(info->name) : absl::StrCat("syscall_", nr));
    st->set_count(count);
    st->set_errors(s.errors.load(std::memory_order_relaxed));
    st->set_total_ns(s.total_ns.load(std::memory_order_relaxed));
    st->set_max_ns(s.max_ns.load(std::memory_order_relaxed));
    uint64_t hist[kBuckets];
    int last = 0;
    uint64_t total = 0;
    for (int i = 0; i < kBuckets; ++i) {
      hist[i] = s.hist[i].load(std::memory_order_relaxed);
      total += hist[i];
      if (hist[i] != 0) last = i;
    }
    for (int i = 0; i <= last; ++i) st->add_histogram(hist[i]);
    st->set_p50_ns(Percentile(hist, kBuckets, total, 0.50, st->max_ns()));
    st->set_p90_ns(Percentile(hist, kBuckets, total, 0.90, st->max_ns()));
    st->set_p99_ns(Percentile(hist, kBuckets, total, 0.99, st->max_ns()));
  }
  return p;
}

absl::Status Profiler::WriteTo(const std::string& path, const std::string& container_id) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write ", path));
  const std::string bytes = Snapshot(container_id).SerializeAsString();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return absl::DataLossError(absl::StrCat("short write to ", path));
  return absl::OkStatus();
}

}  // namespace sentry::profile
