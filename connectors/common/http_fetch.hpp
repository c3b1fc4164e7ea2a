#pragma once
// The HTTP settings every fetching connector shares (timeouts, size limit, redirects, proxy,
// headers with secret references) and the request they describe.
#include <map>
#include <optional>
#include <string>

#include "common/item_ledger.hpp"
#include "sigflow/http_client.hpp"
#include "sigflow/source.hpp"

namespace sigflow::connectors {

// timeout, connect_timeout, max_bytes, max_redirects, proxy, headers.
SettingsTable http_settings();
// Appends `extra` to the HTTP settings.
SettingsTable with_http_settings(SettingsTable extra);

// Checks what the settings table cannot (ranges); errors name the source and key.
Status check_http_settings(const SourceSpec& spec);

// A request for `url` with the source's HTTP settings; header values have their ${env:...} and
// ${file:...} references resolved (error code config.secret, naming the header, not its value).
Result<HttpRequest> http_request(const SourceSpec& spec, std::string url);

// A conditional GET with the validators (ETag, Last-Modified, body hash) that `ledger` has
// committed: nullopt when the resource did not change (HTTP 304, or the same bytes as the last
// delivered version). Otherwise the response, and `validators` to stage with its items, so they
// advance only with delivery.
Result<std::optional<HttpResponse>> fetch_if_changed(HttpClient& http, HttpRequest req, const ItemLedger& ledger,
                                                     std::map<std::string, std::string>& validators);

}  // namespace sigflow::connectors
