// Renders docs/compatibility.md from the syscall table and the support
// registry, optionally with per-syscall suite results. Deterministic: the
// same tables and results give the same bytes.
#ifndef COMPAT_DOC_H_
#define COMPAT_DOC_H_

#include <string>
#include <string_view>

#include "compat/results.h"

namespace compat {

// Printed in the page's header line; the staleness test tells the same.
inline constexpr std::string_view kRegenerateCommand =
    "build/compat/compat_docgen --out docs/compatibility.md";

// `results` may be null: no results columns.
std::string RenderCompatibilityPage(const SuiteResults* results);

}  // namespace compat

#endif  // COMPAT_DOC_H_
