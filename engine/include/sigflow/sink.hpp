#pragma once
// Sink: where alerts go. write() is called from the engine thread only; flush() makes every
// written alert durable (fsync for files) and is called at drain and shutdown.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/alert.hpp"
#include "sigflow/registry.hpp"
#include "sigflow/result.hpp"
#include "sigflow/settings.hpp"

namespace sigflow {

struct SinkSpec {
  std::string id;  // defaults to the type
  std::string type;
  Settings settings;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual const SinkSpec& spec() const = 0;
  virtual Status write(const Alert& alert) = 0;
  virtual Status flush() = 0;
};

struct SinkFactory {
  std::string type;
  std::string description;
  SettingsTable settings;
  std::function<Result<std::unique_ptr<Sink>>(SinkSpec)> create;
};

using SinkRegistry = Registry<SinkFactory>;

}  // namespace sigflow
