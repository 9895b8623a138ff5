#include "monitor/radius_message.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>

namespace gtm::monitor::radius {
namespace {

constexpr uint8_t kUserName = 1, kUserPassword = 2, kReplyMessage = 18, kNasIdentifier = 32,
                  kMessageAuthenticator = 80;
constexpr size_t kHeader = 20, kMaxPacket = 4096;

std::array<uint8_t, 16> md5(std::initializer_list<std::span<const uint8_t>> parts) {
  std::array<uint8_t, 16> out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  for (auto p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  EVP_DigestFinal_ex(ctx, out.data(), &n);
  EVP_MD_CTX_free(ctx);
  return out;
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::array<uint8_t, 16> hmacMd5(std::string_view key, std::span<const uint8_t> data) {
  std::array<uint8_t, 16> out{};
  unsigned int n = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &n);
  return out;
}

void attribute(std::vector<uint8_t>& p, uint8_t type, std::span<const uint8_t> value) {
  p.push_back(type);
  p.push_back(static_cast<uint8_t>(2 + value.size()));
  p.insert(p.end(), value.begin(), value.end());
}

}  // namespace

std::vector<uint8_t> hidePassword(std::string_view password, std::string_view secret,
                                  const Authenticator& authenticator) {
  std::vector<uint8_t> out(password.begin(), password.end());
  out.resize(std::max<size_t>(16, (out.size() + 15) / 16 * 16), 0);
  std::span<const uint8_t> previous(authenticator);
  for (size_t block = 0; block < out.size(); block += 16) {
    auto b = md5({bytes(secret), previous});
    for (size_t i = 0; i < 16; ++i) out[block + i] ^= b[i];
    previous = std::span<const uint8_t>(out.data() + block, 16);
  }
  return out;
}

std::vector<uint8_t> buildRequest(const Request& r) {
  std::vector<uint8_t> p = {r.code, r.id, 0, 0};
  p.insert(p.end(), r.authenticator.begin(), r.authenticator.end());
  if (r.code == code::AccessRequest) {
    attribute(p, kUserName, bytes(r.user_name.substr(0, 253)));
    attribute(p, kUserPassword, hidePassword(r.password.substr(0, 128), r.secret, r.authenticator));
  }
  attribute(p, kNasIdentifier, bytes(r.nas_identifier.substr(0, 253)));
  // Message-Authenticator: HMAC-MD5 of the whole packet with itself zero.
  size_t ma = p.size() + 2;
  attribute(p, kMessageAuthenticator, std::array<uint8_t, 16>{});
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  auto mac = hmacMd5(r.secret, p);
  std::copy(mac.begin(), mac.end(), p.begin() + static_cast<ptrdiff_t>(ma));
  return p;
}

Response classifyResponse(std::span<const uint8_t> packet, const Request& request) {
  Response out;
  if (packet.size() < kHeader || packet[1] != request.id) return out;  // not_ours
  size_t length = static_cast<size_t>(packet[2]) << 8 | packet[3];
  out.verdict = Verdict::malformed;
  out.code = packet[0];
  if (length < kHeader || length > packet.size() || length > kMaxPacket) {
    out.detail = "a response of length " + std::to_string(length) + " in " + std::to_string(packet.size()) + " bytes";
    return out;
  }
  packet = packet.subspan(0, length);  // bytes past Length are padding (RFC 2865 3)
  // Response Authenticator: MD5(Code+ID+Length+RequestAuth+Attributes+Secret).
  auto expected = md5({packet.subspan(0, 4), request.authenticator, packet.subspan(kHeader), bytes(request.secret)});
  if (!std::equal(expected.begin(), expected.end(), packet.begin() + 4)) {
    out.verdict = Verdict::bad_authenticator;
    out.detail = "a " + codeName(out.code) + " whose Response Authenticator does not match (wrong shared secret?)";
    return out;
  }
  size_t ma_at = 0;
  for (size_t at = kHeader; at < packet.size();) {
    if (packet.size() - at < 2 || packet[at + 1] < 2 || packet[at + 1] > packet.size() - at) {
      out.detail = "an attribute runs past the end of the " + codeName(out.code);
      return out;
    }
    uint8_t type = packet[at], len = packet[at + 1];
    if (type == kMessageAuthenticator) {
      if (len != 18) {
        out.detail = "a Message-Authenticator of " + std::to_string(len) + " bytes";
        return out;
      }
      ma_at = at + 2;
    }
    if (type == kReplyMessage)
      for (size_t i = at + 2; i < at + len && out.reply_message.size() < 80; ++i)
        out.reply_message += packet[i] >= 0x20 && packet[i] < 0x7f ? static_cast<char>(packet[i]) : '?';
    at += len;
  }
  if (ma_at) {
    // HMAC-MD5 of the response with the Request Authenticator in place of
    // its own and the Message-Authenticator zero (RFC 3579 3.2).
    std::vector<uint8_t> copy(packet.begin(), packet.end());
    std::copy(request.authenticator.begin(), request.authenticator.end(), copy.begin() + 4);
    std::fill(copy.begin() + static_cast<ptrdiff_t>(ma_at), copy.begin() + static_cast<ptrdiff_t>(ma_at + 16), 0);
    auto mac = hmacMd5(request.secret, copy);
    if (!std::equal(mac.begin(), mac.end(), packet.begin() + static_cast<ptrdiff_t>(ma_at))) {
      out.verdict = Verdict::bad_message_authenticator;
      out.detail = "a " + codeName(out.code) + " whose Message-Authenticator does not match (wrong shared secret?)";
      return out;
    }
    out.message_authenticator = true;
  }
  out.verdict = out.code == code::AccessAccept    ? Verdict::accept
                : out.code == code::AccessReject  ? Verdict::reject
                : out.code == code::AccessChallenge ? Verdict::challenge
                                                    : Verdict::other;
  out.detail = codeName(out.code) + (out.reply_message.empty() ? "" : " (\"" + out.reply_message + "\")");
  return out;
}

std::string codeName(uint8_t c) {
  switch (c) {
    case code::AccessRequest: return "Access-Request";
    case code::AccessAccept: return "Access-Accept";
    case code::AccessReject: return "Access-Reject";
    case code::AccessChallenge: return "Access-Challenge";
    case code::StatusServer: return "Status-Server";
  }
  return "RADIUS code " + std::to_string(c);
}

}  // namespace gtm::monitor::radius
