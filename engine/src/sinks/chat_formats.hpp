#pragma once
// The messages sinks send, rendered from alerts. Pure functions, so tests compare them with
// golden files (tests/fixtures/sinks). A group (several alerts in one message) lists each alert.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sigflow/alert.hpp"

namespace sigflow::sinks {

// Slack incoming webhook: Block Kit (header, one section per alert with its fields and link,
// a context line with rule and alert id) plus `text` for notifications.
std::string slack_payload(const std::vector<Alert>& alerts);

// Feishu/Lark custom bot: a rich-text "post" message. With a secret, `timestamp` (unix seconds)
// and `sign` are added as the bot's signature check requires.
std::string feishu_payload(const std::vector<Alert>& alerts, std::int64_t timestamp = 0, const std::string& sign = {});
// base64(HMAC-SHA256 with key "<timestamp>\n<secret>" over an empty message).
std::string feishu_sign(std::int64_t timestamp, const std::string& secret);

// DingTalk custom robot: a markdown message (signed through the URL, see dingtalk_sign).
std::string dingtalk_payload(const std::vector<Alert>& alerts);
// The query suffix "&timestamp=<ms>&sign=<urlencoded base64(HMAC-SHA256(secret, "<ms>\n<secret>"))>".
std::string dingtalk_sign(std::int64_t timestamp_ms, const std::string& secret);

// WeCom (企业微信) group robot: a markdown message.
std::string wecom_payload(const std::vector<Alert>& alerts);

// Alertmanager POST /api/v2/alerts: one element per alert. Labels: alertname (the rule), signal,
// severity, alert_id and the rule's labels; annotations: summary, title, url, source, event_id,
// fired_at and the entities. endsAt = fired_at + resolve_after (signals are events, not states).
std::string alertmanager_payload(const std::vector<Alert>& alerts, std::chrono::seconds resolve_after, const std::string& generator_url);

// An entity's values joined with ", " (numbers as written).
std::string entity_values(const std::vector<EntityValue>& values);

// Entities as "provider: Alibaba Cloud; model: DeepSeek-R1" (numbers as written).
std::string entities_text(const Alert& alert);

}  // namespace sigflow::sinks
