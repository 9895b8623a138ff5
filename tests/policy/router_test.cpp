// Every routing method with healthy, partly healthy and all-down endpoints,
// through the same decide() the packet path calls.
#include "policy/router.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>

namespace gtm::test {
namespace {

using policy::Health;
using policy::Routing;

policy::Endpoint ep(const std::string& name, const std::string& v4, size_t slot, uint32_t weight = 1) {
  policy::Endpoint e;
  e.name = name;
  e.v4.push_back(*IpAddress::parse(v4));
  e.health_slot = slot;
  e.weight = weight;
  e.priority = static_cast<uint32_t>(slot + 1);
  return e;
}

policy::Subnet subnet(const std::string& text) { return *Subnet::parse(text); }

policy::ClientView client(const std::string& address, uint8_t prefix, uint64_t random = 0) {
  return {*IpAddress::parse(address), prefix, true, random};
}

std::vector<std::string> names(const policy::Decision& d) {
  std::vector<std::string> out;
  for (size_t i = 0; i < d.count; ++i) out.push_back(d.endpoints[i]->name);
  return out;
}

std::vector<std::string> decide(const std::vector<policy::Profile>& profiles, const policy::HealthTable& h,
                                const policy::ClientView& c = client("198.51.100.1", 32), size_t profile = 0,
                                uint8_t* scope = nullptr) {
  policy::Decision d;
  policy::decide(profiles, profile, h, c, d);
  if (scope) *scope = d.scope_prefix;
  return names(d);
}

TEST(Router, PriorityHealthyPartialAllDown) {
  policy::Profile p;
  p.endpoints = {ep("east", "192.0.2.1", 0), ep("west", "192.0.2.2", 1), ep("dr", "192.0.2.3", 2)};
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(3, Health::online);
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"east"}));
  h.set(0, Health::degraded);
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"west"}));
  h.set(1, Health::checking);  // no result yet: answered as if Online
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"west"}));
  ps[0].endpoints[1].enabled = false;  // disabled: never answered
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"dr"}));
  h.set(2, Health::degraded);
  // Every enabled endpoint Degraded: fail-open, the first enabled one.
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"east"}));
  ps[0].fail_closed = true;
  EXPECT_TRUE(decide(ps, h).empty());
}

TEST(Router, WeightedThreeToOne) {
  policy::Profile p;
  p.routing = Routing::weighted;
  p.endpoints = {ep("a", "192.0.2.1", 0, 3), ep("b", "192.0.2.2", 1, 1), ep("c", "192.0.2.3", 2, 5)};
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(3, Health::online);
  h.set(2, Health::degraded);  // c drops out of the draw
  std::mt19937_64 rng(42);
  std::map<std::string, int> count;
  for (int i = 0; i < 4000; ++i) ++count[decide(ps, h, client("198.51.100.1", 32, rng()))[0]];
  EXPECT_EQ(count["c"], 0);
  EXPECT_NEAR(count["a"] / 4000.0, 0.75, 0.05);
  // All Degraded: the draw is over every enabled endpoint.
  h.set(0, Health::degraded);
  h.set(1, Health::degraded);
  for (int i = 0; i < 200; ++i) ++count["all-" + decide(ps, h, client("198.51.100.1", 32, rng()))[0]];
  EXPECT_GT(count["all-c"], 0);
}

// weight_from: each weight times the real servers behind the site. Draws
// 0..N-1 cover the total exactly, so the shares are exact.
TEST(Router, WeightsFollowTheRealServers) {
  policy::Profile p;
  p.routing = Routing::weighted;
  p.weight_from = policy::WeightFrom::gtm_lb;
  p.endpoints = {ep("a", "192.0.2.1", 0, 1), ep("b", "192.0.2.2", 1, 1)};
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(2, Health::online);
  auto share = [&](int total) {
    int a = 0;
    for (int i = 0; i < total; ++i) a += decide(ps, h, client("198.51.100.1", 32, static_cast<uint64_t>(i)))[0] == "a";
    return a;
  };
  EXPECT_EQ(share(2000), 1000) << "nothing reported yet: the plain weights";
  h.setReals(0, 3);  // b reports nothing (no gtm-lb check): its weight as it is
  EXPECT_EQ(share(4000), 3000);
  EXPECT_EQ(policy::effectiveWeight(ps[0], ps[0].endpoints[0], h), 3000u);
  h.setReals(0, 2);
  EXPECT_EQ(share(3000), 2000);
  h.setReals(0, 0);
  EXPECT_EQ(share(1000), 0) << "no real server: out of the draw";
  h.setReals(1, 0);
  EXPECT_EQ(share(2000), 1000) << "every site reports none: the plain weights rather than no answer";
  // reals: the weight at full strength, scaled by the share of capacity.
  ps[0].weight_from = policy::WeightFrom::reals;
  ps[0].endpoints[0].weight = 3;
  ps[0].endpoints[0].capacity = 3;
  ps[0].endpoints[1].capacity = 2;
  h.setReals(0, 3);
  h.setReals(1, 2);
  EXPECT_EQ(share(4000), 3000);
  h.setReals(0, 1);  // a third of a's capacity: weight 1
  EXPECT_EQ(share(2000), 1000);
}

TEST(Router, WeightedSubnetAffinity) {
  policy::Profile p;
  p.routing = Routing::weighted;
  p.affinity_subnet = true;
  for (size_t i = 0; i < 4; ++i) p.endpoints.push_back(ep("e" + std::to_string(i), "192.0.2." + std::to_string(i + 1), i));
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(4, Health::online);
  std::mt19937_64 rng(7);
  std::map<std::string, int> seen;
  for (int net = 0; net < 64; ++net) {
    std::string addr = "198.51." + std::to_string(net) + ".0";
    auto first = decide(ps, h, client(addr, 24, rng()));
    // The same subnet keeps its endpoint whatever the per-query random.
    for (int i = 0; i < 10; ++i) EXPECT_EQ(decide(ps, h, client(addr, 24, rng())), first);
    ++seen[first[0]];
  }
  EXPECT_EQ(seen.size(), 4u) << "subnets spread over every endpoint";
}

TEST(Router, MultivalueHealthyOnlyUpToMax) {
  policy::Profile p;
  p.routing = Routing::multivalue;
  p.max_answers = 2;
  p.endpoints = {ep("a", "192.0.2.1", 0), ep("b", "192.0.2.2", 1), ep("c", "192.0.2.3", 2)};
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(3, Health::online);
  std::map<std::string, int> seen;
  for (uint64_t r = 0; r < 30; ++r) {
    auto got = decide(ps, h, client("198.51.100.1", 32, r));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_NE(got[0], got[1]);
    for (auto& n : got) ++seen[n];
  }
  EXPECT_EQ(seen.size(), 3u) << "every healthy endpoint gets its turn";
  h.set(1, Health::degraded);
  for (uint64_t r = 0; r < 30; ++r) {
    auto got = decide(ps, h, client("198.51.100.1", 32, r));
    EXPECT_EQ(got.size(), 2u);
    for (auto& n : got) EXPECT_NE(n, "b");
  }
  h.set(0, Health::degraded);
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"c"}));
  h.set(2, Health::degraded);
  EXPECT_EQ(decide(ps, h).size(), 2u);  // fail-open
}

TEST(Router, SubnetMostSpecificFallbackAndScope) {
  policy::Profile p;
  p.routing = Routing::subnet;
  auto wide = ep("wide", "192.0.2.1", 0);
  wide.subnets = {subnet("203.0.0.0/16")};
  auto narrow = ep("narrow", "192.0.2.2", 1);
  narrow.subnets = {subnet("203.0.113.0/24"), subnet("2001:db8:1::/48")};
  p.endpoints = {wide, narrow};
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(3, Health::online);
  uint8_t scope = 0;
  EXPECT_EQ(decide(ps, h, client("203.0.113.0", 24), 0, &scope), (std::vector<std::string>{"narrow"}));
  EXPECT_EQ(scope, 24);
  // wide's /16 holds narrow's /24: a client elsewhere in the /16 gets
  // wide for the prefix that leaves narrow out (203.0.0.0/18 here), not for
  // the whole /16, or a resolver would serve wide to 203.0.113.x from cache.
  EXPECT_EQ(decide(ps, h, client("203.0.5.0", 24), 0, &scope), (std::vector<std::string>{"wide"}));
  EXPECT_EQ(scope, 18);
  EXPECT_EQ(decide(ps, h, client("2001:db8:1:2::", 56), 0, &scope), (std::vector<std::string>{"narrow"}));
  EXPECT_EQ(scope, 48);
  // An ECS /8 does not say enough to match a /16.
  EXPECT_TRUE(decide(ps, h, client("203.0.0.0", 8), 0, &scope).empty());
  // Unmatched, no fallback: NODATA. With a fallback: the fallback.
  EXPECT_TRUE(decide(ps, h, client("198.51.100.7", 32)).empty());
  ps[0].endpoints.push_back(ep("fallback", "192.0.2.9", 2));
  EXPECT_EQ(decide(ps, h, client("198.51.100.7", 32), 0, &scope), (std::vector<std::string>{"fallback"}));
  EXPECT_EQ(scope, 5) << "198 (11000110) and 203 (11001011) part at the fifth bit";
  // The matched endpoint Degraded: the next match, then the fallback.
  h.set(1, Health::degraded);
  EXPECT_EQ(decide(ps, h, client("203.0.113.0", 24)), (std::vector<std::string>{"wide"}));
  h.set(0, Health::degraded);
  EXPECT_EQ(decide(ps, h, client("203.0.113.0", 24)), (std::vector<std::string>{"fallback"}));
}

// A resolver that caches each answer for its scope, as RFC 7871 section 7.3
// says, serves from cache exactly what a fresh query would get.
class ScopeCache {
 public:
  ScopeCache(const std::vector<policy::Profile>& ps, const policy::HealthTable& h) : ps_(ps), h_(h) {}
  std::vector<std::string> ask(const policy::ClientView& c) {
    for (const auto& [net, answer] : cache_)
      if (net.address.family == c.address.family && net.contains(c.address)) return answer;
    policy::Decision d;
    policy::decide(ps_, 0, h_, c, d);
    cache_.emplace_back(*Subnet::parse(c.address.toString() + "/" + std::to_string(d.scope_prefix)), names(d));
    return names(d);
  }

 private:
  const std::vector<policy::Profile>& ps_;
  const policy::HealthTable& h_;
  std::vector<std::pair<Subnet, std::vector<std::string>>> cache_;
};

TEST(Router, ScopeCacheServesWhatAFreshQueryGets) {
  policy::Profile p;
  p.routing = Routing::subnet;
  auto wide = ep("wide", "192.0.2.1", 0);
  wide.subnets = {subnet("203.0.0.0/16")};
  auto narrow = ep("narrow", "192.0.2.2", 1);
  narrow.subnets = {subnet("203.0.113.0/24"), subnet("203.0.200.128/25")};
  auto fallback = ep("fallback", "192.0.2.9", 2);
  p.endpoints = {wide, narrow, fallback};
  std::vector<policy::Profile> ps{p};
  policy::HealthTable h(3, Health::online);
  // Clients in every /24 of 203.0.0.0/15, in an order that puts wide's
  // clients first, then each /24 again: the cache must never differ.
  ScopeCache cache(ps, h);
  std::mt19937_64 rng(3);
  for (int round = 0; round < 2; ++round)
    for (int third = 0; third < 512; ++third) {
      std::string a = "203." + std::to_string(third / 256) + "." + std::to_string(third % 256) + "." +
                      std::to_string(rng() % 256);
      auto c = client(a, 24);
      policy::Decision fresh;
      policy::decide(ps, 0, h, c, fresh);
      ASSERT_EQ(cache.ask(c), names(fresh)) << a;
    }
}

TEST(Router, ScopeOfNestedSubnetAndAffinity) {
  // parent: subnet over two children; the child of 10/8 is weighted with
  // subnet affinity, so the answer holds for the client's /24 only.
  policy::Profile parent, weighted, single;
  policy::Endpoint to_weighted = ep("to-weighted", "0.0.0.0", 0), to_single = ep("to-single", "0.0.0.0", 1);
  to_weighted.v4.clear();
  to_single.v4.clear();
  to_weighted.child = 1;
  to_weighted.subnets = {subnet("10.0.0.0/8")};
  to_single.child = 2;
  to_single.subnets = {subnet("10.1.0.0/16")};
  parent.routing = Routing::subnet;
  parent.endpoints = {to_weighted, to_single};
  weighted.routing = Routing::weighted;
  weighted.affinity_subnet = true;
  weighted.endpoints = {ep("w1", "192.0.2.1", 2), ep("w2", "192.0.2.2", 3)};
  single.endpoints = {ep("s1", "192.0.2.3", 4)};
  std::vector<policy::Profile> ps{parent, weighted, single};
  policy::HealthTable h(5, Health::online);
  uint8_t scope = 0;
  decide(ps, h, client("10.200.3.0", 24), 0, &scope);
  EXPECT_EQ(scope, 24) << "the affinity draw depends on the /24";
  EXPECT_EQ(decide(ps, h, client("10.1.9.0", 24), 0, &scope), (std::vector<std::string>{"s1"}));
  EXPECT_EQ(scope, 16);
  // 10.0.0.0/24 shares 15 bits with 10.1/16: the parent alone needs /16,
  // the weighted child /24.
  decide(ps, h, client("10.0.0.0", 24), 0, &scope);
  EXPECT_EQ(scope, 24);
  // A weighted profile with affinity on its own: the /24 of an ECS /24, or
  // /24 of a longer source; the draw never looks past it.
  EXPECT_EQ(decide(ps, h, client("198.51.100.7", 32), 1, &scope), decide(ps, h, client("198.51.100.200", 32), 1));
  EXPECT_EQ(scope, 24);
  decide(ps, h, client("2001:db8:1:2::", 64), 1, &scope);
  EXPECT_EQ(scope, 56);
}

TEST(Router, NestedProfilesAndMinChildEndpoints) {
  // parent: priority over two child profiles; each child: two servers.
  policy::Profile parent, east, west;
  policy::Endpoint to_east = ep("east", "0.0.0.0", 0), to_west = ep("west", "0.0.0.0", 1);
  to_east.v4.clear();
  to_west.v4.clear();
  to_east.child = 1;
  to_east.min_child_endpoints = 2;
  to_west.child = 2;
  parent.endpoints = {to_east, to_west};
  east.endpoints = {ep("e1", "192.0.2.11", 2), ep("e2", "192.0.2.12", 3)};
  west.endpoints = {ep("w1", "192.0.2.21", 4), ep("w2", "192.0.2.22", 5)};
  std::vector<policy::Profile> ps{parent, east, west};
  policy::HealthTable h(6, Health::online);
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"e1"}));
  // One east server down: east has 1 < 2 Online, so the parent moves to west.
  h.set(2, Health::degraded);
  EXPECT_FALSE(policy::available(ps, ps[0].endpoints[0], h));
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"w1"}));
  // Asked directly, the east profile still answers with its healthy server.
  EXPECT_EQ(decide(ps, h, client("198.51.100.1", 32), 1), (std::vector<std::string>{"e2"}));
  ps[0].endpoints[0].min_child_endpoints = 1;
  EXPECT_EQ(decide(ps, h), (std::vector<std::string>{"e2"}));
}


// Geographic routing, with the database replaced by a table of networks.
class FakeGeo : public policy::GeoLookup {
 public:
  struct Entry {
    Subnet net;
    const char *country, *continent, *subdivision;
    double lat = 1000, lon = 1000;  // 1000: no coordinates (a Country database)
  };
  explicit FakeGeo(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  using policy::GeoLookup::locate;
  policy::GeoLocation locate(const IpAddress& a, policy::GeoNeed) const override {
    policy::GeoLocation loc;
    loc.prefix = 16;  // what this "database" says of anything it does not hold
    for (const Entry& e : entries_)
      if (e.net.address.family == a.family && e.net.contains(a)) {
        loc.found = true;
        loc.country = policy::packCode(e.country);
        loc.continent = policy::packCode(e.continent);
        loc.subdivision = policy::packCode(e.subdivision);
        loc.prefix = e.net.prefix;
        loc.has_point = e.lat != 1000;
        loc.point = {e.lat, e.lon};
        loc.vector = policy::toVector(loc.point);
      }
    return loc;
  }

 private:
  std::vector<Entry> entries_;
};

const FakeGeo kGeo({{subnet("198.18.1.0/24"), "DE", "EU", "BY"},
                    {subnet("198.18.2.0/24"), "FR", "EU", ""},
                    {subnet("198.18.3.0/24"), "US", "NA", "CA"},
                    {subnet("198.18.5.0/24"), "JP", "AS", ""},
                    {subnet("198.18.6.0/25"), "BR", "SA", ""}});

policy::Endpoint geoEndpoint(const std::string& name, size_t slot, std::vector<std::string> regions) {
  auto e = ep(name, "192.0.2." + std::to_string(slot + 1), slot);
  for (const std::string& r : regions) e.regions.push_back(*policy::parseRegion(r));
  return e;
}

policy::ClientView geoClient(const std::string& address, uint8_t prefix) {
  auto c = client(address, prefix);
  c.geo = &kGeo;
  return c;
}

std::vector<policy::Profile> geoProfiles() {
  policy::Profile p;
  p.routing = Routing::geographic;
  p.endpoints = {geoEndpoint("amsterdam", 0, {"EU"}), geoEndpoint("munich", 1, {"DE-BY"}),
                 geoEndpoint("virginia", 2, {"NA", "WORLD"}), geoEndpoint("california", 3, {"US-CA"}),
                 geoEndpoint("paris", 4, {"FR"}), geoEndpoint("tokyo", 5, {"JP"})};
  return {p};
}

TEST(Router, GeographicMostSpecificRegionWinsAndScopeIsTheDatabasesNetwork) {
  auto ps = geoProfiles();
  policy::HealthTable h(6, Health::online);
  uint8_t scope = 0;
  EXPECT_EQ(decide(ps, h, geoClient("198.18.1.0", 24), 0, &scope), (std::vector<std::string>{"munich"}));
  EXPECT_EQ(scope, 24);
  EXPECT_EQ(decide(ps, h, geoClient("198.18.2.7", 32)), (std::vector<std::string>{"paris"}));
  EXPECT_EQ(decide(ps, h, geoClient("198.18.3.0", 24)), (std::vector<std::string>{"california"}));
  EXPECT_EQ(decide(ps, h, geoClient("198.18.5.0", 24)), (std::vector<std::string>{"tokyo"}));
  // South America: nothing mapped but WORLD. The database's /25 is the
  // scope for a /32 client, a /24 ECS source caps it.
  EXPECT_EQ(decide(ps, h, geoClient("198.18.6.9", 32), 0, &scope), (std::vector<std::string>{"virginia"}));
  EXPECT_EQ(scope, 25);
  EXPECT_EQ(decide(ps, h, geoClient("198.18.6.0", 24), 0, &scope), (std::vector<std::string>{"virginia"}));
  EXPECT_EQ(scope, 24);
  // Not in the database at all: WORLD.
  EXPECT_EQ(decide(ps, h, geoClient("203.0.113.9", 32), 0, &scope), (std::vector<std::string>{"virginia"}));
  EXPECT_EQ(scope, 16);
  // Only the bits the client gave are looked up: 198.18.1.0/16 is not Bavaria.
  EXPECT_EQ(decide(ps, h, geoClient("198.18.1.0", 16)), (std::vector<std::string>{"virginia"}));
}

TEST(Router, GeographicNearestFallsBackByCountryContinentWorldThenFallback) {
  auto ps = geoProfiles();
  policy::HealthTable h(6, Health::online);
  const auto bavaria = geoClient("198.18.1.1", 32);
  h.set(1, Health::degraded);  // munich
  EXPECT_EQ(decide(ps, h, bavaria), (std::vector<std::string>{"amsterdam"}));
  h.set(0, Health::degraded);  // and amsterdam: WORLD
  EXPECT_EQ(decide(ps, h, bavaria), (std::vector<std::string>{"virginia"}));
  h.set(2, Health::full);  // and virginia: nothing holds Bavaria; no fallback endpoint: NODATA
  EXPECT_TRUE(decide(ps, h, bavaria).empty());
  ps[0].endpoints[5].geo_fallback = true;  // tokyo
  EXPECT_EQ(decide(ps, h, bavaria), (std::vector<std::string>{"tokyo"}));
  // Everything down: fail-open, the mapped endpoint.
  for (size_t i = 3; i < 6; ++i) h.set(i, Health::degraded);
  EXPECT_EQ(decide(ps, h, bavaria), (std::vector<std::string>{"munich"}));
  // A disabled endpoint is never answered.
  ps[0].endpoints[1].enabled = false;
  EXPECT_EQ(decide(ps, h, bavaria), (std::vector<std::string>{"amsterdam"}));
}

TEST(Router, GeographicNoneAnswersTheMappedEndpointWhateverItsHealth) {
  auto ps = geoProfiles();
  ps[0].geo_nearest = false;
  ps[0].endpoints[2].regions = {*policy::parseRegion("NA")};  // no WORLD
  ps[0].endpoints[5].geo_fallback = true;
  policy::HealthTable h(6, Health::online);
  h.set(1, Health::degraded);
  EXPECT_EQ(decide(ps, h, geoClient("198.18.1.1", 32)), (std::vector<std::string>{"munich"}));
  // Unmapped: NODATA, as Traffic Manager answers; the fallback is for "nearest".
  EXPECT_TRUE(decide(ps, h, geoClient("198.18.6.1", 32)).empty());
}

TEST(Router, GeographicNestedProfile) {
  auto ps = geoProfiles();
  policy::Profile eu;
  eu.name = "eu";
  eu.endpoints = {ep("ams1", "192.0.2.21", 6), ep("ams2", "192.0.2.22", 7)};
  ps.push_back(eu);
  ps[0].endpoints[0].child = 1;  // amsterdam is a priority pair
  policy::HealthTable h(8, Health::online);
  h.set(1, Health::degraded);  // munich
  EXPECT_EQ(decide(ps, h, geoClient("198.18.1.1", 32)), (std::vector<std::string>{"ams1"}));
  h.set(6, Health::degraded);
  EXPECT_EQ(decide(ps, h, geoClient("198.18.1.1", 32)), (std::vector<std::string>{"ams2"}));
  h.set(7, Health::degraded);  // the pair is down: WORLD
  EXPECT_EQ(decide(ps, h, geoClient("198.18.1.1", 32)), (std::vector<std::string>{"virginia"}));
}

// Performance routing: cities of the test "database" and sites around the world.
const FakeGeo kCities({{subnet("198.18.1.0/24"), "DE", "EU", "BY", 48.14, 11.58},    // Munich
                       {subnet("198.18.3.0/24"), "US", "NA", "CA", 37.77, -122.42},  // San Francisco
                       {subnet("198.18.5.0/24"), "JP", "AS", "", 35.68, 139.69},     // Tokyo
                       {subnet("198.18.6.0/25"), "BR", "SA", "", -23.55, -46.63},    // Sao Paulo
                       {subnet("198.18.8.0/24"), "CA", "NA", ""}});                  // no coordinates

policy::Endpoint site(const std::string& name, size_t slot, double lat, double lon) {
  auto e = ep(name, "192.0.2." + std::to_string(slot + 1), slot);
  e.has_location = true;
  e.location = {lat, lon};
  e.location_vector = policy::toVector(e.location);
  return e;
}

policy::ClientView cityClient(const std::string& address, uint8_t prefix) {
  auto c = client(address, prefix);
  c.geo = &kCities;
  return c;
}

std::vector<policy::Profile> performanceProfiles() {
  policy::Profile p;
  p.routing = Routing::performance;
  // In priority order; two sites in the same place (a tie).
  p.endpoints = {site("singapore", 0, 1.35, 103.82), site("virginia", 1, 38.95, -77.45),
                 site("amsterdam", 2, 52.37, 4.90), site("amsterdam-b", 3, 52.37, 4.90)};
  return {p};
}

TEST(Router, PerformanceNearestSiteTiesByPriorityAndScope) {
  auto ps = performanceProfiles();
  policy::HealthTable h(4, Health::online);
  uint8_t scope = 0;
  EXPECT_EQ(decide(ps, h, cityClient("198.18.1.0", 24), 0, &scope), (std::vector<std::string>{"amsterdam"}));
  EXPECT_EQ(scope, 24);
  EXPECT_EQ(decide(ps, h, cityClient("198.18.3.9", 32)), (std::vector<std::string>{"virginia"}));
  EXPECT_EQ(decide(ps, h, cityClient("198.18.5.0", 24)), (std::vector<std::string>{"singapore"}));
  EXPECT_EQ(decide(ps, h, cityClient("198.18.6.9", 32), 0, &scope), (std::vector<std::string>{"virginia"}));
  EXPECT_EQ(scope, 25) << "the database's network, narrower than the client's /32";
  // No coordinates, or not in the database: the priority order.
  EXPECT_EQ(decide(ps, h, cityClient("198.18.8.0", 24)), (std::vector<std::string>{"singapore"}));
  EXPECT_EQ(decide(ps, h, cityClient("203.0.113.9", 32), 0, &scope), (std::vector<std::string>{"singapore"}));
  EXPECT_EQ(scope, 16);
  // Only the bits the client gave: 198.18.1.0/16 is not Munich.
  EXPECT_EQ(decide(ps, h, cityClient("198.18.1.0", 16)), (std::vector<std::string>{"singapore"}));
}

TEST(Router, PerformanceFailsOverToTheNextNearest) {
  auto ps = performanceProfiles();
  policy::HealthTable h(4, Health::online);
  const auto munich = cityClient("198.18.1.1", 32);
  h.set(2, Health::degraded);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"amsterdam-b"}));
  h.set(3, Health::full);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"virginia"}));
  ps[0].endpoints[1].enabled = false;
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"singapore"}));
  // Every enabled one down: fail-open answers the nearest of them.
  h.set(0, Health::degraded);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"amsterdam"}));
  ps[0].fail_closed = true;
  EXPECT_TRUE(decide(ps, h, munich).empty());
}

TEST(Router, PerformanceNestedProfiles) {
  auto ps = performanceProfiles();
  // Amsterdam is a pair of servers; Virginia a subnet profile that holds
  // nobody here (no fallback): passed over for the next nearest.
  policy::Profile pair, subnets;
  pair.endpoints = {ep("ams1", "192.0.2.21", 4), ep("ams2", "192.0.2.22", 5)};
  subnets.routing = Routing::subnet;
  subnets.endpoints = {ep("corp", "192.0.2.31", 6)};
  subnets.endpoints[0].subnets = {subnet("10.0.0.0/8")};
  ps.push_back(pair);
  ps.push_back(subnets);
  ps[0].endpoints[2].child = 1;
  ps[0].endpoints[1].child = 2;
  policy::HealthTable h(7, Health::online);
  const auto munich = cityClient("198.18.1.1", 32);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"ams1"}));
  h.set(4, Health::degraded);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"ams2"}));
  h.set(5, Health::degraded);  // the pair is down
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"amsterdam-b"}));
  // San Francisco: virginia is nearest but has no answer for it, and both
  // Amsterdams are down now: the next nearest after them.
  h.set(3, Health::degraded);
  EXPECT_EQ(decide(ps, h, cityClient("198.18.3.1", 32)), (std::vector<std::string>{"singapore"}));
}

TEST(Router, PerformanceMeasuredTimesFirstThenDistance) {
  auto ps = performanceProfiles();
  // Munich measured: virginia 40 ms (a good link), singapore 180 ms;
  // amsterdam, unmeasured, ranks after both by distance.
  std::istringstream csv("198.18.1.0/24,virginia,40\n198.18.1.0/24,singapore,180\n198.18.7.0/24,amsterdam,5\n");
  std::vector<std::string> names{"singapore", "virginia", "amsterdam", "amsterdam-b"};
  auto table = policy::LatencyTable::parse(csv, "rtt.csv", names);
  ASSERT_TRUE(table) << table.error();
  ps[0].latency = *table;
  policy::HealthTable h(4, Health::online);
  uint8_t scope = 0;
  const auto munich = cityClient("198.18.1.1", 32);
  EXPECT_EQ(decide(ps, h, munich, 0, &scope), (std::vector<std::string>{"virginia"}));
  EXPECT_EQ(scope, 32) << "a table's longer network could hold part of a wider scope";
  h.set(1, Health::degraded);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"singapore"})) << "measured before unmeasured";
  h.set(0, Health::degraded);
  EXPECT_EQ(decide(ps, h, munich), (std::vector<std::string>{"amsterdam"}));
  // Not in the table: distance, as before.
  h.set(0, Health::online);
  h.set(1, Health::online);
  EXPECT_EQ(decide(ps, h, cityClient("198.18.6.1", 32)), (std::vector<std::string>{"virginia"}));
  // A client the database has no coordinates for, but the table lists.
  EXPECT_EQ(decide(ps, h, cityClient("198.18.7.1", 32)), (std::vector<std::string>{"amsterdam"}));
}

TEST(Router, GreatCircleDistances) {
  using policy::GeoPoint;
  auto km = [](GeoPoint a, GeoPoint b) { return policy::greatCircleKm(a, b); };
  // Amsterdam - New York and London - Sydney, as published (within 0.5 %).
  EXPECT_NEAR(km({52.37, 4.90}, {40.71, -74.01}), 5860, 30);
  EXPECT_NEAR(km({51.51, -0.13}, {-33.87, 151.21}), 16990, 85);
  EXPECT_EQ(km({10, 20}, {10, 20}), 0);
  EXPECT_NEAR(km({0, 0}, {0, 180}), 20015, 1);  // half the circumference, no NaN
  // Near places keep their precision: 0.001 degrees of latitude is 111.2 m.
  EXPECT_NEAR(km({52.370, 4.90}, {52.371, 4.90}), 0.1112, 0.0001);
  // The query path ranks by the squared chord: the order of the distances,
  // for sites around the globe seen from Munich.
  const GeoPoint munich{48.14, 11.58};
  std::vector<GeoPoint> sites{{52.37, 4.90}, {1.35, 103.82}, {38.95, -77.45}, {37.39, -122.08},
                              {48.15, 11.58}, {-33.87, 151.21}, {-48.14, -168.42}};
  for (size_t i = 0; i < sites.size(); ++i)
    for (size_t j = 0; j < sites.size(); ++j)
      EXPECT_EQ(km(munich, sites[i]) < km(munich, sites[j]),
                policy::chordSquared(policy::toVector(munich), policy::toVector(sites[i])) <
                    policy::chordSquared(policy::toVector(munich), policy::toVector(sites[j])))
          << i << " " << j;
}

TEST(Router, RegionNames) {
  for (const char* text : {"EU", "DE", "US-CA", "GB-ENG", "FR-75", "WORLD"}) {
    auto r = policy::parseRegion(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(policy::regionName(*r), text);
  }
  for (const char* text : {"", "eu", "EUR", "D", "US-", "US-CALI", "U1", "12", "world", "US_CA"})
    EXPECT_FALSE(policy::parseRegion(text)) << text;
  EXPECT_EQ(policy::parseRegion("NA")->level, policy::Region::Level::continent);
  EXPECT_EQ(policy::parseRegion("NL")->level, policy::Region::Level::country);
}

}  // namespace
}  // namespace gtm::test

namespace gtm::test {
namespace {

// A nested profile with no answer for this client (a subnet child without
// fallback that holds no subnet of the client) is passed over by its
// priority parent, which answers the next endpoint: NODATA only when no
// endpoint has an answer.
TEST(Router, PriorityPassesOverANestedProfileWithNoAnswerForTheClient) {
  policy::Profile top, sub;
  policy::Endpoint to_sub = ep("sub", "0.0.0.0", 0), backup = ep("backup", "192.0.2.99", 1);
  to_sub.v4.clear();
  to_sub.child = 1;
  top.routing = Routing::priority;
  top.endpoints = {to_sub, backup};
  sub.routing = Routing::subnet;
  policy::Endpoint only = ep("ten", "192.0.2.10", 2);
  only.subnets = {subnet("10.0.0.0/8")};
  sub.endpoints = {only};  // no fallback endpoint
  std::vector<policy::Profile> ps{top, sub};
  policy::HealthTable h(3, Health::online);
  EXPECT_EQ(decide(ps, h, client("10.1.2.3", 32)), (std::vector<std::string>{"ten"}));
  EXPECT_EQ(decide(ps, h, client("198.51.100.1", 32)), (std::vector<std::string>{"backup"}))
      << "a client outside the child's subnets goes on to the next endpoint";
  // The same for a subnet parent's best match and its fallback.
  policy::Profile by_subnet = top;
  by_subnet.routing = Routing::subnet;
  by_subnet.endpoints[0].subnets = {subnet("198.51.100.0/24")};
  std::vector<policy::Profile> ps2{by_subnet, sub};
  EXPECT_EQ(decide(ps2, h, client("198.51.100.1", 32)), (std::vector<std::string>{"backup"}));
}

}  // namespace
}  // namespace gtm::test
