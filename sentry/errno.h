// Linux errnos inside the Sentry: a small typed value, never a bare -1.
//
// `Errno` is what a syscall handler returns to the app on failure; `ErrnoOr<T>`
// is a T or an Errno. Host failures inside the Sentry that are not the app's
// business travel as absl::Status instead.
#ifndef SENTRY_ERRNO_H_
#define SENTRY_ERRNO_H_

#include <cerrno>
#include <utility>
#include <variant>

namespace sentry {

class Errno {
 public:
  // `value` is a positive Linux errno (EFAULT, EINVAL, ...).
  constexpr explicit Errno(int value) : value_(value) {}
  constexpr int value() const { return value_; }
  // What a syscall returns in rax for this error.
  constexpr long AsSyscallReturn() const { return -static_cast<long>(value_); }
  constexpr bool operator==(const Errno&) const = default;

 private:
  int value_;
};

template <class T>
class [[nodiscard]] ErrnoOr {
 public:
  ErrnoOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit like StatusOr
  ErrnoOr(Errno e) : v_(e) {}                 // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  // Precondition: !ok().
  Errno error() const { return std::get<Errno>(v_); }
  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Errno> v_;
};

// Success or an Errno, for operations with no value.
class [[nodiscard]] ErrnoResult {
 public:
  ErrnoResult() = default;
  ErrnoResult(Errno e) : err_(e.value()) {}  // NOLINT
  bool ok() const { return err_ == 0; }
  Errno error() const { return Errno(err_); }

 private:
  int err_ = 0;
};

}  // namespace sentry

#endif  // SENTRY_ERRNO_H_
