#include "monitor/http_response.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cctype>

namespace gtm::monitor {
namespace {

namespace http = boost::beast::http;

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

// Windows (HTTP.sys) answers SSTP_DUPLEX_POST with "HTTP/1.1 200" and no
// reason phrase, which RFC 9112 allows only after a space; Beast wants the
// space. The one place gtm bends the grammar.
bool statusLineWithoutReason(std::string_view head) {
  size_t eol = head.find("\r\n");
  return eol == 12 && head.substr(0, 7) == "HTTP/1." && std::isdigit(static_cast<unsigned char>(head[9])) &&
         std::isdigit(static_cast<unsigned char>(head[10])) && std::isdigit(static_cast<unsigned char>(head[11]));
}

}  // namespace

struct HttpResponseHead::Parsed {
  http::response_parser<http::empty_body> parser;
};

HttpResponseHead::HttpResponseHead() = default;
HttpResponseHead::~HttpResponseHead() = default;

HttpResponseHead::Progress HttpResponseHead::feed(std::string_view bytes) {
  if (state_ != Progress::need_more) return state_;
  buffer_.append(bytes);
  // Anything that does not start like HTTP is rejected at once.
  constexpr std::string_view kPrefix = "HTTP/1.";
  size_t n = std::min(buffer_.size(), kPrefix.size());
  if (buffer_.compare(0, n, kPrefix.substr(0, n)) != 0) {
    error_ = "not an HTTP response (starts with \"" + printable(buffer_) + "\")";
    return state_ = Progress::invalid;
  }
  if (buffer_.find("\r\n\r\n") == std::string::npos) {
    if (buffer_.size() > kMaxHeadBytes) {
      error_ = "HTTP response head longer than " + std::to_string(kMaxHeadBytes) + " bytes";
      return state_ = Progress::invalid;
    }
    return Progress::need_more;
  }
  // The whole head is here: Beast's parser reads it (status, fields,
  // folding, limits), and stops before the body, however long.
  std::string text = buffer_;
  bool shim = statusLineWithoutReason(text);
  if (shim) text.insert(12, " ");
  parsed_ = std::make_unique<Parsed>();
  http::response_parser<http::empty_body>& p = parsed_->parser;
  p.eager(false);
  p.header_limit(kMaxHeadBytes);
  boost::system::error_code ec;
  size_t used = p.put(boost::asio::buffer(text), ec);
  // Once the head is read, what Beast says of the body (SSTP announces
  // 2^64 - 1 bytes, past any body limit) does not matter: it is never read.
  if (!p.is_header_done()) {
    std::string first = buffer_.substr(0, buffer_.find("\r\n"));
    if (ec == http::error::bad_status || ec == http::error::bad_version || ec == http::error::bad_reason)
      error_ = "malformed HTTP status line \"" + printable(first) + "\"";
    else
      error_ = "malformed HTTP response head (" + (ec ? ec.message() : std::string("incomplete")) + ")";
    return state_ = Progress::invalid;
  }
  head_size_ = used - (shim ? 1 : 0);
  status_ = static_cast<int>(p.get().result_int());
  return state_ = Progress::complete;
}

std::optional<std::string_view> HttpResponseHead::header(std::string_view name) const {
  if (!parsed_) return std::nullopt;
  const auto& fields = parsed_->parser.get();
  auto it = fields.find(boost::beast::string_view(name.data(), name.size()));
  if (it == fields.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

struct HttpResponse::Parsed {
  http::response_parser<http::string_body> parser;
};

HttpResponse::HttpResponse(size_t max_body) : max_body_(max_body), parsed_(std::make_unique<Parsed>()) {
  // Not eager: Boost 1.74's eager put() goes on to the body after the head
  // failed the body limit, and string_body reserves the announced length
  // (found by the http_response fuzzer). feed() calls put() step by step.
  parsed_->parser.eager(false);
  parsed_->parser.header_limit(HttpResponseHead::kMaxHeadBytes);
  parsed_->parser.body_limit(max_body_);
}

HttpResponse::~HttpResponse() = default;

int HttpResponse::status() const { return static_cast<int>(parsed_->parser.get().result_int()); }

const std::string& HttpResponse::body() const { return parsed_->parser.get().body(); }

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const auto& fields = parsed_->parser.get();
  auto it = fields.find(boost::beast::string_view(name.data(), name.size()));
  if (it == fields.end()) return std::nullopt;
  return std::string(it->value());
}

HttpResponse::Progress HttpResponse::feed(std::string_view bytes, bool eof) {
  if (state_ != Progress::need_more) return state_;
  auto& p = parsed_->parser;
  pending_.append(bytes);
  boost::system::error_code ec;
  while (!pending_.empty() && !p.is_done()) {
    size_t used = p.put(boost::asio::buffer(pending_), ec);
    pending_.erase(0, used);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) break;
  }
  if (!ec && eof && !p.is_done()) p.put_eof(ec);
  if (ec == http::error::body_limit) {
    error_ = "HTTP response body longer than " + std::to_string(max_body_) + " bytes";
    return state_ = Progress::invalid;
  }
  if (ec == http::error::header_limit) {
    error_ = "HTTP response head longer than " + std::to_string(HttpResponseHead::kMaxHeadBytes) + " bytes";
    return state_ = Progress::invalid;
  }
  if (ec) {
    error_ = eof && ec == http::error::partial_message ? "the connection closed in the middle of the HTTP response"
                                                       : "malformed HTTP response (" + ec.message() + ")";
    return state_ = Progress::invalid;
  }
  if (p.is_done()) return state_ = Progress::complete;
  if (eof) {
    error_ = "the connection closed in the middle of the HTTP response";
    return state_ = Progress::invalid;
  }
  return Progress::need_more;
}

}  // namespace gtm::monitor
