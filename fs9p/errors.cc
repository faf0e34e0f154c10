#include "fs9p/errors.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fs9p {
namespace {

constexpr absl::string_view kErrnoPayload = "fs9p.errno";

absl::StatusCode CodeFor(int err) {
  switch (err) {
    case ENOENT: return absl::StatusCode::kNotFound;
    case EEXIST: return absl::StatusCode::kAlreadyExists;
    case EACCES:
    case EPERM:
    case EROFS: return absl::StatusCode::kPermissionDenied;
    case EINVAL:
    case ENAMETOOLONG:
    case ENOTDIR:
    case EISDIR:
    case ELOOP: return absl::StatusCode::kInvalidArgument;
    case ENOSYS:
    case EOPNOTSUPP: return absl::StatusCode::kUnimplemented;
    case EAGAIN: return absl::StatusCode::kUnavailable;
    case EINTR: return absl::StatusCode::kCancelled;
    case ENOSPC:
    case ENOMEM: return absl::StatusCode::kResourceExhausted;
    default: return absl::StatusCode::kUnknown;
  }
}

}  // namespace

absl::Status ErrnoError(int err, absl::string_view what) {
  std::string msg = what.empty() ? std::string(strerrordesc_np(err))
                                 : absl::StrCat(what, ": ", strerrordesc_np(err));
  absl::Status s(CodeFor(err), msg);
  s.SetPayload(kErrnoPayload, absl::Cord(absl::StrCat(err)));
  return s;
}

int ErrnoOf(const absl::Status& s) {
  if (s.ok()) return 0;
  if (auto p = s.GetPayload(kErrnoPayload)) {
    int err = 0;
    if (absl::SimpleAtoi(std::string(*p), &err) && err > 0) return err;
  }
  switch (s.code()) {
    case absl::StatusCode::kNotFound: return ENOENT;
    case absl::StatusCode::kAlreadyExists: return EEXIST;
    case absl::StatusCode::kPermissionDenied: return EACCES;
    case absl::StatusCode::kInvalidArgument: return EINVAL;
    case absl::StatusCode::kUnimplemented: return ENOSYS;
    case absl::StatusCode::kCancelled: return EINTR;
    case absl::StatusCode::kResourceExhausted: return ENOMEM;
    case absl::StatusCode::kUnavailable: return EAGAIN;
    default: return EIO;
  }
}

}  // namespace fs9p
