// What ships in deploy/ and config/: every YAML and JSON file parses, every sigflow config
// passes `sigflow config check`, the Kubernetes rules ConfigMap carries every rule file, and
// promtool accepts the scrape configs and the self-alerts and passes their unit tests.
// (deploy/ metric names are checked against live /metrics in the Kafka tests.)
#include <gtest/gtest.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_under(const std::vector<std::string>& dirs, const std::set<std::string>& extensions) {
  std::vector<fs::path> found;
  for (const auto& d : dirs) {
    for (const auto& entry : fs::recursive_directory_iterator(test::source_dir() / d)) {
      if (entry.is_regular_file() && extensions.contains(entry.path().extension().string())) found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

TEST(DeployFiles, EveryYamlAndJsonFileParses) {
  std::size_t yaml = 0;
  for (const auto& path : files_under({"deploy", "config"}, {".yaml", ".yml"})) {
    try {
      const auto documents = YAML::LoadAllFromFile(path.string());
      EXPECT_FALSE(documents.empty()) << path;
      ++yaml;
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << path << ": " << e.what();
    }
  }
  EXPECT_GE(yaml, 20u);
  std::size_t json = 0;
  simdjson::dom::parser parser;
  for (const auto& path : files_under({"deploy", "config"}, {".json"})) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.load(path.string()).get(doc), simdjson::SUCCESS) << path;
    ++json;
  }
  EXPECT_GE(json, 1u);
}

// The shipped configs, and those of deploy/ with the container paths of their rules replaced
// by the checkout's (what the images mount there).
TEST(DeployFiles, EverySigflowConfigPassesConfigCheck) {
  std::vector<fs::path> configs = files_under({"config"}, {".yaml"});
  for (const char* d : {"deploy/compose/sigflow.yaml", "deploy/k8s/sigflow.yaml"}) configs.push_back(test::source_dir() / d);
  for (const auto& config : configs) {
    auto r = test::run_sigflow({"config", "check", "--config", config.string()},
                               {{"SIGFLOW_RULES", (test::source_dir() / "rules").string()}, {"SIGFLOW_STATE_DIR", ""}});
    EXPECT_EQ(r.code, 0) << config << "\n" << r.err;
    EXPECT_NE(r.out.find("config check: ok:"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << config << "\n" << r.err;
  }
  auto kafka_mode = test::run_sigflow({"config", "check", "--config", (test::source_dir() / "deploy/compose/sigflow.yaml").string()},
                                      {{"SIGFLOW_RULES", (test::source_dir() / "rules").string()}});
  EXPECT_NE(kafka_mode.out.find("Kafka mode, 3 sources"), std::string::npos) << kafka_mode.out;
  auto broken = test::run_sigflow({"config", "check", "--config", (test::source_dir() / "deploy/k8s/sigflow.yaml").string()},
                                  {{"SIGFLOW_RULES", "/nonexistent/rules"}});
  EXPECT_EQ(broken.code, 2);
  EXPECT_NE(broken.err.find("/nonexistent/rules: error: no such rule file or directory"), std::string::npos) << broken.err;
}

// kustomize cannot take a directory for a ConfigMap, so each rule file is listed by name.
TEST(DeployFiles, TheKubernetesRulesConfigMapCarriesEveryRuleFile) {
  const YAML::Node k = YAML::LoadFile((test::source_dir() / "deploy/k8s/kustomization.yaml").string());
  std::set<std::string> listed;
  for (const auto& generator : k["configMapGenerator"]) {
    if (generator["name"].Scalar() != "sigflow-rules") continue;
    for (const auto& f : generator["files"]) listed.insert(fs::path(f.Scalar()).filename().string());
  }
  std::set<std::string> shipped;
  for (const auto& path : files_under({"rules"}, {".yaml", ".yml"})) shipped.insert(path.filename().string());
  EXPECT_EQ(listed, shipped);
}

test::RunResult promtool(const std::vector<std::string>& args) {
  // The first call downloads the package.
  return test::run_program((test::source_dir() / "deploy/prometheus/promtool.sh").string(), args, {}, std::chrono::minutes(5));
}

TEST(DeployFiles, PromtoolAcceptsTheScrapeConfigsAndTheSelfAlertsAndTheirTestsPass) {
  const fs::path prometheus = test::source_dir() / "deploy/prometheus";
  auto rules = promtool({"check", "rules", (prometheus / "sigflow-alerts.yml").string()});
  EXPECT_EQ(rules.code, 0) << rules.out << rules.err;
  EXPECT_NE(rules.out.find("SUCCESS: 13 rules found"), std::string::npos) << rules.out;
  auto tests = promtool({"test", "rules", (prometheus / "sigflow-alerts.test.yml").string()});
  EXPECT_EQ(tests.code, 0) << tests.out << tests.err;
  EXPECT_NE(tests.out.find("SUCCESS"), std::string::npos) << tests.out;
  auto host = promtool({"check", "config", (prometheus / "prometheus.yml").string()});
  EXPECT_EQ(host.code, 0) << host.out << host.err;
  // The compose file names the rules where the container mounts them: next to it.
  test::TempDir dir;
  fs::copy_file(test::source_dir() / "deploy/compose/prometheus.yml", dir / "prometheus.yml");
  fs::copy_file(prometheus / "sigflow-alerts.yml", dir / "sigflow-alerts.yml");
  auto compose = promtool({"check", "config", (dir / "prometheus.yml").string()});
  EXPECT_EQ(compose.code, 0) << compose.out << compose.err;
}

}  // namespace
}  // namespace sigflow
