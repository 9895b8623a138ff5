// Tells systemd (Type=notify) that the service is ready, reloading or
// stopping, and pets its watchdog; does nothing when not run by systemd.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace gtm::service {

void ready();
void reloading();
void stopping();

// While alive, sends WATCHDOG=1 at half the interval systemd asked for
// (WatchdogSec=), from its own thread, but only while `stalled` says that
// nothing has stalled: it is given the interval and returns the name of a
// part that showed no progress within it, or "". So systemd restarts a
// daemon whose query threads or monitors hang, not only one that died.
class Watchdog {
 public:
  explicit Watchdog(std::function<std::string(std::chrono::nanoseconds)> stalled);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::thread thread_;
  int stop_fd_ = -1;
};

}  // namespace gtm::service
