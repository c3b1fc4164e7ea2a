#include "common/feed_parser.hpp"

#include <libxml/entities.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "sigflow/hash.hpp"
#include "sigflow/text.hpp"
#include "sigflow/url.hpp"

namespace sigflow::feed {
namespace {

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
constexpr const char* kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kRss1Ns = "http://purl.org/rss/1.0/";
constexpr const char* kDcNs = "http://purl.org/dc/elements/1.1/";
constexpr const char* kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr const char* kXmlNs = "http://www.w3.org/XML/1998/namespace";



// The encoding name in the XML declaration, if any.
std::string declared_encoding(std::string_view body) {
  if (body.size() < 5 || body.substr(0, 5) != "<?xml") return {};
  const auto end = body.find("?>");
  const std::string_view decl = body.substr(0, end == std::string_view::npos ? std::min<std::size_t>(body.size(), 200) : end);
  const auto pos = decl.find("encoding");
  if (pos == std::string_view::npos) return {};
  const auto quote = decl.find_first_of("\"'", pos);
  if (quote == std::string_view::npos) return {};
  const auto close = decl.find(decl[quote], quote + 1);
  if (close == std::string_view::npos) return {};
  return std::string(decl.substr(quote + 1, close - quote - 1));
}

// The encoding to hand libxml2 (overriding the declaration), or "" to let it decide.
std::string effective_encoding(std::string_view body, const std::string& content_type) {
  if (body.size() >= 2 && ((body[0] == '\xFF' && body[1] == '\xFE') || (body[0] == '\xFE' && body[1] == '\xFF'))) return {};
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") return {};
  const std::string declared = ascii_lower(declared_encoding(body));
  if (declared.empty()) return decoder_for_charset(charset_of_content_type(content_type));  // the HTTP charset applies only then
  const std::string decoder = decoder_for_charset(declared);
  return decoder != declared ? decoder : std::string();
}

bool in_ns(const xmlNode* n, const char* ns) {
  if (ns == nullptr) return n->ns == nullptr || xmlStrEqual(n->ns->href, BAD_CAST kRss1Ns);
  return n->ns != nullptr && xmlStrEqual(n->ns->href, BAD_CAST ns);
}

bool is(const xmlNode* n, const char* ns, const char* name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name) && in_ns(n, ns);
}

template <typename F>
void for_children(const xmlNode* parent, F&& f) {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) f(c);
  }
}

const xmlNode* child(const xmlNode* parent, const char* ns, const char* name) {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (is(c, ns, name)) return c;
  }
  return nullptr;
}

// Text of a node and its descendants: text and CDATA only, entity references never expanded.
// Iterative, so hostile nesting cannot exhaust the stack.
std::string raw_text(const xmlNode* node) {
  std::string out;
  if (node == nullptr) return out;
  const xmlNode* n = node->children;
  while (n != nullptr) {
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content != nullptr) {
      out.append(reinterpret_cast<const char*>(n->content));
    }
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n->next == nullptr) {
      n = n->parent;
      if (n == node) return out;
    }
    if (n != nullptr) n = n->next;
  }
  return out;
}

std::string attr(const xmlNode* n, const char* name, const char* ns = nullptr) {
  xmlChar* v = ns ? xmlGetNsProp(n, BAD_CAST name, BAD_CAST ns) : xmlGetNoNsProp(n, BAD_CAST name);
  if (v == nullptr) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string plain(const xmlNode* n) { return n == nullptr ? std::string() : html_to_text(raw_text(n)); }
std::string trimmed(const xmlNode* n) { return n == nullptr ? std::string() : collapse_whitespace(raw_text(n)); }

class Extractor {
 public:
  Extractor(xmlDoc* doc, std::string url) : doc_(doc), url_(std::move(url)) {}

  std::string resolve(const xmlNode* at, const std::string& ref) const {
    if (ref.empty()) return {};
    std::string base = url_;
    if (xmlChar* b = xmlNodeGetBase(doc_, at)) {
      base = reinterpret_cast<const char*>(b);
      xmlFree(b);
    }
    if (base == url_ && !channel_link_.empty()) base = channel_link_;
    // xml:base may itself be relative to the document address.
    if (auto abs_base = resolve_url(url_, base)) base = *abs_base;
    return resolve_url(base, ref).value_or(ref);
  }

  void set_channel_link(std::string link) { channel_link_ = std::move(link); }

  static std::string lang_of(const xmlNode* n, const std::string& fallback) {
    const std::string l = attr(n, "lang", kXmlNs);
    return l.empty() ? fallback : normalize_lang(l);
  }

  FeedItem rss_item(const xmlNode* item, const std::string& feed_lang) const {
    FeedItem it;
    it.title = plain(child(item, nullptr, "title"));
    it.summary = plain(child(item, nullptr, "description"));
    it.content = plain(child(item, kContentNs, "encoded"));
    if (const xmlNode* link = child(item, nullptr, "link")) it.link = resolve(link, trimmed(link));
    if (it.link.empty()) it.link = resolve(item, attr(item, "about", kRdfNs));
    if (const xmlNode* guid = child(item, nullptr, "guid")) {
      it.guid = trimmed(guid);
      if (it.link.empty() && attr(guid, "isPermaLink") != "false") it.link = resolve(guid, it.guid);
    }
    if (it.guid.empty()) it.guid = attr(item, "about", kRdfNs);
    const xmlNode* date = child(item, nullptr, "pubDate");
    if (date == nullptr) date = child(item, kDcNs, "date");
    if (date != nullptr) {
      it.raw_date = trimmed(date);
      it.published = parse_datetime(it.raw_date);
    }
    for_children(item, [&](const xmlNode* c) {
      if (is(c, nullptr, "author") || is(c, kDcNs, "creator")) add_unique(it.authors, trimmed(c));
      if (is(c, nullptr, "category") || is(c, kDcNs, "subject")) add_unique(it.categories, trimmed(c));
    });
    it.lang = lang_of(item, feed_lang);
    return it;
  }

  FeedItem atom_entry(const xmlNode* entry, const std::string& feed_lang, const std::vector<std::string>& feed_authors) const {
    FeedItem it;
    it.title = atom_text(child(entry, kAtomNs, "title"));
    it.summary = atom_text(child(entry, kAtomNs, "summary"));
    it.content = atom_text(child(entry, kAtomNs, "content"));
    for_children(entry, [&](const xmlNode* c) {
      if (is(c, kAtomNs, "link")) {
        const std::string rel = attr(c, "rel");
        if ((rel.empty() || rel == "alternate") && it.link.empty()) it.link = resolve(c, attr(c, "href"));
      } else if (is(c, kAtomNs, "author")) {
        add_unique(it.authors, trimmed(child(c, kAtomNs, "name")));
      } else if (is(c, kAtomNs, "category")) {
        const std::string label = attr(c, "label");
        add_unique(it.categories, label.empty() ? attr(c, "term") : label);
      }
    });
    if (it.authors.empty()) it.authors = feed_authors;
    it.guid = trimmed(child(entry, kAtomNs, "id"));
    const xmlNode* date = child(entry, kAtomNs, "published");
    if (date == nullptr) date = child(entry, kAtomNs, "updated");
    if (date != nullptr) {
      it.raw_date = trimmed(date);
      it.published = parse_datetime(it.raw_date);
    }
    it.lang = lang_of(entry, feed_lang);
    return it;
  }

 private:
  static void add_unique(std::vector<std::string>& v, std::string s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
  }

  // Atom text constructs: type="text" is plain; "html" is escaped HTML; "xhtml" is inline markup.
  static std::string atom_text(const xmlNode* n) {
    if (n == nullptr) return {};
    const std::string type = attr(n, "type");
    if (type == "text" || type.empty()) return html_to_text(raw_text(n));  // decodes stray entities too
    if (type == "xhtml") {
      xmlBufferPtr buf = xmlBufferCreate();
      for (xmlNode* c = n->children; c != nullptr; c = c->next) xmlNodeDump(buf, n->doc, c, 0, 0);
      std::string markup(reinterpret_cast<const char*>(xmlBufferContent(buf)), static_cast<std::size_t>(xmlBufferLength(buf)));
      xmlBufferFree(buf);
      return html_to_text(markup);
    }
    return html_to_text(raw_text(n));
  }

  xmlDoc* doc_;
  std::string url_;
  std::string channel_link_;
};

bool declares_entities(const xmlDoc* doc) {
  const xmlDtd* dtds[] = {doc->intSubset, doc->extSubset};
  for (const xmlDtd* dtd : dtds) {
    if (dtd == nullptr) continue;
    if (dtd->entities != nullptr && xmlHashSize(static_cast<xmlHashTablePtr>(dtd->entities)) > 0) return true;
    if (dtd->pentities != nullptr && xmlHashSize(static_cast<xmlHashTablePtr>(dtd->pentities)) > 0) return true;
  }
  return false;
}

}  // namespace

std::string normalize_lang(std::string_view tag) {
  std::string t = ascii_lower(tag);
  std::replace(t.begin(), t.end(), '_', '-');
  if (t.empty()) return t;
  if (t == "zh" || t == "zh-cn" || t == "zh-sg" || t.rfind("zh-hans", 0) == 0 || t == "zh-my") return "zh-Hans";
  if (t == "zh-tw" || t == "zh-hk" || t == "zh-mo" || t.rfind("zh-hant", 0) == 0) return "zh-Hant";
  return t.substr(0, t.find('-'));
}

Result<ParsedFeed> parse_feed(std::string_view body, const std::string& url, const std::string& content_type) {
  init_libxml_safely();
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return make_error("feed.empty", "the response body is empty");
  if (body.size() > static_cast<std::size_t>(INT32_MAX)) return make_error("feed.xml", "document too large");
  const std::string encoding = effective_encoding(body, content_type);
  const int options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                      XML_PARSE_COMPACT;  // deliberately no XML_PARSE_NOENT / DTDLOAD / HUGE
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(body.data(), static_cast<int>(body.size()), url.c_str(), encoding.empty() ? nullptr : encoding.c_str(), options),
      &xmlFreeDoc);
  if (!doc) {
    const xmlError* err = xmlGetLastError();
    return make_error("feed.xml", fmt::format("not parseable as XML{}{}", err && err->message ? ": " : "",
                                              err && err->message ? collapse_whitespace(err->message) : ""));
  }
  if (declares_entities(doc.get())) {
    return make_error("feed.entities", "the document declares XML entities in a DTD; refused (entity expansion is disabled for safety)");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return make_error("feed.xml", "the document has no root element");

  ParsedFeed feed;
  Extractor ex(doc.get(), url);
  if (is(root, nullptr, "rss")) {
    feed.format = "rss2";
    const xmlNode* channel = child(root, nullptr, "channel");
    if (channel == nullptr) return make_error("feed.format", "RSS document without a <channel> element");
    feed.title = plain(child(channel, nullptr, "title"));
    if (const xmlNode* link = child(channel, nullptr, "link")) feed.link = resolve_url(url, trimmed(link)).value_or("");
    ex.set_channel_link(feed.link);
    feed.lang = normalize_lang(trimmed(child(channel, nullptr, "language")));
    if (feed.lang.empty()) feed.lang = Extractor::lang_of(root, "");
    for_children(channel, [&](const xmlNode* c) {
      if (is(c, nullptr, "item")) feed.items.push_back(ex.rss_item(c, feed.lang));
    });
  } else if (is(root, kRdfNs, "RDF")) {
    feed.format = "rss1";
    if (const xmlNode* channel = child(root, nullptr, "channel")) {
      feed.title = plain(child(channel, nullptr, "title"));
      if (const xmlNode* link = child(channel, nullptr, "link")) feed.link = resolve_url(url, trimmed(link)).value_or("");
      feed.lang = normalize_lang(trimmed(child(channel, kDcNs, "language")));
    }
    ex.set_channel_link(feed.link);
    if (feed.lang.empty()) feed.lang = Extractor::lang_of(root, "");
    for_children(root, [&](const xmlNode* c) {
      if (is(c, nullptr, "item")) feed.items.push_back(ex.rss_item(c, feed.lang));
    });
  } else if (is(root, kAtomNs, "feed")) {
    feed.format = "atom";
    feed.title = plain(child(root, kAtomNs, "title"));
    feed.lang = Extractor::lang_of(root, "");
    std::vector<std::string> feed_authors;
    for_children(root, [&](const xmlNode* c) {
      if (is(c, kAtomNs, "author")) {
        const std::string name = trimmed(child(c, kAtomNs, "name"));
        if (!name.empty()) feed_authors.push_back(name);
      }
      if (is(c, kAtomNs, "link") && (attr(c, "rel").empty() || attr(c, "rel") == "alternate") && feed.link.empty()) {
        feed.link = ex.resolve(c, attr(c, "href"));
      }
    });
    for_children(root, [&](const xmlNode* c) {
      if (is(c, kAtomNs, "entry")) feed.items.push_back(ex.atom_entry(c, feed.lang, feed_authors));
    });
  } else {
    return make_error("feed.format", fmt::format("not an RSS, RDF or Atom feed (root element <{}>)", reinterpret_cast<const char*>(root->name)));
  }

  // Identity: guid/id/about, else the link, else a hash of title and date.
  for (FeedItem& it : feed.items) {
    if (it.guid.empty()) it.guid = it.link;
    if (it.guid.empty()) it.guid = "sha256:" + stable_hash({it.title, it.raw_date});
  }
  return feed;
}

std::vector<Event> feed_to_events(const ParsedFeed& feed, const std::string& source_id, const std::string& fetched_at) {
  std::vector<Event> events;
  std::set<std::string> seen;
  events.reserve(feed.items.size());
  for (const FeedItem& it : feed.items) {
    if (!seen.insert(it.guid).second) continue;  // a guid repeated inside one document
    Event e;
    e.id = make_event_id(source_id, it.guid);
    e.source = source_id;
    e.type = "sigflow.feed.item";
    if (it.published) e.time = format_rfc3339(*it.published);
    e.data.title = it.title;
    e.data.summary = it.summary;
    e.data.content = it.content;
    e.data.url = canonical_url(it.link);
    e.data.guid = it.guid;
    // A declared zh tag says nothing about the script; the text does.
    e.data.lang = it.lang.empty() || it.lang.rfind("zh", 0) == 0 ? detect_language(it.title + "\n" + it.summary + "\n" + it.content) : it.lang;
    if (e.data.lang.empty()) e.data.lang = it.lang;
    e.data.authors = it.authors;
    e.data.categories = it.categories;
    e.data.fetched_at = fetched_at;
    if (!feed.title.empty()) e.data.extra["feed_title"] = feed.title;
    if (!it.published && !it.raw_date.empty()) e.data.extra["unparsed_date"] = it.raw_date;
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace sigflow::feed
