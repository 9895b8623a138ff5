// TSIG (RFC 8945): HMAC-SHA256/384/512 over requests and responses, with
// OpenSSL's HMAC. A request's TSIG is checked in the order RFC 8945 5.2
// gives (key, then MAC, then time); a response of several messages (AXFR,
// IXFR) has each message signed, the second and later over the prior MAC
// and the timers only (5.3.1).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace gtm::xfr {

struct TsigKey {
  std::string name;       // presentation, as configured
  std::string name_wire;  // lower-case wire name
  std::string algorithm_wire;  // "hmac-sha256." and so on, wire
  config::TsigKey::Algorithm algorithm = config::TsigKey::Algorithm::hmac_sha256;
  std::string secret;
};

[[nodiscard]] std::vector<TsigKey> tsigKeys(const std::vector<config::TsigKey>& configured);

namespace tsig_error {
inline constexpr uint16_t NONE = 0, BADSIG = 16, BADKEY = 17, BADTIME = 18;
}

// What the TSIG record of a request says, once checked.
struct TsigCheck {
  bool present = false;
  bool malformed = false;   // a TSIG record not last, or not readable: FORMERR
  uint16_t error = tsig_error::NONE;  // BADKEY, BADSIG or BADTIME: NOTAUTH
  const TsigKey* key = nullptr;       // the key that signed it (known when the error is not BADKEY)
  std::string key_name_wire;          // as the request names them, for the answer's record
  std::string algorithm_wire;
  std::string mac;                    // the request's MAC (a response is signed over it)
  uint64_t time_signed = 0;
  uint16_t fudge = 300;
  uint16_t original_id = 0;
  size_t unsigned_size = 0;           // the message without its TSIG record
};

// Finds and checks the TSIG record of `message` at `now` (seconds since the
// epoch), against `keys`.
[[nodiscard]] TsigCheck checkRequest(std::span<const uint8_t> message, std::span<const TsigKey> keys, uint64_t now);

// Signs the messages of one response, in order: each gets a TSIG record
// (ARCOUNT counted up). For BADKEY and BADSIG the record is unsigned (MAC
// size 0), for BADTIME it is signed and carries the server's time.
class ResponseSigner {
 public:
  explicit ResponseSigner(const TsigCheck& request);
  void sign(std::string& message, uint64_t now);

 private:
  const TsigCheck& request_;
  std::string prior_mac_;
  bool first_ = true;
};

// Signs a request gtm sends (NOTIFY); returns its MAC.
std::string signRequest(std::string& message, const TsigKey& key, uint64_t now);

// The MAC of `parts` under `key`.
[[nodiscard]] std::string hmac(const TsigKey& key, std::span<const std::string_view> parts);

}  // namespace gtm::xfr
