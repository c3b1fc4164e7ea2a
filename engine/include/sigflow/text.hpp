#pragma once
// Text normalization shared by connectors.
#include <string>
#include <string_view>

namespace sigflow {

// Process-wide libxml2 set-up, idempotent and thread-safe: no external entity, DTD or XInclude is
// ever loaded, and libxml2 prints nothing (callers report errors themselves). Every parse of
// untrusted XML or HTML calls it first.
void init_libxml_safely();

// HTML (or plain text with entities) to plain text: markup removed, entities decoded, block
// elements become line breaks, scripts and styles dropped, whitespace collapsed. Uses the
// libxml2 HTML parser with network access off.
std::string html_to_text(std::string_view html);

// The language of a text by its script: "zh-Hans" or "zh-Hant" when Chinese characters
// dominate (decided by characters that differ between the two scripts), "en" when Latin
// letters dominate, "" when there is too little text to tell.
std::string detect_language(std::string_view text);

// The charset parameter of a Content-Type ("text/html; charset=GBK" -> "gbk"), lower-cased.
std::string charset_of_content_type(std::string_view content_type);
// The decoder to use for a declared charset: the supersets real sites actually send (GB2312 and
// GBK decode as GB18030, Big5 as Big5-HKSCS); other names unchanged, "" for "".
std::string decoder_for_charset(std::string_view charset);

// ASCII letters lower-cased; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view text);

// Collapses runs of whitespace (ASCII and U+3000 ideographic space) into one space and trims.
std::string collapse_whitespace(std::string_view text);

}  // namespace sigflow
