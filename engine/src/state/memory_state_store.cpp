// In-memory state: bounded per source, oldest keys forgotten first; lost at exit.
#include <deque>
#include <mutex>
#include <unordered_set>

#include "sigflow/state_store.hpp"

namespace sigflow {
namespace {

class MemorySourceState final : public SourceState {
 public:
  explicit MemorySourceState(std::size_t max_items) : max_items_(max_items) {}

  bool seen(const std::string& key) const override {
    std::lock_guard lock(mutex_);
    return keys_.contains(key);
  }

  Status commit(const std::vector<std::string>& item_keys, const std::map<std::string, std::string>& values) override {
    std::lock_guard lock(mutex_);
    for (const auto& k : item_keys) {
      if (!keys_.insert(k).second) continue;
      order_.push_back(k);
      if (order_.size() > max_items_) {
        keys_.erase(order_.front());
        order_.pop_front();
      }
    }
    for (const auto& [name, v] : values) values_[name] = v;
    return Ok{};
  }

  std::optional<std::string> value(const std::string& name) const override {
    std::lock_guard lock(mutex_);
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  const std::size_t max_items_;
  mutable std::mutex mutex_;
  std::unordered_set<std::string> keys_;
  std::deque<std::string> order_;
  std::map<std::string, std::string> values_;
};

class MemoryStateStore final : public StateStore {
 public:
  explicit MemoryStateStore(std::size_t max_items) : max_items_(max_items) {}
  Result<std::shared_ptr<SourceState>> source(const std::string& source_id) override {
    std::lock_guard lock(mutex_);
    auto& s = sources_[source_id];
    if (!s) s = std::make_shared<MemorySourceState>(max_items_);
    return std::shared_ptr<SourceState>(s);
  }

 private:
  const std::size_t max_items_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<MemorySourceState>> sources_;
};

}  // namespace

std::unique_ptr<StateStore> make_memory_state_store(std::size_t max_items) { return std::make_unique<MemoryStateStore>(max_items); }

}  // namespace sigflow
