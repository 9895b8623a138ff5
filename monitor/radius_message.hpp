// RADIUS (RFC 2865) as far as a health probe goes: the Access-Request a NAS
// would send for a test account (PAP User-Password, NAS-Identifier, and a
// Message-Authenticator, RFC 3579) or a Status-Server (RFC 5997), and the
// check of whatever comes back: our ID, a Response Authenticator and a
// Message-Authenticator made with our shared secret. Pure functions on
// bytes, so they can be tested and fuzzed without a network.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gtm::monitor::radius {

using Authenticator = std::array<uint8_t, 16>;

namespace code {
inline constexpr uint8_t AccessRequest = 1, AccessAccept = 2, AccessReject = 3, AccessChallenge = 11,
                         StatusServer = 12;
}

struct Request {
  uint8_t code = code::AccessRequest;  // or StatusServer
  uint8_t id = 0;
  Authenticator authenticator{};       // random, never reused
  std::string_view secret;
  std::string_view user_name;          // Access-Request only
  std::string_view password;           // Access-Request only, at most 128 bytes
  std::string_view nas_identifier = "gtm";
};

[[nodiscard]] std::vector<uint8_t> buildRequest(const Request& request);

// User-Password hiding (RFC 2865 5.2): the password padded to 16 bytes and
// XORed with MD5(secret + authenticator), block by block.
[[nodiscard]] std::vector<uint8_t> hidePassword(std::string_view password, std::string_view secret,
                                                const Authenticator& authenticator);

enum class Verdict {
  not_ours,             // another ID, or not RADIUS: keep waiting
  malformed,            // our ID, but it does not parse
  bad_authenticator,    // the Response Authenticator is not ours: another secret
  bad_message_authenticator,
  accept,
  reject,
  challenge,
  other,                // some other code
};

struct Response {
  Verdict verdict = Verdict::not_ours;
  uint8_t code = 0;
  std::string reply_message;  // Reply-Message, when there was one (printable part)
  bool message_authenticator = false;  // it carried one (and it verified)
  std::string detail;         // a sentence for the reason line
};

[[nodiscard]] Response classifyResponse(std::span<const uint8_t> packet, const Request& request);

[[nodiscard]] std::string codeName(uint8_t code);

}  // namespace gtm::monitor::radius
