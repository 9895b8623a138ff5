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
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <sstream>
#include <nlohmann/json.hpp>

#include "common/asio_address.hpp"
#include "common/log.hpp"
#include "journal/event_journal.hpp"
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

// Nothing on a page of ours loads from elsewhere, runs inline or frames it.
template <typename Message>
void setSecurityHeaders(Message& m) {
  m.set("Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  m.set("X-Content-Type-Options", "nosniff");
  m.set("Referrer-Policy", "no-referrer");
}

// GET /api/v1/events?follow=1: Server-Sent Events, each new event that
// matches as it happens (looked for every 250 ms), a comment as heartbeat
// every 15 s; until the client goes, a write takes longer than 10 s, or the
// server stops. The connection still counts against the limits.
asio::awaitable<void> streamEvents(beast::tcp_stream& stream, journal::EventJournal& events,
                                   journal::EventFilter filter) {
  boost::system::error_code ec;
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
      "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nretry: 2000\n\n";
  stream.expires_after(std::chrono::seconds(10));
  co_await asio::async_write(stream, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
  stream.expires_never();
  if (ec) co_return;
  uint64_t seen = events.lastSeq();
  asio::steady_timer timer(stream.get_executor());
  auto last_write = std::chrono::steady_clock::now();
  filter.since_ms = 0;
  filter.until_ms = INT64_MAX;
  // A closed client is noticed by the read that completes.
  std::array<char, 256> sink{};
  bool gone = false;
  stream.socket().async_read_some(asio::buffer(sink), [&gone](boost::system::error_code, size_t) { gone = true; });
  while (!gone) {
    timer.expires_after(std::chrono::milliseconds(250));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || gone) break;
    std::string out;
    for (const journal::Event& e : events.after(seen, 1000)) {
      seen = e.seq;
      if (filter.matches(e)) out += "id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + journal::eventLine(e) + "\n\n";
    }
    auto now = std::chrono::steady_clock::now();
    if (out.empty() && now - last_write < std::chrono::seconds(15)) continue;
    if (out.empty()) out = ": heartbeat\n\n";
    stream.expires_after(std::chrono::seconds(10));
    co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    stream.expires_never();
    if (ec) break;
    last_write = now;
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
  // The pending read completes (aborted) before the frame goes.
  while (!gone) {
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// A page that asks for a token, for a browser when reading needs one.
StatusServer::Reply loginPage(int status, const std::string& note) {
  return {status, "text/html; charset=utf-8", std::string(kLoginPageHead) + (note.empty() ? "" : "<p class=\"warn\">" + note + "</p>") + std::string(kLoginPageForm)};
}

}  // namespace

std::string rateLimitKey(IpAddress ip) {
  if (ip.family == IpAddress::Family::v6) std::fill(ip.bytes.begin() + 8, ip.bytes.end(), 0);
  return ip.toString();
}

StatusServer::StatusServer(SocketAddress listen, Access access, StatusProvider& provider, StatusLimits limits)
    : listen_(listen), access_(std::move(access)), provider_(provider), limits_(limits) {}

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
  differs(running.event_log != next.event_log || running.event_log_max != next.event_log_max, "event_log");
  return out.empty() ? out : out + " changed: that needs a restart (the running config stays)";
}

void StatusServer::update(Access access, std::vector<std::string> allowed_hosts) {
  std::lock_guard lock(update_mutex_);
  access_ = std::move(access);
  limits_.allowed_hosts = std::move(allowed_hosts);
}

Access StatusServer::access() const {
  std::lock_guard lock(update_mutex_);
  return access_;
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

StatusServer::Reply StatusServer::handle(const Request& q) {
  const std::string& method = q.method;
  const std::string& target = q.target;
  std::string path = target.substr(0, target.find('?'));
  std::string_view query = target.size() > path.size() ? std::string_view(target).substr(path.size() + 1) : "";
  const Access access = this->access();
  // Who asks: a bearer token, or the page's session cookie (for reading only:
  // a cookie never controls, so no other site can make a browser act).
  const config::StatusToken* who = access.bearer(q.authorization);
  bool wrong_token = !who && !q.authorization.empty();
  if (method == "GET" || method == "HEAD") {
    if (path == "/healthz") return {200, "text/plain", "ok\n"};
    if (path == "/assets/dashboard.css") return {200, "text/css; charset=utf-8", std::string(kDashboardCss)};
    if (path == "/assets/dashboard.js") return {200, "text/javascript; charset=utf-8", std::string(kDashboardJs)};
    if (!who && !wrong_token) who = sessions_.find(q.cookie, access);
    if (access.read_needs_token && !who) {
      if (path == "/") return loginPage(wrong_token ? 401 : 200, wrong_token ? "That token is not valid." : "");
      return json(401, "reading needs a viewer or operator token ([status] read = \"token\")");
    }
    if (path == "/") {
      return {200, "text/html; charset=utf-8",
              std::string(kPageHead) + provider_.overviewHtml() + std::string(kPageTail)};
    }
    if (path == "/overview") return {200, "text/html; charset=utf-8", provider_.overviewHtml()};
    if (path == "/api/v1/status") {
      auto sq = statusQuery(target);
      if (!sq) return json(400, "query parameters: profile or service=NAME, offset=N, limit=1 to 10000");
      return {200, "application/json", provider_.statusJson(*sq)};
    }
    if (path == "/metrics") return {200, "text/plain; version=0.0.4", provider_.metricsText()};
    if (path == "/api/v1/route") {
      auto sq = statusQuery(target);
      if (!sq || sq->group.empty() || sq->address.empty())
        return json(400, "query parameters: profile=NAME and address=ADDRESS or ADDRESS/PREFIX");
      auto route = provider_.routeJson(*sq);
      if (!route) return json(404, route.error());
      return {200, "application/json", *route};
    }
    if (path == "/api/v1/traffic") {
      auto sq = statusQuery(target);
      if (!sq || sq->group.empty()) return json(400, "query parameter: profile=NAME");
      auto traffic = provider_.trafficJson(sq->group);
      if (!traffic) return json(404, traffic.error());
      return {200, "application/json", *traffic};
    }
    if (path == "/api/v1/events") {
      journal::EventJournal* events = provider_.journal();
      if (!events) return json(404, "this daemon keeps no event journal");
      journal::EventFilter filter;
      bool follow = false;
      if (auto error = eventQuery(target, journal::nowMillis(), filter, follow))
        return json(400, *error);
      if (follow) {
        Reply r{200, "text/event-stream", ""};
        r.event_stream = true;
        r.stream_filter = filter;
        return r;
      }
      nlohmann::json out = nlohmann::json::array();
      for (const journal::Event& e : events->query(filter))
        out.push_back(nlohmann::json::parse(journal::eventLine(e), nullptr, false));
      return {200, "application/json", jsonText(nlohmann::json{{"events", out}})};
    }
    return json(404, "no such page");
  }
  if (method == "POST" && path == "/login") {
    auto secret = formValue(q.body, "token", true);
    const config::StatusToken* t = secret ? access.withSecret(*secret) : nullptr;
    if (!t) return loginPage(401, "That token is not valid.");
    Reply r{303, "text/plain", "signed in\n"};
    r.headers.push_back({"Location", "/"});
    r.headers.push_back({"Set-Cookie", std::string(Sessions::kCookie) + "=" + sessions_.open(*t) +
                                            "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"});
    return r;
  }
  const std::string prefix = "/api/v1/endpoints/";
  if (method != "POST" || path.rfind(prefix, 0) != 0) return json(405, "not allowed");
  bool any_operator = false;
  for (const config::StatusToken& t : access.tokens) any_operator = any_operator || t.role == config::StatusToken::Role::operator_;
  if (!any_operator) return json(403, "control is off: set [status] token_file or an operator [[status.token]]");
  if (!who) return json(401, "a valid bearer token is required");
  if (who->role != config::StatusToken::Role::operator_)
    return json(403, "the token \"" + who->name + "\" is a viewer's: it may read, not control");
  // /api/v1/endpoints/{group}/{member}/{disable|enable|drain}: a profile's
  // endpoint for gtm serve, a service's real server for gtm lb.
  std::string rest = path.substr(prefix.size());
  size_t a = rest.find('/'), b = a == std::string::npos ? a : rest.find('/', a + 1);
  if (b == std::string::npos || rest.find('/', b + 1) != std::string::npos) return json(404, "no such endpoint");
  std::string group = rest.substr(0, a), member = rest.substr(a + 1, b - a - 1), action = rest.substr(b + 1);
  if (action != "disable" && action != "enable" && action != "drain") return json(404, "no such action");
  // The reason: ?reason=... or a JSON body {"reason": "..."}.
  Actor actor{who->name, q.client, ""};
  if (auto reason = formValue(query, "reason")) actor.reason = *reason;
  if (!q.body.empty()) {
    auto body = nlohmann::json::parse(q.body, nullptr, false);
    if (!body.is_object() || (body.contains("reason") && !body["reason"].is_string()))
      return json(400, "the body is not a JSON object with a string \"reason\"");
    if (body.contains("reason")) actor.reason = body["reason"].get<std::string>();
  }
  if (actor.reason.size() > journal::kMaxField) return json(400, "the reason is longer than 512 bytes");
  if (actor.reason.find_first_of("\r\n") != std::string::npos) return json(400, "the reason is one line");
  using Kind = ControlOutcome::Kind;
  ControlOutcome done = provider_.control(group, member, action, actor);
  if (done.kind == Kind::unknown) return json(404, "no endpoint " + group + "/" + member);
  if (done.kind == Kind::failed) return json(500, done.error);
  if (done.kind == Kind::unavailable) return json(503, done.error);
  log::info("admin action", {{"endpoint", group + "/" + member},
                             {"action", action},
                             {"by", actor.name},
                             {"client", actor.client},
                             {"reason", actor.reason}});
  nlohmann::json answer{{"endpoint", group + "/" + member}, {"action", action}, {"by", actor.name}};
  if (!actor.reason.empty()) answer["reason"] = actor.reason;
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
          std::string peer_address = fromAsio(peer.address()).toString();
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
              [this, s = std::move(socket), client, peer_address]() mutable -> asio::awaitable<void> {
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
                  r = handle({std::string(req.method_string()), std::string(req.target()),
                              std::string(req[http::field::authorization]), std::string(req[http::field::cookie]),
                              std::string(req[http::field::content_type]), req.body(), peer_address});
                }
                if (r.event_stream && provider_.journal()) {
                  co_await streamEvents(stream, *provider_.journal(), r.stream_filter);
                  co_return;
                }
                stream.expires_after(limits_.request_timeout);
                unsigned version = req.version() == 10 ? 10 : 11;
                http::response<http::string_body> res{static_cast<http::status>(r.status), version};
                res.set(http::field::content_type, r.content_type);
                res.set(http::field::cache_control, "no-store");
                setSecurityHeaders(res);
                for (const auto& [name, value] : r.headers) res.set(name, value);
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
