#include "runsc-cli/log.h"

#include <cstdio>

#include "nlohmann/json.hpp"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/sinks/null_sink.h"
#include "spdlog/spdlog.h"

namespace runsc {
namespace {

bool g_json = false;

void Log(spdlog::level::level_enum level, const std::string& msg) {
  if (g_json) {
    spdlog::log(level, "{}", nlohmann::json(msg).dump());
  } else {
    spdlog::log(level, "{}", msg);
  }
}

}  // namespace

void SetupLog(const GlobalFlags& flags) {
  g_json = flags.log_format == "json";
  std::shared_ptr<spdlog::logger> logger;
  if (!flags.log.empty()) {
    try {
      logger = spdlog::basic_logger_mt("runsc", flags.log);
    } catch (const spdlog::spdlog_ex& e) {
      std::fprintf(stderr, "runsc: --log %s: %s\n", flags.log.c_str(), e.what());
    }
  }
  if (logger == nullptr) logger = spdlog::null_logger_mt("runsc");
  if (g_json) {
    logger->set_pattern(R"({"level":"%l","msg":%v,"time":"%Y-%m-%dT%H:%M:%S.%fZ"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("time=\"%Y-%m-%dT%H:%M:%S.%fZ\" level=%l msg=\"%v\"",
                        spdlog::pattern_time_type::utc);
  }
  logger->set_level(flags.debug ? spdlog::level::debug : spdlog::level::warn);
  logger->flush_on(spdlog::level::debug);
  spdlog::set_default_logger(logger);
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  Log(spdlog::level::err, msg);
  return 1;
}

void Warn(const std::string& msg) {
  std::fprintf(stderr, "runsc: warning: %s\n", msg.c_str());
  Log(spdlog::level::warn, msg);
}

void Debug(const std::string& msg) { Log(spdlog::level::debug, msg); }

}  // namespace runsc
