// gtm status, gtm events and gtm endpoint ACTION PROFILE/ENDPOINT, each with
// --config FILE: the admin's view and control from a shell, through the
// status server the config names ([status] listen), with the config's own
// token (token_file, else the first [[status.token]]) or --token-file F.
#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "common/asio_address.hpp"
#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "config/config_loader.hpp"
#include "common/small_file.hpp"
#include "status/status_server.hpp"

namespace gtm::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct Response {
  int status = 0;
  std::string body;
  std::string error;
};

Response request(const SocketAddress& at, http::verb method, const std::string& target, const std::string& token,
                 const std::string& body = "") {
  Response out;
  try {
    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(asio::ip::tcp::endpoint(toAsio(at.ip), at.port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, at.toString());
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
  } catch (const std::exception& e) {
    out.error = std::string("cannot reach the status server at ") + at.toString() + ": " + e.what();
  }
  return out;
}

// --token-file F: the token sent instead of the config's.
bool takeTokenFile(Args& args, std::string& token, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--token-file") continue;
    if (i + 1 >= args.size()) {
      error = "--token-file needs a file";
      return false;
    }
    auto secret = readSecretLine(args[i + 1]);
    if (!secret) {
      error = secret.error();
      return false;
    }
    token = *secret;
    args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    return true;
  }
  return true;
}

// The [status] table of the config: where to ask, and the token (unless
// one was given).
bool statusOf(const std::string& path, SocketAddress& at, std::string& token) {
  auto loaded = config::loadFile(path);
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return false;
  }
  if (!loaded.config.status.listen) {
    std::cerr << path << ": no [status] listen: there is no status server to ask\n";
    return false;
  }
  at = *loaded.config.status.listen;
  if (token.empty()) token = loaded.config.status.token;
  if (token.empty() && !loaded.config.status.tokens.empty()) token = loaded.config.status.tokens.front().secret;
  return true;
}

// "HTTP 401: {...}" or the connection's error, for a failed request.
std::string failure(const Response& r) {
  if (!r.error.empty()) return r.error;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string why = j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : r.body;
  return "HTTP " + std::to_string(r.status) + ": " + why;
}

// GET `target` for `command`: the 200 response, or nothing after saying
// on stderr what failed.
std::optional<Response> get(const std::string& command, const SocketAddress& at, const std::string& target,
                            const std::string& token) {
  Response r = request(at, http::verb::get, target, token);
  if (!r.error.empty() || r.status != 200) {
    std::cerr << command << ": " << failure(r) << "\n";
    return std::nullopt;
  }
  return r;
}

// One event as a line: "2026-12-02 03:12:04 node1 answer aovpn  ...".
std::string eventText(const nlohmann::json& e) {
  auto field = [&](const char* k) { return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : std::string(); };
  std::string time = field("time");
  if (time.size() >= 19) time = time.substr(0, 10) + " " + time.substr(11, 8);
  std::string what = field("profile") + (field("endpoint").empty() ? "" : "/" + field("endpoint")) +
                     (field("monitor").empty() ? "" : " " + field("monitor"));
  std::string change = field("from").empty()
                           ? field("action") + (field("to").empty() ? "" : " " + field("to"))
                           : field("from") + " -> " + field("to");
  std::string out = time + "  " + (field("node").empty() ? "" : field("node") + "  ") + field("type") + "  " + what;
  if (!change.empty()) out += "  " + change;
  if (!field("actor").empty()) out += "  by " + field("actor") + (field("client").empty() ? "" : " from " + field("client"));
  if (!field("reason").empty()) out += "  (" + field("reason") + ")";
  return out;
}

}  // namespace

int statusCommand(const Args& args) {
  std::string path, error;
  bool json = false;
  Args rest;
  bool cluster_only = false;
  for (const auto& a : args) {
    if (a == "--json")
      json = true;
    else if (a == "--cluster")
      cluster_only = true;
    else
      rest.push_back(a);
  }
  std::string token;
  if (!takeTokenFile(rest, token, error) || !configPathFrom(rest, path, error)) {
    std::cerr << "gtm status: " << error << "\n";
    return 2;
  }
  SocketAddress at;
  if (!statusOf(path, at, token)) return 1;
  auto r = get("gtm status", at, "/api/v1/status", token);
  if (!r) return 1;
  if (json) {
    std::cout << r->body << "\n";
    return 0;
  }
  auto j = nlohmann::json::parse(r->body);
  // --cluster exits 1 when this node is not connected to etcd and 2 when
  // nodes run another config or hold other admin state: for monitoring.
  int exit_code = 0;
  if (j.contains("cluster")) {
    // The nodes, then what this node sees next to what they agree.
    const auto& c = j["cluster"];
    bool connected = c["connected"].get<bool>();
    std::cout << "cluster: node " << c["node"].get<std::string>() << ", "
              << (connected ? "connected to etcd" : "NOT connected to etcd: answering by its own view")
              << ", agreement " << c["agreement"].get<std::string>() << "\n";
    if (!c.value("problem", std::string()).empty()) std::cout << "  etcd: " << c["problem"].get<std::string>() << "\n";
    if (!connected) std::cout << "  the nodes as last seen before etcd was lost:\n";
    bool differs_any = false;
    for (const auto& n : c["nodes"]) {
      bool differs = n["config_digest"] != c["config_digest"];
      bool admin_differs = false;
      for (const auto& m : c.value("admin_mismatch", nlohmann::json::array())) admin_differs |= m == n["name"];
      differs_any = differs_any || differs || admin_differs;
      std::cout << "  " << n["name"].get<std::string>() << "  " << n["version"].get<std::string>() << "  config "
                << n["config_digest"].get<std::string>() << (differs ? "  DIFFERS from this node's" : "")
                << (admin_differs ? "  ADMIN STATE DIFFERS" : "")
                << (n.value("live", true) ? "" : "  (no sign of life since this node last read etcd)") << "\n";
    }
    if (c.value("ignored_values", 0) > 0)
      std::cout << "  " << c["ignored_values"] << " values under the prefix were ignored (see the log)\n";
    exit_code = !connected ? 1 : differs_any ? 2 : 0;
  } else if (cluster_only) {
    std::cout << "cluster: this node runs alone (no [cluster] in its config)\n";
  }
  if (cluster_only) {
    for (const auto& p : j.value("profiles", nlohmann::json::array()))
      for (const auto& e : p["endpoints"])
        for (const auto& ch : e["checks"])
          if (ch.contains("agreed") && ch["agreed"] != ch["state"])
            std::cout << "  " << p["name"].get<std::string>() << "/" << e["name"].get<std::string>() << " "
                      << ch["monitor"].get<std::string>() << " " << ch["address"].get<std::string>()
                      << ": this node sees " << ch["state"].get<std::string>() << ", the nodes agree "
                      << ch["agreed"].get<std::string>() << "\n";
    return exit_code;
  }
  for (const auto& svc : j.value("services", nlohmann::json::array())) {
    std::cout << svc["name"].get<std::string>() << " (" << svc["vip"].get<std::string>() << " "
              << svc["protocol"].get<std::string>() << ", Maglev table " << svc["table_size"] << ")\n";
    for (const auto& real : svc["reals"])
      std::cout << "  " << real["name"].get<std::string>() << "  " << real["state"].get<std::string>() << "  "
                << real["slots"] << " slots\n";
  }
  // The headlines first, problems first: what the admin on call reads.
  if (j.contains("journal") && !j["journal"].value("ok", true))
    std::cout << "!! event journal failing: " << j["journal"].value("error", std::string()) << "\n";
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& p : j.value("profiles", nlohmann::json::array())) {
      if (!p.contains("headline")) continue;
      std::string level = p["headline"].value("level", std::string());
      if ((level == "ok") != (pass == 1)) continue;
      std::string mark = level == "ok" ? "   " : level == "notice" ? " ! " : "!! ";
      std::cout << mark << p["name"].get<std::string>() << ": " << p["headline"].value("text", std::string()) << "\n";
    }
  for (const auto& p : j.value("profiles", nlohmann::json::array())) {
    std::string answer;
    for (const auto& a : p["answer"]) answer += (answer.empty() ? "" : ", ") + a.get<std::string>();
    std::cout << p["name"].get<std::string>() << " (" << p["fqdn"].get<std::string>() << ", "
              << p["routing"].get<std::string>() << ") answers " << (answer.empty() ? "nothing" : answer) << "\n";
    for (const auto& e : p["endpoints"]) {
      std::cout << "  " << e["name"].get<std::string>() << "  " << e["state"].get<std::string>() << "\n";
      for (const auto& c : e["checks"])
        std::cout << "    " << c["monitor"].get<std::string>() << " " << c["address"].get<std::string>() << "  "
                  << c["state"].get<std::string>()
                  << (c.contains("agreed") && c["agreed"] != c["state"]
                          ? " (agreed: " + c["agreed"].get<std::string>() + ")"
                          : std::string())
                  << "  " << c["reason"].get<std::string>() << "\n";
    }
  }
  return 0;
}

int endpointCommand(const Args& args) {
  if (args.size() < 2 || (args[0] != "disable" && args[0] != "enable" && args[0] != "drain")) {
    std::cerr << "usage: gtm endpoint disable|enable|drain PROFILE/ENDPOINT [--reason TEXT] [--token-file F] "
                 "--config FILE\n";
    return 2;
  }
  std::string path, error, token, reason;
  Args rest(args.begin() + 2, args.end());
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != "--reason") continue;
    if (i + 1 >= rest.size()) {
      std::cerr << "gtm endpoint: --reason needs a text\n";
      return 2;
    }
    reason = rest[i + 1];
    rest.erase(rest.begin() + static_cast<long>(i), rest.begin() + static_cast<long>(i) + 2);
    break;
  }
  if (!takeTokenFile(rest, token, error) || !configPathFrom(rest, path, error)) {
    std::cerr << "gtm endpoint: " << error << "\n";
    return 2;
  }
  if (args[1].find('/') == std::string::npos) {
    std::cerr << "gtm endpoint: name the endpoint as PROFILE/ENDPOINT\n";
    return 2;
  }
  SocketAddress at;
  if (!statusOf(path, at, token)) return 1;
  std::string body = reason.empty() ? "" : nlohmann::json{{"reason", reason}}.dump();
  Response r = request(at, http::verb::post, "/api/v1/endpoints/" + args[1] + "/" + args[0], token, body);
  if (!r.error.empty() || r.status != 200) {
    std::cerr << "gtm endpoint: " << failure(r) << "\n";
    return 1;
  }
  const std::string done = args[0] == "drain" ? "drained" : args[0] + "d";
  auto answer = nlohmann::json::parse(r.body, nullptr, false);
  std::string note = answer.is_object() && answer.contains("note") && answer["note"].is_string()
                         ? " (" + answer["note"].get<std::string>() + ")"
                         : "";
  std::cout << args[1] << ": " << done << note << "\n";
  return 0;
}

// gtm traffic PROFILE --config FILE [--json]: who is sent where, the last hour.
int trafficCommand(const Args& args) {
  std::string path, error, token;
  Args rest = args;
  bool json = false;
  std::erase_if(rest, [&](const std::string& a) { return a == "--json" ? (json = true) : false; });
  if (!takeTokenFile(rest, token, error)) {
    std::cerr << "gtm traffic: " << error << "\n";
    return 2;
  }
  std::string profile;
  Args left;
  for (const auto& a : rest) {
    if (profile.empty() && !a.empty() && a[0] != '-' && (left.empty() || left.back() != "--config"))
      profile = a;
    else
      left.push_back(a);
  }
  if (profile.empty() || !configPathFrom(left, path, error)) {
    std::cerr << "usage: gtm traffic PROFILE --config FILE [--json] [--token-file F]\n";
    return 2;
  }
  SocketAddress at;
  if (!statusOf(path, at, token)) return 1;
  auto r = get("gtm traffic", at, "/api/v1/traffic?profile=" + profile, token);
  if (!r) return 1;
  if (json) {
    std::cout << r->body << "\n";
    return 0;
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("endpoints")) {
    std::cerr << "gtm traffic: the answer is not a traffic report\n";
    return 1;
  }
  std::cout << profile << ": answers of the last " << j.value("window_seconds", 0) / 60 << " minutes by client network\n";
  for (const auto& e : j["endpoints"]) {
    std::cout << "  " << e.value("name", std::string()) << "  " << e.value("answers", uint64_t{0}) << " answers, "
              << e.value("distinct_networks", uint64_t{0}) << " networks\n";
    for (const auto& n : e.value("networks", nlohmann::json::array()))
      std::cout << "    " << n.value("network", std::string()) << "  " << n.value("answers", uint64_t{0})
                << (n.contains("country") ? "  " + n.value("country", std::string()) : "") << "\n";
    if (e.value("other_networks", uint64_t{0}) > 0)
      std::cout << "    other networks  " << e.value("other_networks", uint64_t{0}) << "\n";
    if (e.contains("countries")) {
      std::cout << "    by country:";
      for (const auto& [c, n] : e["countries"].items()) std::cout << " " << c << " " << n;
      std::cout << "\n";
    }
  }
  return 0;
}

// gtm events --config FILE [--since 1h] [--until T] [--profile P]
// [--endpoint E] [--type T,...] [--limit N] [--follow] [--json]
int eventsCommand(const Args& args) {
  std::string path, error, token;
  Args rest = args;
  if (!takeTokenFile(rest, token, error)) {
    std::cerr << "gtm events: " << error << "\n";
    return 2;
  }
  std::string query = "";
  bool json = false, follow = false;
  Args left;
  auto escaped = [](const std::string& v) {
    std::string out;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == ',') {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  };
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--follow") {
      follow = true;
    } else if ((a == "--since" || a == "--until" || a == "--profile" || a == "--endpoint" || a == "--type" ||
                a == "--limit") && i + 1 < rest.size()) {
      std::string value = rest[++i];
      // "--since 1h" means an hour ago.
      if ((a == "--since" || a == "--until") && !value.empty() && std::isdigit(static_cast<unsigned char>(value[0])) &&
          value.find('T') == std::string::npos)
        value = "-" + value;
      query += (query.empty() ? "?" : "&") + a.substr(2) + "=" + escaped(value);
    } else {
      left.push_back(a);
    }
  }
  if (!configPathFrom(left, path, error)) {
    std::cerr << "gtm events: " << error << "\n";
    return 2;
  }
  SocketAddress at;
  if (!statusOf(path, at, token)) return 1;
  if (!follow) {
    auto r = get("gtm events", at, "/api/v1/events" + query, token);
    if (!r) return 1;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains("events") || !j["events"].is_array()) {
      std::cerr << "gtm events: the answer is not an event list\n";
      return 1;
    }
    for (const auto& e : j["events"]) std::cout << (json ? e.dump() : eventText(e)) << "\n";
    return 0;
  }
  // --follow: the event stream, each event as it comes, until Ctrl-C.
  try {
    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(toAsio(at.ip), at.port));
    http::request<http::empty_body> req{http::verb::get, "/api/v1/events" + query + (query.empty() ? "?" : "&") + "follow=1", 11};
    req.set(http::field::host, at.toString());
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::empty_body> head;
    http::read_header(stream, buffer, head);
    if (head.get().result_int() != 200) {
      std::cerr << "gtm events: HTTP " << head.get().result_int() << "\n";
      return 1;
    }
    std::string pending(static_cast<const char*>(buffer.data().data()), buffer.size());
    std::array<char, 4096> chunk{};
    for (;;) {
      for (size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
        std::string message = pending.substr(0, end);
        pending.erase(0, end + 2);
        for (size_t at_line = 0; at_line < message.size();) {
          size_t nl = message.find('\n', at_line);
          std::string line = message.substr(at_line, nl == std::string::npos ? std::string::npos : nl - at_line);
          at_line = nl == std::string::npos ? message.size() : nl + 1;
          if (line.rfind("data: ", 0) != 0) continue;
          auto e = nlohmann::json::parse(line.substr(6), nullptr, false);
          if (e.is_object()) std::cout << (json ? e.dump() : eventText(e)) << std::endl;
        }
      }
      boost::system::error_code ec;
      size_t n = stream.socket().read_some(asio::buffer(chunk), ec);
      if (ec) break;
      pending.append(chunk.data(), n);
      if (pending.size() > 1 << 20) pending.clear();
    }
  } catch (const std::exception& e) {
    std::cerr << "gtm events: cannot reach the status server at " << at.toString() << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "gtm events: the server closed the stream\n";
  return 1;
}

}  // namespace gtm::cli
