#pragma once
#include <string>
#include <string_view>
#include <initializer_list>

namespace sigflow {

// Hex SHA-256 of the parts, each prefixed with its length so ("ab","c") != ("a","bc");
// truncated to `hex_chars`.
std::string stable_hash(std::initializer_list<std::string_view> parts, std::size_t hex_chars = 32);

}  // namespace sigflow
