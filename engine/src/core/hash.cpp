#include "sigflow/hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>

namespace sigflow {

std::string stable_hash(std::initializer_list<std::string_view> parts, std::size_t hex_chars) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (std::string_view part : parts) {
    const std::uint64_t len = part.size();
    std::array<unsigned char, 8> len_bytes{};
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(len >> (8 * i));
    EVP_DigestUpdate(ctx.get(), len_bytes.data(), len_bytes.size());
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &digest_len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < digest_len && out.size() < hex_chars; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  out.resize(std::min(out.size(), hex_chars));
  return out;
}

}  // namespace sigflow
