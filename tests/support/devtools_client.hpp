// Drives a headless Chromium over the DevTools protocol (HTTP to open a tab,
// then its WebSocket): enough to evaluate JavaScript in a page that stays
// loaded and to take a screenshot of it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/gtm_process.hpp"

namespace gtm::test {

class DevTools {
 public:
  // Starts Chromium (headless, no sandbox, no background networking) and
  // opens `url` in a new tab.
  static std::unique_ptr<DevTools> open(const std::string& url, const std::string& profile_dir);
  ~DevTools();

  // The value of a JavaScript expression, as JSON text ("" on error).
  std::string evaluate(const std::string& expression);
  // Saves a PNG of the tab; false on error.
  bool screenshot(const std::string& path);

 private:
  std::string call(const std::string& method, const std::string& params_json);

  std::unique_ptr<ChildProcess> browser_;
  struct Socket;
  std::unique_ptr<Socket> socket_;
  int next_id_ = 1;
};

}  // namespace gtm::test
