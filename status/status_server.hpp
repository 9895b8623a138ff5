// The status server (Boost.Beast, HTTP/1.1, one thread): the dashboard, the
// JSON API, Prometheus metrics, health, and the admin's control calls behind
// a bearer token. One request per connection, bounded in size and time;
// connections are capped, and each client address is held to a request rate
// (429 past it), so that a scraper gone wild or a slow client cannot take
// the server from the admins.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "config/config.hpp"
#include "journal/event.hpp"
#include "status/access.hpp"
#include "status/status_provider.hpp"

namespace boost::asio {
class io_context;
}

namespace gtm::status {

struct StatusLimits {
  size_t max_request_bytes = 8 * 1024;               // headers and body each; 413 past it
  std::chrono::milliseconds head_timeout{3000};      // to receive the request head and body
  std::chrono::milliseconds request_timeout{10000};  // to write the reply
  unsigned max_connections = 512;                    // open at once; more are closed at accept
  unsigned max_connections_per_client = 8;           // per client address (IPv6: per /64)
  double requests_per_second = 10;                   // per client address, after a burst of
  double burst = 30;                                 // this many
  // Host header values answered besides IP literals and localhost (with
  // or without a port); any other gets 421, so that a page using DNS
  // rebinding cannot read the API from an admin's browser.
  std::vector<std::string> allowed_hosts;
};



// Whose request budget a client spends: its IPv4 address, or the /64 of
// its IPv6 address (an IPv4-mapped one counts as IPv4).
[[nodiscard]] std::string rateLimitKey(IpAddress ip);

// What of [status] a reload cannot change (listen, state_file,
// endpoint_metrics): a message naming it, or "" when the token and
// allowed_hosts are all that changed, which update() applies.
[[nodiscard]] std::string statusNeedsRestart(const config::StatusSettings& running,
                                             const config::StatusSettings& next);

class StatusServer {
 public:
  // No operator token: the control calls are off (403).
  StatusServer(SocketAddress listen, Access access, StatusProvider& provider, StatusLimits limits = StatusLimits{});
  ~StatusServer();
  [[nodiscard]] Result<Ok> start();
  void stop();
  // A reload's [status] tokens, read mode and allowed_hosts, in force for
  // the next request (a rotated token: the old one stops working at once).
  void update(Access access, std::vector<std::string> allowed_hosts);

  struct Request {
    std::string method, target;
    std::string authorization, cookie, content_type, body;
    std::string client;  // the client's address
  };
  struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers{};
    // GET /api/v1/events?follow=1: the connection becomes an event stream
    // of what matches.
    bool event_stream = false;
    journal::EventFilter stream_filter{};
  };
  // The routing, without the network (also what the tests call).
  [[nodiscard]] Reply handle(const Request& request);

 private:
  // A token bucket per client address (an IPv6 client by its /64, which one
  // host holds whole), touched only by the server's thread.
  bool allowRequest(const std::string& client);

  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
  };
  [[nodiscard]] Access access() const;
  // Writes an event stream until the client goes or the server stops.
  struct Stream;
  [[nodiscard]] std::vector<std::string> allowedHosts() const;

  SocketAddress listen_;
  mutable std::mutex update_mutex_;  // access_ and limits_.allowed_hosts, which a reload changes
  Access access_;
  Sessions sessions_;
  StatusProvider& provider_;
  StatusLimits limits_;
  unsigned open_connections_ = 0;
  std::unordered_map<std::string, Bucket> clients_;
  std::unordered_map<std::string, unsigned> connections_of_;  // open connections per client key
  std::chrono::steady_clock::time_point swept_{};  // when idle buckets were last forgotten
  std::unique_ptr<boost::asio::io_context> io_;
  std::thread thread_;
};

}  // namespace gtm::status
