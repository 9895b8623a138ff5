#include "monitor/ikev2_message.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <initializer_list>

namespace gtm::monitor::ikev2 {
namespace {

namespace payload {
constexpr uint8_t none = 0, SA = 33, KE = 34, nonce = 40, notify = 41, vendor_id = 43;
}
constexpr uint8_t kExchangeIkeSaInit = 34;
constexpr uint8_t kFlagInitiator = 0x08, kFlagResponse = 0x20;
constexpr size_t kHeaderSize = 28;

namespace transform {
constexpr uint8_t encr = 1, prf = 2, integ = 3, dh = 4;
}
namespace notify_type {
constexpr uint16_t NAT_DETECTION_SOURCE_IP = 16388, NAT_DETECTION_DESTINATION_IP = 16389, COOKIE = 16390;
constexpr uint16_t REDIRECT = 16407, IKEV2_FRAGMENTATION_SUPPORTED = 16430;
constexpr uint16_t INVALID_KE_PAYLOAD = 17;
}
constexpr size_t kMaxCookie = 64;      // RFC 7296 section 2.6: 1 to 64 octets
constexpr size_t kMaxVendorIds = 16;
constexpr size_t kMaxVendorIdBytes = 64;

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

// The first proposal of an SA payload's body: the one a responder chose.
std::optional<ChosenProposal> readProposal(std::span<const uint8_t> sa) {
  if (sa.size() < 8) return std::nullopt;
  size_t plen = get16(&sa[2]);
  uint8_t spi_size = sa[6], transforms = sa[7];
  if (plen < 8 || plen > sa.size()) return std::nullopt;
  ChosenProposal out;
  size_t pos = 8 + spi_size;
  for (uint8_t i = 0; i < transforms; ++i) {
    if (pos + 8 > plen) return std::nullopt;
    size_t tlen = get16(&sa[pos + 2]);
    if (tlen < 8 || pos + tlen > plen) return std::nullopt;
    uint8_t type = sa[pos + 4];
    uint16_t id = get16(&sa[pos + 6]);
    // Attributes: only the key length (TV, type 14) matters here.
    for (size_t a = pos + 8; a + 4 <= pos + tlen;) {
      uint16_t at = get16(&sa[a]);
      if (at & 0x8000) {
        if ((at & 0x7FFF) == 14 && type == transform::encr) out.encr_bits = get16(&sa[a + 2]);
        a += 4;
      } else {
        a += 4 + get16(&sa[a + 2]);
      }
    }
    if (type == transform::encr) out.encr = id;
    if (type == transform::prf) out.prf = id;
    if (type == transform::integ) out.integ = id;
    if (type == transform::dh) out.dh = id;
    pos += tlen;
  }
  return out;
}

std::string hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace

std::string proposalText(const ChosenProposal& p) {
  auto name = [](uint16_t id, std::initializer_list<std::pair<uint16_t, const char*>> names, const char* kind) {
    for (const auto& [known, text] : names)
      if (known == id) return std::string(text);
    return std::string(kind) + " " + std::to_string(id);
  };
  std::string out = name(p.encr, {{3, "3DES"}, {12, "AES-CBC"}, {13, "AES-CTR"}, {18, "AES-GCM-8"}, {19, "AES-GCM-12"},
                                  {20, "AES-GCM-16"}, {28, "CHACHA20-POLY1305"}}, "ENCR");
  if (p.encr_bits) out += "-" + std::to_string(p.encr_bits);
  if (p.prf)
    out += ", " + name(p.prf, {{2, "PRF-HMAC-SHA1"}, {4, "PRF-AES-XCBC"}, {5, "PRF-HMAC-SHA2-256"},
                               {6, "PRF-HMAC-SHA2-384"}, {7, "PRF-HMAC-SHA2-512"}}, "PRF");
  if (p.integ)  // none with an AEAD cipher
    out += ", " + name(p.integ, {{2, "HMAC-SHA1-96"}, {5, "AES-XCBC-96"}, {12, "HMAC-SHA2-256-128"},
                                 {13, "HMAC-SHA2-384-192"}, {14, "HMAC-SHA2-512-256"}}, "INTEG");
  if (p.dh)
    out += ", " + name(p.dh, {{2, "MODP-1024"}, {14, "MODP-2048"}, {15, "MODP-3072"}, {16, "MODP-4096"},
                              {19, "ECP-256"}, {20, "ECP-384"}, {21, "ECP-521"}, {31, "CURVE25519"}}, "DH") +
           " (group " + std::to_string(p.dh) + ")";
  return out;
}

std::string vendorName(std::span<const uint8_t> id) {
  // Most are the MD5 of a name. Windows appends a 4-byte version to its
  // "MS NT5 ISAKMPOAKLEY" (9: Windows 8 / Server 2012 and later).
  static const std::pair<const char*, const char*> known[] = {
      {"fb1de3cdf341b7ea16b7e5be0855f120", "Windows (MS-Negotiation Discovery Capable)"},
      {"e3a5966a76379fe707228231e5ce8652", "Windows (IKE CGA version 1)"},
      {"214ca4faffa7f32d6748e5303395ae83", "Windows (MS-MamieExists)"},
      {"26244d38eddb61b3172a36e3d0cfb819", "Windows (Vid-Initial-Contact)"},
      {"4048b7d56ebce88525e7de7f00d6c2d3", "Windows (FRAGMENTATION, IKEv1)"},
      {"882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"},
  };
  std::string text = hex(id);
  for (const auto& [md5, name] : known)
    if (text == md5) return name;
  if (text.size() == 40 && text.rfind("1e2b516905991c7d7c96fcbfb587e461", 0) == 0)
    return "Windows (MS NT5 ISAKMPOAKLEY " + std::to_string(std::stoul(text.substr(32), nullptr, 16)) + ")";
  return text;
}

std::vector<uint8_t> buildInitRequest(const InitRequest& req) {
  std::vector<uint8_t> out;
  out.reserve(512);
  out.insert(out.end(), req.initiator_spi.begin(), req.initiator_spi.end());
  out.insert(out.end(), 8, 0);  // responder SPI
  out.push_back(req.cookie.empty() ? payload::SA : payload::notify);
  out.push_back(0x20);  // version 2.0
  out.push_back(kExchangeIkeSaInit);
  out.push_back(kFlagInitiator);
  out.insert(out.end(), 4, 0);  // message ID 0
  out.insert(out.end(), 4, 0);  // length, set at the end

  if (!req.cookie.empty()) {
    // The responder's cookie goes back first, everything else unchanged
    // (RFC 7296 section 2.6).
    size_t n = beginPayload(out, payload::SA);
    out.push_back(0);  // protocol: none
    out.push_back(0);  // SPI size
    put16(out, notify_type::COOKIE);
    out.insert(out.end(), req.cookie.begin(), req.cookie.end());
    endPayload(out, n);
  }

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

  const std::pair<uint16_t, const NatHash*> notifies[] = {
      {notify_type::NAT_DETECTION_SOURCE_IP, &req.nat_source},
      {notify_type::NAT_DETECTION_DESTINATION_IP, &req.nat_destination},
      {notify_type::IKEV2_FRAGMENTATION_SUPPORTED, nullptr}};
  for (size_t i = 0; i < 3; ++i) {
    size_t n = beginPayload(out, i < 2 ? payload::notify : payload::none);
    out.push_back(0);  // protocol: none
    out.push_back(0);  // SPI size
    put16(out, notifies[i].first);
    if (notifies[i].second) out.insert(out.end(), notifies[i].second->begin(), notifies[i].second->end());
    endPayload(out, n);
  }
  uint32_t len = static_cast<uint32_t>(out.size());
  out[24] = static_cast<uint8_t>(len >> 24);
  out[25] = static_cast<uint8_t>(len >> 16);
  out[26] = static_cast<uint8_t>(len >> 8);
  out[27] = static_cast<uint8_t>(len);
  return out;
}

NatHash natDetectionHash(const Spi& initiator_spi, const IpAddress& address, uint16_t port, const Spi& responder_spi) {
  uint8_t input[8 + 8 + 16 + 2] = {};
  std::memcpy(input, initiator_spi.data(), 8);
  std::memcpy(input + 8, responder_spi.data(), 8);
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
  std::memcpy(r.responder_spi.data(), p.data() + 8, 8);
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
    std::span<const uint8_t> body = p.subspan(pos + 4, plen - 4u);
    if (type == payload::SA) {
      sa = true;
      if (!r.proposal) r.proposal = readProposal(body);
    }
    if (type == payload::KE) ke = true;
    if (type == payload::nonce) nonce = true;
    if (type == payload::vendor_id && r.vendor_ids.size() < kMaxVendorIds)
      r.vendor_ids.emplace_back(body.begin(), body.begin() + static_cast<long>(std::min(body.size(), kMaxVendorIdBytes)));
    if (type == payload::notify) {
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
      std::span<const uint8_t> value = p.subspan(data, pos + plen - data);
      // Errors, COOKIE and REDIRECT replace the response; NAT detection,
      // fragmentation and other status notifies ride along a full one.
      if ((ntype < 16384 || ntype == notify_type::COOKIE || ntype == notify_type::REDIRECT) && r.notify_type == 0) {
        r.notify_type = ntype;
        if (ntype == notify_type::INVALID_KE_PAYLOAD && value.size() >= 2) r.requested_group = get16(value.data());
        if (ntype == notify_type::COOKIE && !value.empty() && value.size() <= kMaxCookie)
          r.cookie.assign(value.begin(), value.end());
      }
      NatHash hash{};
      if (value.size() == hash.size()) std::memcpy(hash.data(), value.data(), hash.size());
      if (ntype == notify_type::NAT_DETECTION_SOURCE_IP && value.size() == hash.size()) r.nat_source = hash;
      if (ntype == notify_type::NAT_DETECTION_DESTINATION_IP && value.size() == hash.size()) r.nat_destination = hash;
      if (ntype == notify_type::IKEV2_FRAGMENTATION_SUPPORTED) r.fragmentation = true;
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
