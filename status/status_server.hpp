// The status server (Boost.Beast, HTTP/1.1, one thread): the dashboard, the
// JSON API, Prometheus metrics, health, and the admin's control calls behind
// a bearer token. Requests are bounded in size; one request per connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "status/status_provider.hpp"

namespace boost::asio {
class io_context;
}

namespace gtm::status {

// The bearer token from [status] token_file: its first line, trailing spaces
// and CR removed; "" when no file is named.
[[nodiscard]] std::string readTokenFile(const std::string& path);

class StatusServer {
 public:
  // `token` empty: the control calls are off (403).
  StatusServer(SocketAddress listen, std::string token, StatusProvider& provider);
  ~StatusServer();
  [[nodiscard]] Result<Ok> start();
  void stop();

  struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
  };
  // The routing, without the network (also what the tests call).
  [[nodiscard]] Reply handle(const std::string& method, const std::string& target, const std::string& authorization);

 private:
  SocketAddress listen_;
  std::string token_;
  StatusProvider& provider_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::thread thread_;
};

}  // namespace gtm::status
