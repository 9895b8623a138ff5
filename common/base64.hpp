// Base64 (RFC 4648, with padding), the one place that reads and writes it:
// etcd's JSON gateway carries keys and values in it, DNSSEC key files and
// TSIG secrets hold their keys in it. OpenSSL's EVP block codec does the
// work (ldns 1.8's b64 functions are not in its public headers).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gtm {

[[nodiscard]] std::string base64Encode(std::string_view bytes);

// The bytes, or nothing when `text` is empty, not a multiple of 4 long, or
// holds anything but the base64 alphabet and trailing '=' padding.
[[nodiscard]] std::optional<std::string> base64Decode(std::string_view text);

}  // namespace gtm
