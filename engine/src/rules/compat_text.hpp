#pragma once
// Width and compatibility forms. Rule terms are NFKC-normalized when compiled; event text is
// normalized (ICU NFKC) only when a cheap byte scan finds forms that term expansion cannot
// cover: full-width ASCII (ＴＥＮＣＥＮＴ, １０亿), half-width katakana, circled and squared
// characters, ligatures, CJK compatibility ideographs. Most text passes the scan untouched.
#include <optional>
#include <string>
#include <string_view>

namespace sigflow::rules {

bool has_compat_forms(std::string_view utf8);
std::string nfkc(std::string_view utf8);

// Whitespace other than single spaces (tabs, line breaks, runs): terms match across any run.
bool has_loose_whitespace(std::string_view utf8);

// The text as rules scan it: NFKC where compatibility forms occur, whitespace runs as one space;
// nullopt when the text already is (the common case: one cheap scan per check, no copy).
std::optional<std::string> normalize_for_matching(std::string_view utf8);

}  // namespace sigflow::rules
