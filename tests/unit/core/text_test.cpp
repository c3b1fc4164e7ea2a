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
