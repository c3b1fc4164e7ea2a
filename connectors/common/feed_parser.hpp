#pragma once
// Feed parsing: RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 into items, with libxml2.
//
// Safety: network access off, no DTD loading, no entity substitution; a document that declares
// entities in its DTD (billion laughs, external entities) is refused. Recovery is on, so an
// ill-formed feed yields the items before the damage. Declared encodings (GBK, GB2312,
// GB18030, Big5, UTF-16, ...) are converted to UTF-8; GB2312/GBK decode as GB18030 and Big5 as
// Big5-HKSCS, the supersets real sites actually send.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/event.hpp"
#include "sigflow/result.hpp"
#include "sigflow/time.hpp"

namespace sigflow::feed {

struct FeedItem {
  std::string title;
  std::string summary;  // plain text
  std::string content;  // plain text
  std::string link;     // absolute when resolvable
  std::string guid;     // guid / atom:id / rdf:about; falls back to the link
  std::optional<SysSeconds> published;
  std::string raw_date;  // as written, when present
  std::vector<std::string> authors;
  std::vector<std::string> categories;
  std::string lang;  // normalized tag, see normalize_lang()
};

struct ParsedFeed {
  std::string format;  // "rss2", "rss1", "atom"
  std::string title;
  std::string link;
  std::string lang;
  std::vector<FeedItem> items;
};

// `url` is the document's address: the base for relative links. `content_type` is the HTTP
// Content-Type; its charset is used when the document declares no encoding.
// Error codes: feed.empty, feed.xml, feed.format, feed.entities.
Result<ParsedFeed> parse_feed(std::string_view body, const std::string& url, const std::string& content_type = {});

// "zh-cn"/"zh-sg"/"zh-hans" -> "zh-Hans"; "zh-tw"/"zh-hk"/"zh-mo"/"zh-hant" -> "zh-Hant";
// "en-US" -> "en"; other tags keep their lower-cased primary subtag.
std::string normalize_lang(std::string_view tag);

// Items as CloudEvents of type sigflow.feed.item from source `source_id`.
std::vector<Event> feed_to_events(const ParsedFeed& feed, const std::string& source_id, const std::string& fetched_at);

}  // namespace sigflow::feed
