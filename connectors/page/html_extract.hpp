#pragma once
// HTML extraction for watched pages: parse with libxml2's HTML parser (network off, recovery on,
// legacy charsets decoded), then pick items or a region with XPath.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow::page {

// XPath expressions relative to each item node ("" skips the field).
struct ItemPaths {
  std::string items;  // absolute: selects the item nodes
  std::string title = ".//a";
  std::string link = ".//a/@href";
  std::string date;
  std::string summary;
};

struct ExtractedItem {
  std::string title;
  std::string link;  // absolute when resolvable
  std::string date;  // as written
  std::string summary;
};

class HtmlPage {
 public:
  // Decodes by the HTTP charset, else a <meta> charset, else UTF-8 (GBK as GB18030, Big5 as
  // Big5-HKSCS). Error code page.html when nothing parseable is left.
  static Result<HtmlPage> parse(std::string_view body, const std::string& url, const std::string& content_type = {});
  ~HtmlPage();
  HtmlPage(HtmlPage&&) noexcept;
  HtmlPage& operator=(HtmlPage&&) noexcept;

  std::string title() const;  // <title>, whitespace collapsed
  std::vector<ExtractedItem> items(const ItemPaths& paths) const;
  // The text of every node `xpath` selects, one line per block element, whitespace collapsed;
  // nullopt when it selects nothing.
  std::optional<std::string> region_text(const std::string& xpath) const;

 private:
  HtmlPage();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `expr` compiles as XPath 1.0; the error says why not.
Status check_xpath(const std::string& expr);

}  // namespace sigflow::page
