// libFuzzer target: the HTTP response head reader of the SSTP and HTTP(S)
// probes, fed in two pieces as a stream arrives.
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
  return 0;
}
