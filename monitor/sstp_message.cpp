#include "monitor/sstp_message.hpp"

namespace gtm::monitor::sstp {

std::string duplexPostRequest(std::string_view path, std::string_view host, std::string_view correlation_id) {
  std::string r = "SSTP_DUPLEX_POST ";
  r.append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append("\r\nContent-Length: ").append(kStreamLength);
  r.append("\r\nSSTPCORRELATIONID: {").append(correlation_id).append("}\r\n\r\n");
  return r;
}

std::array<uint8_t, 14> callConnectRequest() {
  return {0x10, 0x01, 0x00, 0x0e,   // version 1.0, control, length 14
          0x00, 0x01, 0x00, 0x01,   // CALL_CONNECT_REQUEST, one attribute
          0x00, 0x01, 0x00, 0x06,   // ENCAPSULATED_PROTOCOL_ID, length 6
          0x00, 0x01};              // PPP
}

ControlPacket readControlPacket(std::span<const uint8_t> b) {
  ControlPacket p;
  if (b.size() < 4) return p;
  if (b[0] != 0x10) {
    p.progress = ControlPacket::Progress::invalid;
    p.error = "not an SSTP 1.0 packet (first byte " + std::to_string(b[0]) + ")";
    return p;
  }
  size_t length = ((b[2] & 0x0F) << 8) | b[3];
  if (!(b[1] & 0x01)) {
    p.progress = ControlPacket::Progress::invalid;
    p.error = "an SSTP data packet where a control packet was due";
    return p;
  }
  if (length < 8) {
    p.progress = ControlPacket::Progress::invalid;
    p.error = "SSTP control packet of length " + std::to_string(length);
    return p;
  }
  if (b.size() < length) return p;
  p.message_type = static_cast<uint16_t>((b[4] << 8) | b[5]);
  p.size = length;
  p.progress = ControlPacket::Progress::complete;
  return p;
}

std::string messageName(uint16_t type) {
  switch (type) {
    case message::CALL_CONNECT_REQUEST: return "CALL_CONNECT_REQUEST";
    case message::CALL_CONNECT_ACK: return "CALL_CONNECT_ACK";
    case message::CALL_CONNECT_NAK: return "CALL_CONNECT_NAK";
    case 4: return "CALL_CONNECTED";
    case message::CALL_ABORT: return "CALL_ABORT";
    case message::CALL_DISCONNECT: return "CALL_DISCONNECT";
    case 7: return "CALL_DISCONNECT_ACK";
    case 8: return "ECHO_REQUEST";
    case 9: return "ECHO_RESPONSE";
    default: return "message type " + std::to_string(type);
  }
}

}  // namespace gtm::monitor::sstp
