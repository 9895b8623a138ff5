// Tells systemd (Type=notify) that the service is ready, reloading or
// stopping, and pets its watchdog; does nothing when not run by systemd.
#pragma once

#include <chrono>
#include <thread>

namespace gtm::service {

void ready();
void reloading();
void stopping();

// While alive, sends WATCHDOG=1 at half the interval systemd asked for
// (WatchdogSec=), from its own thread.
class Watchdog {
 public:
  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::thread thread_;
  int stop_fd_ = -1;
};

}  // namespace gtm::service
