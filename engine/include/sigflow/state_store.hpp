#pragma once
// Durable connector state: which items a source already delivered, and small named values
// (cursors, ETags). Keyed by source id, so a source's state follows it across restarts.
//
// A source marks items as seen only after they were handed on (bus now, Kafka later): a crash
// between fetch and hand-off re-fetches them, a restart after hand-off never re-emits them.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow {

// One source's state. Thread-safe.
class SourceState {
 public:
  virtual ~SourceState() = default;
  virtual bool seen(const std::string& item_key) const = 0;
  // Records delivered item keys and named values in one atomic write.
  virtual Status commit(const std::vector<std::string>& item_keys, const std::map<std::string, std::string>& values) = 0;
  virtual std::optional<std::string> value(const std::string& name) const = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual Result<std::shared_ptr<SourceState>> source(const std::string& source_id) = 0;
};

// RocksDB under `dir` (created if missing). Seen keys older than `retention` are dropped when a
// source's state is opened. Error codes: state.open, state.io.
Result<std::unique_ptr<StateStore>> open_rocksdb_state_store(const std::string& dir, std::chrono::seconds retention);

// In memory, for runs without a state directory: each source remembers its most recent
// `max_items` keys for the life of the process.
std::unique_ptr<StateStore> make_memory_state_store(std::size_t max_items);

}  // namespace sigflow
