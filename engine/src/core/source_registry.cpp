#include "sigflow/source.hpp"

namespace sigflow {

void SourceRegistry::add(SourceFactory factory) { factories_.push_back(std::move(factory)); }

const SourceFactory* SourceRegistry::find(std::string_view type) const {
  for (const auto& f : factories_) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

}  // namespace sigflow
