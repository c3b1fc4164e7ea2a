#include "runtime/stop_signals.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "sigflow/log.hpp"

namespace sigflow {

namespace asio = boost::asio;

namespace {

std::atomic<int> early_signal{0};
std::atomic<bool> early_hangup{false};

extern "C" void remember_signal(int sig) {
  if (sig == SIGHUP) early_hangup.store(true);
  else early_signal.store(sig);
}

}  // namespace

void catch_stop_signals_early() {
  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
}

bool take_early_hangup() { return early_hangup.exchange(false); }

struct StopSignals::Impl {
  asio::io_context io;
  asio::signal_set signals{io, SIGINT, SIGTERM};
  std::string what;
  std::function<void()> on_first;
  bool signalled = false;  // touched on the signal thread only
  std::thread thread;

  void wait() {
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (signalled) {
        logger("runtime")->warn("second signal {}: exiting at once", sig);
        std::_Exit(1);
      }
      signalled = true;
      logger("runtime")->info("signal {}: {}", sig, what);
      on_first();
      wait();
    });
  }
};

StopSignals::StopSignals(std::string what, std::function<void()> on_first) : impl_(std::make_unique<Impl>()) {
  impl_->what = std::move(what);
  impl_->on_first = std::move(on_first);
  impl_->wait();  // asio's handler replaces the early one from here on
  if (const int sig = early_signal.exchange(0); sig != 0) {
    asio::post(impl_->io, [impl = impl_.get(), sig] {
      impl->signalled = true;
      logger("runtime")->info("signal {} during start-up: {}", sig, impl->what);
      impl->on_first();
    });
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

StopSignals::~StopSignals() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->signals.cancel(); });
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace sigflow
