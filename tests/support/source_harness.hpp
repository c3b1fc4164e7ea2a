#pragma once
// SourceHarness: builds connector instances the way the config loader does (settings table,
// defaults, map and list settings) over a real HTTP client and a state store, for tests that
// drive poll()/commit() directly against a TestHttpServer.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sigflow/http_client.hpp"
#include "sigflow/source.hpp"
#include "sigflow/state_store.hpp"

namespace sigflow::test {

struct SourceOptions {
  std::map<std::string, std::string> settings;
  std::map<std::string, std::map<std::string, std::string>> maps;
  std::map<std::string, std::vector<std::string>> lists;
  std::string id = "src";
};

class SourceHarness {
 public:
  // In-memory state unless `state` is given (e.g. RocksDB for restart tests).
  explicit SourceHarness(std::unique_ptr<StateStore> state = nullptr);
  ~SourceHarness();

  // Creation errors are returned, so tests can assert on config validation.
  Result<std::unique_ptr<Source>> try_make(const std::string& type, const std::string& url, const SourceOptions& options = {});
  std::unique_ptr<Source> make(const std::string& type, const std::string& url, const SourceOptions& options = {});

  HttpClient& http() { return *http_; }
  // Polls, expects success, commits (delivery), returns the batch.
  PollBatch poll_and_commit(Source& source);

 private:
  SourceRegistry registry_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<StateStore> state_;
};

}  // namespace sigflow::test
