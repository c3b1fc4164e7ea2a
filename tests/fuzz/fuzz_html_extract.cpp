// libFuzzer target: any bytes parse as HTML (declared GBK, as hostile pages do) and yield items
// and region text without crashing, hanging or leaking.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "page/html_extract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const char* content_type : {"text/html; charset=gbk", "text/html"}) {
    auto page = sigflow::page::HtmlPage::parse(body, "https://fuzz.example/news/", content_type);
    if (!page) continue;
    (void)page->title();
    sigflow::page::ItemPaths paths;
    paths.items = "//li | //div[@class='row']";
    paths.date = ".//span";
    paths.summary = "string(.//p)";
    (void)page->items(paths);
    (void)page->region_text("//table | //div[@id='pricing']");
  }
  return 0;
}
