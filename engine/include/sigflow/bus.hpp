#pragma once
// The event bus between sources and the engine. Standalone mode uses the in-process bus
// (engine/src/bus); Kafka mode implements the same two sides over sigflow.events.
#include <cstdint>
#include <optional>

#include "sigflow/event.hpp"
#include "sigflow/result.hpp"

namespace sigflow {

struct BusMessage {
  Event event;
  std::uint64_t sequence = 0;  // position on the bus (an offset for Kafka)
};

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Blocks while the bus is full (backpressure: events are never dropped). Fails once the bus
  // is closed.
  virtual Status publish(Event event) = 0;
  // Returns once every event this thread published since its last flush is durably accepted
  // by the bus; an error when one of them was not (the caller must not commit them).
  virtual Status flush() = 0;
};

class EventSubscriber {
 public:
  virtual ~EventSubscriber() = default;
  // Blocks for the next event; nullopt once the bus is closed and drained.
  virtual std::optional<BusMessage> next() = 0;
  // The message was processed. `handed_off`: every alert of it reached its sinks' outboxes,
  // so its position may be committed; false makes the publisher's flush() fail.
  virtual void done(const BusMessage& message, bool handed_off) = 0;
};

}  // namespace sigflow
