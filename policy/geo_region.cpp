#include "policy/geo_region.hpp"

#include <algorithm>
#include <cmath>

namespace gtm::policy {
namespace {

constexpr std::string_view kContinents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};

std::string unpack(uint64_t code) {
  std::string out;
  for (; code; code >>= 8) out.insert(out.begin(), static_cast<char>(code & 0xFF));
  return out;
}

}  // namespace

GeoVector toVector(const GeoPoint& p) {
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double lat = p.lat * kRad, lon = p.lon * kRad;
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}

double greatCircleKm(const GeoVector& a, const GeoVector& b) {
  constexpr double kRadiusKm = 6371.0088;  // WGS-84 mean radius
  return 2 * kRadiusKm * std::asin(std::min(1.0, std::sqrt(chordSquared(a, b)) / 2));
}

std::optional<Region> parseRegion(std::string_view text) {
  if (text == "WORLD") return Region{Region::Level::world, 0};
  for (std::string_view c : kContinents)
    if (text == c) return Region{Region::Level::continent, packCode(c)};
  if (text.size() == 2 && packCode(text) && text[0] >= 'A' && text[1] >= 'A')
    return Region{Region::Level::country, packCode(text)};
  // ISO 3166-2: the country, '-', one to three letters or digits.
  if (text.size() >= 4 && text.size() <= 6 && text[2] == '-') {
    uint32_t country = packCode(text.substr(0, 2)), sub = packCode(text.substr(3));
    if (country && sub && text[0] >= 'A' && text[1] >= 'A')
      return Region{Region::Level::subdivision, uint64_t{country} << 24 | sub};
  }
  return std::nullopt;
}

std::string regionName(const Region& r) {
  switch (r.level) {
    case Region::Level::world: return "WORLD";
    case Region::Level::continent:
    case Region::Level::country: return unpack(r.code);
    case Region::Level::subdivision: return unpack(r.code >> 24) + "-" + unpack(r.code & 0xFFFFFF);
  }
  return "?";
}

std::string locationName(const GeoLocation& at) {
  if (!at.found) return "unknown";
  std::string country = unpack(at.country), continent = unpack(at.continent);
  std::string place = at.subdivision ? country + "-" + unpack(at.subdivision) : country.empty() ? continent : country;
  return place + " (" + country + (country.empty() || continent.empty() ? "" : ", ") + continent + ")";
}

}  // namespace gtm::policy
