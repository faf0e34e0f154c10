// fake_address_space.h: an in-memory platform::AddressSpace for mm tests.
//
// Records every MapFile/Unmap/Protect call and keeps a per-page model of
// what is mapped (file offset, prot), enforcing the platform's range rules:
// Protect of a range with an unmapped page fails as mprotect(2) would.
// AppLoad/AppStore act like app instructions: they go through the model and
// call MemoryManager::HandleFault on a fault, as the task loop will.
#ifndef SENTRY_MM_TESTING_FAKE_ADDRESS_SPACE_H_
#define SENTRY_MM_TESTING_FAKE_ADDRESS_SPACE_H_

#include <sys/mman.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "platform/platform.h"
#include "sentry/mm/memory_manager.h"

namespace sentry::mm::testing {

class FakeAddressSpace : public platform::AddressSpace {
 public:
  enum class Op { kMap, kUnmap, kProtect };
  struct Call {
    Op op;
    uint64_t addr, len;
    int prot;
    uint64_t offset;
  };
  struct Mapping {
    uint64_t offset;
    int prot;
  };

  explicit FakeAddressSpace(uint64_t max_address = 0x7fc000000000) : max_(max_address) {}

  absl::Status MapFile(uint64_t addr, uint64_t len, int prot, uint64_t offset) override {
    absl::MutexLock l(&mu_);
    if (absl::Status s = CheckRange(addr, len); !s.ok()) return s;
    if (offset % kPageSize) return absl::InvalidArgumentError("offset");
    calls_.push_back({Op::kMap, addr, len, prot, offset});
    for (uint64_t i = 0; i < len; i += kPageSize) pages_[addr + i] = {offset + i, prot};
    return absl::OkStatus();
  }
  absl::Status Unmap(uint64_t addr, uint64_t len) override {
    absl::MutexLock l(&mu_);
    if (absl::Status s = CheckRange(addr, len); !s.ok()) return s;
    calls_.push_back({Op::kUnmap, addr, len, 0, 0});
    pages_.erase(pages_.lower_bound(addr), pages_.lower_bound(addr + len));
    return absl::OkStatus();
  }
  absl::Status Protect(uint64_t addr, uint64_t len, int prot) override {
    absl::MutexLock l(&mu_);
    if (absl::Status s = CheckRange(addr, len); !s.ok()) return s;
    calls_.push_back({Op::kProtect, addr, len, prot, 0});
    for (uint64_t a = addr; a < addr + len; a += kPageSize) {
      if (!pages_.contains(a)) {
        ++errors_;
        return absl::FailedPreconditionError("Protect of unmapped page");
      }
    }
    for (uint64_t a = addr; a < addr + len; a += kPageSize) pages_[a].prot = prot;
    return absl::OkStatus();
  }

  std::optional<Mapping> At(uint64_t addr) const {
    absl::MutexLock l(&mu_);
    auto it = pages_.find(addr & ~(kPageSize - 1));
    if (it == pages_.end()) return std::nullopt;
    return it->second;
  }
  size_t mapped_pages() const {
    absl::MutexLock l(&mu_);
    return pages_.size();
  }
  std::vector<Call> calls() const {
    absl::MutexLock l(&mu_);
    return calls_;
  }
  void ClearCalls() {
    absl::MutexLock l(&mu_);
    calls_.clear();
  }
  // Number of failed calls (range errors, Protect of unmapped pages).
  int errors() const {
    absl::MutexLock l(&mu_);
    return errors_;
  }

 private:
  absl::Status CheckRange(uint64_t addr, uint64_t len) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (addr % kPageSize || len % kPageSize || len == 0 || addr + len > max_ || addr + len < addr) {
      ++errors_;
      return absl::InvalidArgumentError("range");
    }
    return absl::OkStatus();
  }

  const uint64_t max_;
  mutable absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Mapping> pages_ ABSL_GUARDED_BY(mu_);
  int errors_ ABSL_GUARDED_BY(mu_) = 0;
};

// A MemoryFile, a FakeAddressSpace and a MemoryManager over them.
struct FakeMm {
  static constexpr uint64_t kFileSize = uint64_t{64} << 20;
  explicit FakeMm(MemoryManagerOptions opts = {}) {
    auto f = MemoryFile::Create(kFileSize);
    if (f.ok()) file = std::move(*f);
    auto a = std::make_unique<FakeAddressSpace>(opts.max_address);
    as = a.get();
    mm = std::make_unique<MemoryManager>(*file, std::move(a), opts);
  }
  // Forks mm onto a new FakeAddressSpace, returned in *child_as.
  std::unique_ptr<MemoryManager> Fork(FakeAddressSpace** child_as) {
    auto a = std::make_unique<FakeAddressSpace>(mm->options().max_address);
    *child_as = a.get();
    return mm->Fork(std::move(a));
  }
  std::unique_ptr<MemoryFile> file;
  FakeAddressSpace* as = nullptr;  // owned by mm
  std::unique_ptr<MemoryManager> mm;
};

// What an app load/store at addr does: through the mapping if it allows the
// access, else a fault resolved by HandleFault (then retried). Returns the
// fault's Errno if HandleFault refuses, EFAULT if 100 "resolved" faults in
// a row never made the access possible. (It retries like a real app: another
// thread's Fork may write-protect the page again between fault and retry.)
inline ErrnoResult AppAccess(MemoryManager& mm, FakeAddressSpace& as, MemoryFile& file,
                             uint64_t addr, bool write, uint8_t* value) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::optional<FakeAddressSpace::Mapping> m = as.At(addr);
    if (m && (m->prot & (write ? PROT_WRITE : PROT_READ))) {
      uint8_t* p = file.Data(m->offset) + (addr % kPageSize);
      if (write) {
        *p = *value;
      } else {
        *value = *p;
      }
      return {};
    }
    ErrnoResult r = mm.HandleFault(
        addr, write ? platform::AccessType::kWrite : platform::AccessType::kRead);
    if (!r.ok()) return r;
  }
  return Errno(EFAULT);
}
inline ErrnoResult AppStore(FakeMm& f, uint64_t addr, uint8_t v) {
  return AppAccess(*f.mm, *f.as, *f.file, addr, true, &v);
}
inline ErrnoOr<uint8_t> AppLoad(FakeMm& f, uint64_t addr) {
  uint8_t v = 0;
  if (ErrnoResult r = AppAccess(*f.mm, *f.as, *f.file, addr, false, &v); !r.ok()) {
    return r.error();
  }
  return v;
}

}  // namespace sentry::mm::testing

#endif  // SENTRY_MM_TESTING_FAKE_ADDRESS_SPACE_H_
