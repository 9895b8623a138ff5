#include "policy/router.hpp"

#include <algorithm>
#include <bit>
#include <optional>

#include "common/hash.hpp"

namespace gtm::policy {
namespace {

// The client's known prefix must lie inside the subnet: a /16 ECS source
// does not match a /24 subnet even when its first bits do.
bool subnetContains(const Subnet& s, const ClientView& c) { return s.prefix <= c.prefix && s.contains(c.address); }

// How many leading bits two addresses of one family share.
uint8_t commonPrefix(const IpAddress& a, const IpAddress& b) {
  auto x = a.span(), y = b.span();
  uint8_t bits = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    uint8_t diff = x[i] ^ y[i];
    if (diff) return static_cast<uint8_t>(bits + std::countl_zero(diff));
    bits = static_cast<uint8_t>(bits + 8);
  }
  return bits;
}

// The ECS scope of a subnet-routed answer: the shortest prefix of the
// client's address inside which no subnet of the profile begins or ends, so
// every address in it is held by the same subnets and gets the same answer
// whatever the health (gdnsd's nets trie gives the same length). A subnet
// holding the client asks for its own length; any other one for one bit
// past what it shares with the client.
uint8_t subnetScope(const Profile& p, const ClientView& c) {
  uint8_t scope = 0;
  for (const Endpoint& e : p.endpoints)
    for (const Subnet& s : e.subnets) {
      if (s.address.family != c.address.family) continue;
      uint8_t shared = commonPrefix(s.address, c.address);
      scope = std::max(scope, shared >= s.prefix ? s.prefix : static_cast<uint8_t>(shared + 1));
    }
  return scope;
}

// Subnet affinity keys on the client's /24 or /56 (what resolvers send as
// ECS), or less where that is all the client's ECS option says.
uint8_t affinityPrefix(const ClientView& c) {
  return std::min<uint8_t>(c.prefix, c.address.family == IpAddress::Family::v4 ? 24 : 56);
}

// FNV-1a over the client's affinity prefix: the same subnet, the same draw.
uint64_t subnetHash(const ClientView& c) {
  const uint8_t prefix = affinityPrefix(c);
  Fnv1a h;
  auto bytes = c.address.span();
  for (size_t i = 0; i < bytes.size() && i * 8 < prefix; ++i) {
    uint8_t keep = prefix - i * 8 >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - (prefix - i * 8)));
    h.add(static_cast<uint8_t>(bytes[i] & keep));
  }
  return h.value() ^ prefix;
}

class Decider {
 public:
  Decider(std::span<const Profile> profiles, const HealthTable& health, const ClientView& client, Decision& out)
      : profiles_(profiles), health_(health), client_(client), out_(out) {}

  void run(size_t index, int depth) {
    const Profile& p = profiles_[index];
    // Eligible endpoints: enabled and available; when none is, every enabled
    // one (fail-open) unless the profile fails closed.
    auto enabled = [&](const Endpoint& e) { return e.enabled && !health_.adminDisabled(e.health_slot); };
    bool any_available = false;
    for (const Endpoint& e : p.endpoints)
      if (enabled(e) && available(profiles_, e, health_, depth)) any_available = true;
    if (!any_available && p.fail_closed) return;
    auto eligible = [&](const Endpoint& e) {
      return enabled(e) && (!any_available || available(profiles_, e, health_, depth));
    };
    switch (p.routing) {
      case Routing::priority:
        // A nested profile with no answer for this client (no subnet or
        // region of its holds it) is passed over, as Traffic Manager does.
        for (const Endpoint& e : p.endpoints)
          if (eligible(e) && emit(e, depth)) return;
        return;
      case Routing::weighted: return weighted(p, eligible, depth);
      case Routing::multivalue: return multivalue(p, eligible, depth);
      case Routing::subnet: return subnet(p, eligible, depth);
      case Routing::geographic: return geographic(p, eligible, enabled, depth);
      case Routing::performance: return performance(p, eligible, depth);
    }
  }

 private:
  // Every level of nesting that looked at the client narrows the scope.
  void widenScope(uint8_t prefix) { out_.scope_prefix = std::max(out_.scope_prefix, prefix); }

  // Whether it added an answer (a nested profile may have none for this
  // client).
  bool emit(const Endpoint& e, int depth) {
    size_t before = out_.count;
    if (e.child >= 0) {
      if (depth + 1 < kMaxNesting) run(static_cast<size_t>(e.child), depth + 1);
    } else if (out_.count < out_.endpoints.size()) {
      out_.endpoints[out_.count++] = &e;
    }
    return out_.count > before;
  }

  template <typename Eligible>
  void weighted(const Profile& p, Eligible eligible, int depth) {
    if (client_.for_secondaries && p.transferred) {
      for (const Endpoint& e : p.endpoints)
        if (eligible(e)) (void)emit(e, depth);
      return;
    }
    uint64_t total = 0;
    for (const Endpoint& e : p.endpoints)
      if (eligible(e)) total += effectiveWeight(p, e, health_);
    // Every eligible site reports no real server (and is still eligible):
    // their plain weights rather than no answer.
    const bool plain = total == 0;
    if (plain)
      for (const Endpoint& e : p.endpoints)
        if (eligible(e)) total += uint64_t{e.weight} * 1000;
    if (total == 0) return;
    // With subnet affinity the draw is a function of the client's prefix,
    // so the answer holds for that prefix and no wider.
    if (p.affinity_subnet) widenScope(affinityPrefix(client_));
    uint64_t draw = (p.affinity_subnet ? subnetHash(client_) : client_.random) % total;
    for (const Endpoint& e : p.endpoints) {
      if (!eligible(e)) continue;
      uint64_t w = plain ? uint64_t{e.weight} * 1000 : effectiveWeight(p, e, health_);
      if (draw < w) {
        (void)emit(e, depth);
        return;
      }
      draw -= w;
    }
  }

  template <typename Eligible>
  void multivalue(const Profile& p, Eligible eligible, int depth) {
    size_t n = 0;
    for (const Endpoint& e : p.endpoints) n += eligible(e) ? 1 : 0;
    if (n == 0) return;
    // Up to max_answers eligible endpoints, starting at a random one so that
    // load spreads over all of them.
    size_t start = static_cast<size_t>(client_.random % n);
    for (size_t k = 0; k < n && k < p.max_answers; ++k) {
      size_t want = (start + k) % n, seen = 0;
      for (const Endpoint& e : p.endpoints) {
        if (!eligible(e)) continue;
        if (seen++ == want) {
          (void)emit(e, depth);
          break;
        }
      }
    }
  }

  template <typename Eligible>
  void subnet(const Profile& p, Eligible eligible, int depth) {
    const Endpoint* best = nullptr;
    uint8_t best_prefix = 0;
    for (const Endpoint& e : p.endpoints) {
      if (!eligible(e)) continue;
      for (const Subnet& s : e.subnets)
        if (subnetContains(s, client_) && (!best || s.prefix > best_prefix)) best = &e, best_prefix = s.prefix;
    }
    widenScope(subnetScope(p, client_));
    if (best && emit(*best, depth)) return;
    // No subnet of an eligible endpoint holds the client (or the nested
    // profile there has no answer for it): the fallback (an endpoint
    // without subnets).
    for (const Endpoint& e : p.endpoints)
      if (e.subnets.empty() && eligible(e) && emit(e, depth)) return;
  }

  // Where the client is, looked up once per query: its address with the
  // bits past what is known cleared.
  // What it reads is what the method needs (a nested profile of the other
  // kind reads the rest).
  const GeoLocation& location(GeoNeed need) {
    int want = static_cast<int>(need);
    if ((located_ & want) != want) {
      located_ |= want;
      if (client_.geo) location_ = client_.geo->locate(client_.address.masked(client_.prefix), static_cast<GeoNeed>(located_));
    }
    return location_;
  }

  // How specifically an endpoint's regions hold the client: the level of
  // its best region, or none.
  static std::optional<Region::Level> match(const Endpoint& e, const GeoLocation& at) {
    std::optional<Region::Level> best;
    for (const Region& r : e.regions)
      if (holds(r, at) && (!best || r.level < *best)) best = r.level;
    return best;
  }

  // The most specific endpoint whose regions hold the client; with
  // geo_nearest, among the eligible ones (so a failed site's users go to
  // the next level: their country's, their continent's, WORLD), then the
  // fallback endpoint. Without, the mapped endpoint whatever its health.
  template <typename Eligible, typename Enabled>
  void geographic(const Profile& p, Eligible eligible, Enabled enabled, int depth) {
    const GeoLocation& at = location(GeoNeed::regions);
    // The answer holds for the database's network of the client, no wider
    // than what the client said of itself.
    widenScope(std::min(at.prefix, client_.prefix));
    const Endpoint* best = nullptr;
    Region::Level best_level = Region::Level::world;
    for (const Endpoint& e : p.endpoints) {
      if (!(p.geo_nearest ? eligible(e) : enabled(e))) continue;
      auto level = match(e, at);
      if (level && (!best || *level < best_level)) best = &e, best_level = *level;
    }
    if (best && emit(*best, depth)) return;
    if (!p.geo_nearest) return;
    for (const Endpoint& e : p.endpoints)
      if (e.geo_fallback && eligible(e) && emit(e, depth)) return;
  }

  // The eligible endpoint with the shortest measured time from the
  // client's network (latency_table), else the nearest by great-circle
  // distance (ties: the lower priority; endpoints are sorted by it); a
  // nested one with no answer for the client passes to the next. A client
  // the database cannot place and the table does not list gets the
  // endpoints in priority order. No allocation: each round looks for the
  // best after the last one tried.
  template <typename Eligible>
  void performance(const Profile& p, Eligible eligible, int depth) {
    const GeoLocation& at = location(GeoNeed::point);
    widenScope(std::min(at.prefix, client_.prefix));
    uint8_t matched = 0;
    std::span<const LatencyTable::Rtt> rtts;
    if (p.latency) {
      rtts = p.latency->lookup(client_.address, client_.prefix, matched);
      // A longer network of the table may hold part of the client's: the
      // answer holds for the client's own prefix only.
      widenScope(client_.prefix);
    }
    // (group, value): measured times first, then distances (as the squared
    // chord: the same order), then the rest in priority order.
    auto rank = [&](size_t i, const Endpoint& e) -> std::pair<int, double> {
      for (const LatencyTable::Rtt& r : rtts)
        if (r.endpoint == i) return {0, r.ms};
      if (at.has_point && e.has_location) return {1, chordSquared(at.vector, e.location_vector)};
      return {2, 0};
    };
    std::pair<int, double> last{-1, 0};
    size_t last_index = 0;
    for (;;) {
      const Endpoint* best = nullptr;
      std::pair<int, double> best_rank{};
      size_t best_index = 0;
      for (size_t i = 0; i < p.endpoints.size(); ++i) {
        const Endpoint& e = p.endpoints[i];
        if (!eligible(e)) continue;
        auto r = rank(i, e);
        bool after_last = last.first < 0 || r > last || (r == last && i > last_index);
        if (after_last && (!best || r < best_rank)) best = &e, best_rank = r, best_index = i;
      }
      if (!best) return;
      if (emit(*best, depth)) return;
      last = best_rank, last_index = best_index;
    }
  }

  std::span<const Profile> profiles_;
  const HealthTable& health_;
  const ClientView& client_;
  Decision& out_;
  int located_ = 0;  // the GeoNeed bits read so far
  GeoLocation location_;
};

}  // namespace

uint64_t effectiveWeight(const Profile& p, const Endpoint& e, const HealthTable& health) {
  const uint64_t weight = uint64_t{e.weight} * 1000;
  if (p.weight_from == WeightFrom::none || e.child >= 0) return weight;
  uint32_t reals = health.reals(e.health_slot);
  if (reals == HealthTable::kRealsUnknown) return weight;
  if (p.weight_from == WeightFrom::gtm_lb) return weight * reals;
  return e.capacity ? weight * reals / e.capacity : weight;
}

bool available(std::span<const Profile> profiles, const Endpoint& e, const HealthTable& health, int depth) {
  if (e.child < 0) {
    Health h = health.get(e.health_slot);
    return h != Health::degraded && h != Health::full;
  }
  if (depth + 1 >= kMaxNesting) return false;
  unsigned up = 0;
  for (const Endpoint& c : profiles[static_cast<size_t>(e.child)].endpoints)
    if (c.enabled && !health.adminDisabled(c.health_slot) && available(profiles, c, health, depth + 1)) ++up;
  return up >= e.min_child_endpoints;
}

void decide(std::span<const Profile> profiles, size_t profile, const HealthTable& health, const ClientView& client,
            Decision& out) {
  out.count = 0;
  out.scope_prefix = 0;
  Decider(profiles, health, client, out).run(profile, 0);
}

}  // namespace gtm::policy
