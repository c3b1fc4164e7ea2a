// RocksDB state. Keys: "<source id>\0seen\0<item key>" -> unix seconds (8 bytes, little endian)
// and "<source id>\0value\0<name>" -> value. One WriteBatch per commit, synced to disk.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "sigflow/state_store.hpp"

namespace sigflow {
namespace {

std::string key_of(const std::string& source, std::string_view kind, std::string_view name) {
  std::string k = source;
  k.push_back('\0');
  k.append(kind);
  k.push_back('\0');
  k.append(name);
  return k;
}

std::string encode_time(std::int64_t t) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((static_cast<std::uint64_t>(t) >> (8 * i)) & 0xFF);
  return out;
}

std::int64_t decode_time(const rocksdb::Slice& s) {
  if (s.size() != 8) return 0;
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s.data()[i]);
  return static_cast<std::int64_t>(v);
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class RocksSourceState final : public SourceState {
 public:
  RocksSourceState(std::shared_ptr<rocksdb::DB> db, std::string source) : db_(std::move(db)), source_(std::move(source)) {}

  bool seen(const std::string& key) const override {
    std::string v;
    return db_->Get(rocksdb::ReadOptions(), key_of(source_, "seen", key), &v).ok();
  }

  Status commit(const std::vector<std::string>& item_keys, const std::map<std::string, std::string>& values) override {
    rocksdb::WriteBatch batch;
    const std::string now = encode_time(now_seconds());
    for (const auto& k : item_keys) batch.Put(key_of(source_, "seen", k), now);
    for (const auto& [name, v] : values) batch.Put(key_of(source_, "value", name), v);
    rocksdb::WriteOptions options;
    options.sync = true;  // committed state must survive a crash of the machine, not only of sigflow
    auto s = db_->Write(options, &batch);
    if (!s.ok()) return make_error("state.io", fmt::format("source '{}': cannot write state: {}", source_, s.ToString()));
    return Ok{};
  }

  std::optional<std::string> value(const std::string& name) const override {
    std::string v;
    if (!db_->Get(rocksdb::ReadOptions(), key_of(source_, "value", name), &v).ok()) return std::nullopt;
    return v;
  }

  // Drops seen keys older than the retention.
  Status expire(std::chrono::seconds retention) {
    const std::int64_t cutoff = now_seconds() - retention.count();
    const std::string prefix = key_of(source_, "seen", "");
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    rocksdb::WriteBatch batch;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (decode_time(it->value()) < cutoff) batch.Delete(it->key());
    }
    if (!it->status().ok()) return make_error("state.io", it->status().ToString());
    auto s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return make_error("state.io", s.ToString());
    return Ok{};
  }

 private:
  std::shared_ptr<rocksdb::DB> db_;
  std::string source_;
};

class RocksStateStore final : public StateStore {
 public:
  RocksStateStore(std::shared_ptr<rocksdb::DB> db, std::chrono::seconds retention) : db_(std::move(db)), retention_(retention) {}

  Result<std::shared_ptr<SourceState>> source(const std::string& source_id) override {
    auto state = std::make_shared<RocksSourceState>(db_, source_id);
    if (auto expired = state->expire(retention_); !expired) return expired.error();
    return std::shared_ptr<SourceState>(std::move(state));
  }

 private:
  std::shared_ptr<rocksdb::DB> db_;
  std::chrono::seconds retention_;
};

}  // namespace

Result<std::unique_ptr<StateStore>> open_rocksdb_state_store(const std::string& dir, std::chrono::seconds retention) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);  // RocksDB creates only the last level
  auto s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    return make_error("state.open", fmt::format("cannot open the state directory {}: {} (is another sigflow using it?)", dir, s.ToString()));
  }
  return std::unique_ptr<StateStore>(new RocksStateStore(std::shared_ptr<rocksdb::DB>(raw), retention));
}

}  // namespace sigflow
