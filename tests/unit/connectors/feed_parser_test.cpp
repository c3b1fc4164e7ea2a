#include "common/feed_parser.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "support/test_paths.hpp"

namespace sigflow::feed {
namespace {

using test::fixture;
using test::read_file;

ParsedFeed parse_fixture(const std::string& name, const std::string& content_type = {}) {
  const auto path = fixture("feeds/" + name);
  auto parsed = parse_feed(read_file(path), "file://" + path.string(), content_type);
  EXPECT_TRUE(parsed.ok()) << name << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : ParsedFeed{};
}

std::string time_of(const FeedItem& it) { return it.published ? format_rfc3339(*it.published) : "unset"; }

TEST(FeedParser, Rss2CdataHtmlIsStrippedAndEntitiesDecoded) {
  const ParsedFeed f = parse_fixture("rss2-cdata-html.xml");
  EXPECT_EQ(f.format, "rss2");
  ASSERT_EQ(f.items.size(), 3u);
  const FeedItem& a = f.items[0];
  EXPECT_EQ(a.guid, "cdata-1001");
  EXPECT_EQ(a.title, "阿里云百炼上线 DeepSeek-R1 & DeepSeek-V3");
  EXPECT_EQ(a.link, "https://fixtures.example.cn/cdata/2025/02/03/1001.html");
  EXPECT_EQ(time_of(a), "2025-02-03T02:30:00Z");
  EXPECT_EQ(a.authors, std::vector<std::string>{"李晓峰"});
  EXPECT_EQ(a.summary, "阿里云百炼今日上线 DeepSeek-R1 & DeepSeek-V3。\n首月调用价格 <1 元/百万 tokens 起。\n阅读原文");
  EXPECT_EQ(a.content, "全文：阿里云百炼平台今日上线 DeepSeek-R1 与 DeepSeek-V3 两款模型。\n用户可在控制台一键部署。");
  const FeedItem& b = f.items[1];
  EXPECT_EQ(b.guid, "https://fixtures.example.cn/cdata/2025/02/04/1002.html");
  EXPECT_EQ(b.title, "DeepSeek\u2019s R1 lands on Vertex AI at < $1 per million tokens");
  EXPECT_EQ(b.summary, "Google\u2019s Model Garden now lists R1 & V3.\nPrices: <$1 per million tokens.");
  EXPECT_EQ(f.items[2].title, "文心一言 4 月 1 日起全面免费 (官方)");
  EXPECT_EQ(f.items[2].summary, "Plain text description with no markup.");
}

TEST(FeedParser, AtomResolvesRelativeLinksAgainstXmlBase) {
  const ParsedFeed f = parse_fixture("atom-relative-links.xml");
  EXPECT_EQ(f.format, "atom");
  EXPECT_EQ(f.link, "https://tech.example.com/blog/");
  ASSERT_EQ(f.items.size(), 3u);
  EXPECT_EQ(f.items[0].guid, "tag:tech.example.com,2025:fixtures/rel-1");
  EXPECT_EQ(f.items[0].link, "https://tech.example.com/blog/2025/02/deepseek-bedrock.html");
  EXPECT_EQ(time_of(f.items[0]), "2025-02-14T17:00:00Z");  // published wins over updated
  EXPECT_EQ(f.items[0].authors, std::vector<std::string>{"Fixture Bot"});
  EXPECT_EQ(f.items[1].link, "https://tech.example.com/intl/zh/qwen-price-cut.html");
  EXPECT_EQ(time_of(f.items[1]), "2025-02-20T00:15:30Z");  // only <updated>
  EXPECT_EQ(f.items[1].content, "Entry-level xml:base, only <updated>.");
  EXPECT_EQ(f.items[2].link, "https://tech.example.com/funding/mistral.html");  // alternate, not related
  EXPECT_EQ(time_of(f.items[2]), "2025-02-18T06:00:00Z");
}

TEST(FeedParser, RdfUsesAboutAndDublinCore) {
  const ParsedFeed f = parse_fixture("rdf-basic.xml");
  EXPECT_EQ(f.format, "rss1");
  ASSERT_EQ(f.items.size(), 3u);
  EXPECT_EQ(f.items[0].guid, "https://finance.example.hk/fixtures/2025/02/12/angel");
  EXPECT_EQ(f.items[0].title, "星瀾智能完成 1000 萬人民幣天使輪融資");
  EXPECT_EQ(f.items[0].authors, std::vector<std::string>{"陳嘉欣"});
  EXPECT_EQ(f.items[0].categories, std::vector<std::string>{"融資"});
  EXPECT_EQ(time_of(f.items[0]), "2025-02-12T01:30:00Z");
  EXPECT_EQ(f.items[1].link, "https://finance.example.hk/fixtures/2025/02/17/tencent-cloud?src=rss&lang=zh-hk");
  EXPECT_EQ(f.items[2].link, "https://finance.example.hk/fixtures/2025/01/22/no-link");
  EXPECT_EQ(time_of(f.items[2]), "2025-01-22T00:00:00Z");
}

TEST(FeedParser, OddDatesParseToUtcOrStayUnset) {
  const ParsedFeed f = parse_fixture("odd-dates.xml");
  ASSERT_EQ(f.items.size(), 8u);
  const std::pair<const char*, const char*> expected[] = {
      {"date-gmt", "2025-02-03T06:30:00Z"},     {"date-plus0800", "2025-02-03T06:30:00Z"},
      {"date-est", "2025-02-03T06:30:00Z"},     {"date-rfc3339", "2025-02-03T06:30:00Z"},
      {"date-no-zone", "2025-02-03T14:05:00Z"}, {"date-missing", "unset"},
      {"date-garbage", "unset"},                {"date-short-form", "2025-02-03T06:30:00Z"},
  };
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(f.items[i].title, expected[i].first);
    EXPECT_EQ(time_of(f.items[i]), expected[i].second) << expected[i].first;
  }
  const auto events = feed_to_events(f, "dates", "2025-01-01T00:00:00.000Z");
  EXPECT_TRUE(events[5].time.empty());
  EXPECT_EQ(events[6].data.extra.at("unparsed_date"), "sometime next Tuesday-ish");
}

TEST(FeedParser, DeclaredLegacyEncodingsBecomeUtf8) {
  const ParsedFeed gbk = parse_fixture("gbk.xml");
  EXPECT_EQ(gbk.title, "GBK 编码测试源");
  ASSERT_EQ(gbk.items.size(), 2u);
  EXPECT_EQ(gbk.items[0].title, "阿里云百炼上线DeepSeek-R1模型");
  EXPECT_NE(gbk.items[1].summary.find("“鑫”“堃”“喆”"), std::string::npos);

  const ParsedFeed big5 = parse_fixture("big5.xml");
  EXPECT_EQ(big5.title, "Big5 編碼測試源");
  ASSERT_EQ(big5.items.size(), 2u);
  EXPECT_EQ(big5.items[0].title, "騰訊雲上架 DeepSeek 模型");
  EXPECT_EQ(big5.items[1].title, "許多初創成功完成融資，功能蓋過預期");  // 0x5C second bytes

  const ParsedFeed gb18030 = parse_fixture("gb18030.xml");
  ASSERT_EQ(gb18030.items.size(), 2u);
  EXPECT_EQ(gb18030.items[0].title, "阶跃星辰完成B+轮融资🚀");
  EXPECT_NE(gb18030.items[0].summary.find("“𠀾”"), std::string::npos);

  const ParsedFeed utf16 = parse_fixture("utf16.xml");
  ASSERT_EQ(utf16.items.size(), 2u);
  EXPECT_EQ(utf16.items[0].title, "腾讯云 TI 平台上架 DeepSeek-R1");
  EXPECT_EQ(utf16.items[1].title, "Qwen2.5-Max API price cut \u2013 降价 85%");
}

TEST(FeedParser, HttpCharsetAppliesWhenTheDocumentDeclaresNone) {
  // "腾讯云" in GB18030 bytes, no XML declaration: only the Content-Type says how to read it.
  const std::string body = "<rss version=\"2.0\"><channel><title>t</title><item><title>\xCC\xDA\xD1\xB6\xD4\xC6</title>"
                           "<guid>x</guid></item></channel></rss>";
  auto parsed = parse_feed(body, "http://127.0.0.1/feed", "application/rss+xml; charset=GBK");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->items.size(), 1u);
  EXPECT_EQ(parsed->items[0].title, "腾讯云");
}

TEST(FeedParser, BillionLaughsIsRefusedQuickly) {
  const auto path = fixture("feeds/billion-laughs.xml");
  const auto t0 = std::chrono::steady_clock::now();
  auto parsed = parse_feed(read_file(path), "file://" + path.string());
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(parsed.error().code == "feed.entities" || parsed.error().code == "feed.xml") << parsed.error().code;
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // a generous bound: expansion would take minutes and GBs
}

TEST(FeedParser, ExternalEntitiesAreRefusedWithoutReadingFiles) {
  const auto path = fixture("feeds/xxe.xml");
  auto parsed = parse_feed(read_file(path), "file://" + path.string());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, "feed.entities");
  EXPECT_EQ(parsed.error().message.find("root:"), std::string::npos);
}

TEST(FeedParser, BrokenFeedRecoversLeadingItems) {
  const ParsedFeed f = parse_fixture("broken.xml");
  ASSERT_GE(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].guid, "broken-1");
  EXPECT_EQ(f.items[0].title, "阿里云百炼上线 DeepSeek-R1");
  EXPECT_EQ(f.items[0].link, "https://fixtures.example.cn/broken/1");
  EXPECT_EQ(f.items[0].summary, "First item is well-formed.");
}

TEST(FeedParser, RejectsDocumentsThatAreNotFeeds) {
  const auto path = fixture("feeds/not-a-feed.xml");
  auto parsed = parse_feed(read_file(path), "file://" + path.string());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, "feed.format");
  EXPECT_NE(parsed.error().message.find("<html>"), std::string::npos);

  auto empty = parse_feed("   \n", "http://127.0.0.1/x");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "feed.empty");

  auto garbage = parse_feed("{\"not\": \"xml\"}", "http://127.0.0.1/x");
  ASSERT_FALSE(garbage.ok());
}

TEST(FeedParser, EventsHaveStableIdsAndDedupeRepeatedGuids) {
  const std::string body =
      "<rss version=\"2.0\"><channel><title>t</title><link>https://news.example.cn/</link>"
      "<language>zh-CN</language>"
      "<item><title>a</title><link>/a.html</link><guid>g1</guid></item>"
      "<item><title>a again</title><link>/a.html</link><guid>g1</guid></item>"
      "<item><title>no guid</title><link>b.html?utm_source=rss&amp;utm_medium=feed</link></item></channel></rss>";
  auto parsed = parse_feed(body, "https://news.example.cn/feed.xml");
  ASSERT_TRUE(parsed.ok());
  const auto events = feed_to_events(*parsed, "news", "2025-01-01T00:00:00.000Z");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, make_event_id("news", "g1"));
  EXPECT_EQ(events[0].data.url, "https://news.example.cn/a.html");
  EXPECT_EQ(events[0].data.lang, "zh-Hans");
  EXPECT_EQ(events[1].data.guid, "https://news.example.cn/b.html?utm_source=rss&utm_medium=feed");  // the link stands in for a missing guid
  EXPECT_EQ(events[1].data.url, "https://news.example.cn/b.html");  // tracking parameters removed
  EXPECT_EQ(events[0].type, "sigflow.feed.item");
  EXPECT_NE(make_event_id("news", "g1"), make_event_id("other", "g1"));
}

TEST(FeedParser, EventLanguageComesFromTheTextWhenTheFeedSaysOnlyChinese) {
  const std::string body =
      "<rss version=\"2.0\"><channel><title>t</title><language>zh-cn</language>"
      "<item><title>騰訊雲上架 DeepSeek 模型，這是國內首個</title><guid>1</guid></item>"
      "<item><title>腾讯云上线 DeepSeek 模型，这是国内首个</title><guid>2</guid></item>"
      "<item><title>x</title><guid>3</guid></item></channel></rss>";
  auto parsed = parse_feed(body, "https://news.example.cn/feed.xml");
  ASSERT_TRUE(parsed.ok());
  const auto events = feed_to_events(*parsed, "news", "t");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data.lang, "zh-Hant");
  EXPECT_EQ(events[1].data.lang, "zh-Hans");
  EXPECT_EQ(events[2].data.lang, "zh-Hans");  // too little text: the declared language stands
}

TEST(FeedParser, NormalizesLanguageTags) {
  EXPECT_EQ(normalize_lang("zh-CN"), "zh-Hans");
  EXPECT_EQ(normalize_lang("zh_TW"), "zh-Hant");
  EXPECT_EQ(normalize_lang("zh-HK"), "zh-Hant");
  EXPECT_EQ(normalize_lang("en-US"), "en");
  EXPECT_EQ(normalize_lang(""), "");
}

}  // namespace
}  // namespace sigflow::feed
