#include "policy/latency_table.hpp"

#include <algorithm>
#include <charconv>
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
  // Every line as one flat row, sorted once at the end: a million lines
  // cost a few tens of MB while read, not a node per line.
  struct Row {
    uint8_t v6, prefix;
    std::array<uint8_t, 16> bytes;
    uint32_t endpoint, line;
    float ms;
  };
  std::vector<Row> rows;
  std::string line;
  size_t number = 0;
  auto bad = [&](size_t at, const std::string& why) { return Error{file + ":" + std::to_string(at) + ": " + why}; };
  while (std::getline(in, line)) {
    ++number;
    if (number > kMaxLines) return bad(number, "more than 1,000,000 lines");
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
    if (n != 3 || !text.empty()) return bad(number, "expected prefix,endpoint,rtt_ms");
    auto net = Subnet::parse(fields[0]);
    if (!net) return bad(number, "\"" + std::string(fields[0]) + "\" is not a network like 198.51.100.0/24");
    auto it = std::find(endpoints.begin(), endpoints.end(), fields[1]);
    if (it == endpoints.end()) return bad(number, "the profile has no endpoint \"" + std::string(fields[1]) + "\"");
    double ms = -1;
    auto [end, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), ms);
    if (ec != std::errc() || end != fields[2].data() + fields[2].size() || !(ms >= 0 && ms <= 60000))
      return bad(number, "rtt_ms \"" + std::string(fields[2]) + "\" is not a number of milliseconds from 0 to 60000");
    IpAddress masked = net->address.masked(net->prefix);
    rows.push_back({static_cast<uint8_t>(masked.family == IpAddress::Family::v6), net->prefix, masked.bytes,
                    static_cast<uint32_t>(it - endpoints.begin()), static_cast<uint32_t>(number),
                    static_cast<float>(ms)});
  }
  if (in.bad()) return Error{file + ": read error"};
  // By family, longest prefix first, network, then file order.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.v6, b.prefix, a.bytes, a.line) < std::tie(b.v6, a.prefix, b.bytes, b.line);
  });
  auto table = std::make_shared<LatencyTable>();
  table->rtts_.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    bool same_network = i > 0 && rows[i - 1].v6 == r.v6 && rows[i - 1].prefix == r.prefix && rows[i - 1].bytes == r.bytes;
    if (same_network) {
      for (size_t j = table->rtts_.size() - table->levels_.back().networks.back().count; j < table->rtts_.size(); ++j)
        if (table->rtts_[j].endpoint == r.endpoint) {
          Subnet net{IpAddress{}, r.prefix};
          net.address.family = r.v6 ? IpAddress::Family::v6 : IpAddress::Family::v4;
          net.address.bytes = r.bytes;
          return bad(r.line, net.toString() + " already has a time for " + endpoints[r.endpoint]);
        }
      ++table->levels_.back().networks.back().count;
    } else {
      auto family = r.v6 ? IpAddress::Family::v6 : IpAddress::Family::v4;
      if (table->levels_.empty() || table->levels_.back().family != family || table->levels_.back().prefix != r.prefix)
        table->levels_.push_back({family, r.prefix, {}});
      table->levels_.back().networks.push_back({r.bytes, static_cast<uint32_t>(table->rtts_.size()), 1});
      ++table->networks_;
    }
    table->rtts_.push_back({r.endpoint, r.ms});
  }
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
