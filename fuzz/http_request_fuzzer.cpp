// What the status server does with the bytes of a request before it
// answers: Boost.Beast's request parser (with the server's limits) and
// gtm's own checks of the request line, version, path, Host, the status
// API's and the event API's query, the reason and the login form. None may
// crash, hang or read out of bounds. The same bytes are also read as a line
// of the event journal.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <string_view>

#include "journal/event.hpp"
#include "status/request_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto e = gtm::journal::parseEventLine(bytes); e && (e->reason.size() > gtm::journal::kMaxField || !gtm::journal::knownType(e->type)))
    __builtin_trap();
  if (gtm::status::requestLineHasBareLf(bytes)) return 0;  // answered 400 before Beast sees it
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(8 * 1024);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) return 0;
  const auto& req = parser.get();
  std::string_view target(req.target().data(), req.target().size());
  if (!gtm::status::acceptableRequest(req.version(), target)) return 0;
  auto host = req[http::field::host];
  (void)gtm::status::hostAllowed(std::string_view(host.data(), host.size()), {"gtm.example.com"});
  if (auto q = gtm::status::statusQuery(target); q && q->limit > gtm::status::StatusQuery::kMaxLimit) __builtin_trap();
  gtm::journal::EventFilter filter;
  bool follow = false;
  if (!gtm::status::eventQuery(target, 1764645120000, filter, follow) && filter.limit > gtm::journal::EventFilter::kMaxLimit)
    __builtin_trap();
  size_t mark = target.find('?');
  if (mark != std::string_view::npos) (void)gtm::status::formValue(target.substr(mark + 1), "reason");
  (void)gtm::status::formValue(req.body(), "token", true);
  return 0;
}
