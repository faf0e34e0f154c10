// log.h: runsc's log. Errors go to stderr as one line, as runc prints
// them, and to --log FILE (text, or with --log-format json one object per
// line: {"level":"error","msg":"...","time":"..."}, which conmon and
// containerd read back). Debug messages only with --debug.
#ifndef RUNSC_CLI_LOG_H_
#define RUNSC_CLI_LOG_H_

#include <string>

#include "runsc-cli/flags.h"

namespace runsc {

void SetupLog(const GlobalFlags& flags);
// Prints `msg` to stderr, logs it, returns 1 (runc's exit code for errors).
int Fail(const std::string& msg);
void Warn(const std::string& msg);
void Debug(const std::string& msg);

}  // namespace runsc

#endif  // RUNSC_CLI_LOG_H_
