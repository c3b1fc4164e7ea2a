// FileSource: JSON lines or a feed file on disk, for backfills and hand-offs. Read whole (items
// deduplicated across polls), or tailed: only complete lines appended since the committed
// offset, starting over when the file is replaced or truncated.

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "common/item_ledger.hpp"
#include "common/json_mapper.hpp"
#include "common/feed_parser.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/time.hpp"

namespace sigflow::file {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string format_for(const std::string& setting, const std::string& path) {
  if (setting != "auto") return setting;
  for (const char* ext : {".xml", ".rss", ".atom", ".rdf"}) {
    if (ends_with(path, ext)) return "feed";
  }
  return "jsonl";
}

class FileSource final : public Source {
 public:
  FileSource(SourceSpec spec, std::shared_ptr<SourceState> state, std::string path)
      : spec_(std::move(spec)),
        ledger_(std::move(state), spec_.settings.get("unique_by")),
        mapper_(connectors::JsonMapping::from(spec_, "sigflow.file.item")),
        path_(std::move(path)),
        format_(format_for(spec_.settings.get("format"), path_)),
        tail_(spec_.settings.get_bool("tail")),
        max_bytes_(spec_.settings.get_size("max_bytes")) {}

  const SourceSpec& spec() const override { return spec_; }

  Result<PollBatch> poll() override {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return make_error("fetch.io", fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    const std::string inode = std::to_string(st.st_ino);
    std::uint64_t offset = 0;
    if (tail_ && ledger_.value("inode") == inode) {
      offset = std::stoull(ledger_.value("offset").value_or("0"));
      if (offset > static_cast<std::uint64_t>(st.st_size)) offset = 0;  // truncated: start over
    }
    auto chunk = read_from(offset);
    if (!chunk) return chunk.error();
    std::string& text = *chunk;
    const std::string fetched_at = now_rfc3339();
    if (!tail_) {
      const std::string hash = stable_hash({text});
      if (ledger_.value("body_hash") == hash) return ledger_.unchanged();
      if (format_ == "feed") {
        auto parsed = feed::parse_feed(text, spec_.url);
        if (!parsed) return make_error(parsed.error().code, fmt::format("{}: {}", path_, parsed.error().message));
        return ledger_.batch(feed::feed_to_events(*parsed, spec_.id, fetched_at), {{"body_hash", hash}});
      }
      return lines_batch(text, 0, fetched_at, {{"body_hash", hash}});
    }
    // Tail: complete lines only; a partly written last line waits for the next poll.
    const auto last_newline = text.rfind('\n');
    text.resize(last_newline == std::string::npos ? 0 : last_newline + 1);
    if (text.empty()) return ledger_.unchanged();
    return lines_batch(text, offset, fetched_at, {{"inode", inode}, {"offset", std::to_string(offset + text.size())}});
  }

  void commit(const std::vector<Event>& delivered) override { ledger_.commit(delivered); }

 private:
  Result<std::string> read_from(std::uint64_t offset) const {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return make_error("fetch.io", fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    in.seekg(static_cast<std::streamoff>(offset));
    std::string text(max_bytes_ + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes_) {
      if (!tail_) return make_error("fetch.too_large", fmt::format("{}: larger than max_bytes ({} bytes)", path_, max_bytes_));
      text.resize(max_bytes_);  // tailing: the rest comes at the next poll
    }
    return text;
  }

  // One event per line: a CloudEvents object as it is, anything else through the mapping.
  PollBatch lines_batch(std::string_view text, std::uint64_t offset, const std::string& fetched_at,
                        std::map<std::string, std::string> values) {
    std::vector<Event> events;
    std::vector<std::string> rejected;
    std::size_t start = 0;
    while (start < text.size()) {
      const auto end = std::min(text.find('\n', start), text.size());
      const std::string_view line = text.substr(start, end - start);
      const std::uint64_t at = offset + start;
      start = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      if (line.find("\"specversion\"") != std::string_view::npos) {
        auto e = Event::from_json(line);
        if (e) events.push_back(std::move(*e));
        else rejected.push_back(fmt::format("{} at byte {}: {}", path_, at, e.error().message));
        continue;
      }
      auto mapped = mapper_.map(line, spec_.id, spec_.url, fetched_at);
      if (!mapped) {
        rejected.push_back(fmt::format("{} at byte {}: {}", path_, at, mapped.error().message));
        continue;
      }
      std::move(mapped->events.begin(), mapped->events.end(), std::back_inserter(events));
      for (auto& r : mapped->rejected) rejected.push_back(fmt::format("{} at byte {}: {}", path_, at, r));
    }
    PollBatch batch = ledger_.batch(std::move(events), std::move(values));
    batch.rejected = std::move(rejected);
    return batch;
  }

  SourceSpec spec_;
  connectors::ItemLedger ledger_;
  connectors::JsonMapper mapper_;
  std::string path_;
  std::string format_;
  bool tail_;
  std::uint64_t max_bytes_;
};

}  // namespace

SourceFactory file_source_factory() {
  return {"file",
          "JSON lines (CloudEvents or mapped objects) or feed files on disk, read whole or tailed, for backfills.",
          connectors::with_json_mapping({
              {"format", SettingType::string, "auto", "jsonl, feed, or auto (by extension: .xml/.rss/.atom/.rdf are feeds)"},
              {"tail", SettingType::boolean, "false", "follow the file: read only complete lines appended since the last poll (jsonl)"},
              {"max_bytes", SettingType::size, "64MiB", "largest file read at once (tail: per poll)"},
          }),
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            if (auto ok = connectors::check_json_mapping(spec); !ok) return ok.error();
            if (spec.url.rfind("file://", 0) != 0) {
              return make_error("config.range", fmt::format("source '{}': url must be a local path or a file:// URL", spec.id));
            }
            std::string path = spec.url.substr(7);
            const std::string& format = spec.settings.get("format");
            if (format != "auto" && format != "jsonl" && format != "feed") {
              return make_error("config.range", fmt::format("source '{}': format must be auto, jsonl or feed, not '{}'", spec.id, format));
            }
            if (spec.settings.get_bool("tail") && format_for(format, path) == "feed") {
              return make_error("config.range", fmt::format("source '{}': tail works with JSON lines, not feed files", spec.id));
            }
            auto state = deps.state.source(spec.id);
            if (!state) return state.error();
            return std::unique_ptr<Source>(new FileSource(std::move(spec), std::move(*state), std::move(path)));
          }};
}

}  // namespace sigflow::file
