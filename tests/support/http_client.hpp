// One HTTP request to a status server on loopback, through curl (a client
// nobody here wrote): the status code and the body.
#pragma once

#include <cstdint>
#include <string>

namespace gtm::test {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `token`: sent as a bearer header; `json_body`: sent as application/json.
HttpReply httpRequest(uint16_t port, const std::string& method, const std::string& path,
                      const std::string& token = "", const std::string& json_body = "");

// GET http://127.0.0.1:PORT/PATH (5 s at most): the body, "" when nothing answered.
std::string curlGet(uint16_t port, const std::string& path);

}  // namespace gtm::test
