#pragma once
// Registry: factories (of sources or sinks) by type name. Filled at start-up, read-only after.
#include <string>
#include <string_view>
#include <vector>

namespace sigflow {

template <typename Factory>
class Registry {
 public:
  void add(Factory factory) { factories_.push_back(std::move(factory)); }

  const Factory* find(std::string_view type) const {
    for (const auto& f : factories_) {
      if (f.type == type) return &f;
    }
    return nullptr;
  }

  const std::vector<Factory>& all() const { return factories_; }

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& f : factories_) out.push_back(f.type);
    return out;
  }

 private:
  std::vector<Factory> factories_;
};

}  // namespace sigflow
