#include "rules/compat_text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

namespace sigflow::rules {

bool has_compat_forms(std::string_view s) {
  // UTF-8 lead/second byte pairs of the blocks NFKC changes and matching cares about:
  //   EF A4-AB  U+F900-FAFF  CJK compatibility ideographs
  //   EF AC     U+FB00-FB4F  ligatures (ﬁ)
  //   EF BC-BF  U+FF00-FFFF  full-width ASCII, half-width katakana, full-width signs
  //   E2 85     U+2150-217F  number forms (Ⅻ)
  //   E2 91-93  U+2440-24FF  enclosed alphanumerics (①, ⒜)
  //   E3 88-8F  U+3200-33FF  enclosed CJK, CJK compatibility (㈱, ㎏)
  //   E3 80 80  U+3000       ideographic space
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const unsigned char a = p[i];
    if (a < 0xE2) continue;
    const unsigned char b = p[i + 1];
    if (a == 0xEF && ((b >= 0xA4 && b <= 0xAC) || b >= 0xBC)) return true;
    if (a == 0xE2 && (b == 0x85 || (b >= 0x91 && b <= 0x93))) return true;
    if (a == 0xE3 && ((b >= 0x88 && b <= 0x8F) || (b == 0x80 && i + 2 < n && p[i + 2] == 0x80))) return true;
  }
  return false;
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
