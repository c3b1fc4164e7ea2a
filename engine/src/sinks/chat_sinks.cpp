// Chat tools: Slack incoming webhooks, Feishu/Lark bots (signed), DingTalk robots (signed) and
// WeCom robots. Each renders with chat_formats and reads the bot's own status from the reply:
// these APIs answer HTTP 200 with an error code in the body.
#include <chrono>

#include "sigflow/secrets.hpp"
#include "sinks/builtin_sinks.hpp"
#include "sinks/chat_formats.hpp"
#include "sinks/http_delivery.hpp"

namespace sigflow::sinks {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SlackSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    p.body = slack_payload(d.alerts);
    return post(p);  // Slack reports errors with 4xx statuses
  }
};

class FeishuSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    std::int64_t ts = 0;
    std::string sign;
    if (const auto& ref = spec_.settings.get("secret"); !ref.empty()) {
      auto secret = resolve_secrets(ref);
      if (!secret) return {Verdict::retry, "config_secret", secret.error().message, std::nullopt};
      ts = unix_ms() / 1000;
      sign = feishu_sign(ts, *secret);
    }
    p.body = feishu_payload(d.alerts, ts, sign);
    std::string reply;
    auto outcome = post(p, &reply);
    // code 0 is success (older bots answer StatusCode 0 too); 11232 is "frequency limited".
    return outcome.verdict == Verdict::delivered ? judge_json_code(reply, "code", {11232, 9499}, true) : outcome;
  }
};

class DingTalkSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    p.body = dingtalk_payload(d.alerts);
    if (const auto& ref = spec_.settings.get("secret"); !ref.empty()) {
      auto secret = resolve_secrets(ref);
      if (!secret) return {Verdict::retry, "config_secret", secret.error().message, std::nullopt};
      p.url_suffix = dingtalk_sign(unix_ms(), *secret);
    }
    std::string reply;
    auto outcome = post(p, &reply);
    // errcode 130101: sending too fast; -1: busy.
    return outcome.verdict == Verdict::delivered ? judge_json_code(reply, "errcode", {130101, -1}) : outcome;
  }
};

class WeComSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    p.body = wecom_payload(d.alerts);
    std::string reply;
    auto outcome = post(p, &reply);
    // errcode 45009: API frequency limit; -1: busy.
    return outcome.verdict == Verdict::delivered ? judge_json_code(reply, "errcode", {45009, -1}) : outcome;
  }
};

const SettingSpec kSecret{"secret", SettingType::string, "", "the bot's signing secret (its security setting); ${env:NAME} or ${file:PATH}"};

}  // namespace

SinkFactory slack_sink_factory() {
  return http_sink_factory<SlackSink>("slack", "Slack incoming webhook: one Block Kit message per alert (or per group).",
                                      {{"rate_limit", SettingType::string, "1/1s", "Slack accepts about one message per second per webhook"}});
}

SinkFactory feishu_sink_factory() {
  return http_sink_factory<FeishuSink>("feishu", "Feishu/Lark custom bot: a rich-text post per alert, signed when the bot has a secret.",
                                       {kSecret, {"rate_limit", SettingType::string, "100/1m", "Feishu allows 100 messages a minute per bot"}});
}

SinkFactory dingtalk_sink_factory() {
  return http_sink_factory<DingTalkSink>("dingtalk", "DingTalk custom robot: a markdown message per alert, signed when the robot has a secret.",
                                         {kSecret, {"rate_limit", SettingType::string, "20/1m", "DingTalk allows 20 messages a minute per robot"}});
}

SinkFactory wecom_sink_factory() {
  return http_sink_factory<WeComSink>("wecom", "WeCom (企业微信) group robot: a markdown message per alert.",
                                      {{"rate_limit", SettingType::string, "20/1m", "WeCom allows 20 messages a minute per robot"}});
}

}  // namespace sigflow::sinks
