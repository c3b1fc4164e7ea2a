#pragma once
// Result<T>: the error channel of the message path. Library code returns errors instead of
// throwing; exceptions are reserved for start-up and configuration loading.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sigflow {

struct Error {
  std::string code;     // stable, machine-readable kind, e.g. "fetch.http_status", "json.invalid"
  std::string message;  // human-readable: what failed and, where possible, what to fix
  // When the failing party said when to try again (HTTP Retry-After on 429/503).
  std::optional<std::chrono::milliseconds> retry_after = std::nullopt;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

}  // namespace sigflow
