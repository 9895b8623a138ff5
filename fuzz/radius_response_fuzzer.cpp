// libFuzzer target: any datagram as the answer to the RADIUS probe's
// request (RFC 2865's example Access-Request: ID 0, its authenticator and
// secret), through the checks of ID, length, attributes, Response
// Authenticator and Message-Authenticator. Either a verdict or not ours;
// nothing may crash or read past the datagram.
#include <cstdint>
#include <cstdlib>

#include "monitor/radius_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gtm::monitor::radius;
  Request r;
  r.id = 0;
  const uint8_t a[16] = {0x0f, 0x40, 0x3f, 0x94, 0x73, 0x97, 0x80, 0x57, 0xbd, 0x83, 0xd5, 0xcb, 0x98, 0xf4, 0x22, 0x7a};
  for (int i = 0; i < 16; ++i) r.authenticator[static_cast<size_t>(i)] = a[i];
  r.secret = "xyzzy5461";
  Response out = classifyResponse({data, size}, r);
  if (out.verdict != Verdict::not_ours && out.detail.empty()) std::abort();  // a verdict without a reason
  return 0;
}
