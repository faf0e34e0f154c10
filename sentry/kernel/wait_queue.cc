#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {

WaitQueue::~WaitQueue() {
  absl::MutexLock l(&mu_);
  for (WaitEntry* e = head_; e != nullptr;) {
    WaitEntry* next = e->next_;
    e->queued_ = false;
    e->prev_ = e->next_ = nullptr;
    e = next;
  }
}

void WaitQueue::Add(WaitEntry* e, uint32_t mask) {
  absl::MutexLock l(&mu_);
  e->mask_ = mask;
  e->prev_ = nullptr;
  e->next_ = head_;
  if (head_ != nullptr) head_->prev_ = e;
  head_ = e;
  e->queued_ = true;
}

void WaitQueue::Remove(WaitEntry* e) {
  absl::MutexLock l(&mu_);
  if (!e->queued_) return;
  if (e->prev_ != nullptr) {
    e->prev_->next_ = e->next_;
  } else {
    head_ = e->next_;
  }
  if (e->next_ != nullptr) e->next_->prev_ = e->prev_;
  e->prev_ = e->next_ = nullptr;
  e->queued_ = false;
}

void WaitQueue::Notify(uint32_t events) {
  absl::MutexLock l(&mu_);
  for (WaitEntry* e = head_; e != nullptr; e = e->next_) {
    if ((e->mask_ & events) != 0) e->OnEvent(events & e->mask_);
  }
}

bool WaitQueue::Empty() {
  absl::MutexLock l(&mu_);
  return head_ == nullptr;
}

void Waiter::Notify() {
  absl::MutexLock l(&mu_);
  notified_ = true;
}

bool Waiter::Wait(absl::Time deadline) {
  absl::MutexLock l(&mu_);
  bool ok = mu_.AwaitWithDeadline(absl::Condition(&notified_), deadline);
  if (ok) notified_ = false;
  return ok;
}

void Waiter::Clear() {
  absl::MutexLock l(&mu_);
  notified_ = false;
}

}  // namespace sentry::kernel
