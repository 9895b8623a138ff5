#include "common/json_text.hpp"
#include "status/status_server.hpp"

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <sstream>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "common/asio_address.hpp"
#include "common/log.hpp"
#include "status/dashboard_page.hpp"
#include "status/request_checks.hpp"

namespace gtm::status {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

StatusServer::Reply json(int status, const std::string& message) {
  return {status, "application/json", jsonText(nlohmann::json{{"error", message}})};
}

// Compares without leaking through timing how much of the token matched.
bool sameToken(const std::string& given, const std::string& token) {
  return given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

}  // namespace

std::string rateLimitKey(IpAddress ip) {
  if (ip.family == IpAddress::Family::v6) std::fill(ip.bytes.begin() + 8, ip.bytes.end(), 0);
  return ip.toString();
}

StatusServer::StatusServer(SocketAddress listen, std::string token, StatusProvider& provider, StatusLimits limits)
    : listen_(listen), token_(std::move(token)), provider_(provider), limits_(limits) {}

std::string statusNeedsRestart(const config::StatusSettings& running, const config::StatusSettings& next) {
  std::string out;
  auto differs = [&](bool changed, const char* key) {
    if (changed) out += std::string(out.empty() ? "" : ", ") + "[status] " + key;
  };
  differs(running.listen.has_value() != next.listen.has_value() ||
              (running.listen && next.listen && running.listen->toString() != next.listen->toString()),
          "listen");
  differs(running.state_file != next.state_file, "state_file");
  differs(running.endpoint_metrics != next.endpoint_metrics, "endpoint_metrics");
  return out.empty() ? out : out + " changed: that needs a restart (the running config stays)";
}

void StatusServer::update(std::string token, std::vector<std::string> allowed_hosts) {
  std::lock_guard lock(update_mutex_);
  token_ = std::move(token);
  limits_.allowed_hosts = std::move(allowed_hosts);
}

std::string StatusServer::token() const {
  std::lock_guard lock(update_mutex_);
  return token_;
}

std::vector<std::string> StatusServer::allowedHosts() const {
  std::lock_guard lock(update_mutex_);
  return limits_.allowed_hosts;
}

bool StatusServer::allowRequest(const std::string& client) {
  auto now = std::chrono::steady_clock::now();
  // Forget clients whose bucket has refilled (they lose nothing by it), at
  // most once per refill time: a request costs O(1) however many clients.
  auto full = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(limits_.burst / limits_.requests_per_second));
  if (clients_.size() > 4096 && now - swept_ > full) {
    swept_ = now;
    std::erase_if(clients_, [&](const auto& kv) { return now - kv.second.updated > full; });
  }
  auto [it, fresh] = clients_.try_emplace(client, Bucket{limits_.burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(limits_.burst, b.tokens + elapsed * limits_.requests_per_second);
    b.updated = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

StatusServer::~StatusServer() { stop(); }

StatusServer::Reply StatusServer::handle(const std::string& method, const std::string& target,
                                         const std::string& authorization) {
  std::string path = target.substr(0, target.find('?'));
  if (method == "GET" || method == "HEAD") {
    if (path == "/") return {200, "text/html; charset=utf-8", std::string(kDashboardPage)};
    if (path == "/healthz") return {200, "text/plain", "ok\n"};
    if (path == "/api/v1/status") {
      auto query = statusQuery(target);
      if (!query) return json(400, "query parameters: profile or service=NAME, offset=N, limit=1 to 10000");
      return {200, "application/json", provider_.statusJson(*query)};
    }
    if (path == "/metrics") return {200, "text/plain; version=0.0.4", provider_.metricsText()};
    if (path == "/api/v1/route") {
      auto query = statusQuery(target);
      if (!query || query->group.empty() || query->address.empty())
        return json(400, "query parameters: profile=NAME and address=ADDRESS or ADDRESS/PREFIX");
      auto route = provider_.routeJson(*query);
      if (!route) return json(404, route.error());
      return {200, "application/json", *route};
    }
    return json(404, "no such page");
  }
  const std::string prefix = "/api/v1/endpoints/";
  if (method != "POST" || path.rfind(prefix, 0) != 0) return json(405, "not allowed");
  const std::string token = this->token();
  if (token.empty()) return json(403, "control is off: set [status] token_file");
  if (authorization.rfind("Bearer ", 0) != 0 || !sameToken(authorization.substr(7), token))
    return json(401, "a valid bearer token is required");
  // /api/v1/endpoints/{group}/{member}/{disable|enable|drain}: a profile's
  // endpoint for gtm serve, a service's real server for gtm lb.
  std::string rest = path.substr(prefix.size());
  size_t a = rest.find('/'), b = a == std::string::npos ? a : rest.find('/', a + 1);
  if (b == std::string::npos || rest.find('/', b + 1) != std::string::npos) return json(404, "no such endpoint");
  std::string group = rest.substr(0, a), member = rest.substr(a + 1, b - a - 1), action = rest.substr(b + 1);
  if (action != "disable" && action != "enable" && action != "drain") return json(404, "no such action");
  using Kind = ControlOutcome::Kind;
  ControlOutcome done = provider_.control(group, member, action);
  if (done.kind == Kind::unknown) return json(404, "no endpoint " + group + "/" + member);
  if (done.kind == Kind::failed) return json(500, done.error);
  if (done.kind == Kind::unavailable) return json(503, done.error);
  log::info("admin action", {{"endpoint", group + "/" + member}, {"action", action}});
  nlohmann::json answer{{"endpoint", group + "/" + member}, {"action", action}};
  if (!done.note.empty()) answer["note"] = done.note;
  return {200, "application/json", jsonText(answer)};
}

Result<Ok> StatusServer::start() {
  io_ = std::make_unique<asio::io_context>(1);
  auto acceptor = std::make_shared<tcp::acceptor>(*io_);
  boost::system::error_code ec;
  tcp::endpoint at(toAsio(listen_.ip), listen_.port);
  acceptor->open(at.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(at, ec);
  if (!ec) acceptor->listen(64, ec);
  if (ec) return Error{"cannot listen on " + listen_.toString() + " for the status server: " + ec.message()};
  asio::co_spawn(
      *io_,
      [this, acceptor]() -> asio::awaitable<void> {
        for (;;) {
          boost::system::error_code aec;
          tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, aec));
          if (aec == asio::error::operation_aborted) co_return;
          if (aec) continue;
          boost::system::error_code pec;
          auto peer = socket.remote_endpoint(pec);
          if (pec) continue;
          std::string client = rateLimitKey(fromAsio(peer.address()));
          // Counted here, not in the coroutine (it starts later). Past either
          // cap the socket closes as it goes: one client address cannot take
          // every slot.
          unsigned& mine = connections_of_[client];
          if (open_connections_ >= limits_.max_connections || mine >= limits_.max_connections_per_client) {
            if (mine == 0) connections_of_.erase(client);
            continue;
          }
          ++open_connections_;
          ++mine;
          asio::co_spawn(
              acceptor->get_executor(),
              [this, s = std::move(socket), client]() mutable -> asio::awaitable<void> {
                struct Release {
                  StatusServer& server;
                  const std::string& client;
                  ~Release() {
                    --server.open_connections_;
                    if (--server.connections_of_[client] == 0) server.connections_of_.erase(client);
                  }
                } release{*this, client};
                boost::system::error_code rec;
                beast::tcp_stream stream(std::move(s));
                stream.expires_after(limits_.head_timeout);  // a slow client cannot hold a slot
                beast::flat_buffer buffer(limits_.max_request_bytes);
                http::request_parser<http::string_body> parser;
                parser.header_limit(static_cast<uint32_t>(limits_.max_request_bytes));
                parser.body_limit(limits_.max_request_bytes);
                // The request line first: Beast waits forever on bare LF line
                // ends, which are refused here at once.
                auto received = [&] {
                  return std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
                };
                while (!rec && received().find('\n') == std::string_view::npos) {
                  if (buffer.size() >= limits_.max_request_bytes) {
                    rec = http::error::header_limit;
                    break;
                  }
                  size_t n = co_await stream.async_read_some(buffer.prepare(limits_.max_request_bytes - buffer.size()),
                                                             asio::redirect_error(asio::use_awaitable, rec));
                  buffer.commit(n);
                }
                if (!rec && requestLineHasBareLf(received())) rec = http::error::bad_line_ending;
                if (!rec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, rec));
                Reply r;
                const auto& req = parser.get();
                if (rec == http::error::header_limit || rec == http::error::body_limit) {
                  r = json(413, "the request is larger than " + std::to_string(limits_.max_request_bytes) + " bytes");
                } else if (rec && (rec == http::error::end_of_stream || rec == http::error::partial_message ||
                                  rec.category() != http::make_error_code(http::error::bad_version).category())) {
                  co_return;  // gone, too slow or a socket error: nothing to answer
                } else if (rec || !acceptableRequest(req.version(), {req.target().data(), req.target().size()})) {
                  // Bad syntax (a NUL, a line without a colon, bare LF line
                  // ends, HTTP/2's preface), an unknown version, a path that
                  // is not UTF-8: said, not silently closed.
                  std::string why = rec ? rec.message() : "HTTP version or path not accepted";
                  if (allowRequest(client)) log::warn("malformed request to the status server", {{"client", client}, {"error", why}});
                  r = json(400, "malformed request: " + why);
                } else if (std::string host(req[http::field::host]); !hostAllowed(host, allowedHosts())) {
                  r = json(421, "this server does not answer for host \"" + host +
                                    "\" (add it to [status] allowed_hosts)");
                } else if (!allowRequest(client)) {
                  std::ostringstream text;
                  text << "too many requests: at most " << limits_.requests_per_second << " a second from one address";
                  r = json(429, text.str());
                } else {
                  r = handle(std::string(req.method_string()), std::string(req.target()),
                             std::string(req[http::field::authorization]));
                }
                stream.expires_after(limits_.request_timeout);
                unsigned version = req.version() == 10 ? 10 : 11;
                http::response<http::string_body> res{static_cast<http::status>(r.status), version};
                res.set(http::field::content_type, r.content_type);
                res.set(http::field::cache_control, "no-store");
                if (r.status == 429) res.set(http::field::retry_after, "1");
                res.keep_alive(false);
                if (req.method() != http::verb::head) res.body() = std::move(r.body);
                res.prepare_payload();
                co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, rec));
                stream.socket().shutdown(tcp::socket::shutdown_both, rec);
              },
              asio::detached);
        }
      },
      asio::detached);
  thread_ = std::thread([io = io_.get()] { io->run(); });
  return Ok{};
}

void StatusServer::stop() {
  if (io_) io_->stop();
  if (thread_.joinable()) thread_.join();
  io_.reset();
}

}  // namespace gtm::status
