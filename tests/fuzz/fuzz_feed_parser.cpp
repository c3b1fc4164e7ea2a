// libFuzzer target: any bytes parse to a feed or a typed error; items become events.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/feed_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto feed = sigflow::feed::parse_feed(body, "https://fuzz.example/feed.xml", "application/rss+xml; charset=GBK");
  if (feed) {
    auto events = sigflow::feed::feed_to_events(*feed, "fuzz", "t");
    for (const auto& e : events) (void)e.to_json();
  }
  return 0;
}
