#include "cluster/etcd_client.hpp"

#include <openssl/evp.h>
#include <sys/socket.h>

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace gtm::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

// etcd writes 64-bit integers as JSON strings, and leaves out zeros.
int64_t integer(const json& j, const char* key) {
  if (!j.contains(key)) return 0;
  const json& v = j[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) return std::stoll(v.get<std::string>());
  return 0;
}

KeyValue keyValue(const json& kv) {
  return {base64Decode(kv.value("key", "")), base64Decode(kv.value("value", "")), integer(kv, "mod_revision"),
          integer(kv, "lease")};
}

Result<json> parsed(const Result<std::string>& body) {
  if (!body) return Error{body.error()};
  auto j = json::parse(*body, nullptr, false);
  if (!j.is_object()) return Error{"etcd: an answer that is not a JSON object"};
  if (j.contains("error")) return Error{"etcd: " + j.value("error", std::string("error"))};
  return j;
}

}  // namespace

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64Decode(std::string_view text) {
  if (text.empty() || text.size() % 4) return "";
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return "";
  size_t pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : text.back() == '=' ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
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
  for (const std::string& url : settings_.endpoints) {
    std::string_view rest = url;
    if (rest.substr(0, 7) == "http://") rest.remove_prefix(7);
    size_t colon = rest.rfind(':');
    std::string host(rest.substr(0, colon)), port = colon == std::string_view::npos ? "2379" : std::string(rest.substr(colon + 1));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    out.push_back({host, port});
  }
  return out;
}

Result<std::string> EtcdClient::post(std::string_view path, const std::string& body, bool* connect_failed) {
  auto list = endpoints();
  const Endpoint& at = list[preferred_ % list.size()];
  asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto addresses = resolver.resolve(at.host, at.port, ec);
  stream.expires_after(settings_.timeout);
  if (!ec) stream.connect(addresses, ec);
  if (ec) {
    *connect_failed = true;
    return Error{"etcd " + at.host + ":" + at.port + ": " + ec.message()};
  }
  http::request<http::string_body> req{http::verb::post, std::string(path), 11};
  req.set(http::field::host, at.host + ":" + at.port);
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) {
    *connect_failed = true;
    return Error{"etcd " + at.host + ":" + at.port + ": " + ec.message()};
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  if (res.result_int() != 200) {
    // A member that cannot serve (no leader: a minority partition) answers
    // 5xx: another member may.
    *connect_failed = res.result_int() >= 500;
    auto j = json::parse(res.body(), nullptr, false);
    std::string why = j.is_object() ? j.value("error", j.value("message", res.body())) : res.body();
    return Error{"etcd " + std::string(path) + ": HTTP " + std::to_string(res.result_int()) + ": " + why};
  }
  return std::move(res.body());
}

Result<std::string> EtcdClient::call(std::string_view path, const std::string& body) {
  size_t n = settings_.endpoints.size();
  if (n == 0) return Error{"etcd: no endpoints"};
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

Result<int64_t> EtcdClient::grantLease(int ttl_seconds) {
  auto j = parsed(call("/v3/lease/grant", json{{"TTL", ttl_seconds}}.dump()));
  if (!j) return Error{j.error()};
  int64_t id = integer(*j, "ID");
  if (id == 0) return Error{"etcd: lease grant without an ID"};
  return id;
}

Result<Ok> EtcdClient::keepAlive(int64_t lease) {
  auto j = parsed(call("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}.dump()));
  if (!j) return Error{j.error()};
  // An expired lease comes back with TTL 0 (or none).
  if (!j->contains("result") || integer((*j)["result"], "TTL") <= 0) return Error{"etcd: the lease expired"};
  return Ok{};
}

Result<Ok> EtcdClient::revokeLease(int64_t lease) {
  auto j = parsed(call("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}.dump()));
  if (!j) return Error{j.error()};
  return Ok{};
}

Result<int64_t> EtcdClient::put(std::string_view key, std::string_view value, int64_t lease) {
  json body{{"key", base64Encode(key)}, {"value", base64Encode(value)}};
  if (lease) body["lease"] = std::to_string(lease);
  auto j = parsed(call("/v3/kv/put", body.dump()));
  if (!j) return Error{j.error()};
  return integer(j->value("header", json::object()), "revision");
}

Result<Ok> EtcdClient::remove(std::string_view key) {
  auto j = parsed(call("/v3/kv/deleterange", json{{"key", base64Encode(key)}}.dump()));
  if (!j) return Error{j.error()};
  return Ok{};
}

Result<EtcdClient::Range> EtcdClient::rangePrefix(std::string_view prefix) {
  auto j = parsed(call("/v3/kv/range", json{{"key", base64Encode(prefix)}, {"range_end", base64Encode(prefixEnd(prefix))}}.dump()));
  if (!j) return Error{j.error()};
  Range out;
  out.revision = integer(j->value("header", json::object()), "revision");
  for (const json& kv : j->value("kvs", json::array())) out.kvs.push_back(keyValue(kv));
  return out;
}

Result<Ok> EtcdClient::watchPrefix(std::string_view prefix, int64_t start_revision,
                                   const std::function<void(const WatchEvent&)>& on_event) {
  auto list = endpoints();
  const Endpoint at = list[preferred_ % list.size()];
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto addresses = resolver.resolve(at.host, at.port, ec);
  if (!ec) asio::connect(socket, addresses, ec);
  if (ec) {
    preferred_ = (preferred_ + 1) % list.size();
    return Error{"etcd watch " + at.host + ":" + at.port + ": " + ec.message()};
  }
  {
    std::lock_guard lock(watch_mutex_);
    if (watch_stop_.exchange(false)) return Ok{};
    watch_fd_ = socket.native_handle();
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
  http::request<http::string_body> req{http::verb::post, "/v3/watch", 11};
  req.set(http::field::host, at.host + ":" + at.port);
  req.set(http::field::content_type, "application/json");
  req.body() = create.dump();
  req.prepare_payload();
  http::write(socket, req, ec);
  if (ec) return Error{"etcd watch: " + ec.message()};
  // The answer is a chunked body that never ends: one JSON object per
  // message, read as the chunks come.
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  beast::flat_buffer buffer;
  http::read_header(socket, buffer, parser, ec);
  if (ec) return Error{"etcd watch: " + ec.message()};
  if (parser.get().result_int() != 200) return Error{"etcd watch: HTTP " + std::to_string(parser.get().result_int())};
  std::string pending;
  char chunk[8192];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read_some(socket, buffer, parser, ec);  // returns with what has come
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return watch_stop_.exchange(false) ? Result<Ok>(Ok{}) : Result<Ok>(Error{"etcd watch: " + ec.message()});
    pending.append(chunk, sizeof chunk - parser.get().body().size);
    // Whole JSON objects, one per line.
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      auto j = json::parse(pending.substr(0, nl), nullptr, false);
      if (!j.is_object()) continue;
      if (j.contains("error")) return Error{"etcd watch: " + j["error"].value("message", std::string("error"))};
      const json& result = j.value("result", json::object());
      if (integer(result, "compact_revision") > 0)
        return Error{"etcd watch: history compacted past revision " + std::to_string(start_revision)};
      if (result.value("canceled", false)) return Error{"etcd watch: canceled by etcd"};
      for (const json& e : result.value("events", json::array()))
        on_event({e.value("type", std::string()) == "DELETE", keyValue(e.value("kv", json::object()))});
    }
  }
  return Error{"etcd watch: the stream ended"};
}

void EtcdClient::stopWatch() {
  std::lock_guard lock(watch_mutex_);
  watch_stop_ = true;
  if (watch_fd_ >= 0) ::shutdown(watch_fd_, SHUT_RDWR);
}

}  // namespace gtm::cluster
