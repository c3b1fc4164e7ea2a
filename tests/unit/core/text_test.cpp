#include "sigflow/text.hpp"

#include <gtest/gtest.h>

#include "sigflow/url.hpp"

namespace sigflow {
namespace {

TEST(Text, StripsMarkupAndDecodesEntities) {
  EXPECT_EQ(html_to_text("<p>阿里云&nbsp;<b>上线</b></p><p>DeepSeek &amp; Qwen</p>"), "阿里云 上线\nDeepSeek & Qwen");
  EXPECT_EQ(html_to_text("a<br>b<br/>c"), "a\nb\nc");
  EXPECT_EQ(html_to_text("x<script>alert(1)</script><style>p{}</style>y"), "xy");
  EXPECT_EQ(html_to_text("price &lt;1 元 &#8217;ok&#x2019;"), "price <1 元 \u2019ok\u2019");
  EXPECT_EQ(html_to_text("plain text, no markup"), "plain text, no markup");
}

TEST(Text, CollapsesAsciiAndIdeographicWhitespace) {
  EXPECT_EQ(collapse_whitespace("  a \t b\u3000\u3000c\n\n d  "), "a b c\nd");
  EXPECT_EQ(collapse_whitespace(""), "");
}

TEST(Text, HandlesRealisticNestingAndSurvivesHostileNesting) {
  std::string nested;
  for (int i = 0; i < 200; ++i) nested += "<span>";
  EXPECT_EQ(html_to_text(nested + "core"), "core");
  // libxml2 stops at its depth limit (256) instead of recursing without bound: no crash.
  std::string hostile;
  for (int i = 0; i < 100000; ++i) hostile += "<div>";
  EXPECT_LT(html_to_text(hostile + "core").size(), 100000u);
}

TEST(Text, DetectsScriptAndLanguage) {
  EXPECT_EQ(detect_language("阿里云百炼上线 DeepSeek-R1，这是国内首个支持的云平台"), "zh-Hans");
  EXPECT_EQ(detect_language("騰訊雲上架 DeepSeek-R1，這是國內首個支援的雲平台"), "zh-Hant");
  EXPECT_EQ(detect_language("Microsoft adds DeepSeek-R1 to Azure AI Foundry and GitHub Models"), "en");
  EXPECT_EQ(detect_language("DeepSeek 完成融资"), "zh-Hans");  // a few Han characters outweigh a Latin name
  EXPECT_EQ(detect_language("ok"), "");
}

TEST(Url, CanonicalUrlsDropTrackingParametersAndFragments) {
  EXPECT_EQ(canonical_url("https://news.example.cn/a.html?utm_source=rss&id=7&spm=a2c4g.1&utm_medium=feed#comments"),
            "https://news.example.cn/a.html?id=7");
  EXPECT_EQ(canonical_url("https://news.example.cn/a.html?utm_source=rss"), "https://news.example.cn/a.html");
  EXPECT_EQ(canonical_url("https://news.example.cn/a.html?src=rss&lang=zh-hk"), "https://news.example.cn/a.html?src=rss&lang=zh-hk");
  EXPECT_EQ(canonical_url("not a url"), "not a url");
}

TEST(Url, ResolvesRelativeReferences) {
  EXPECT_EQ(resolve_url("https://a.example/x/feed.xml", "b.html"), "https://a.example/x/b.html");
  EXPECT_EQ(resolve_url("https://a.example/x/feed.xml", "/b.html"), "https://a.example/b.html");
  EXPECT_EQ(resolve_url("https://a.example/x/y/", "../b.html"), "https://a.example/x/b.html");
  EXPECT_EQ(resolve_url("https://a.example/", "https://c.example/z"), "https://c.example/z");
  EXPECT_EQ(resolve_url("", "relative"), std::nullopt);
  EXPECT_EQ(file_url_for_path("samples/a.xml", "/etc/sigflow"), "file:///etc/sigflow/samples/a.xml");
  EXPECT_EQ(file_url_for_path("/abs/a.xml", "/etc/sigflow"), "file:///abs/a.xml");
}

}  // namespace
}  // namespace sigflow
