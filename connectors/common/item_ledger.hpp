#pragma once
// ItemLedger: what a connector remembers between polls, in its durable SourceState: which items
// were delivered (by the source's unique_by key) and named values (validators, cursors, the last
// page text) that advance together with the items in commit(), never ahead of delivery.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sigflow/source.hpp"

namespace sigflow::connectors {

// The unique_by setting: guid (the source's own identity), link (canonical URL), title_link
// (hash of title and link), or data.<field> (an event field such as data.title or a mapped
// extra field).
SettingSpec unique_by_setting();
Status check_unique_by(const SourceSpec& spec);

class ItemLedger {
 public:
  ItemLedger(std::shared_ptr<SourceState> state, std::string unique_by);

  std::string key_of(const Event& e) const;
  bool delivered(const Event& e) const;
  // A committed named value.
  std::optional<std::string> value(const std::string& name) const;

  // The batch of a poll that found `found` items: drops items delivered before and repeats
  // within `found`, stages `values` for commit(), and flags an extraction that went empty.
  // `extracted` counts what the extraction yielded when that is not found.size() (a watched
  // region yields one text and no event while it is unchanged).
  PollBatch batch(std::vector<Event> found, std::map<std::string, std::string> values = {},
                  std::optional<std::size_t> extracted = std::nullopt);
  // A poll that found the resource unchanged: nothing to stage.
  PollBatch unchanged();
  // The events of the last batch were delivered: records their keys and the staged values in
  // one atomic write. A failed write means the items come again: repeated, never lost.
  void commit(const std::vector<Event>& delivered);

 private:
  std::shared_ptr<SourceState> state_;
  std::string unique_by_;
  std::map<std::string, std::string> staged_;
};

}  // namespace sigflow::connectors
