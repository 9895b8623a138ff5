#include "monitor/ikev2_message.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace gtm::monitor::ikev2 {
namespace {

namespace payload {
constexpr uint8_t none = 0, SA = 33, KE = 34, nonce = 40, notify = 41;
}
constexpr uint8_t kExchangeIkeSaInit = 34;
constexpr uint8_t kFlagInitiator = 0x08, kFlagResponse = 0x20;
constexpr size_t kHeaderSize = 28;

namespace transform {
constexpr uint8_t encr = 1, prf = 2, integ = 3, dh = 4;
}
namespace notify_type {
constexpr uint16_t NAT_DETECTION_SOURCE_IP = 16388, NAT_DETECTION_DESTINATION_IP = 16389;
constexpr uint16_t INVALID_KE_PAYLOAD = 17;
}

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

struct Transform {
  uint8_t type;
  uint16_t id;
  uint16_t key_bits;  // 0: no key length attribute
};

// One proposal substructure; `last` marks the final proposal of the SA.
void addProposal(std::vector<uint8_t>& out, uint8_t number, const std::vector<Transform>& transforms, bool last) {
  size_t start = out.size();
  out.push_back(last ? 0 : 2);
  out.push_back(0);
  put16(out, 0);  // length, set below
  out.push_back(number);
  out.push_back(1);  // protocol IKE
  out.push_back(0);  // no SPI in IKE_SA_INIT
  out.push_back(static_cast<uint8_t>(transforms.size()));
  for (size_t i = 0; i < transforms.size(); ++i) {
    const Transform& t = transforms[i];
    out.push_back(i + 1 == transforms.size() ? 0 : 3);
    out.push_back(0);
    put16(out, t.key_bits ? 12 : 8);
    out.push_back(t.type);
    out.push_back(0);
    put16(out, t.id);
    if (t.key_bits) {
      put16(out, 0x800E);  // TV attribute: key length
      put16(out, t.key_bits);
    }
  }
  set16(out, start + 2, static_cast<uint16_t>(out.size() - start));
}

// Starts a payload with a generic header; returns where its length goes.
size_t beginPayload(std::vector<uint8_t>& out, uint8_t next) {
  out.push_back(next);
  out.push_back(0);
  put16(out, 0);
  return out.size() - 4;
}
void endPayload(std::vector<uint8_t>& out, size_t start) { set16(out, start + 2, static_cast<uint16_t>(out.size() - start)); }

}  // namespace

std::vector<uint8_t> buildInitRequest(const InitRequest& req) {
  std::vector<uint8_t> out;
  out.reserve(512);
  out.insert(out.end(), req.initiator_spi.begin(), req.initiator_spi.end());
  out.insert(out.end(), 8, 0);  // responder SPI
  out.push_back(payload::SA);
  out.push_back(0x20);  // version 2.0
  out.push_back(kExchangeIkeSaInit);
  out.push_back(kFlagInitiator);
  out.insert(out.end(), 4, 0);  // message ID 0
  out.insert(out.end(), 4, 0);  // length, set at the end

  std::vector<Transform> groups{{transform::dh, req.ke_group, 0}};
  for (uint16_t g : {19, 20, 14, 2})
    if (g != req.ke_group) groups.push_back({transform::dh, g, 0});

  size_t sa = beginPayload(out, payload::KE);
  std::vector<Transform> cbc{{transform::encr, 12, 256}, {transform::encr, 12, 128}, {transform::encr, 3, 0},
                             {transform::prf, 5, 0},     {transform::prf, 2, 0},      {transform::integ, 12, 0},
                             {transform::integ, 2, 0}};
  cbc.insert(cbc.end(), groups.begin(), groups.end());
  addProposal(out, 1, cbc, false);
  // AEAD proposals carry no integrity transform (RFC 7296 section 3.3).
  std::vector<Transform> gcm{{transform::encr, 20, 256}, {transform::encr, 20, 128}, {transform::prf, 5, 0},
                             {transform::prf, 2, 0}};
  gcm.insert(gcm.end(), groups.begin(), groups.end());
  addProposal(out, 2, gcm, true);
  endPayload(out, sa);

  size_t ke = beginPayload(out, payload::nonce);
  put16(out, req.ke_group);
  put16(out, 0);
  out.insert(out.end(), req.ke_data.begin(), req.ke_data.end());
  endPayload(out, ke);

  size_t nonce = beginPayload(out, payload::notify);
  out.insert(out.end(), req.nonce.begin(), req.nonce.end());
  endPayload(out, nonce);

  const std::pair<uint16_t, const NatHash*> nat[] = {
      {notify_type::NAT_DETECTION_SOURCE_IP, &req.nat_source},
      {notify_type::NAT_DETECTION_DESTINATION_IP, &req.nat_destination}};
  for (size_t i = 0; i < 2; ++i) {
    size_t n = beginPayload(out, i == 0 ? payload::notify : payload::none);
    out.push_back(0);  // protocol: none
    out.push_back(0);  // SPI size
    put16(out, nat[i].first);
    out.insert(out.end(), nat[i].second->begin(), nat[i].second->end());
    endPayload(out, n);
  }
  uint32_t len = static_cast<uint32_t>(out.size());
  out[24] = static_cast<uint8_t>(len >> 24);
  out[25] = static_cast<uint8_t>(len >> 16);
  out[26] = static_cast<uint8_t>(len >> 8);
  out[27] = static_cast<uint8_t>(len);
  return out;
}

NatHash natDetectionHash(const Spi& initiator_spi, const IpAddress& address, uint16_t port) {
  uint8_t input[8 + 8 + 16 + 2] = {};
  std::memcpy(input, initiator_spi.data(), 8);
  auto ip = address.span();
  std::memcpy(input + 16, ip.data(), ip.size());
  input[16 + ip.size()] = static_cast<uint8_t>(port >> 8);
  input[17 + ip.size()] = static_cast<uint8_t>(port);
  NatHash out{};
  unsigned len = 0;
  EVP_Digest(input, 18 + ip.size(), out.data(), &len, EVP_sha1(), nullptr);
  return out;
}

std::string notifyName(uint16_t type) {
  switch (type) {
    case 1: return "UNSUPPORTED_CRITICAL_PAYLOAD";
    case 4: return "INVALID_IKE_SPI";
    case 5: return "INVALID_MAJOR_VERSION";
    case 7: return "INVALID_SYNTAX";
    case 9: return "INVALID_MESSAGE_ID";
    case 11: return "INVALID_SPI";
    case 14: return "NO_PROPOSAL_CHOSEN";
    case 17: return "INVALID_KE_PAYLOAD";
    case 24: return "AUTHENTICATION_FAILED";
    case 43: return "TEMPORARY_FAILURE";
    case 16390: return "COOKIE";
    case 16407: return "REDIRECT";
    default: return "notify " + std::to_string(type);
  }
}

Response classifyResponse(std::span<const uint8_t> p, const Spi& spi) {
  Response r;
  if (p.size() < kHeaderSize || std::memcmp(p.data(), spi.data(), 8) != 0) return r;  // not ours
  const uint8_t flags = p[19];
  if (p[18] != kExchangeIkeSaInit || !(flags & kFlagResponse) || (flags & kFlagInitiator)) return r;
  r.verdict = Verdict::malformed;
  if ((p[17] >> 4) != 2) {
    r.detail = "IKE major version " + std::to_string(p[17] >> 4);
    return r;
  }
  uint32_t length = (uint32_t{p[24]} << 24) | (uint32_t{p[25]} << 16) | (uint32_t{p[26]} << 8) | p[27];
  if (length < kHeaderSize || length > p.size()) {
    r.detail = "length field " + std::to_string(length) + " with " + std::to_string(p.size()) + " bytes received";
    return r;
  }
  bool sa = false, ke = false, nonce = false;
  uint8_t next = p[16];
  size_t pos = kHeaderSize;
  for (int count = 0; next != payload::none; ++count) {
    if (count == 64 || length - pos < 4) {
      r.detail = "payload chain runs past the message";
      return r;
    }
    const uint8_t type = next;
    next = p[pos];
    uint16_t plen = get16(&p[pos + 2]);
    if (plen < 4 || plen > length - pos) {
      r.detail = "payload length " + std::to_string(plen) + " out of bounds";
      return r;
    }
    if (type == payload::SA) sa = true;
    if (type == payload::KE) ke = true;
    if (type == payload::nonce) nonce = true;
    if (type == payload::notify && r.notify_type == 0) {
      if (plen < 8) {
        r.detail = "notify payload too short";
        return r;
      }
      uint8_t spi_size = p[pos + 5];
      uint16_t ntype = get16(&p[pos + 6]);
      size_t data = pos + 8 + spi_size;
      if (data > pos + plen) {
        r.detail = "notify SPI runs past the payload";
        return r;
      }
      // NAT detection and other status notifies ride along a full response.
      if (ntype < 16384 || ntype == 16390 || ntype == 16407) {
        r.notify_type = ntype;
        if (ntype == notify_type::INVALID_KE_PAYLOAD && pos + plen - data >= 2) r.requested_group = get16(&p[data]);
      }
    }
    pos += plen;
  }
  if (r.notify_type != 0) {
    r.verdict = Verdict::notify;
    r.detail = notifyName(r.notify_type);
    if (r.requested_group) r.detail += " (wants DH group " + std::to_string(r.requested_group) + ")";
    return r;
  }
  if (sa && ke && nonce) {
    r.verdict = Verdict::full;
    r.detail = "IKE_SA_INIT response";
    return r;
  }
  r.detail = "response without SA, KE and Nonce and without a notify";
  return r;
}

}  // namespace gtm::monitor::ikev2
