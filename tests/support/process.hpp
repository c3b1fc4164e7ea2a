#pragma once
// Process: runs a program (the sigflow binary) as a child with stdout and stderr captured to
// files, for CLI and end-to-end tests. Every wait is bounded.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/test_paths.hpp"

namespace sigflow::test {

class Process {
 public:
  // `env` entries are added to (or replace in) the parent's environment.
  Process(const std::string& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env = {});
  ~Process();  // kills the child if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Exit code (128+signal when killed by a signal), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void signal(int sig);
  bool running();
  std::string out() const;  // everything written to stdout so far
  std::string err() const;
  // The port number that follows `marker` in stderr (e.g. "listening on http://127.0.0.1:"),
  // waiting up to 10 s; 0 when it never appeared or the process exited.
  std::uint16_t wait_for_port(const std::string& marker);
  // Whether `marker` appeared in stderr within 30 s (false at once when the process exited).
  bool wait_for_log(const std::string& marker);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  TempDir dir_;
};

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};
// Runs `program` with `args` to completion; returns {exit code, stdout, stderr}. Throws when
// it does not finish within `timeout`.
RunResult run_program(const std::string& program, const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                      std::chrono::seconds timeout = std::chrono::seconds(60));
// run_program for the sigflow binary (60 s limit).
RunResult run_sigflow(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

}  // namespace sigflow::test
