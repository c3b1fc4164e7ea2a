// Keys: "q\0<sink>\0<seq, 8 bytes big endian>" for queued records and "d\0<sink>\0<seq>" for
// dead letters, so a prefix scan yields a sink's records in order. Values are length-prefixed
// fields (see encode()). Both backends share this layout through a small ordered key-value
// interface; RocksDB writes go to its write-ahead log at once (a kill -9 keeps them) and are
// fsynced by sync().
#include "delivery/outbox_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "sigflow/time.hpp"

namespace sigflow::delivery {
namespace {

// Puts (value set) and deletes (value unset), applied atomically.
using Batch = std::vector<std::pair<std::string, std::optional<std::string>>>;

class KeyValue {
 public:
  virtual ~KeyValue() = default;
  virtual Status write(const Batch& batch) = 0;
  virtual Status sync() = 0;
  // Calls f(key, value) for keys starting with prefix, in order, until f returns false.
  virtual Status scan(const std::string& prefix, const std::function<bool(std::string_view, std::string_view)>& f) const = 0;
};

class MemoryKeyValue final : public KeyValue {
 public:
  Status write(const Batch& batch) override {
    std::lock_guard lock(mutex_);
    for (const auto& [k, v] : batch) {
      if (v) {
        data_[k] = *v;
      } else {
        data_.erase(k);
      }
    }
    return Ok{};
  }
  Status sync() override { return Ok{}; }
  Status scan(const std::string& prefix, const std::function<bool(std::string_view, std::string_view)>& f) const override {
    std::lock_guard lock(mutex_);
    for (auto it = data_.lower_bound(prefix); it != data_.end() && it->first.starts_with(prefix); ++it) {
      if (!f(it->first, it->second)) break;
    }
    return Ok{};
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> data_;
};

class RocksKeyValue final : public KeyValue {
 public:
  RocksKeyValue(std::unique_ptr<rocksdb::DB> db, std::string dir) : db_(std::move(db)), dir_(std::move(dir)) {}
  Status write(const Batch& batch) override {
    rocksdb::WriteBatch b;
    for (const auto& [k, v] : batch) {
      if (v) {
        b.Put(k, *v);
      } else {
        b.Delete(k);
      }
    }
    auto written = check(db_->Write(rocksdb::WriteOptions(), &b));
    if (written) unsynced_.store(true);
    return written;
  }
  // Every source commit and Kafka offset commit asks for a sync; most find nothing new.
  Status sync() override {
    if (!unsynced_.exchange(false)) return Ok{};
    auto synced = check(db_->SyncWAL());
    if (!synced) unsynced_.store(true);
    return synced;
  }
  Status scan(const std::string& prefix, const std::function<bool(std::string_view, std::string_view)>& f) const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (!f(it->key().ToStringView(), it->value().ToStringView())) break;
    }
    return check(it->status());
  }

 private:
  Status check(const rocksdb::Status& s) const {
    if (s.ok()) return Ok{};
    return make_error("outbox.io", fmt::format("outbox {}: {}", dir_, s.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db_;
  std::string dir_;
  std::atomic<bool> unsynced_{false};  // set after a write, cleared by the sync that covers it
};

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_u64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string prefix_of(char kind, const std::string& sink) {
  std::string k(1, kind);
  k.push_back('\0');
  k += sink;
  k.push_back('\0');
  return k;
}

std::string key_of(char kind, const std::string& sink, std::uint64_t seq) {
  std::string k = prefix_of(kind, sink);
  put_u64(k, seq);
  return k;
}

// Fields as <8-byte length><bytes>; numbers as decimal text.
std::string encode(std::initializer_list<std::string_view> fields) {
  std::string out;
  for (auto f : fields) {
    put_u64(out, f.size());
    out.append(f);
  }
  return out;
}

std::vector<std::string_view> decode(std::string_view v) {
  std::vector<std::string_view> fields;
  while (v.size() >= 8) {
    const std::uint64_t n = get_u64(v);
    v.remove_prefix(8);
    if (n > v.size()) break;
    fields.push_back(v.substr(0, n));
    v.remove_prefix(n);
  }
  return fields;
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::string encode_record(const OutboxRecord& r) { return encode({r.key, std::to_string(r.enqueued_ms), r.alert_json}); }

std::optional<OutboxRecord> decode_record(std::string_view key, std::string_view value) {
  auto f = decode(value);
  if (f.size() < 3) return std::nullopt;
  return OutboxRecord{get_u64(key.substr(key.size() - 8)), std::string(f[0]), to_int(f[1]), std::string(f[2])};
}

std::string encode_letter(const DeadLetter& d) {
  return encode({d.record.key, std::to_string(d.record.enqueued_ms), d.record.alert_json, std::to_string(d.failed_ms),
                 std::to_string(d.attempts), d.reason, d.response});
}

std::optional<DeadLetter> decode_letter(std::string_view key, std::string_view value) {
  auto f = decode(value);
  if (f.size() < 7 || key.size() < 11) return std::nullopt;
  const std::string_view sink = key.substr(2, key.size() - 11);
  return DeadLetter{std::string(sink), {get_u64(key.substr(key.size() - 8)), std::string(f[0]), to_int(f[1]), std::string(f[2])},
                    to_int(f[3]), static_cast<int>(to_int(f[4])), std::string(f[5]), std::string(f[6])};
}

class KeyValueOutbox final : public OutboxStore {
 public:
  explicit KeyValueOutbox(std::unique_ptr<KeyValue> kv) : kv_(std::move(kv)) {
    // The next seq follows the largest in use by any sink.
    for (const char kind : {'q', 'd'}) {
      (void)kv_->scan(std::string(1, kind), [&](std::string_view k, std::string_view) {
        next_seq_ = std::max(next_seq_, get_u64(k.substr(k.size() - 8)) + 1);
        return true;
      });
    }
  }

  Result<std::uint64_t> append(const std::string& sink, OutboxRecord record) override {
    std::lock_guard lock(mutex_);
    record.seq = next_seq_;
    if (auto ok = kv_->write({{key_of('q', sink, record.seq), encode_record(record)}}); !ok) return ok.error();
    return next_seq_++;
  }

  Status sync() override { return kv_->sync(); }

  Status remove(const std::string& sink, std::uint64_t seq) override { return kv_->write({{key_of('q', sink, seq), std::nullopt}}); }

  Status dead_letter(const DeadLetter& d) override {
    return kv_->write({{key_of('q', d.sink, d.record.seq), std::nullopt}, {key_of('d', d.sink, d.record.seq), encode_letter(d)}});
  }

  Result<std::vector<OutboxRecord>> pending(const std::string& sink) const override {
    std::vector<OutboxRecord> out;
    auto ok = kv_->scan(prefix_of('q', sink), [&](std::string_view k, std::string_view v) {
      if (auto r = decode_record(k, v)) out.push_back(std::move(*r));
      return true;
    });
    if (!ok) return ok.error();
    return out;
  }

  Result<std::vector<DeadLetter>> dead_letters(const std::string& sink) const override {
    std::vector<DeadLetter> out;
    auto ok = kv_->scan(sink.empty() ? std::string("d") : prefix_of('d', sink), [&](std::string_view k, std::string_view v) {
      if (auto d = decode_letter(k, v)) out.push_back(std::move(*d));
      return true;
    });
    if (!ok) return ok.error();
    return out;
  }

  Result<std::vector<DeadLetter>> requeue(const std::string& sink, std::optional<std::uint64_t> seq) override {
    auto letters = selected(sink, seq);
    if (!letters) return letters.error();
    std::lock_guard lock(mutex_);
    Batch batch;
    const std::int64_t now = unix_millis_now();
    for (DeadLetter& d : *letters) {
      batch.emplace_back(key_of('d', d.sink, d.record.seq), std::nullopt);
      d.record.seq = next_seq_++;
      d.record.enqueued_ms = now;  // retry_for starts again
      batch.emplace_back(key_of('q', d.sink, d.record.seq), encode_record(d.record));
    }
    if (auto ok = kv_->write(batch); !ok) return ok.error();
    return letters;
  }

  Result<std::vector<DeadLetter>> drop(const std::string& sink, std::optional<std::uint64_t> seq) override {
    auto letters = selected(sink, seq);
    if (!letters) return letters.error();
    Batch batch;
    for (const DeadLetter& d : *letters) batch.emplace_back(key_of('d', d.sink, d.record.seq), std::nullopt);
    if (auto ok = kv_->write(batch); !ok) return ok.error();
    return letters;
  }

 private:
  Result<std::vector<DeadLetter>> selected(const std::string& sink, std::optional<std::uint64_t> seq) const {
    auto letters = dead_letters(sink);
    if (!letters || !seq) return letters;
    std::vector<DeadLetter> one;
    for (auto& d : *letters) {
      if (d.record.seq == *seq) one.push_back(std::move(d));
    }
    return one;
  }

  std::unique_ptr<KeyValue> kv_;
  std::mutex mutex_;  // seq assignment
  std::uint64_t next_seq_ = 1;
};

}  // namespace

Result<std::unique_ptr<OutboxStore>> open_rocksdb_outbox(const std::string& dir, bool read_only) {
  rocksdb::Options options;
  options.create_if_missing = !read_only;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  std::error_code ec;
  if (!read_only) std::filesystem::create_directories(dir, ec);  // RocksDB creates only the last level
  const auto s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, &raw) : rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    const bool locked = s.ToString().find("lock") != std::string::npos;
    return make_error("outbox.open", fmt::format("cannot open the outbox {}: {}{}", dir, s.ToString(),
                                                 locked ? " (another sigflow is using it: each engine replica needs its own state.dir, "
                                                          "e.g. through SIGFLOW_STATE_DIR)" : ""));
  }
  return std::unique_ptr<OutboxStore>(new KeyValueOutbox(std::make_unique<RocksKeyValue>(std::unique_ptr<rocksdb::DB>(raw), dir)));
}

std::unique_ptr<OutboxStore> make_memory_outbox() { return std::make_unique<KeyValueOutbox>(std::make_unique<MemoryKeyValue>()); }

}  // namespace sigflow::delivery
