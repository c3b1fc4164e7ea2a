#include "sigflow/url.hpp"

#include <curl/curl.h>

#include <filesystem>
#include <memory>

namespace sigflow {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::optional<std::string> get_full(CURLU* h) {
  char* out = nullptr;
  if (curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK) return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

}  // namespace

std::optional<std::string> resolve_url(std::string_view base, std::string_view ref) {
  std::unique_ptr<CURLU, UrlDeleter> h(curl_url());
  const std::string ref_s(ref);
  if (!ref_s.empty() && curl_url_set(h.get(), CURLUPART_URL, ref_s.c_str(), 0) == CURLUE_OK) {
    return get_full(h.get());  // already absolute
  }
  const std::string base_s(base);
  if (base_s.empty() || curl_url_set(h.get(), CURLUPART_URL, base_s.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  if (ref_s.empty()) return get_full(h.get());
  if (curl_url_set(h.get(), CURLUPART_URL, ref_s.c_str(), 0) != CURLUE_OK) return std::nullopt;
  return get_full(h.get());
}

std::string file_url_for_path(std::string_view path, std::string_view dir) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(dir) / p;
  return "file://" + p.lexically_normal().string();
}

}  // namespace sigflow
