// Regions of geographic routing, as numbers the decision path compares
// without strings: a continent ("EU"), an ISO 3166-1 country ("DE"), a
// subdivision ("US-CA": country and ISO 3166-2 code), or WORLD. And the
// client's location as a GeoIP database gives it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"

namespace gtm::policy {

struct Region {
  enum class Level : uint8_t { subdivision, country, continent, world };  // most specific first
  Level level = Level::world;
  uint64_t code = 0;  // packed characters (continent or country: 2; subdivision: country << 24 | up to 3)

  bool operator==(const Region&) const = default;
};

// Packs up to 3 letters or digits, uppercase; 0 when `text` is not that.
[[nodiscard]] constexpr uint32_t packCode(std::string_view text) {
  if (text.empty() || text.size() > 3) return 0;
  uint32_t out = 0;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return 0;
    out = out << 8 | static_cast<uint8_t>(c);
  }
  return out;
}

// "EU", "DE", "US-CA", "WORLD" as written in `regions`; nullopt when it is none.
[[nodiscard]] std::optional<Region> parseRegion(std::string_view text);
[[nodiscard]] std::string regionName(const Region& r);

// A place on the WGS-84 globe, in degrees.
struct GeoPoint {
  double lat = 0, lon = 0;
};

// The same place as a unit vector from the globe's centre: what the query
// path ranks by, without trigonometry per site (the straight line between
// two such vectors grows with the great-circle distance between them).
struct GeoVector {
  double x = 0, y = 0, z = 0;
};
[[nodiscard]] GeoVector toVector(const GeoPoint& p);

// Ranks like the great-circle distance: the squared length of the chord.
[[nodiscard]] constexpr double chordSquared(const GeoVector& a, const GeoVector& b) {
  const double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}

// The great-circle distance in km on the WGS-84 mean radius (6371.0088 km),
// from the chord (2 r asin(chord / 2): haversine's result, exact for near
// and antipodal places alike).
[[nodiscard]] double greatCircleKm(const GeoVector& a, const GeoVector& b);
[[nodiscard]] inline double greatCircleKm(const GeoPoint& a, const GeoPoint& b) {
  return greatCircleKm(toVector(a), toVector(b));
}

// Where the database puts an address: codes packed as above (0: unknown),
// coordinates when the database has them (a City database), and the
// length of the database's network that holds it.
struct GeoLocation {
  bool found = false;
  uint32_t continent = 0, country = 0, subdivision = 0;
  bool has_point = false;
  GeoPoint point;
  GeoVector vector;  // of point
  uint8_t prefix = 0;  // of the address's family (an IPv4 prefix for IPv4)
};

// Whether a region holds a location (WORLD holds everything).
[[nodiscard]] constexpr bool holds(const Region& r, const GeoLocation& at) {
  switch (r.level) {
    case Region::Level::world: return true;
    case Region::Level::continent: return at.found && r.code == at.continent;
    case Region::Level::country: return at.found && r.code == at.country;
    case Region::Level::subdivision:
      return at.found && at.subdivision && r.code == (uint64_t{at.country} << 24 | at.subdivision);
  }
  return false;
}

// "DE-BY (DE, EU)", "FR (FR, EU)", or "unknown".
[[nodiscard]] std::string locationName(const GeoLocation& at);

// What a lookup must read: the region codes (geographic routing), the
// coordinates (performance routing), or both; each field read costs a walk
// through the record.
enum class GeoNeed : uint8_t { regions = 1, point = 2, all = 3 };

// The database, as the decision path sees it. Must be safe to call from
// every query thread at once, without allocating.
class GeoLookup {
 public:
  virtual ~GeoLookup() = default;
  [[nodiscard]] virtual GeoLocation locate(const IpAddress& address, GeoNeed need) const = 0;
  [[nodiscard]] GeoLocation locate(const IpAddress& address) const { return locate(address, GeoNeed::all); }
};

}  // namespace gtm::policy
