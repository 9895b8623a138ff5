// The head of an HTTP/1.x response (status line and headers), read
// incrementally from a byte stream and bounded in size: a server that sends
// an endless header or body cannot make a probe read forever. Parsed by
// Boost.Beast's parser once the head is complete.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gtm::monitor {

class HttpResponseHead {
 public:
  static constexpr size_t kMaxHeadBytes = 16 * 1024;
  HttpResponseHead();
  ~HttpResponseHead();
  HttpResponseHead(const HttpResponseHead&) = delete;
  HttpResponseHead& operator=(const HttpResponseHead&) = delete;

  enum class Progress { need_more, complete, invalid };

  // Feeds received bytes; once complete, the bytes of the same reads past
  // the head are available as body(). Feeding after that changes nothing.
  Progress feed(std::string_view bytes);

  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // Value of the first header of that name (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
  [[nodiscard]] std::string_view body() const { return std::string_view(buffer_).substr(head_size_); }

 private:
  struct Parsed;  // Beast's parser and the message it read

  std::string buffer_;
  size_t head_size_ = 0;
  int status_ = 0;
  std::string error_;
  std::unique_ptr<Parsed> parsed_;
  Progress state_ = Progress::need_more;
};

// A whole HTTP/1.x response, head and body (chunked, sized or up to the
// end of the connection), read incrementally by Beast's parser with the
// body bounded: a gtm lb's status document, read by the gtm-lb monitor, or
// a CRL, read by the crl monitor.
class HttpResponse {
 public:
  // A gtm lb's page with a thousand services stays far below.
  static constexpr size_t kMaxBodyBytes = 1024 * 1024;
  // `max_body`: a CRL may be larger than a status document (10 MiB).
  explicit HttpResponse(size_t max_body = kMaxBodyBytes);
  ~HttpResponse();
  HttpResponse(const HttpResponse&) = delete;
  HttpResponse& operator=(const HttpResponse&) = delete;

  using Progress = HttpResponseHead::Progress;
  // Feeds received bytes; an empty `bytes` with `eof` says the peer closed.
  Progress feed(std::string_view bytes, bool eof = false);

  [[nodiscard]] int status() const;
  [[nodiscard]] const std::string& body() const;
  [[nodiscard]] const std::string& error() const { return error_; }
  // Value of the first header of that name (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;

 private:
  struct Parsed;

  size_t max_body_;
  std::string pending_;  // received, not yet taken by the parser
  std::string error_;
  std::unique_ptr<Parsed> parsed_;
  Progress state_ = Progress::need_more;
};

}  // namespace gtm::monitor
