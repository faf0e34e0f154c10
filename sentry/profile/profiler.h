// profiler.h: per-syscall counters for `--profile-syscalls`.
//
// Record() is called by the syscall table around every dispatched call; it
// is lock-free (relaxed atomics per syscall number) so that profiling adds
// little to a syscall. Snapshot() turns the counters into the protobuf of
// profile.proto, with percentiles estimated from the log2 histogram.
#ifndef SENTRY_PROFILE_PROFILER_H_
#define SENTRY_PROFILE_PROFILER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "compat/syscalls.h"
#include "sentry/profile/profile.pb.h"

namespace sentry::profile {

inline constexpr int kBuckets = 40;  // 2^39 ns ~ 9 minutes

class Profiler {
 public:
  Profiler();

  // One call of syscall `nr` that took `ns` and failed iff `error`.
  void Record(uint64_t nr, uint64_t ns, bool error);

  // The profile so far.
  Profile Snapshot(const std::string& container_id = "") const;

  // Writes Snapshot() to `path` (serialized protobuf).
  absl::Status WriteTo(const std::string& path, const std::string& container_id = "") const;

 private:
  struct Slot {
    std::atomic<uint64_t> count{0}, errors{0}, total_ns{0}, max_ns{0};
    std::array<std::atomic<uint64_t>, kBuckets> hist{};
  };
  std::array<Slot, compat::kSyscallTableSize> slots_;
  const absl::Time start_;
};

// The value below which `q` (0..1) of the histogram's calls lie, as the
// upper bound of that bucket (capped by `max_ns`).
uint64_t Percentile(const uint64_t* hist, int buckets, uint64_t count, double q, uint64_t max_ns);

}  // namespace sentry::profile

#endif  // SENTRY_PROFILE_PROFILER_H_
