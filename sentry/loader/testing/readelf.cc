#include "sentry/loader/testing/readelf.h"

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace sentry::loader::testing {

std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

std::optional<std::string> RunCommand(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

std::optional<ReadelfInfo> Readelf(const std::string& path) {
  std::optional<std::string> out = RunCommand("readelf -lhW '" + path + "'");
  if (!out) return std::nullopt;
  ReadelfInfo info;
  std::istringstream in(*out);
  std::string line;
  bool in_phdrs = false;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string first;
    ls >> first;
    if (first == "Type:") {
      ls >> info.type;
    } else if (line.find("Entry point address:") != std::string::npos) {
      info.entry = std::stoull(line.substr(line.find("0x")), nullptr, 16);
    } else if (line.find("Number of program headers:") != std::string::npos) {
      info.phnum = std::stoull(line.substr(line.find(':') + 1));
    } else if (first == "Type" && line.find("VirtAddr") != std::string::npos) {
      in_phdrs = true;
    } else if (in_phdrs && first == "[Requesting") {
      size_t c = line.find(": ");
      info.interp = line.substr(c + 2, line.rfind(']') - c - 2);
    } else if (in_phdrs && !first.empty() && first.find("0x") == 0) {
      // Continuation lines do not occur with -W.
    } else if (in_phdrs && first.empty()) {
      in_phdrs = false;
    } else if (in_phdrs) {
      std::vector<std::string> tok;
      std::string t;
      while (ls >> t) tok.push_back(t);
      // Offset VirtAddr PhysAddr FileSiz MemSiz Flg... Align
      if (tok.size() < 7) continue;
      ReadelfPhdr ph;
      ph.type = first;
      ph.offset = std::stoull(tok[0], nullptr, 16);
      ph.vaddr = std::stoull(tok[1], nullptr, 16);
      ph.filesz = std::stoull(tok[3], nullptr, 16);
      ph.memsz = std::stoull(tok[4], nullptr, 16);
      ph.align = std::stoull(tok.back(), nullptr, 16);
      for (size_t i = 5; i + 1 < tok.size(); i++) {
        if (!ph.flags.empty()) ph.flags += " ";
        ph.flags += tok[i];
      }
      info.phdrs.push_back(ph);
    }
  }
  return info;
}

}  // namespace sentry::loader::testing
