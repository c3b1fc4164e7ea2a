#pragma once
// One logging entry point for library code: named per component, writing to stderr as text
// ("<time> <level> [<component>] <message>") or JSON lines, with repeats of a warning or error
// limited per minute. Library code never prints to stdout (that is the alert stream) and never
// aborts.
#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace sigflow {

std::shared_ptr<spdlog::logger> logger(const std::string& component);
// Level: trace, debug, info, warn, error, critical, off. Applies to every component logger.
bool set_log_level(const std::string& level);
// "text" (the default) or "json": {"time", "level", "component", "message"} per line.
bool set_log_format(const std::string& format);

}  // namespace sigflow
