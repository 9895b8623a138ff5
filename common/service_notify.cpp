#include "common/service_notify.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdint>

#include "common/log.hpp"

namespace gtm::service {

void ready() { sd_notify(0, "READY=1"); }
void reloading() { sd_notify(0, "RELOADING=1"); }
void stopping() { sd_notify(0, "STOPPING=1"); }

Watchdog::Watchdog(std::function<std::string(std::chrono::nanoseconds)> stalled) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  int interval_ms = static_cast<int>(usec / 2000);
  thread_ = std::thread([this, interval_ms, usec, stalled = std::move(stalled)] {
    pollfd p{stop_fd_, POLLIN, 0};
    std::string was_stalled;
    while (::poll(&p, 1, interval_ms) == 0) {
      std::string part = stalled(std::chrono::microseconds(usec));
      if (part.empty()) sd_notify(0, "WATCHDOG=1");
      if (part != was_stalled) {
        if (!part.empty())
          log::error("no progress within the watchdog interval: systemd is no longer told all is well",
                     {{"part", part}});
        else
          log::info("every part makes progress again; watchdog petted");
        was_stalled = part;
      }
    }
  });
}

Watchdog::~Watchdog() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

}  // namespace gtm::service
