#pragma once
// OutboxStore: the durable queues of alerts waiting for delivery, one per sink, and the
// dead letters that a receiver refused. An alert counts as handed off once append() returned:
// the engine may then commit its input. RocksDB under <state.dir>/outbox, or in memory when
// no state directory is configured (then waiting alerts are lost at exit, and a warning says so).
//
// Thread-safe: the engine thread appends while delivery workers remove and dead-letter.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow::delivery {

struct OutboxRecord {
  std::uint64_t seq = 0;        // position, increasing across all sinks
  std::string key;              // the alert's dedup key or id: deliveries keep order per key
  std::int64_t enqueued_ms = 0;  // unix milliseconds
  std::string alert_json;
};

struct DeadLetter {
  std::string sink;
  OutboxRecord record;
  std::int64_t failed_ms = 0;
  int attempts = 0;
  std::string reason;    // as counted: "http_400", "expired", ...
  std::string response;  // what the receiver answered
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Queues a record (its seq is assigned here). It survives a kill -9 of sigflow once this
  // returned, and a crash of the machine once sync() returned too. Error code outbox.io.
  virtual Result<std::uint64_t> append(const std::string& sink, OutboxRecord record) = 0;
  virtual Status sync() = 0;
  virtual Status remove(const std::string& sink, std::uint64_t seq) = 0;
  // Moves a queued record to the sink's dead letters, in one atomic write.
  virtual Status dead_letter(const DeadLetter& letter) = 0;
  virtual Result<std::vector<OutboxRecord>> pending(const std::string& sink) const = 0;
  // Every sink's dead letters when `sink` is empty.
  virtual Result<std::vector<DeadLetter>> dead_letters(const std::string& sink) const = 0;
  // Puts dead letters back at the end of their sink's queue (all of the sink's, or the one
  // with `seq`), as if enqueued now; returns them with their new seq.
  virtual Result<std::vector<DeadLetter>> requeue(const std::string& sink, std::optional<std::uint64_t> seq) = 0;
  // Deletes dead letters for good (all of the sink's, or the one with `seq`); returns them.
  virtual Result<std::vector<DeadLetter>> drop(const std::string& sink, std::optional<std::uint64_t> seq) = 0;
};

// Error code outbox.open, naming the directory (and saying when another sigflow holds it).
// `read_only` opens without taking the lock, for `sigflow outbox list` next to a running engine.
Result<std::unique_ptr<OutboxStore>> open_rocksdb_outbox(const std::string& dir, bool read_only = false);
std::unique_ptr<OutboxStore> make_memory_outbox();

}  // namespace sigflow::delivery
