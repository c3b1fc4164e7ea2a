#include "connectors.hpp"

namespace sigflow {

namespace feed {
SourceFactory feed_source_factory();
}
namespace http_json {
SourceFactory http_json_source_factory();
}
namespace page {
SourceFactory page_source_factory();
}
namespace file {
SourceFactory file_source_factory();
}
namespace webhook {
SourceFactory webhook_source_factory();
}

void register_builtin_connectors(SourceRegistry& registry) {
  registry.add(feed::feed_source_factory());
  registry.add(http_json::http_json_source_factory());
  registry.add(page::page_source_factory());
  registry.add(file::file_source_factory());
  registry.add(webhook::webhook_source_factory());
}

}  // namespace sigflow
