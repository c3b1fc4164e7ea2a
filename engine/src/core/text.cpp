#include "sigflow/text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace sigflow {
namespace {

bool is_block(const xmlChar* name) {
  static constexpr const char* kBlocks[] = {"p",  "br", "div", "li", "ul", "ol", "tr", "table",
                                            "h1", "h2", "h3",  "h4", "h5", "h6", "blockquote",
                                            "pre", "section", "article", "header", "footer",
                                            "hr", "dd", "dt"};
  for (const char* b : kBlocks) {
    if (xmlStrcasecmp(name, reinterpret_cast<const xmlChar*>(b)) == 0) return true;
  }
  return false;
}

bool is_skipped(const xmlChar* name) {
  return xmlStrcasecmp(name, BAD_CAST "script") == 0 || xmlStrcasecmp(name, BAD_CAST "style") == 0 ||
         xmlStrcasecmp(name, BAD_CAST "noscript") == 0 || xmlStrcasecmp(name, BAD_CAST "template") == 0;
}

// Iterative walk (no recursion): hostile input nesting depth cannot exhaust the stack.
void collect_text(xmlNode* root, std::string& out) {
  xmlNode* node = root;
  while (node != nullptr) {
    bool descend = false;
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      // In HTML a line break in the source is white space; only block elements (and <pre>)
      // break lines.
      if (node->content != nullptr) {
        const std::size_t from = out.size();
        out.append(reinterpret_cast<const char*>(node->content));
        const bool in_pre = node->parent != nullptr && xmlStrcasecmp(node->parent->name, BAD_CAST "pre") == 0;
        if (!in_pre) std::replace(out.begin() + static_cast<std::ptrdiff_t>(from), out.end(), '\n', ' ');
      }
    } else if (node->type == XML_ELEMENT_NODE) {
      if (is_block(node->name)) out.push_back('\n');
      // Table cells stay apart ("A10 2.5元", not "A102.5元").
      if (xmlStrcasecmp(node->name, BAD_CAST "td") == 0 || xmlStrcasecmp(node->name, BAD_CAST "th") == 0) out.push_back(' ');
      descend = !is_skipped(node->name) && node->children != nullptr;
    }
    if (descend) {
      node = node->children;
      continue;
    }
    while (node != nullptr && node != root && node->next == nullptr) {
      node = node->parent;
      if (node != nullptr && node->type == XML_ELEMENT_NODE && is_block(node->name)) out.push_back('\n');
    }
    if (node == nullptr || node == root) break;
    node = node->next;
  }
}

}  // namespace

namespace {

// Common characters whose Simplified and Traditional forms differ, as (simplified, traditional).
constexpr std::pair<std::string_view, std::string_view> kScriptPairs[] = {
    {"们", "們"}, {"这", "這"}, {"个", "個"}, {"来", "來"}, {"时", "時"}, {"说", "說"}, {"会", "會"}, {"对", "對"},
    {"国", "國"}, {"发", "發"}, {"与", "與"}, {"为", "為"}, {"经", "經"}, {"电", "電"}, {"业", "業"}, {"实", "實"},
    {"开", "開"}, {"关", "關"}, {"后", "後"}, {"产", "產"}, {"区", "區"}, {"点", "點"}, {"云", "雲"}, {"腾", "騰"},
    {"讯", "訊"}, {"亿", "億"}, {"万", "萬"}, {"币", "幣"}, {"资", "資"}, {"融", "融"}, {"轮", "輪"}, {"领", "領"},
    {"价", "價"}, {"费", "費"}, {"务", "務"}, {"线", "線"}, {"网", "網"}, {"络", "絡"}, {"视", "視"}, {"频", "頻"},
    {"东", "東"}, {"车", "車"}, {"长", "長"}, {"动", "動"}, {"进", "進"}, {"还", "還"}, {"从", "從"}, {"认", "認"},
    {"应", "應"}, {"用", "用"}, {"计", "計"}, {"算", "算"}, {"数", "數"}, {"据", "據"}, {"报", "報"}, {"导", "導"},
    {"际", "際"}, {"华", "華"}, {"阿", "阿"}, {"里", "裡"}, {"体", "體"}, {"将", "將"}, {"场", "場"}, {"则", "則"},
};

}  // namespace

std::string detect_language(std::string_view text) {
  std::size_t han = 0, latin = 0, simplified = 0, traditional = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      latin += std::isalpha(c) ? 1 : 0;
      ++i;
      continue;
    }
    const std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (len == 3 && c >= 0xE4 && c <= 0xE9) {  // U+4E00..U+9FFF, the main Han block
      ++han;
      const std::string_view ch = text.substr(i, 3);
      for (const auto& [s, t] : kScriptPairs) {
        if (s == t) continue;
        if (ch == s) ++simplified;
        else if (ch == t) ++traditional;
      }
    }
    i += len;
  }
  if (han >= 2 && han * 4 >= latin) return traditional > simplified ? "zh-Hant" : "zh-Hans";
  if (latin >= 8) return "en";
  return "";
}

std::string charset_of_content_type(std::string_view content_type) {
  const std::string ct = ascii_lower(content_type);
  const auto pos = ct.find("charset=");
  if (pos == std::string::npos) return {};
  std::string cs = ct.substr(pos + 8);
  cs = cs.substr(0, cs.find_first_of("; "));
  std::erase(cs, '"');
  std::erase(cs, '\'');
  return cs;
}

std::string decoder_for_charset(std::string_view charset) {
  const std::string enc = ascii_lower(charset);
  if (enc == "gb2312" || enc == "gbk" || enc == "x-gbk" || enc == "cp936" || enc == "gb_2312-80") return "GB18030";
  if (enc == "big5" || enc == "x-big5" || enc == "cp950") return "BIG5-HKSCS";
  return enc;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  bool pending_newline = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    // U+3000 IDEOGRAPHIC SPACE (E3 80 80) and U+00A0 NO-BREAK SPACE (C2 A0) count as spaces.
    if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x80) {
      pending_space = true;
      i += 2;
      continue;
    }
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      pending_space = true;
      i += 1;
      continue;
    }
    if (c == '\n') {
      pending_newline = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = true;
      continue;
    }
    if (!out.empty()) {
      if (pending_newline) {
        out.push_back('\n');
      } else if (pending_space) {
        out.push_back(' ');
      }
    }
    pending_space = pending_newline = false;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

namespace {

xmlParserInputPtr refuse_external(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }
void silent(void*, const char*, ...) {}

}  // namespace

void init_libxml_safely() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(&refuse_external);
    xmlSetGenericErrorFunc(nullptr, &silent);
  });
}

std::string html_to_text(std::string_view html) {
  if (html.find_first_of("<&") == std::string_view::npos) return collapse_whitespace(html);
  init_libxml_safely();
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                      HTML_PARSE_NOWARNING | HTML_PARSE_NOBLANKS;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8", options),
      &xmlFreeDoc);
  if (!doc) return collapse_whitespace(html);
  std::string raw;
  collect_text(xmlDocGetRootElement(doc.get()), raw);
  return collapse_whitespace(raw);
}

}  // namespace sigflow
