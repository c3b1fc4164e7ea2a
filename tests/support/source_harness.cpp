#include "support/source_harness.hpp"

#include "connectors.hpp"

namespace sigflow::test {

SourceHarness::SourceHarness(std::unique_ptr<StateStore> state)
    : http_(make_curl_http_client()), state_(state ? std::move(state) : make_memory_state_store(1000)) {
  register_builtin_connectors(registry_);
}

SourceHarness::~SourceHarness() = default;

Result<std::unique_ptr<Source>> SourceHarness::try_make(const std::string& type, const std::string& url, const SourceOptions& options) {
  const SourceFactory* f = registry_.find(type);
  if (f == nullptr) return make_error("test", "unknown type " + type);
  SourceSpec spec;
  spec.id = options.id;  // state is per source id
  spec.type = type;
  spec.url = url;
  spec.settings = Settings(f->settings, options.settings);
  for (const auto& [k, v] : options.maps) spec.settings.set_map(k, v);
  for (const auto& [k, v] : options.lists) spec.settings.set_list(k, v);
  SourceDeps deps{*http_, *state_};
  return f->create(spec, deps);
}

std::unique_ptr<Source> SourceHarness::make(const std::string& type, const std::string& url, const SourceOptions& options) {
  auto s = try_make(type, url, options);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

PollBatch SourceHarness::poll_and_commit(Source& source) {
  auto batch = source.poll();
  EXPECT_TRUE(batch.ok()) << batch.error().code << ": " << batch.error().message;
  if (!batch.ok()) return {};
  source.commit(batch->events);
  return std::move(*batch);
}

}  // namespace sigflow::test
