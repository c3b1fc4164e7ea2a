#include "rules/compat_text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

namespace sigflow::rules {

bool has_compat_forms(std::string_view s) {
  // The forms NFKC changes that matter for matching, by UTF-8 bytes. Full-width punctuation
  // (，：（）), which Chinese text uses everywhere, does not count: it never occurs in terms.
  //   EF BC 90-99, A1-BA   ０-９ Ａ-Ｚ        EF BD 81-9A   ａ-ｚ
  //   EF BD A6-BF, EF BE   half-width katakana   EF BF A0-A6   ￠￡￢￣￤￥￦
  //   EF A4-AB             CJK compatibility ideographs        EF AC   ligatures (ﬁ)
  //   E2 85                number forms (Ⅻ)    E2 91-93   enclosed alphanumerics (①)
  //   E3 88-8F             enclosed CJK and CJK compatibility (㈱, ㎏)
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i + 2 < n; ++i) {
    const unsigned char a = p[i];
    if (a < 0xE2) continue;
    const unsigned char b = p[i + 1];
    const unsigned char c = p[i + 2];
    if (a == 0xEF) {
      if (b == 0xBC && ((c >= 0x90 && c <= 0x99) || (c >= 0xA1 && c <= 0xBA))) return true;
      if (b == 0xBD && ((c >= 0x81 && c <= 0x9A) || c >= 0xA6)) return true;
      if (b == 0xBE) return true;
      if (b == 0xBF && c >= 0xA0 && c <= 0xA6) return true;
      if (b >= 0xA4 && b <= 0xAC) return true;
    } else if (a == 0xE2) {
      if (b == 0x85 || (b >= 0x91 && b <= 0x93)) return true;
    } else if (a == 0xE3) {
      if (b >= 0x88 && b <= 0x8F) return true;
    }
  }
  return false;
}

bool has_loose_whitespace(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') return true;
    if (c == ' ' && i + 1 < s.size() && s[i + 1] == ' ') return true;
  }
  return false;
}

std::optional<std::string> normalize_for_matching(std::string_view s) {
  const bool compat = has_compat_forms(s);
  if (!compat && !has_loose_whitespace(s)) return std::nullopt;
  const std::string folded = compat ? nfkc(s) : std::string(s);
  std::string out;
  out.reserve(folded.size());
  bool space = false;
  for (char c : folded) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string nfkc(std::string_view s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status) || n == nullptr) return std::string(s);
  icu::UnicodeString out = n->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size()))), status);
  if (U_FAILURE(status)) return std::string(s);
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

}  // namespace sigflow::rules
