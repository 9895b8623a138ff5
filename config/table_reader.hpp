// TableReader: the schema of one TOML table, declared key by key with type,
// range and default. Wrong types, values out of range, missing required keys
// and unknown keys (typos) all become diagnostics with file:line:column.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "config/diagnostics.hpp"

namespace gtm::config {

Location locationOf(const toml::node& node);

inline constexpr int64_t kMaxTtl = 2147483647;  // RFC 2181 section 8

// Sets `field` from a getter's result when the key was there and valid.
template <typename T, typename V>
void assign(T& field, const std::optional<V>& v) {
  if (v) field = static_cast<T>(*v);
}

// The names of profiles, endpoints, monitors, services, real servers and
// cluster nodes reach nftables comments, metric labels, log lines, URLs,
// etcd keys and DNS answers: a small alphabet keeps every one of them safe
// without quoting.
inline constexpr std::string_view kNameRule = "must be 1 to 63 letters, digits, '.', '_' or '-'";
[[nodiscard]] bool isName(std::string_view text);

class TableReader {
 public:
  // `what` names the table in messages, e.g. "[dns]" or "[[profile]]".
  TableReader(const toml::table& table, std::string what, Diagnostics& diag);

  std::optional<std::string> string(std::string_view key, bool required = false);
  // A name that the control API puts in a path: no '/', not empty.
  std::optional<std::string> name(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max, bool required = false);
  std::optional<double> number(std::string_view key, double min, double max, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  // A string, or an array of strings; absent gives an empty list.
  std::vector<std::string> stringList(std::string_view key, bool required = false);
  // An IPv4 or IPv6 address; a string or a list of them.
  std::optional<IpAddress> address(std::string_view key, bool required = false);
  std::vector<IpAddress> addressList(std::string_view key, bool required = false);
  // Prefixes like "203.0.113.0/24"; a string or a list of them.
  std::vector<Subnet> subnetList(std::string_view key);
  // One of a fixed set of words, e.g. {{"udp", Protocol::udp}, {"tcp", Protocol::tcp}}.
  template <typename T>
  std::optional<T> choice(std::string_view key, std::initializer_list<std::pair<const char*, T>> words,
                          bool required = false) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    std::string known;
    for (const auto& [word, value] : words) {
      if (*text == word) return value;
      known += (known.empty() ? "" : ", ") + std::string(word);
    }
    error(key, "\"" + *text + "\" is not one of " + known);
    return std::nullopt;
  }
  const toml::table* table(std::string_view key);
  const toml::array* array(std::string_view key);

  // Location of a key's value, or of the table itself when absent.
  [[nodiscard]] Location where(std::string_view key) const;
  [[nodiscard]] Location where() const { return locationOf(table_); }
  void error(std::string_view key, std::string message);

  // Reports every key that no getter asked for.
  void finish();

 private:
  const toml::node* take(std::string_view key, bool required);
  void typeError(std::string_view key, const toml::node& node, std::string_view expected);

  const toml::table& table_;
  std::string what_;
  Diagnostics& diag_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace gtm::config
