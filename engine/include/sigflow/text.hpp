#pragma once
// Text normalization shared by connectors.
#include <string>
#include <string_view>

namespace sigflow {

// HTML (or plain text with entities) to plain text: markup removed, entities decoded, block
// elements become line breaks, scripts and styles dropped, whitespace collapsed. Uses the
// libxml2 HTML parser with network access off.
std::string html_to_text(std::string_view html);

// The language of a text by its script: "zh-Hans" or "zh-Hant" when Chinese characters
// dominate (decided by characters that differ between the two scripts), "en" when Latin
// letters dominate, "" when there is too little text to tell.
std::string detect_language(std::string_view text);

// ASCII letters lower-cased; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view text);

// Collapses runs of whitespace (ASCII and U+3000 ideographic space) into one space and trims.
std::string collapse_whitespace(std::string_view text);

}  // namespace sigflow
