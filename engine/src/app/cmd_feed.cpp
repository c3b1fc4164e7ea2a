// sigflow feed parse FILE|URL: the events a feed source would emit, as JSON lines.
#include <CLI/CLI.hpp>

#include <filesystem>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "common/feed_parser.hpp"
#include "sigflow/http_client.hpp"
#include "sigflow/time.hpp"
#include "sigflow/url.hpp"

namespace sigflow::app {

Command add_feed_commands(CLI::App& app) {
  CLI::App* feed = app.add_subcommand("feed", "Inspect feeds.");
  feed->require_subcommand(1);
  CLI::App* parse = feed->add_subcommand("parse", "Fetch and parse an RSS/RDF/Atom feed; print one CloudEvents JSON object per item.");
  struct Options {
    std::string location;
    std::string source_id = "cli";
  };
  auto opts = std::make_shared<Options>();
  parse->add_option("location", opts->location, "a file path, file:// URL or http(s):// URL")->required();
  parse->add_option("--source-id", opts->source_id, "source id stamped on the events (default: cli)");
  return [parse, opts]() -> std::optional<int> {
    if (!parse->parsed()) return std::nullopt;
    HttpRequest req;
    req.url = opts->location.find("://") == std::string::npos
                  ? file_url_for_path(opts->location, std::filesystem::current_path().string())
                  : opts->location;
    auto http = make_curl_http_client();
    auto resp = http->fetch(req);
    if (!resp) {
      fmt::print(stderr, "error: {}\n", resp.error().message);
      return kExitFailure;
    }
    auto parsed = feed::parse_feed(resp->body, resp->effective_url.empty() ? req.url : resp->effective_url, resp->content_type);
    if (!parsed) {
      fmt::print(stderr, "error: {}: {}\n", opts->location, parsed.error().message);
      return kExitFailure;
    }
    for (const Event& e : feed::feed_to_events(*parsed, opts->source_id, now_rfc3339())) {
      fmt::print("{}\n", e.to_json());
    }
    fmt::print(stderr, "{}: {} feed, {} items\n", opts->location, parsed->format, parsed->items.size());
    return kExitOk;
  };
}

}  // namespace sigflow::app
