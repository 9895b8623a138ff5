#include "status/traffic_view.hpp"

#include <algorithm>

#include "common/ip_address.hpp"
#include "policy/geo_region.hpp"

namespace gtm::status {
namespace {

int64_t nowMinute() {
  return std::chrono::duration_cast<std::chrono::minutes>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The network of a key as an address (its first bytes) and prefix length.
IpAddress networkAddress(uint64_t key, uint8_t& prefix) {
  bool v6 = key >> 63 & 1;
  prefix = static_cast<uint8_t>(key >> 48 & 0xFF);
  IpAddress ip;
  ip.family = v6 ? IpAddress::Family::v6 : IpAddress::Family::v4;
  ip.bytes.fill(0);
  for (size_t i = 0; i < 6; ++i) {
    uint8_t b = static_cast<uint8_t>(key >> (40 - 8 * i) & 0xFF);
    if (v6 || i < 4) ip.bytes[i] = b;
  }
  return ip;
}

}  // namespace

TrafficView::TrafficView(EachThread each_thread, std::function<dns::QueryTotals()> totals,
                         std::function<std::shared_ptr<const dns::Snapshot>()> snapshot)
    : each_thread_(std::move(each_thread)), totals_(std::move(totals)), snapshot_(std::move(snapshot)) {}

TrafficView::~TrafficView() { stop(); }

void TrafficView::start() {
  last_answers_ = totals_().answers;
  thread_.start(std::chrono::seconds(5), [this] { collect(); });
}

void TrafficView::stop() { thread_.stop(); }

std::string TrafficView::networkText(uint64_t key) {
  uint8_t prefix = 0;
  IpAddress ip = networkAddress(key, prefix);
  return ip.toString() + "/" + std::to_string(prefix);
}

TrafficView::Window& TrafficView::current(int64_t minute) {
  int64_t start = minute - minute % kBucketLength.count();
  Window& w = windows_[static_cast<size_t>(start / kBucketLength.count()) % kBuckets];
  if (w.start != start) {
    w = Window{};
    w.start = start;
  }
  return w;
}

void TrafficView::collect() {
  std::lock_guard one(collect_mutex_);
  collected_ = std::chrono::steady_clock::now();
  // Switch every thread to its other table, give the threads a moment to
  // finish the answer they were counting, then read what they left.
  each_thread_([](const dns::QueryStats& s) { s.traffic.flip(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::tuple<uint32_t, uint64_t, uint32_t>> counted;
  each_thread_([&](const dns::QueryStats& s) {
    s.traffic.drain([&](uint32_t stat, uint64_t net, uint32_t n) { counted.emplace_back(stat, net & ~(uint64_t{1} << 62), n); });
  });
  std::vector<uint64_t> answers = totals_().answers;
  std::lock_guard lock(mutex_);
  Window& w = current(nowMinute());
  for (const auto& [stat, net, n] : counted) {
    auto key = std::make_pair(stat, net);
    auto it = w.pairs.find(key);
    if (it != w.pairs.end())
      it->second += n;
    else if (w.pairs.size() < kMaxPairs)
      w.pairs.emplace(key, n);
    // else: counted under the endpoint's answers only ("other networks")
  }
  if (last_answers_.size() != answers.size()) last_answers_.assign(answers.size(), 0);
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i] > last_answers_[i]) w.answers[static_cast<uint32_t>(i)] += answers[i] - last_answers_[i];
    last_answers_[i] = answers[i];
  }
}

std::optional<nlohmann::json> TrafficView::report(const std::string& profile_name) {
  bool stale;
  {
    std::lock_guard one(collect_mutex_);
    stale = std::chrono::steady_clock::now() - collected_ > std::chrono::milliseconds(250);
  }
  if (stale) collect();
  auto snap = snapshot_();
  const policy::Profile* profile = nullptr;
  for (const policy::Profile& p : snap->profiles)
    if (p.name == profile_name) profile = &p;
  if (!profile) return std::nullopt;
  const int64_t now = nowMinute();
  // Sums over the last hour, by endpoint.
  std::map<uint32_t, std::map<uint64_t, uint64_t>> networks;
  std::map<uint32_t, uint64_t> answers;
  {
    std::lock_guard lock(mutex_);
    for (const Window& w : windows_) {
      if (w.start < 0 || now - w.start >= static_cast<int64_t>(kBuckets) * kBucketLength.count()) continue;
      for (const auto& [key, n] : w.pairs) networks[key.first][key.second] += n;
      for (const auto& [stat, n] : w.answers) answers[stat] += n;
    }
  }
  nlohmann::json out{{"profile", profile->name},
                     {"window_seconds", kBuckets * std::chrono::seconds(kBucketLength).count()},
                     {"endpoints", nlohmann::json::array()}};
  for (const policy::Endpoint& e : profile->endpoints) {
    // A nested profile's answers are its own endpoints': named there.
    nlohmann::json ej{{"name", e.name}, {"answers", answers[e.stat_id]}, {"networks", nlohmann::json::array()}};
    if (e.child >= 0) ej["profile"] = snap->profiles[static_cast<size_t>(e.child)].name;
    auto& nets = networks[e.stat_id];
    std::vector<std::pair<uint64_t, uint64_t>> ranked(nets.begin(), nets.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
    uint64_t shown = 0;
    std::map<std::string, uint64_t> countries;
    for (size_t i = 0; i < ranked.size(); ++i) {
      const auto& [key, n] = ranked[i];
      if (i < kTopNetworks) shown += n;
      std::string country;
      if (snap->geo) {
        uint8_t prefix = 0;
        auto at = snap->geo->locate(networkAddress(key, prefix));
        if (at.found && at.country)
          country = policy::regionName({policy::Region::Level::country, at.country});
        countries[country.empty() ? "unknown" : country] += n;
      }
      if (i >= kTopNetworks) continue;
      nlohmann::json nj{{"network", networkText(key)}, {"answers", n}};
      if (!country.empty()) nj["country"] = country;
      ej["networks"].push_back(nj);
    }
    // The answers of every network not listed (and of pairs past the bounds).
    ej["other_networks"] = answers[e.stat_id] > shown ? answers[e.stat_id] - shown : 0;
    ej["distinct_networks"] = ranked.size();
    if (snap->geo) ej["countries"] = countries;
    out["endpoints"].push_back(ej);
  }
  return out;
}

}  // namespace gtm::status
