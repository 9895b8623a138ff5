// IKEv2 (RFC 7296) as far as a health probe goes: the IKE_SA_INIT request a
// client would send, and the classification of whatever comes back. Pure
// functions on bytes, so they can be tested and fuzzed without a network.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"

namespace gtm::monitor::ikev2 {

using Spi = std::array<uint8_t, 8>;
using NatHash = std::array<uint8_t, 20>;

struct InitRequest {
  std::span<const uint8_t> cookie;    // the responder's COOKIE, sent back first; empty: none
  Spi initiator_spi{};
  std::span<const uint8_t> nonce;     // 16 to 256 bytes
  uint16_t ke_group = 19;             // the group of ke_data; offered first
  std::span<const uint8_t> ke_data;   // our public value in that group
  NatHash nat_source{};               // NAT_DETECTION_SOURCE_IP
  NatHash nat_destination{};          // NAT_DETECTION_DESTINATION_IP
};

// The IKE_SA_INIT request: header, [N(COOKIE)], SA with two proposals
// (AES-CBC/3DES with SHA-2/SHA-1 integrity, and AES-GCM), offering DH
// groups 19, 20, 14 and 2 with ke_group first, then KE, Nonce, the two NAT
// detection notifies and IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383: a
// responder names it only when the initiator did). Without the non-ESP
// marker used on port 4500.
[[nodiscard]] std::vector<uint8_t> buildInitRequest(const InitRequest& request);

// SHA-1(SPIi | SPIr | address | port), RFC 7296 section 2.23; SPIr is zero
// in the request, the responder's own in its response.
[[nodiscard]] NatHash natDetectionHash(const Spi& initiator_spi, const IpAddress& address, uint16_t port,
                                       const Spi& responder_spi = {});

enum class Verdict {
  not_ours,   // not an IKEv2 response to our request: keep waiting
  malformed,  // carries our SPI but does not parse
  full,       // SA, KE and Nonce: a complete IKE_SA_INIT response
  notify,     // a notification instead (INVALID_KE_PAYLOAD, COOKIE, NO_PROPOSAL_CHOSEN, ...)
};

// The proposal a responder chose: transform IDs (0: absent).
struct ChosenProposal {
  uint16_t encr = 0, encr_bits = 0, prf = 0, integ = 0, dh = 0;
};

struct Response {
  Verdict verdict = Verdict::not_ours;
  uint16_t notify_type = 0;      // the first notify, when verdict is notify
  uint16_t requested_group = 0;  // INVALID_KE_PAYLOAD: the group the responder wants
  std::string detail;            // a sentence for the reason line
  // What the response says of the responder (diagnostics; none decide the verdict):
  Spi responder_spi{};
  std::optional<ChosenProposal> proposal;             // from a full response's SA
  bool fragmentation = false;                         // IKEV2_FRAGMENTATION_SUPPORTED
  std::optional<NatHash> nat_source, nat_destination;  // its NAT detection hashes
  std::vector<uint8_t> cookie;                        // COOKIE's data
  std::vector<std::vector<uint8_t>> vendor_ids;       // Vendor ID payloads, at most 16
};

// `packet` without the non-ESP marker.
[[nodiscard]] Response classifyResponse(std::span<const uint8_t> packet, const Spi& initiator_spi);

// "NO_PROPOSAL_CHOSEN", "COOKIE", ... or "notify 12345".
[[nodiscard]] std::string notifyName(uint16_t type);

// "AES-CBC-256, PRF-HMAC-SHA2-256, HMAC-SHA2-256-128, ECP-256 (group 19)".
[[nodiscard]] std::string proposalText(const ChosenProposal& p);

// "Windows (MS NT5 ISAKMPOAKLEY 9)", "strongSwan", ... or the hex bytes.
[[nodiscard]] std::string vendorName(std::span<const uint8_t> vendor_id);

}  // namespace gtm::monitor::ikev2
