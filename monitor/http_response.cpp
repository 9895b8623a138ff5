#include "monitor/http_response.hpp"

#include <algorithm>
#include <cctype>

namespace gtm::monitor {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

}  // namespace

HttpResponseHead::Progress HttpResponseHead::feed(std::string_view bytes) {
  if (state_ != Progress::need_more) return state_;
  buffer_.append(bytes);
  // Anything that does not start like HTTP is rejected at once.
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (buffer_.compare(0, std::min(buffer_.size(), kPrefix.size()), kPrefix.substr(0, std::min(buffer_.size(), kPrefix.size()))) != 0) {
    error_ = "not an HTTP response (starts with \"" + printable(buffer_) + "\")";
    return state_ = Progress::invalid;
  }
  size_t end = buffer_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (buffer_.size() > kMaxHeadBytes) {
      error_ = "HTTP response head longer than " + std::to_string(kMaxHeadBytes) + " bytes";
      return state_ = Progress::invalid;
    }
    return Progress::need_more;
  }
  head_size_ = end + 4;
  return state_ = parse();
}

HttpResponseHead::Progress HttpResponseHead::parse() {
  std::string_view head(buffer_.data(), head_size_ - 4);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.1 401 Unauthorized"; Windows also sends "HTTP/1.1 200" alone.
  if (status_line.size() < 12 || status_line[8] != ' ' || !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11])) || (status_line.size() > 12 && status_line[12] != ' ')) {
    error_ = "malformed HTTP status line \"" + printable(status_line) + "\"";
    return Progress::invalid;
  }
  status_ = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
      error_ = "malformed HTTP header line \"" + printable(line) + "\"";
      return Progress::invalid;
    }
    headers_.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  return Progress::complete;
}

std::optional<std::string_view> HttpResponseHead::header(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [k, v] : headers_)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

}  // namespace gtm::monitor
