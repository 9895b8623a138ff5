// gtm status --config FILE and gtm endpoint ACTION PROFILE/ENDPOINT --config
// FILE: the admin's view and control from a shell, through the status server
// the config names ([status] listen, with the token from token_file).
#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/asio_address.hpp"
#include "cli/commands.hpp"
#include "cli/compiled_config.hpp"
#include "config/config_loader.hpp"
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

Response request(const SocketAddress& at, http::verb method, const std::string& target, const std::string& token) {
  Response out;
  try {
    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(asio::ip::tcp::endpoint(toAsio(at.ip), at.port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, at.toString());
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
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

// The [status] table of the config: where to ask, and the token.
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
  token = loaded.config.status.token;
  return true;
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
  if (!configPathFrom(rest, path, error)) {
    std::cerr << "gtm status: " << error << "\n";
    return 2;
  }
  SocketAddress at;
  std::string token;
  if (!statusOf(path, at, token)) return 1;
  Response r = request(at, http::verb::get, "/api/v1/status", "");
  if (!r.error.empty() || r.status != 200) {
    std::cerr << "gtm status: " << (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error) << "\n";
    return 1;
  }
  if (json) {
    std::cout << r.body << "\n";
    return 0;
  }
  auto j = nlohmann::json::parse(r.body);
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
    std::cerr << "usage: gtm endpoint disable|enable|drain PROFILE/ENDPOINT --config FILE\n";
    return 2;
  }
  std::string path, error;
  if (!configPathFrom(Args(args.begin() + 2, args.end()), path, error)) {
    std::cerr << "gtm endpoint: " << error << "\n";
    return 2;
  }
  if (args[1].find('/') == std::string::npos) {
    std::cerr << "gtm endpoint: name the endpoint as PROFILE/ENDPOINT\n";
    return 2;
  }
  SocketAddress at;
  std::string token;
  if (!statusOf(path, at, token)) return 1;
  Response r = request(at, http::verb::post, "/api/v1/endpoints/" + args[1] + "/" + args[0], token);
  if (!r.error.empty()) {
    std::cerr << "gtm endpoint: " << r.error << "\n";
    return 1;
  }
  if (r.status != 200) {
    std::cerr << "gtm endpoint: HTTP " << r.status << ": " << r.body << "\n";
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

}  // namespace gtm::cli
