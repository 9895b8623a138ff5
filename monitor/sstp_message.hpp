// SSTP ([MS-SSTP] 2.2) as far as a health probe goes: the HTTP request that
// opens an SSTP connection, the Call Connect Request, and the reading of the
// control packet the server answers with.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace gtm::monitor::sstp {

inline constexpr std::string_view kDefaultPath = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
// ULONGLONG_MAX: the Content-Length of both directions of an SSTP stream.
inline constexpr std::string_view kStreamLength = "18446744073709551615";

namespace message {
inline constexpr uint16_t CALL_CONNECT_REQUEST = 1, CALL_CONNECT_ACK = 2, CALL_CONNECT_NAK = 3, CALL_ABORT = 5,
                          CALL_DISCONNECT = 6;
}

// SSTP_DUPLEX_POST with the headers a Windows client sends.
[[nodiscard]] std::string duplexPostRequest(std::string_view path, std::string_view host,
                                            std::string_view correlation_id);

// 14 bytes: a control packet with one Encapsulated Protocol attribute (PPP).
[[nodiscard]] std::array<uint8_t, 14> callConnectRequest();

struct ControlPacket {
  enum class Progress { need_more, complete, invalid } progress = Progress::need_more;
  uint16_t message_type = 0;
  size_t size = 0;    // bytes of the packet, once complete
  std::string error;  // when invalid
};

// Reads the first SSTP packet of `bytes`; it must be a control packet.
[[nodiscard]] ControlPacket readControlPacket(std::span<const uint8_t> bytes);

[[nodiscard]] std::string messageName(uint16_t type);

}  // namespace gtm::monitor::sstp
