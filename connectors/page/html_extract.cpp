#include "page/html_extract.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <mutex>

#include <fmt/format.h>

#include "sigflow/text.hpp"
#include "sigflow/url.hpp"

namespace sigflow::page {
namespace {

using XPathObject = std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)>;


// charset from <meta charset="..."> or <meta http-equiv content="...; charset=...">, within
// the first 4 KiB as browsers do (approximately).
std::string meta_charset(std::string_view body) {
  const std::string head = ascii_lower(body.substr(0, 4096));
  for (auto pos = head.find("<meta"); pos != std::string::npos; pos = head.find("<meta", pos + 5)) {
    const auto end = head.find('>', pos);
    const std::string tag = head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    const auto cs = tag.find("charset=");
    if (cs == std::string::npos) continue;
    std::size_t start = cs + 8;
    while (start < tag.size() && (tag[start] == '"' || tag[start] == '\'' || tag[start] == ' ')) ++start;
    const auto stop = tag.find_first_of("\"'; />", start);
    return tag.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
  }
  return {};
}

std::string node_text(xmlNode* node) {
  if (node == nullptr) return {};
  if (node->type == XML_ATTRIBUTE_NODE || node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
    std::unique_ptr<xmlChar, decltype(xmlFree)> content(xmlNodeGetContent(node), xmlFree);
    return content ? collapse_whitespace(reinterpret_cast<const char*>(content.get())) : std::string();
  }
  std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buf(xmlBufferCreate(), &xmlBufferFree);
  if (!buf || htmlNodeDump(buf.get(), node->doc, node) < 0) return {};
  return html_to_text(std::string_view(reinterpret_cast<const char*>(xmlBufferContent(buf.get())),
                                       static_cast<std::size_t>(xmlBufferLength(buf.get()))));
}

// The string value of `expr` evaluated at `node`: the first selected node's text, or a
// string/number/boolean result as text.
std::string eval_text(xmlXPathContext* ctx, xmlNode* node, const std::string& expr) {
  if (expr.empty()) return {};
  XPathObject r(xmlXPathNodeEval(node, BAD_CAST expr.c_str(), ctx), &xmlXPathFreeObject);
  if (!r) return {};
  if (r->type == XPATH_NODESET) {
    if (r->nodesetval == nullptr || r->nodesetval->nodeNr == 0) return {};
    return node_text(r->nodesetval->nodeTab[0]);
  }
  std::unique_ptr<xmlChar, decltype(xmlFree)> s(xmlXPathCastToString(r.get()), xmlFree);
  return s ? collapse_whitespace(reinterpret_cast<const char*>(s.get())) : std::string();
}

}  // namespace

struct HtmlPage::Impl {
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc{nullptr, &xmlFreeDoc};
  std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx{nullptr, &xmlXPathFreeContext};
  std::string url;
};

HtmlPage::HtmlPage() : impl_(std::make_unique<Impl>()) {}
HtmlPage::~HtmlPage() = default;
HtmlPage::HtmlPage(HtmlPage&&) noexcept = default;
HtmlPage& HtmlPage::operator=(HtmlPage&&) noexcept = default;

Result<HtmlPage> HtmlPage::parse(std::string_view body, const std::string& url, const std::string& content_type) {
  init_libxml_safely();
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return make_error("page.html", "the response body is empty");
  if (body.size() > static_cast<std::size_t>(INT32_MAX)) return make_error("page.html", "document too large");
  std::string charset = charset_of_content_type(content_type);
  if (charset.empty()) charset = meta_charset(body);
  const std::string encoding = charset.empty() ? "UTF-8" : decoder_for_charset(charset);
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT;
  HtmlPage page;
  page.impl_->url = url;
  page.impl_->doc.reset(htmlReadMemory(body.data(), static_cast<int>(body.size()), url.c_str(), encoding.c_str(), options));
  if (!page.impl_->doc) {
    // An encoding iconv does not know: try again as UTF-8 rather than give up.
    page.impl_->doc.reset(htmlReadMemory(body.data(), static_cast<int>(body.size()), url.c_str(), "UTF-8", options));
  }
  if (!page.impl_->doc || xmlDocGetRootElement(page.impl_->doc.get()) == nullptr) {
    return make_error("page.html", "not parseable as HTML");
  }
  page.impl_->ctx.reset(xmlXPathNewContext(page.impl_->doc.get()));
  if (!page.impl_->ctx) return make_error("page.html", "out of memory");
  return page;
}

std::string HtmlPage::title() const {
  return eval_text(impl_->ctx.get(), xmlDocGetRootElement(impl_->doc.get()), "//title");
}

std::vector<ExtractedItem> HtmlPage::items(const ItemPaths& paths) const {
  std::vector<ExtractedItem> out;
  XPathObject r(xmlXPathEvalExpression(BAD_CAST paths.items.c_str(), impl_->ctx.get()), &xmlXPathFreeObject);
  if (!r || r->type != XPATH_NODESET || r->nodesetval == nullptr) return out;
  for (int i = 0; i < r->nodesetval->nodeNr; ++i) {
    xmlNode* node = r->nodesetval->nodeTab[i];
    ExtractedItem item;
    item.title = eval_text(impl_->ctx.get(), node, paths.title);
    const std::string link = eval_text(impl_->ctx.get(), node, paths.link);
    if (!link.empty()) item.link = resolve_url(impl_->url, link).value_or(link);
    item.date = eval_text(impl_->ctx.get(), node, paths.date);
    item.summary = eval_text(impl_->ctx.get(), node, paths.summary);
    if (!item.title.empty() || !item.link.empty()) out.push_back(std::move(item));
  }
  return out;
}

std::optional<std::string> HtmlPage::region_text(const std::string& xpath) const {
  XPathObject r(xmlXPathEvalExpression(BAD_CAST xpath.c_str(), impl_->ctx.get()), &xmlXPathFreeObject);
  if (!r || r->type != XPATH_NODESET || r->nodesetval == nullptr || r->nodesetval->nodeNr == 0) return std::nullopt;
  std::string text;
  for (int i = 0; i < r->nodesetval->nodeNr; ++i) {
    if (!text.empty()) text.push_back('\n');
    text += node_text(r->nodesetval->nodeTab[i]);
  }
  return text;
}

Status check_xpath(const std::string& expr) {
  init_libxml_safely();
  std::unique_ptr<xmlXPathCompExpr, decltype(&xmlXPathFreeCompExpr)> compiled(xmlXPathCompile(BAD_CAST expr.c_str()), &xmlXPathFreeCompExpr);
  if (!compiled) return make_error("config.xpath", fmt::format("'{}' is not a valid XPath 1.0 expression", expr));
  return Ok{};
}

}  // namespace sigflow::page
