// A probe's time limit: when it passes, the guarded socket is closed, which
// makes every pending operation on it complete with an error. The timer's
// handler holds the socket by shared_ptr, so it is safe whatever finishes first.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace gtm::monitor {

class Deadline {
 public:
  template <typename Socket>
  Deadline(const std::shared_ptr<Socket>& socket, std::chrono::steady_clock::duration limit)
      : timer_(socket->get_executor()), expired_(std::make_shared<bool>(false)) {
    timer_.expires_after(limit);
    timer_.async_wait([socket, expired = expired_](const boost::system::error_code& ec) {
      if (ec) return;
      *expired = true;
      boost::system::error_code ignored;
      socket->lowest_layer().close(ignored);
    });
  }
  ~Deadline() { timer_.cancel(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  [[nodiscard]] bool expired() const { return *expired_; }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<bool> expired_;
};

}  // namespace gtm::monitor
