#include "tests/support/devtools_client.hpp"

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <openssl/evp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace gtm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct DevTools::Socket {
  asio::io_context io;
  beast::websocket::stream<tcp::socket> ws{io};
};

namespace {

// PUT /json/new?URL on the DevTools HTTP port: the new tab's description.
std::string newTab(uint16_t port, const std::string& url) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::put, "/json/new?" + url, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return res.body();
}

}  // namespace

std::unique_ptr<DevTools> DevTools::open(const std::string& url, const std::string& profile_dir) {
  auto d = std::unique_ptr<DevTools>(new DevTools());
  uint16_t port = freePort();
  d->browser_ = ChildProcess::start(
      {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
       "--window-size=1280,800", "--user-data-dir=" + profile_dir, "--remote-debugging-port=" + std::to_string(port),
       "about:blank"},
      "DevTools listening", std::chrono::seconds(30));  // slow to start on a loaded machine (ASan tests beside it)
  nlohmann::json tab = nlohmann::json::parse(newTab(port, url));
  std::string ws_url = tab.at("webSocketDebuggerUrl");  // ws://127.0.0.1:PORT/devtools/page/ID
  std::string path = ws_url.substr(ws_url.find('/', 5));
  d->socket_ = std::make_unique<Socket>();
  d->socket_->ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  d->socket_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
  return d;
}

DevTools::~DevTools() {
  if (socket_) {
    beast::error_code ec;
    socket_->ws.close(beast::websocket::close_code::normal, ec);
  }
}

std::string DevTools::call(const std::string& method, const std::string& params_json) {
  int id = next_id_++;
  std::string msg = "{\"id\":" + std::to_string(id) + ",\"method\":\"" + method + "\",\"params\":" + params_json + "}";
  socket_->ws.write(asio::buffer(msg));
  // Events may come first: read until our answer.
  for (int i = 0; i < 1000; ++i) {
    beast::flat_buffer buf;
    socket_->ws.read(buf);
    auto j = nlohmann::json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
    if (j.is_object() && j.contains("id") && j["id"] == id) return j.dump();
  }
  return "";
}

std::string DevTools::evaluate(const std::string& expression) {
  auto r = nlohmann::json::parse(
      call("Runtime.evaluate", nlohmann::json{{"expression", expression}, {"returnByValue", true}}.dump()), nullptr,
      false);
  if (!r.is_object() || !r.contains("result") || !r["result"].contains("result")) return "";
  const auto& v = r["result"]["result"];
  return v.contains("value") ? v["value"].dump() : "";
}

bool DevTools::screenshot(const std::string& path) {
  auto r = nlohmann::json::parse(call("Page.captureScreenshot", "{\"format\":\"png\"}"), nullptr, false);
  if (!r.is_object() || !r.contains("result")) return false;
  std::string b64 = r["result"].value("data", "");
  std::string png(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(png.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n <= 0) return false;
  while (!b64.empty() && b64.back() == '=') --n, b64.pop_back();  // DecodeBlock counts padding as data
  std::ofstream(path, std::ios::binary).write(png.data(), n);
  return true;
}

}  // namespace gtm::test
