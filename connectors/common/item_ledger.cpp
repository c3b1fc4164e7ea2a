#include "common/item_ledger.hpp"

#include <set>

#include <fmt/format.h>

#include "sigflow/hash.hpp"
#include "sigflow/log.hpp"

namespace sigflow::connectors {
namespace {

constexpr const char* kFoundCount = "found_count";

std::string field_of(const Event& e, std::string_view name) {
  if (name == "title") return e.data.title;
  if (name == "url") return e.data.url;
  if (name == "guid") return e.data.guid;
  if (name == "summary") return e.data.summary;
  if (name == "content") return e.data.content;
  auto it = e.data.extra.find(std::string(name));
  return it == e.data.extra.end() ? std::string() : it->second;
}

}  // namespace

SettingSpec unique_by_setting() {
  return {"unique_by", SettingType::string, "guid",
          "what identifies an item: guid, link (canonical URL), title_link (title and link), or data.<field>"};
}

Status check_unique_by(const SourceSpec& spec) {
  const std::string& u = spec.settings.get("unique_by");
  if (u == "guid" || u == "link" || u == "title_link" || (u.rfind("data.", 0) == 0 && u.size() > 5)) return Ok{};
  return make_error("config.range",
                    fmt::format("source '{}': unique_by must be guid, link, title_link or data.<field>, not '{}'", spec.id, u));
}

ItemLedger::ItemLedger(std::shared_ptr<SourceState> state, std::string unique_by)
    : state_(std::move(state)), unique_by_(std::move(unique_by)) {}

std::string ItemLedger::key_of(const Event& e) const {
  if (unique_by_ == "link") return stable_hash({"link", e.data.url});
  if (unique_by_ == "title_link") return stable_hash({"title_link", e.data.title, e.data.url});
  if (unique_by_.rfind("data.", 0) == 0) {
    const std::string v = field_of(e, std::string_view(unique_by_).substr(5));
    if (!v.empty()) return stable_hash({"field", unique_by_, v});
  }
  return e.id;  // guid, and items without the configured field
}

bool ItemLedger::delivered(const Event& e) const { return state_->seen(key_of(e)); }

std::optional<std::string> ItemLedger::value(const std::string& name) const { return state_->value(name); }

PollBatch ItemLedger::batch(std::vector<Event> found, std::map<std::string, std::string> values,
                            std::optional<std::size_t> extracted) {
  PollBatch b;
  const std::size_t count = extracted.value_or(found.size());
  const std::string previous = state_->value(kFoundCount).value_or("0");
  b.went_empty = count == 0 && previous != "0";
  values[kFoundCount] = std::to_string(count);
  std::set<std::string> keys;
  for (Event& e : found) {
    const std::string key = key_of(e);
    if (!keys.insert(key).second || state_->seen(key)) {
      ++b.duplicates;
      continue;
    }
    b.events.push_back(std::move(e));
  }
  staged_ = std::move(values);
  return b;
}

PollBatch ItemLedger::unchanged() {
  staged_.clear();
  PollBatch b;
  b.unchanged = true;
  return b;
}

void ItemLedger::commit(const std::vector<Event>& delivered) {
  std::vector<std::string> keys;
  keys.reserve(delivered.size());
  for (const Event& e : delivered) keys.push_back(key_of(e));
  if (auto ok = state_->commit(keys, staged_); !ok) {
    logger("connectors")->error("could not record {} delivered items; they may be delivered again: {}", keys.size(), ok.error().message);
  }
  staged_.clear();
}

}  // namespace sigflow::connectors
