#pragma once
#include <string>
#include <string_view>
#include <initializer_list>

namespace sigflow {

// Hex SHA-256 of the parts, each prefixed with its length so ("ab","c") != ("a","bc");
// truncated to `hex_chars`.
std::string stable_hash(std::initializer_list<std::string_view> parts, std::size_t hex_chars = 32);

// Raw HMAC-SHA256 bytes of `data` under `key` (chat bot signatures).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Standard base64 with padding (RFC 4648 section 4).
std::string base64_encode(std::string_view bytes);

// Lower-case hex HMAC-SHA256 of `data` under `key` (webhook signatures).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Compares secrets in time that does not depend on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sigflow
