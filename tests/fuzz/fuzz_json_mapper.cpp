// libFuzzer target: any bytes map to events or a typed error, under a mapping that exercises
// every field kind (nested paths, templates, times in a zone, lists, extra fields, cursors).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_mapper.hpp"

namespace {

sigflow::connectors::JsonMapping mapping(std::string items) {
  sigflow::connectors::JsonMapping m;
  m.items = std::move(items);
  m.id = "id";
  m.title = "title";
  m.link = "url";
  m.link_template = "https://fuzz.example/n/{id}/{meta.slug}";
  m.summary = "summary";
  m.time = "time";
  m.time_format = {"%Y-%m-%d %H:%M:%S", "Asia/Shanghai"};
  m.categories = "tags";
  m.fields = {{"product", "meta.product"}, {"first", "tags.0"}};
  m.cursor = "next.cursor";
  m.event_type = "fuzz";
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view doc(reinterpret_cast<const char*>(data), size);
  static sigflow::connectors::JsonMapper nested(mapping("data.list"));
  static sigflow::connectors::JsonMapper root(mapping(""));
  for (auto* mapper : {&nested, &root}) {
    auto mapped = mapper->map(doc, "fuzz", "https://fuzz.example/api", "t");
    if (mapped) {
      for (const auto& e : mapped->events) (void)e.to_json();
    }
  }
  return 0;
}
