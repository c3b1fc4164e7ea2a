#pragma once
// StopSignals: SIGINT/SIGTERM for the long-running modes, watched on a thread of its own. The
// first signal logs "signal N: <what>" and calls on_first(); a second one, while that shutdown
// runs, exits at once with status 1. Listening ends when the object is destroyed. Asio stays in
// the .cpp.
#include <functional>
#include <memory>
#include <string>

namespace sigflow {

// Catches SIGINT/SIGTERM from now on (start-up: loading config, compiling rules), so that a
// stop request before StopSignals exists is not fatal: the StopSignals made later acts on it
// at once. SIGHUP is caught too (its default action would end the process): a RuleReloader
// reloads for it once started, and processes without one ignore it. Call it first thing in a
// long-running command.
void catch_stop_signals_early();
// Whether a SIGHUP arrived since catch_stop_signals_early(); clears it.
bool take_early_hangup();

class StopSignals {
 public:
  StopSignals(std::string what, std::function<void()> on_first);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow
