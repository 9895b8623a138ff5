// libFuzzer target for every parser of bytes a probe reads from the network:
// the IKEv2 response classifier, the HTTP response head reader (fed in two
// pieces, as a stream arrives) and the SSTP control packet reader.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "monitor/http_response.hpp"
#include "monitor/ikev2_message.hpp"
#include "monitor/sstp_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);

  // IKEv2: with the SPI the input itself starts with, so that the parser
  // gets past the "not ours" check.
  gtm::monitor::ikev2::Spi spi{};
  if (size >= 8) std::memcpy(spi.data(), data, 8);
  auto r = gtm::monitor::ikev2::classifyResponse(in, spi);
  if (r.verdict == gtm::monitor::ikev2::Verdict::notify && r.notify_type == 0) std::abort();

  std::string_view text(reinterpret_cast<const char*>(data), size);
  gtm::monitor::HttpResponseHead head;
  size_t cut = size / 2;
  auto p = head.feed(text.substr(0, cut));
  if (p == gtm::monitor::HttpResponseHead::Progress::need_more) p = head.feed(text.substr(cut));
  if (p == gtm::monitor::HttpResponseHead::Progress::complete && (head.status() < 0 || head.status() > 999)) std::abort();
  (void)head.header("content-length");

  auto packet = gtm::monitor::sstp::readControlPacket(in);
  if (packet.progress == gtm::monitor::sstp::ControlPacket::Progress::complete && packet.size > size) std::abort();
  return 0;
}
