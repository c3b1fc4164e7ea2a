#include "sigflow/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include "sigflow/json_writer.hpp"

namespace sigflow {
namespace {

// Every component logs through this one sink: text or JSON lines on stderr, with repeats of a
// warning or error limited to kBurst per minute and message shape (digits ignored, so "attempt
// 3 of alert 5f2c…" and "attempt 4 of alert 9a1b…" count as one). The first suppressed repeat
// says so; the next message of that shape after the minute says how many were left out.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr int kBurst = 10;

  void use_json(bool json) {
    std::lock_guard lock(mutex_);
    json_ = json;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text(msg.payload.data(), msg.payload.size());
    if (msg.level >= spdlog::level::warn) {
      auto& window = windows_[shape_of(msg, text)];
      const auto now = std::chrono::steady_clock::now();
      if (now - window.started >= std::chrono::minutes(1)) {
        if (window.suppressed > 0) text += fmt::format(" ({} similar messages were left out in the last minute)", window.suppressed);
        window = {now, 0, 0};
      }
      if (++window.count > kBurst) {
        if (window.suppressed++ > 0) return;
        text += " (repeats of this message are left out for the rest of the minute)";
      }
      if (windows_.size() > 10000) windows_.clear();  // bounded, whatever the messages
    }
    std::string line;
    if (json_) {
      json::Writer w;
      w.begin_object()
          .field("time", format_time(msg))
          .field("level", level_name(msg.level))
          .field("component", std::string_view(msg.logger_name.data(), msg.logger_name.size()))
          .field("message", text)
          .end_object();
      line = w.take();
    } else {
      line = fmt::format("{} {} [{}] {}", format_time(msg), level_name(msg.level),
                         std::string_view(msg.logger_name.data(), msg.logger_name.size()), text);
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

  void flush_() override { std::fflush(stderr); }

 private:
  struct Window {
    std::chrono::steady_clock::time_point started;
    int count = 0;
    int suppressed = 0;
  };

  static std::string_view level_name(spdlog::level::level_enum level) {
    const auto v = spdlog::level::to_string_view(level);
    return {v.data(), v.size()};
  }

  static std::string format_time(const spdlog::details::log_msg& msg) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, ms % 1000);
  }

  static std::string shape_of(const spdlog::details::log_msg& msg, const std::string& text) {
    std::string shape(msg.logger_name.data(), msg.logger_name.size());
    shape.push_back('\0');
    // Numbers and long hex ids vary between repeats; words (source and sink ids) do not.
    const std::string_view t = std::string_view(text).substr(0, 160);
    for (std::size_t i = 0; i < t.size();) {
      std::size_t j = i;
      while (j < t.size() && std::isalnum(static_cast<unsigned char>(t[j]))) ++j;
      if (j == i) {
        shape.push_back(t[i++]);
        continue;
      }
      const std::string_view word = t.substr(i, j - i);
      const bool digits = std::isdigit(static_cast<unsigned char>(word.front()));  // 42, 923ms, 5m
      const bool hex_id = word.size() >= 8 && word.find_first_not_of("0123456789abcdef") == std::string_view::npos;
      shape += digits || hex_id ? std::string_view("#") : word;
      i = j;
    }
    return shape;
  }

  bool json_ = false;
  std::map<std::string, Window> windows_;
};

std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::info;

std::shared_ptr<StderrSink> shared_sink() {
  static auto sink = std::make_shared<StderrSink>();
  return sink;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(component)) return existing;
  auto log = std::make_shared<spdlog::logger>(component, shared_sink());
  log->set_level(g_level);
  spdlog::register_logger(log);
  return log;
}

bool set_log_level(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  std::lock_guard lock(g_mutex);
  g_level = parsed;
  spdlog::set_level(parsed);
  return true;
}

bool set_log_format(const std::string& format) {
  if (format != "text" && format != "json") return false;
  shared_sink()->use_json(format == "json");
  return true;
}

}  // namespace sigflow
