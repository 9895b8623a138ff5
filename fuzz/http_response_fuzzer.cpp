// libFuzzer target: the HTTP response head reader of the SSTP and HTTP(S)
// probes, and the whole-response reader of the gtm-lb monitor, fed in two
// pieces as a stream arrives, then the end of the connection.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "monitor/http_response.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using Progress = gtm::monitor::HttpResponseHead::Progress;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  gtm::monitor::HttpResponseHead head;
  size_t cut = size / 2;
  auto p = head.feed(text.substr(0, cut));
  if (p == Progress::need_more) p = head.feed(text.substr(cut));
  if (p == Progress::complete && (head.status() < 0 || head.status() > 999)) std::abort();
  (void)head.header("content-length");
  gtm::monitor::HttpResponse whole;
  p = whole.feed(text.substr(0, cut));
  if (p == Progress::need_more) p = whole.feed(text.substr(cut));
  if (p == Progress::need_more) p = whole.feed({}, true);
  if (p == Progress::need_more) std::abort();  // the end of the connection decides
  if (p == Progress::complete && whole.body().size() > gtm::monitor::HttpResponse::kMaxBodyBytes) std::abort();
  if (p == Progress::invalid && whole.error().empty()) std::abort();
  return 0;
}
