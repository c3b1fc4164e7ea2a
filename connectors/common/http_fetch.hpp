#pragma once
// The HTTP settings every fetching connector shares (timeouts, size limit, redirects, proxy,
// headers with secret references) and the request they describe.
#include <string>

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

}  // namespace sigflow::connectors
