// Chat tools: Slack incoming webhooks, Feishu/Lark bots (signed), DingTalk robots (signed) and
// WeCom robots. Each renders with chat_formats and reads the bot's own status from the reply:
// these APIs answer HTTP 200 with an error code in the body.
#include <chrono>

#include "sigflow/time.hpp"
#include "sinks/builtin_sinks.hpp"
#include "sinks/chat_formats.hpp"
#include "sinks/http_delivery.hpp"

namespace sigflow::sinks {
namespace {

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
    auto key = secret();
    if (!key) return secret_failed(key.error());
    std::int64_t ts = 0;
    std::string sign;
    if (!key->empty()) {
      ts = unix_millis_now() / 1000;
      sign = feishu_sign(ts, *key);
    }
    HttpPost p;
    p.body = feishu_payload(d.alerts, ts, sign);
    // code 0 is success (older bots answer StatusCode 0 too); 11232 is "frequency limited".
    return post_judged(p, "code", {11232, 9499}, true);
  }
};

class DingTalkSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    auto key = secret();
    if (!key) return secret_failed(key.error());
    HttpPost p;
    p.body = dingtalk_payload(d.alerts);
    if (!key->empty()) p.url_suffix = dingtalk_sign(unix_millis_now(), *key);
    // errcode 130101: sending too fast; -1: busy.
    return post_judged(p, "errcode", {130101, -1});
  }
};

class WeComSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    p.body = wecom_payload(d.alerts);
    // errcode 45009: API frequency limit; -1: busy.
    return post_judged(p, "errcode", {45009, -1});
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
