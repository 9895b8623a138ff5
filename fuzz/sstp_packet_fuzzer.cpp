// libFuzzer target: the SSTP control packet reader (Call Connect Ack/Nak
// and whatever else an SSTP server sends after SSTP_DUPLEX_POST).
#include <cstdint>
#include <cstdlib>

#include "monitor/sstp_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto packet = gtm::monitor::sstp::readControlPacket({data, size});
  if (packet.progress == gtm::monitor::sstp::ControlPacket::Progress::complete && packet.size > size) std::abort();
  return 0;
}
