// A Diffie-Hellman public value for the KE payload of an IKEv2 probe, made
// with OpenSSL. The probe never completes the exchange, so one value per
// monitor serves every probe (fresh SPI and nonce each time).
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.hpp"

namespace gtm::monitor {

// Group 2 (MODP 1024), 14 (MODP 2048), 19 (ECP 256) or 20 (ECP 384), encoded as RFC 7296
// and RFC 5903 want it: the MODP value padded to the modulus length, or x|y.
[[nodiscard]] Result<std::vector<uint8_t>> makeKeyExchangeValue(uint16_t group);

}  // namespace gtm::monitor
