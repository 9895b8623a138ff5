#include "dnssec/canonical.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace gtm::dns {
namespace {

// The offsets of a wire name's labels, the root's excluded; their count.
size_t labelOffsets(std::string_view name, std::array<uint8_t, 128>& at) {
  size_t n = 0;
  for (size_t pos = 0; pos < name.size() && name[pos] != 0 && n < at.size();
       pos += 1 + static_cast<uint8_t>(name[pos]))
    at[n++] = static_cast<uint8_t>(pos);
  return n;
}

}  // namespace

bool canonicalLess(std::string_view a, std::string_view b) {
  std::array<uint8_t, 128> la{}, lb{};
  size_t na = labelOffsets(a, la), nb = labelOffsets(b, lb);
  // From the rightmost label on: the first that differs decides; a name
  // that runs out of labels first sorts first.
  for (size_t i = 1; i <= std::min(na, nb); ++i) {
    std::string_view x = a.substr(la[na - i] + 1, static_cast<uint8_t>(a[la[na - i]]));
    std::string_view y = b.substr(lb[nb - i] + 1, static_cast<uint8_t>(b[lb[nb - i]]));
    if (int c = x.compare(y); c != 0) return c < 0;
  }
  return na < nb;
}

size_t answerSetKey(int profile, uint16_t type, std::span<IpAddress> addresses, char* out, size_t capacity) {
  auto less = [](const IpAddress& x, const IpAddress& y) {
    return x.family != y.family ? x.family < y.family : x.bytes < y.bytes;
  };
  std::sort(addresses.begin(), addresses.end(), less);
  size_t n = static_cast<size_t>(std::unique(addresses.begin(), addresses.end()) - addresses.begin());
  size_t size = 4 + 2;
  for (size_t i = 0; i < n; ++i) size += addresses[i].span().size();
  if (size > capacity) return 0;
  auto p = static_cast<uint32_t>(profile);
  out[0] = static_cast<char>(p >> 24), out[1] = static_cast<char>(p >> 16), out[2] = static_cast<char>(p >> 8);
  out[3] = static_cast<char>(p);
  out[4] = static_cast<char>(type >> 8), out[5] = static_cast<char>(type);
  size_t pos = 6;
  for (size_t i = 0; i < n; ++i) {
    auto bytes = addresses[i].span();
    std::memcpy(out + pos, bytes.data(), bytes.size());
    pos += bytes.size();
  }
  return pos;
}

}  // namespace gtm::dns
