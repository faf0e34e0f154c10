// show.h: a stored profile as a table or a self-contained HTML page
// (`runsc profile show`, tools).
#ifndef SENTRY_PROFILE_SHOW_H_
#define SENTRY_PROFILE_SHOW_H_

#include <string>

#include "absl/status/statusor.h"
#include "sentry/profile/profile.pb.h"

namespace sentry::profile {

// Reads a profile written by Profiler::WriteTo. NotFound / DataLoss.
absl::StatusOr<Profile> ReadProfile(const std::string& path);

// One row per syscall sorted by total time (name first, count second),
// then errors, total, mean, p50, p99 and max.
std::string FormatTable(const Profile& p);

// A page with a bar chart of time per syscall and each syscall's latency
// histogram, with no external resources.
std::string FormatHtml(const Profile& p);

}  // namespace sentry::profile

#endif  // SENTRY_PROFILE_SHOW_H_
