// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// past U+10FFFF. For paths a client sends and text that goes into logs.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace gtm {

// The length of the well-formed sequence that starts at s[i], or 0.
[[nodiscard]] inline size_t utf8SequenceAt(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = n == 1 ? c : c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

[[nodiscard]] inline bool validUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8SequenceAt(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Text that came from another machine, made fit to keep, log and write as
// JSON: anything that is not well-formed UTF-8 becomes U+FFFD, and text
// longer than `max` bytes (at least 8) is cut on a character boundary and
// ends in "...".
[[nodiscard]] inline std::string boundedUtf8(std::string_view s, size_t max) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8SequenceAt(s, i);
    std::string_view piece = n ? s.substr(i, n) : kReplacement;
    if (out.size() + piece.size() > max - 3) {
      // Whether what is left fits whole decides between it and a cut.
      bool rest_fits = out.size() + (s.size() - i) <= max && validUtf8(s.substr(i));
      out += rest_fits ? std::string(s.substr(i)) : std::string("...");
      return out;
    }
    out += piece;
    i += n ? n : 1;
  }
  return out;
}

}  // namespace gtm
