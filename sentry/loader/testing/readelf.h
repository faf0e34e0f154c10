// Test helpers: file and command I/O, and readelf(1) output parsed at test
// time, so that tests compare the parser with an independent reader.
#ifndef SENTRY_LOADER_TESTING_READELF_H_
#define SENTRY_LOADER_TESTING_READELF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sentry::loader::testing {

// Whole file contents; empty on error.
std::vector<uint8_t> ReadFileBytes(const std::string& path);
// stdout of `sh -c cmd`; nullopt if it could not run or exited non-zero.
std::optional<std::string> RunCommand(const std::string& cmd);

struct ReadelfPhdr {
  std::string type;  // "LOAD", "INTERP", "GNU_STACK", ...
  uint64_t offset = 0, vaddr = 0, filesz = 0, memsz = 0, align = 0;
  std::string flags;  // "R", "R E", "RW", ...
};

struct ReadelfInfo {
  std::string type;  // "EXEC" or "DYN"
  uint64_t entry = 0;
  uint64_t phnum = 0;
  std::vector<ReadelfPhdr> phdrs;
  std::optional<std::string> interp;
};

// Runs `readelf -lhW path` and parses it; nullopt if readelf failed.
std::optional<ReadelfInfo> Readelf(const std::string& path);

}  // namespace sentry::loader::testing

#endif  // SENTRY_LOADER_TESTING_READELF_H_
