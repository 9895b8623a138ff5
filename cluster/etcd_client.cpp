#include "cluster/etcd_client.hpp"

#include "common/base64.hpp"

#include <sys/socket.h>

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <charconv>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>

#include "common/http_url.hpp"
#include "common/json_text.hpp"

namespace gtm::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

// Bounds on what etcd may answer: one answer (a range page is cut to fit,
// see rangePrefix), and the keys one range page asks for.
constexpr uint64_t kMaxAnswerBytes = 16u << 20;
constexpr int kRangePage = 256;

// etcd writes 64-bit integers as JSON strings, and leaves out zeros.
// Anything else reads as 0.
int64_t integer(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const std::string& text = it->get_ref<const std::string&>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size() ? v : 0;
}

std::string text(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

KeyValue keyValue(const json& kv) {
  return {base64Decode(text(kv, "key")).value_or(""), base64Decode(text(kv, "value")).value_or(""), integer(kv, "mod_revision"),
          integer(kv, "lease")};
}

// etcd's error, whichever shape it has ({"error": "..."}, or {"error":
// {"message": ...}} on a watch).
std::string errorText(const json& e) {
  if (e.is_string()) return e.get<std::string>();
  std::string m = text(e, "message");
  return m.empty() ? "error" : m;
}

Result<json> parsed(const Result<std::string>& body) {
  if (!body) return Error{body.error()};
  auto j = json::parse(*body, nullptr, false);
  if (!j.is_object()) return Error{"etcd: an answer that is not a JSON object"};
  if (j.contains("error")) return Error{"etcd: " + errorText(j["error"])};
  return j;
}

// A POST to one member, with the auth token when there is one.
http::request<http::string_body> request(const std::string& host, const std::string& port, std::string_view path,
                                         const std::string& token) {
  http::request<http::string_body> req{http::verb::post, std::string(path), 11};
  req.set(http::field::host, host + ":" + port);
  req.set(http::field::content_type, "application/json");
  if (!token.empty()) req.set(http::field::authorization, token);
  return req;
}

// What etcd says of a missing, expired or revoked auth token (a simple
// token expires after --auth-token-ttl without use, and on a restart).
bool tokenRefused(const std::string& error) {
  return error.find("HTTP 401") != std::string::npos || error.find("auth token") != std::string::npos ||
         error.find("user name is empty") != std::string::npos;
}

}  // namespace

struct EtcdClient::Tls {
  asio::ssl::context context{asio::ssl::context::tls_client};
  std::string error;  // the settings did not make a context
};

// One HTTP/1.1 connection to one member, plain or TLS; with TLS the member's
// certificate must chain to the CAs and name the host of its URL.
class EtcdClient::Connection {
 public:
  Connection(const Endpoint& at, Tls* tls) : at_(at) {
    if (at.tls && tls) tls_.emplace(io_, tls->context);
  }
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : plain_; }

  // Connects (and shakes hands) within `timeout`, which stays the deadline
  // of every operation until it is changed: Beast's timeouts bound
  // asynchronous operations only, so every bounded step runs as one, to
  // its end, on this connection's own io_context.
  Result<Ok> open(std::chrono::milliseconds timeout) {
    if (at_.tls && !tls_) return Error{"etcd " + at_.host + ":" + at_.port + ": no TLS context"};
    boost::system::error_code ec;
    // The name too is resolved within the timeout (getaddrinfo has none of
    // its own): a timer cancels it.
    tcp::resolver resolver(io_);
    tcp::resolver::results_type addresses;
    asio::steady_timer deadline(io_, timeout);
    resolver.async_resolve(at_.host, at_.port, [&](boost::system::error_code e, tcp::resolver::results_type r) {
      ec = e;
      addresses = std::move(r);
      deadline.cancel();
    });
    deadline.async_wait([&](boost::system::error_code e) {
      if (!e) resolver.cancel();
    });
    run();
    if (ec == asio::error::operation_aborted) ec = beast::error::timeout;
    tcp().expires_after(timeout);
    if (!ec) {
      tcp().async_connect(addresses, [&](boost::system::error_code e, const tcp::endpoint&) { ec = e; });
      run();
    }
    if (!ec && tls_) {
      boost::system::error_code not_ip;
      if (asio::ip::make_address(at_.host, not_ip), not_ip)  // SNI carries names only
        SSL_set_tlsext_host_name(tls_->native_handle(), at_.host.c_str());
      tls_->set_verify_callback(asio::ssl::host_name_verification(at_.host));
      tls_->async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
      run();
    }
    if (ec) return Error{"etcd " + at_.host + ":" + at_.port + ": " + describe(ec)};
    return Ok{};
  }
  // Runs the operations started on the connection to their end.
  void run() {
    io_.restart();
    io_.run();
  }
  static std::string describe(const boost::system::error_code& ec) {
    return ec == beast::error::timeout ? "no answer within the timeout" : ec.message();
  }
  // f(stream) with the connection's stream, whichever it is.
  template <class F>
  void with(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(plain_);
  }
  void close() {
    boost::system::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
  }

 private:
  Endpoint at_;
  asio::io_context io_;
  beast::tcp_stream plain_{io_};
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

EtcdClient::EtcdClient(EtcdSettings settings) : settings_(std::move(settings)) {
  bool https = false;
  for (const std::string& url : settings_.endpoints) https |= url.rfind("https://", 0) == 0;
  if (!https) return;
  tls_ = std::make_unique<Tls>();
  boost::system::error_code ec;
  asio::ssl::context& c = tls_->context;
  c.set_verify_mode(asio::ssl::verify_peer, ec);
  if (settings_.ca_pem.empty())
    c.set_default_verify_paths(ec);
  else
    c.add_certificate_authority(asio::buffer(settings_.ca_pem), ec);
  if (ec) tls_->error = "etcd CA: " + ec.message();
  if (!ec && !settings_.cert_pem.empty()) {
    c.use_certificate_chain(asio::buffer(settings_.cert_pem), ec);
    if (ec) tls_->error = "etcd client certificate: " + ec.message();
  }
  if (!ec && !settings_.key_pem.empty()) {
    c.use_private_key(asio::buffer(settings_.key_pem), asio::ssl::context::pem, ec);
    if (ec) tls_->error = "etcd client key: " + ec.message();
  }
}

EtcdClient::~EtcdClient() = default;

Result<Ok> EtcdClient::usable() const {
  if (settings_.endpoints.empty()) return Error{"etcd: no endpoints"};
  if (tls_ && !tls_->error.empty()) return Error{tls_->error};
  return Ok{};
}

std::string EtcdClient::token() const {
  std::lock_guard lock(token_mutex_);
  return token_;
}

std::string prefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (end.empty()) return std::string(1, '\0');  // every key
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

std::vector<EtcdClient::Endpoint> EtcdClient::endpoints() const {
  std::vector<Endpoint> out;
  // The loader checked every URL; one that still does not parse is skipped.
  for (const std::string& text : settings_.endpoints)
    if (auto url = parseHttpUrl(text, 2379)) out.push_back({url->host, std::to_string(url->port), url->tls});
  return out;
}

Result<std::string> EtcdClient::post(std::string_view path, const std::string& body, bool* connect_failed) {
  auto list = endpoints();
  const Endpoint& at = list[preferred_ % list.size()];
  std::lock_guard lock(call_mutex_);
  if (kept_ && kept_endpoint_ != preferred_ % list.size()) kept_.reset();
  // A kept connection that the member closed while idle fails at once:
  // once more on a new one.
  bool reused = kept_ != nullptr;
  auto r = exchange(at, path, body, connect_failed);
  if (!r && reused && *connect_failed && r.error().find("within the timeout") == std::string::npos) {
    *connect_failed = false;
    r = exchange(at, path, body, connect_failed);
  }
  return r;
}

// One request and its answer on the kept connection to `at` (opened when
// there is none), within the timeout. Under call_mutex_.
Result<std::string> EtcdClient::exchange(const Endpoint& at, std::string_view path, const std::string& body,
                                         bool* connect_failed) {
  if (!kept_) {
    auto conn = std::make_unique<Connection>(at, tls_.get());
    if (auto r = conn->open(settings_.timeout); !r) {
      *connect_failed = true;
      return Error{r.error()};
    }
    kept_ = std::move(conn);
    kept_endpoint_ = preferred_ % std::max<size_t>(1, settings_.endpoints.size());
  }
  Connection& conn = *kept_;
  http::request<http::string_body> req = request(at.host, at.port, path, token());
  req.body() = body;
  req.prepare_payload();
  boost::system::error_code ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  conn.tcp().expires_after(settings_.timeout);
  conn.with([&](auto& stream) {
    http::async_write(stream, req, [&](boost::system::error_code e, size_t) {
      ec = e;
      if (!ec) http::async_read(stream, buffer, parser, [&](boost::system::error_code e2, size_t) { ec = e2; });
    });
  });
  conn.run();
  if (ec == http::error::body_limit) {
    kept_.reset();
    return Error{"etcd " + std::string(path) + ": an answer larger than " + std::to_string(kMaxAnswerBytes >> 20) +
                 " MiB (answer too large)"};
  }
  if (ec) {
    kept_.reset();
    *connect_failed = true;
    return Error{"etcd " + at.host + ":" + at.port + ": " + Connection::describe(ec)};
  }
  http::response<http::string_body> res = parser.release();
  if (!res.keep_alive()) kept_.reset();
  if (res.result_int() != 200) {
    // A member that cannot serve (no leader: a minority partition) answers
    // 5xx: another member may.
    *connect_failed = res.result_int() >= 500;
    auto j = json::parse(res.body(), nullptr, false);
    std::string why = j.is_object() && j.contains("error") ? errorText(j["error"]) : text(j, "message");
    if (why.empty()) why = res.body().substr(0, 200);
    if (why.find("CommonName of client") != std::string::npos)
      why += " (with etcd users on, the client certificate must carry no CommonName: etcd pull request 10366)";
    return Error{"etcd " + std::string(path) + ": HTTP " + std::to_string(res.result_int()) + ": " + why};
  }
  return std::move(res.body());
}

Result<std::string> EtcdClient::call(std::string_view path, const std::string& body) {
  if (auto u = usable(); !u) return Error{u.error()};
  size_t n = settings_.endpoints.size();
  std::string errors;
  for (size_t tried = 0; tried < n; ++tried) {
    bool connect_failed = false;
    auto r = post(path, body, &connect_failed);
    if (r || !connect_failed) return r;
    errors += (errors.empty() ? "" : "; ") + r.error();
    preferred_ = (preferred_ + 1) % n;  // the next member
  }
  return Error{errors};
}

Result<std::string> EtcdClient::authenticated(std::string_view path, const std::string& body) {
  if (settings_.username.empty()) return call(path, body);
  for (int attempt = 0;; ++attempt) {
    if (token().empty()) {
      auto j = parsed(call("/v3/auth/authenticate",
                           jsonText(json{{"name", settings_.username}, {"password", settings_.password}})));
      if (!j) return Error{j.error()};
      std::lock_guard lock(token_mutex_);
      token_ = text(*j, "token");
    }
    auto r = call(path, body);
    if (r || attempt == 1 || !tokenRefused(r.error())) return r;
    std::lock_guard lock(token_mutex_);
    token_.clear();  // once more, with a new token
  }
}

Result<int64_t> EtcdClient::grantLease(int ttl_seconds) {
  auto j = parsed(authenticated("/v3/lease/grant", json{{"TTL", ttl_seconds}}.dump()));
  if (!j) return Error{j.error()};
  int64_t id = integer(*j, "ID");
  if (id == 0) return Error{"etcd: lease grant without an ID"};
  return id;
}

Result<Ok> EtcdClient::keepAlive(int64_t lease) {
  auto j = parsed(authenticated("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}.dump()));
  if (!j) return Error{j.error()};
  // An expired lease comes back with TTL 0 (or none).
  if (integer(member(*j, "result"), "TTL") <= 0) return Error{"etcd: the lease expired"};
  return Ok{};
}

Result<Ok> EtcdClient::revokeLease(int64_t lease) {
  auto j = parsed(authenticated("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}.dump()));
  if (!j) return Error{j.error()};
  return Ok{};
}

Result<int64_t> EtcdClient::put(std::string_view key, std::string_view value, int64_t lease) {
  json body{{"key", base64Encode(key)}, {"value", base64Encode(value)}};
  if (lease) body["lease"] = std::to_string(lease);
  auto j = parsed(authenticated("/v3/kv/put", body.dump()));
  if (!j) return Error{j.error()};
  return integer(member(*j, "header"), "revision");
}

Result<bool> EtcdClient::putIf(std::string_view key, std::string_view value, int64_t expected) {
  json put{{"key", base64Encode(key)}, {"value", base64Encode(value)}};
  json body{{"compare", json::array({{{"key", base64Encode(key)}, {"result", "EQUAL"}, {"target", "MOD"},
                                      {"mod_revision", std::to_string(expected)}}})},
            {"success", json::array({{{"request_put", put}}})}};
  auto j = parsed(authenticated("/v3/kv/txn", body.dump()));
  if (!j) return Error{j.error()};
  const json& ok = member(*j, "succeeded");
  return ok.is_boolean() && ok.get<bool>();
}

Result<Ok> EtcdClient::remove(std::string_view key) {
  auto j = parsed(authenticated("/v3/kv/deleterange", json{{"key", base64Encode(key)}}.dump()));
  if (!j) return Error{j.error()};
  return Ok{};
}

Result<Ok> EtcdClient::commit(const std::vector<TxnOp>& ops) {
  for (size_t begin = 0; begin < ops.size(); begin += kMaxTxnOps) {
    json success = json::array();
    for (size_t i = begin; i < std::min(ops.size(), begin + kMaxTxnOps); ++i) {
      const TxnOp& op = ops[i];
      if (op.remove) {
        success.push_back({{"request_delete_range", {{"key", base64Encode(op.key)}}}});
        continue;
      }
      json put{{"key", base64Encode(op.key)}, {"value", base64Encode(op.value)}};
      if (op.lease) put["lease"] = std::to_string(op.lease);
      success.push_back({{"request_put", put}});
    }
    auto j = parsed(authenticated("/v3/kv/txn", json{{"success", success}}.dump()));
    if (!j) return Error{j.error()};
  }
  return Ok{};
}

Result<EtcdClient::Range> EtcdClient::rangePrefix(std::string_view prefix) {
  Range out;
  std::string from(prefix), end = prefixEnd(prefix);
  int page = kRangePage;
  for (;;) {
    json ask{{"key", base64Encode(from)}, {"range_end", base64Encode(end)}, {"limit", page}};
    if (out.revision) ask["revision"] = std::to_string(out.revision);  // every page as the first saw it
    auto j = parsed(authenticated("/v3/kv/range", ask.dump()));
    // A page too large to read, or to read within the timeout (large
    // values under the prefix): fewer keys at a time.
    bool too_large = !j && (j.error().find("answer too large") != std::string::npos ||
                            (page > 1 && j.error().find("within the timeout") != std::string::npos));
    if (too_large) {
      if (page > 1) {
        page = std::max(1, page / 8);  // large values: fewer at a time
        continue;
      }
      // One value alone is too large to read: its key is named, and the
      // range goes on after it.
      ask["keys_only"] = true;
      auto k = parsed(authenticated("/v3/kv/range", ask.dump()));
      if (!k) return Error{k.error()};
      const json& kvs = member(*k, "kvs");
      if (!kvs.is_array() || kvs.empty()) return Error{j.error()};
      std::string key = base64Decode(text(kvs[0], "key")).value_or("");
      out.too_large.push_back(key);
      from = key + '\0';
      page = kRangePage;
      continue;
    }
    if (!j) return Error{j.error()};
    if (!out.revision) out.revision = integer(member(*j, "header"), "revision");
    const json& kvs = member(*j, "kvs");
    if (kvs.is_array())
      for (const json& kv : kvs) out.kvs.push_back(keyValue(kv));
    if (!member(*j, "more").is_boolean() || !member(*j, "more").get<bool>() || !kvs.is_array() || kvs.empty())
      return out;
    from = out.kvs.back().key + '\0';  // the next page starts just after the last key
    page = std::min(kRangePage, page * 2);
  }
}

EtcdFailure classifyFailure(const std::string& error) {
  // A member without a leader answers late or not at all: its gateway
  // says 408 or 503, gRPC "deadline exceeded" or "connection is closing".
  for (const char* quorum : {"no leader", "within the timeout", "timed out", "leader changed", "HTTP 503", "HTTP 408",
                             "deadline exceeded", "connection is closing"})
    if (error.find(quorum) != std::string::npos) return EtcdFailure::no_quorum;
  for (const char* refused : {"too large", "HTTP 4", "permission denied", "etcdserver:", "too many operations"})
    if (error.find(refused) != std::string::npos) return EtcdFailure::refused;
  return EtcdFailure::unreachable;
}

Result<Ok> EtcdClient::watchPrefix(std::string_view prefix, int64_t start_revision,
                                   const std::function<void(const WatchEvent&)>& on_event) {
  if (auto u = usable(); !u) return Error{u.error()};
  if (!settings_.username.empty() && token().empty()) {
    // The watch carries the token too: get one with a cheap call.
    if (auto r = authenticated("/v3/kv/range", json{{"key", base64Encode(prefix)}, {"limit", 1}}.dump()); !r)
      return Error{r.error()};
  }
  auto list = endpoints();
  const Endpoint at = list[preferred_ % list.size()];
  Connection conn(at, tls_.get());
  if (auto r = conn.open(settings_.timeout); !r) {
    preferred_ = (preferred_ + 1) % list.size();
    return Error{"watch: " + r.error()};
  }
  {
    std::lock_guard lock(watch_mutex_);
    if (watch_stop_.exchange(false)) return Ok{};
    watch_fd_ = conn.tcp().socket().native_handle();
  }
  struct Forget {
    EtcdClient& c;
    ~Forget() {
      std::lock_guard lock(c.watch_mutex_);
      c.watch_fd_ = -1;
    }
  } forget{*this};
  json create{{"create_request",
               {{"key", base64Encode(prefix)}, {"range_end", base64Encode(prefixEnd(prefix))},
                {"start_revision", std::to_string(start_revision)}}}};
  http::request<http::string_body> req = request(at.host, at.port, "/v3/watch", token());
  req.body() = create.dump();
  req.prepare_payload();
  Result<Ok> result = Error{"etcd watch: the stream ended"};
  conn.with([&](auto& stream) { result = readWatch(conn, stream, req, start_revision, on_event); });
  if (!result) preferred_ = (preferred_ + 1) % list.size();  // the next watch tries another member
  return result;
}

template <class Stream, class Request>
Result<Ok> EtcdClient::readWatch(Connection& conn, Stream& stream, const Request& req, int64_t start_revision,
                                 const std::function<void(const WatchEvent&)>& on_event) {
  // The request and the answer's header within the timeout; then the
  // stream stays open, without a deadline, while nothing changes (the
  // session's lease renewals notice a member that went away, and
  // stopWatch() ends the read).
  boost::system::error_code ec;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  beast::flat_buffer buffer;
  http::async_write(stream, req, [&](boost::system::error_code e, size_t) {
    ec = e;
    if (!ec) http::async_read_header(stream, buffer, parser, [&](boost::system::error_code e2, size_t) { ec = e2; });
  });
  conn.run();
  if (ec) return Error{"etcd watch: " + Connection::describe(ec)};
  conn.tcp().expires_never();
  // The answer is a chunked body that never ends: one JSON object per
  // message, read as the chunks come.
  if (parser.get().result_int() != 200) return Error{"etcd watch: HTTP " + std::to_string(parser.get().result_int())};
  std::string pending;
  size_t scanned = 0;  // pending[0, scanned) holds no newline: a long message is scanned once, not per chunk
  char chunk[8192];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read_some(stream, buffer, parser, ec);  // returns with what has come
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return watch_stop_.exchange(false) ? Result<Ok>(Ok{}) : Result<Ok>(Error{"etcd watch: " + ec.message()});
    pending.append(chunk, sizeof chunk - parser.get().body().size);
    if (pending.size() > kMaxAnswerBytes) return Error{"etcd watch: a message larger than " + std::to_string(kMaxAnswerBytes >> 20) + " MiB (answer too large)"};
    // Whole JSON objects, one per line.
    for (size_t nl; (nl = pending.find('\n', scanned)) != std::string::npos; pending.erase(0, nl + 1), scanned = 0) {
      auto j = json::parse(std::string_view(pending).substr(0, nl), nullptr, false);
      if (!j.is_object()) continue;
      if (j.contains("error")) {
        std::string why = errorText(j["error"]);
        if (tokenRefused(why)) {
          std::lock_guard lock(token_mutex_);
          token_.clear();  // the next watch authenticates again
        }
        return Error{"etcd watch: " + why};
      }
      const json& result = member(j, "result");
      if (integer(result, "compact_revision") > 0)
        return Error{"etcd watch: history compacted past revision " + std::to_string(start_revision)};
      if (member(result, "canceled").is_boolean() && member(result, "canceled").get<bool>())
        return Error{"etcd watch: canceled by etcd: " + text(result, "cancel_reason")};
      const json& events = member(result, "events");
      if (events.is_array())
        for (const json& e : events) on_event({text(e, "type") == "DELETE", keyValue(member(e, "kv"))});
    }
    scanned = pending.size();
  }
  return Error{"etcd watch: the stream ended"};
}

void EtcdClient::stopWatch() {
  std::lock_guard lock(watch_mutex_);
  watch_stop_ = true;
  if (watch_fd_ >= 0) ::shutdown(watch_fd_, SHUT_RDWR);
}

}  // namespace gtm::cluster
