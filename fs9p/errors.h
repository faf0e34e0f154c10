// Linux errnos carried inside absl::Status.
//
// An Rlerror from a peer, or a failed host call in the gofer, becomes a
// Status whose payload holds the errno, so it survives the trip back into an
// Rlerror or a syscall return without guessing from the status code.
#ifndef FS9P_ERRORS_H_
#define FS9P_ERRORS_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace fs9p {

// A Status for `err` (a positive errno); `what` says what failed.
absl::Status ErrnoError(int err, absl::string_view what = {});

// The errno a Status carries: its payload if any, else one derived from its
// code (EIO when nothing fits). 0 for OK.
int ErrnoOf(const absl::Status& s);

}  // namespace fs9p

#endif  // FS9P_ERRORS_H_
