#include "sinks/chat_formats.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sigflow/hash.hpp"
#include "sigflow/json_writer.hpp"
#include "sigflow/time.hpp"
#include "sigflow/url.hpp"

namespace sigflow::sinks {
namespace {

std::string severity_upper(Severity s) {
  std::string out(to_string(s));
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "3 alerts: funding_round" for a group, the summary for one alert.
std::string headline(const std::vector<Alert>& alerts) {
  if (alerts.size() == 1) return fmt::format("[{}] {}", severity_upper(alerts[0].severity), alerts[0].summary);
  std::vector<std::string_view> signals;
  for (const auto& a : alerts) {
    if (std::find(signals.begin(), signals.end(), a.signal) == signals.end()) signals.push_back(a.signal);
  }
  return fmt::format("{} alerts: {}", alerts.size(), fmt::join(signals, ", "));
}

// At most max_bytes of s, not ending inside a UTF-8 sequence.
std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n]: the first byte left out
  return std::string(s.substr(0, n));
}

// Slack mrkdwn escapes only &, < and >.
std::string slack_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out.push_back(c);
  }
  return out;
}

// Markdown (DingTalk, WeCom): brackets and emphasis characters of untrusted text would become
// links or formatting, so they are escaped with a backslash.
std::string md_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '[' || c == ']' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '#') out.push_back('\\');
    if (c == '\n') {
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// A URL inside a link (markdown parentheses, Slack <url|text>): spaces and parentheses would end it early.
std::string md_url(std::string_view url) {
  std::string out;
  for (char c : url) {
    if (c == ' ') out += "%20";
    else if (c == '(') out += "%28";
    else if (c == ')') out += "%29";
    else out.push_back(c);
  }
  return out;
}

std::string markdown_body(const std::vector<Alert>& alerts, bool wecom) {
  std::string md;
  for (const auto& a : alerts) {
    if (!md.empty()) md += "\n\n";
    if (wecom) {
      const char* color = a.severity == Severity::critical ? "warning" : a.severity == Severity::warning ? "comment" : "info";
      md += fmt::format("**<font color=\"{}\">{}</font>** {}\n", color, severity_upper(a.severity), md_escape(a.summary));
    } else {
      md += fmt::format("### [{}] {}\n\n", severity_upper(a.severity), md_escape(a.summary));
    }
    md += fmt::format("> signal: {} · rule: {}\n", md_escape(a.signal), md_escape(a.rule));
    if (!a.entities.empty()) md += fmt::format("> {}\n", md_escape(entities_text(a)));
    if (!a.event.url.empty()) {
      md += fmt::format("> [{}]({})\n", md_escape(a.event.title.empty() ? a.event.url : a.event.title), md_url(a.event.url));
    }
    md += fmt::format("> {} · {} · id {}", md_escape(a.event.source), a.event.time.empty() ? a.fired_at : a.event.time, a.id);
  }
  return md;
}

}  // namespace

std::string entity_values(const std::vector<EntityValue>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += v.text;
  }
  return out;
}

std::string entities_text(const Alert& a) {
  std::string out;
  for (const auto& [name, values] : a.entities) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{}: {}", name, entity_values(values));
  }
  return out;
}

std::string slack_payload(const std::vector<Alert>& alerts) {
  json::Writer w;
  w.begin_object().field("text", slack_escape(headline(alerts)));
  w.key("blocks").begin_array();
  w.begin_object().field("type", "header").key("text").begin_object().field("type", "plain_text").field("text", utf8_prefix(headline(alerts), 150));
  w.end_object().end_object();
  // Slack refuses messages of more than 50 blocks: the header and 2 per alert. A larger group
  // shows 23 alerts in full and lists the rest in one section (of at most 3000 characters).
  const std::size_t full = alerts.size() <= 24 ? alerts.size() : 23;
  for (std::size_t i = 0; i < full; ++i) {
    const Alert& a = alerts[i];
    std::string text = fmt::format("*{}*", slack_escape(a.summary));
    if (!a.event.url.empty()) {
      text += fmt::format("\n<{}|{}>", slack_escape(md_url(a.event.url)), slack_escape(a.event.title.empty() ? a.event.url : a.event.title));
    }
    w.begin_object().field("type", "section").key("text").begin_object().field("type", "mrkdwn").field("text", text).end_object();
    w.key("fields").begin_array();
    w.begin_object().field("type", "mrkdwn").field("text", fmt::format("*Signal*\n{}", slack_escape(a.signal))).end_object();
    w.begin_object().field("type", "mrkdwn").field("text", fmt::format("*Severity*\n{}", to_string(a.severity))).end_object();
    std::size_t shown = 0;  // Slack allows 10 fields per section: signal, severity and 8 entities
    for (const auto& [name, values] : a.entities) {
      if (++shown > 8) break;
      w.begin_object().field("type", "mrkdwn").field("text", fmt::format("*{}*\n{}", slack_escape(name), slack_escape(entity_values(values)))).end_object();
    }
    w.end_array().end_object();
    w.begin_object().field("type", "context").key("elements").begin_array();
    w.begin_object()
        .field("type", "mrkdwn")
        .field("text", fmt::format("rule `{}` · {} · {} · alert `{}`", slack_escape(a.rule), slack_escape(a.event.source), a.fired_at, a.id))
        .end_object();
    w.end_array().end_object();
  }
  if (full < alerts.size()) {
    std::string rest = fmt::format("*{} more alerts*", alerts.size() - full);
    for (std::size_t i = full; i < alerts.size(); ++i) {
      const std::string line = fmt::format("\n• [{}] {}", severity_upper(alerts[i].severity), slack_escape(alerts[i].summary));
      if (rest.size() + line.size() > 2900) {
        rest += "\n…";
        break;
      }
      rest += line;
    }
    w.begin_object().field("type", "section").key("text").begin_object().field("type", "mrkdwn").field("text", rest).end_object().end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string feishu_sign(std::int64_t timestamp, const std::string& secret) {
  return base64_encode(hmac_sha256(fmt::format("{}\n{}", timestamp, secret), ""));
}

std::string feishu_payload(const std::vector<Alert>& alerts, std::int64_t timestamp, const std::string& sign) {
  json::Writer w;
  w.begin_object();
  if (!sign.empty()) w.field("timestamp", std::to_string(timestamp)).field("sign", sign);
  w.field("msg_type", "post").key("content").begin_object().key("post").begin_object().key("zh_cn").begin_object();
  w.field("title", headline(alerts)).key("content").begin_array();
  auto line = [&w](std::initializer_list<std::pair<std::string, std::string>> parts) {  // (text, href)
    w.begin_array();
    for (const auto& [text, href] : parts) {
      if (href.empty()) w.begin_object().field("tag", "text").field("text", text).end_object();
      else w.begin_object().field("tag", "a").field("text", text).field("href", href).end_object();
    }
    w.end_array();
  };
  for (const auto& a : alerts) {
    if (alerts.size() > 1) line({{fmt::format("[{}] {}", severity_upper(a.severity), a.summary), ""}});
    line({{fmt::format("signal: {} · rule: {}", a.signal, a.rule), ""}});
    if (!a.entities.empty()) line({{entities_text(a), ""}});
    if (!a.event.url.empty()) line({{a.event.title.empty() ? a.event.url : a.event.title, a.event.url}});
    line({{fmt::format("{} · {} · id {}", a.event.source, a.event.time.empty() ? a.fired_at : a.event.time, a.id), ""}});
  }
  w.end_array().end_object().end_object().end_object().end_object();
  return w.take();
}

std::string dingtalk_sign(std::int64_t timestamp_ms, const std::string& secret) {
  const std::string sign = base64_encode(hmac_sha256(secret, fmt::format("{}\n{}", timestamp_ms, secret)));
  return fmt::format("&timestamp={}&sign={}", timestamp_ms, percent_encode(sign));
}

std::string dingtalk_payload(const std::vector<Alert>& alerts) {
  json::Writer w;
  w.begin_object().field("msgtype", "markdown").key("markdown").begin_object();
  w.field("title", headline(alerts)).field("text", markdown_body(alerts, false));
  w.end_object().end_object();
  return w.take();
}

std::string wecom_payload(const std::vector<Alert>& alerts) {
  json::Writer w;
  w.begin_object().field("msgtype", "markdown").key("markdown").begin_object();
  std::string body = markdown_body(alerts, true);
  if (body.size() > 4000) body = utf8_prefix(body, 3990) + "\n…";  // WeCom's limit is 4096 bytes
  w.field("content", body);
  w.end_object().end_object();
  return w.take();
}

std::string alertmanager_payload(const std::vector<Alert>& alerts, std::chrono::seconds resolve_after, const std::string& generator_url) {
  json::Writer w;
  w.begin_array();
  for (const auto& a : alerts) {
    w.begin_object();
    w.key("labels").begin_object();
    w.field("alertname", a.rule).field("signal", a.signal).field("severity", to_string(a.severity)).field("alert_id", a.id);
    for (const auto& [k, v] : a.labels) {
      if (k != "alertname" && k != "signal" && k != "severity" && k != "alert_id") w.field(k, v);
    }
    w.end_object();
    w.key("annotations").begin_object();
    w.field("summary", a.summary).field("title", a.event.title, true).field("url", a.event.url, true).field("source", a.event.source);
    w.field("event_id", a.event.id).field("fired_at", a.fired_at).field("entities", entities_text(a), true);
    w.end_object();
    const auto fired = parse_datetime(a.fired_at);
    if (fired) {
      w.field("startsAt", format_rfc3339(*fired)).field("endsAt", format_rfc3339(*fired + resolve_after));
    }
    w.field("generatorURL", generator_url.empty() ? a.event.url : generator_url, true);
    w.end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace sigflow::sinks
