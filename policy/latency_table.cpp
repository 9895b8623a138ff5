#include "policy/latency_table.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

namespace gtm::policy {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::shared_ptr<const LatencyTable>> LatencyTable::parse(std::istream& in, const std::string& file,
                                                                std::span<const std::string> endpoints) {
  // (family, prefix, bytes) -> each endpoint's time, in file order.
  std::map<std::tuple<int, uint8_t, std::array<uint8_t, 16>>, std::vector<Rtt>> read;
  std::string line;
  size_t number = 0, entries = 0;
  auto bad = [&](const std::string& why) { return Error{file + ":" + std::to_string(number) + ": " + why}; };
  while (std::getline(in, line)) {
    ++number;
    if (number > kMaxLines) return bad("more than 1,000,000 lines");
    std::string_view text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    std::string_view fields[3];
    size_t n = 0;
    while (n < 3) {
      size_t comma = text.find(',');
      fields[n++] = trimmed(text.substr(0, comma));
      if (comma == std::string_view::npos) {
        text = {};
        break;
      }
      text.remove_prefix(comma + 1);
    }
    if (n != 3 || !text.empty()) return bad("expected prefix,endpoint,rtt_ms");
    auto net = Subnet::parse(fields[0]);
    if (!net) return bad("\"" + std::string(fields[0]) + "\" is not a network like 198.51.100.0/24");
    auto it = std::find(endpoints.begin(), endpoints.end(), fields[1]);
    if (it == endpoints.end()) return bad("the profile has no endpoint \"" + std::string(fields[1]) + "\"");
    double ms = -1;
    auto [end, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), ms);
    if (ec != std::errc() || end != fields[2].data() + fields[2].size() || !(ms >= 0 && ms <= 60000))
      return bad("rtt_ms \"" + std::string(fields[2]) + "\" is not a number of milliseconds from 0 to 60000");
    IpAddress masked = net->address.masked(net->prefix);
    auto& times = read[{masked.family == IpAddress::Family::v4 ? 4 : 6, net->prefix, masked.bytes}];
    uint32_t index = static_cast<uint32_t>(it - endpoints.begin());
    for (const Rtt& r : times)
      if (r.endpoint == index) return bad(net->toString() + " already has a time for " + std::string(fields[1]));
    times.push_back({index, static_cast<float>(ms)});
    ++entries;
  }
  if (in.bad()) return Error{file + ": read error"};
  auto table = std::make_shared<LatencyTable>();
  table->rtts_.reserve(entries);
  for (auto& [key, times] : read) {
    auto [family, prefix, bytes] = key;
    auto f = family == 4 ? IpAddress::Family::v4 : IpAddress::Family::v6;
    if (table->levels_.empty() || table->levels_.back().family != f || table->levels_.back().prefix != prefix)
      table->levels_.push_back({f, prefix, {}});
    table->levels_.back().networks.push_back(
        {bytes, static_cast<uint32_t>(table->rtts_.size()), static_cast<uint32_t>(times.size())});
    table->rtts_.insert(table->rtts_.end(), times.begin(), times.end());
    ++table->networks_;
  }
  // Longest prefix first (the map's order keeps each level's networks sorted).
  std::stable_sort(table->levels_.begin(), table->levels_.end(),
                   [](const Level& a, const Level& b) { return a.prefix > b.prefix; });
  return std::shared_ptr<const LatencyTable>(std::move(table));
}

std::span<const LatencyTable::Rtt> LatencyTable::lookup(const IpAddress& client, uint8_t prefix,
                                                        uint8_t& matched) const {
  for (const Level& level : levels_) {
    if (level.family != client.family || level.prefix > prefix) continue;
    Network key;
    key.bytes = client.masked(level.prefix).bytes;
    auto it = std::lower_bound(level.networks.begin(), level.networks.end(), key);
    if (it != level.networks.end() && it->bytes == key.bytes) {
      matched = level.prefix;
      return {rtts_.data() + it->first, it->count};
    }
  }
  return {};
}

}  // namespace gtm::policy
