#include "config/table_reader.hpp"

#include <algorithm>
#include <sstream>

namespace gtm::config {
namespace {

std::string_view typeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

std::string numberText(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

Location locationOf(const toml::node& node) {
  const auto& src = node.source();
  return {static_cast<uint32_t>(src.begin.line), static_cast<uint32_t>(src.begin.column)};
}

TableReader::TableReader(const toml::table& table, std::string what, Diagnostics& diag)
    : table_(table), what_(std::move(what)), diag_(diag) {}

Location TableReader::where(std::string_view key) const {
  if (const toml::node* n = table_.get(key)) return locationOf(*n);
  return locationOf(table_);
}

void TableReader::error(std::string_view key, std::string message) {
  diag_.error(where(key), what_ + " " + std::string(key) + ": " + message);
}

const toml::node* TableReader::take(std::string_view key, bool required) {
  seen_.emplace(key);
  const toml::node* n = table_.get(key);
  if (!n && required) diag_.error(locationOf(table_), what_ + ": missing required key '" + std::string(key) + "'");
  return n;
}

void TableReader::typeError(std::string_view key, const toml::node& node, std::string_view expected) {
  diag_.error(locationOf(node), what_ + " " + std::string(key) + ": expected " + std::string(expected) + ", got " +
                                    std::string(typeName(node)));
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const toml::node* n = take(key, required);
  if (!n) return std::nullopt;
  if (auto v = n->value<std::string>(); v && n->is_string()) return *v;
  typeError(key, *n, "a string");
  return std::nullopt;
}

bool isName(std::string_view text) {
  auto safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  };
  return !text.empty() && text.size() <= 63 && std::all_of(text.begin(), text.end(), safe);
}

std::optional<std::string> TableReader::name(std::string_view key) {
  auto v = string(key, true);
  if (v && !isName(*v)) {
    error(key, "\"" + *v + "\" " + std::string(kNameRule));
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> TableReader::integer(std::string_view key, int64_t min, int64_t max, bool required) {
  const toml::node* n = take(key, required);
  if (!n) return std::nullopt;
  if (!n->is_integer()) {
    typeError(key, *n, "an integer");
    return std::nullopt;
  }
  int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    diag_.error(locationOf(*n), what_ + " " + std::string(key) + ": " + std::to_string(v) + " is out of range (" +
                                    std::to_string(min) + " to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<double> TableReader::number(std::string_view key, double min, double max, bool required) {
  const toml::node* n = take(key, required);
  if (!n) return std::nullopt;
  double v;
  if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else {
    typeError(key, *n, "a number");
    return std::nullopt;
  }
  if (!(v >= min && v <= max)) {
    diag_.error(locationOf(*n), what_ + " " + std::string(key) + ": " + numberText(v) +
                                    " is out of range (" + numberText(min) + " to " +
                                    numberText(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* n = take(key, false);
  if (!n) return std::nullopt;
  if (n->is_boolean()) return n->as_boolean()->get();
  typeError(key, *n, "true or false");
  return std::nullopt;
}

std::vector<std::string> TableReader::stringList(std::string_view key, bool required) {
  std::vector<std::string> out;
  const toml::node* n = take(key, required);
  if (!n) return out;
  if (n->is_string()) {
    out.push_back(n->as_string()->get());
    return out;
  }
  const toml::array* arr = n->as_array();
  if (!arr) {
    typeError(key, *n, "a string or a list of strings");
    return out;
  }
  for (const toml::node& item : *arr) {
    if (!item.is_string()) {
      typeError(key, item, "a string");
      continue;
    }
    out.push_back(item.as_string()->get());
  }
  return out;
}

std::optional<IpAddress> TableReader::address(std::string_view key, bool required) {
  auto text = string(key, required);
  if (!text) return std::nullopt;
  auto ip = IpAddress::parse(*text);
  if (!ip) error(key, "\"" + *text + "\" is not an IPv4 or IPv6 address");
  return ip;
}

std::vector<IpAddress> TableReader::addressList(std::string_view key, bool required) {
  std::vector<IpAddress> out;
  for (const std::string& text : stringList(key, required)) {
    auto ip = IpAddress::parse(text);
    if (!ip)
      error(key, "\"" + text + "\" is not an IPv4 or IPv6 address");
    else
      out.push_back(*ip);
  }
  return out;
}

std::vector<Subnet> TableReader::subnetList(std::string_view key) {
  std::vector<Subnet> out;
  for (const std::string& text : stringList(key)) {
    auto subnet = Subnet::parse(text);
    if (!subnet)
      error(key, "\"" + text + "\" is not a subnet like \"203.0.113.0/24\"");
    else
      out.push_back(*subnet);
  }
  return out;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* n = take(key, false);
  if (!n) return nullptr;
  if (n->is_table()) return n->as_table();
  typeError(key, *n, "a table");
  return nullptr;
}

const toml::array* TableReader::array(std::string_view key) {
  const toml::node* n = take(key, false);
  if (!n) return nullptr;
  if (n->is_array()) return n->as_array();
  typeError(key, *n, "an array");
  return nullptr;
}

void TableReader::finish() {
  for (const auto& [k, v] : table_) {
    if (seen_.find(k.str()) == seen_.end())
      diag_.error(locationOf(v), what_ + ": unknown key '" + std::string(k.str()) + "'");
  }
}

}  // namespace gtm::config
