// default_spec.h: the config.json `runsc spec` writes, shaped like runc's
// default (busybox "sh" over ./rootfs) minus a terminal.
#ifndef RUNSC_CLI_DEFAULT_SPEC_H_
#define RUNSC_CLI_DEFAULT_SPEC_H_

#include "nlohmann/json.hpp"

namespace runsc {

inline constexpr char kOciVersion[] = "1.0.2";

nlohmann::ordered_json DefaultSpec();

}  // namespace runsc

#endif  // RUNSC_CLI_DEFAULT_SPEC_H_
