// NOTIFY (RFC 1996): tells each secondary of a zone's new serial over UDP,
// TSIG-signed when the zone has a key, sent again (after 1, 2, 4, 8, 16
// and 32 s) until the secondary answers NOERROR. A newer serial replaces a
// NOTIFY still waiting for its answer instead of queueing behind it. One
// thread, one socket per address family.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/ip_address.hpp"
#include "xfr/tsig.hpp"

namespace gtm::xfr {

inline constexpr int kNotifyTries = 7;  // the first and six more

struct NotifyStatus {
  std::string target;      // "198.18.0.53:53"
  uint32_t serial = 0;     // the serial last told
  int tries = 0;           // sent this many times
  bool answered = false;   // a NOERROR came back
  std::string result;      // "answered", "waiting", "no answer after 7 tries", "REFUSED"...
  std::time_t last_sent = 0;
};

class Notifier {
 public:
  Notifier() = default;
  ~Notifier() { stop(); }
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  void stop();
  // Tells `targets` of `serial` for the zone at `apex` (wire).
  void notify(const std::string& apex, uint32_t serial, const std::vector<SocketAddress>& targets,
              const std::optional<TsigKey>& key);
  [[nodiscard]] std::vector<NotifyStatus> status(const std::string& apex) const;
  // NOTIFYs by (target, outcome): "answered" or "failed" (no answer after
  // every try, or an error rcode).
  using Outcomes = std::map<std::pair<std::string, std::string>, uint64_t>;
  [[nodiscard]] Outcomes outcomes(const std::string& apex) const;

 private:
  struct Pending {
    std::string apex;
    SocketAddress target;
    uint32_t serial = 0;
    uint16_t id = 0;
    std::optional<TsigKey> key;
    std::string message;  // as sent (signed anew on each try)
    int tries = 0;
    bool done = true;
    std::chrono::steady_clock::time_point next;
    NotifyStatus status;
  };
  void run();
  void send(Pending& p);
  void receive(int fd);
  int socketFor(const SocketAddress& a);

  void wake();

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Pending> pending_;  // by (apex, target)
  std::map<std::string, Outcomes> outcomes_;  // by apex
  int fd4_ = -1, fd6_ = -1, wake_fd_ = -1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gtm::xfr
