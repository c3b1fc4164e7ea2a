#include "sigflow/url.hpp"

#include <curl/curl.h>

#include <filesystem>
#include <memory>

#include <fmt/format.h>

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

namespace {

bool is_tracking_parameter(std::string_view name) {
  static constexpr std::string_view kExact[] = {"spm", "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
                                                "igshid", "scm", "share_token", "from_source", "_hsenc", "_hsmi"};
  if (name.rfind("utm_", 0) == 0) return true;
  for (auto t : kExact) {
    if (name == t) return true;
  }
  return false;
}

}  // namespace

std::string canonical_url(std::string_view url) {
  std::unique_ptr<CURLU, UrlDeleter> h(curl_url());
  const std::string in(url);
  if (curl_url_set(h.get(), CURLUPART_URL, in.c_str(), 0) != CURLUE_OK) return in;
  curl_url_set(h.get(), CURLUPART_FRAGMENT, nullptr, 0);
  char* query = nullptr;
  if (curl_url_get(h.get(), CURLUPART_QUERY, &query, 0) == CURLUE_OK && query != nullptr) {
    std::string kept;
    std::string_view q(query);
    while (!q.empty()) {
      const auto amp = q.find('&');
      const std::string_view param = q.substr(0, amp);
      const std::string_view name = param.substr(0, param.find('='));
      if (!param.empty() && !is_tracking_parameter(name)) {
        if (!kept.empty()) kept.push_back('&');
        kept.append(param);
      }
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
    curl_free(query);
    curl_url_set(h.get(), CURLUPART_QUERY, kept.empty() ? nullptr : kept.c_str(), 0);
  }
  return get_full(h.get()).value_or(in);
}

std::string file_url_for_path(std::string_view path, std::string_view dir) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(dir) / p;
  return "file://" + p.lexically_normal().string();
}

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace sigflow
