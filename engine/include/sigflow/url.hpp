#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sigflow {

// Resolves `ref` against `base` (RFC 3986). Returns ref unchanged when it is already absolute,
// nullopt when neither yields an absolute URL.
std::optional<std::string> resolve_url(std::string_view base, std::string_view ref);

// The URL without tracking parameters (utm_*, spm, fbclid, gclid, ...) and without a
// fragment, so one article reached through different campaigns has one identity. Returns the
// input unchanged when it is not an absolute URL.
std::string canonical_url(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters (for a value placed in a URL).
std::string percent_encode(std::string_view text);

// "file:///abs/path" for a local path (made absolute against `dir` when relative).
std::string file_url_for_path(std::string_view path, std::string_view dir);

}  // namespace sigflow
