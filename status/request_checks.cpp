#include "status/request_checks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/ip_address.hpp"
#include "common/utf8.hpp"

namespace gtm::status {
namespace {

// The same text with %XX sequences decoded; nullopt for a bad escape.
std::optional<std::string> percentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return std::nullopt;
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

}  // namespace

bool hostAllowed(std::string_view host, const std::vector<std::string>& allowed) {
  std::string name(host);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  // Without its port: "[::1]:8053" -> "::1", "gtm.example.com:8053" -> "gtm.example.com".
  if (!name.empty() && name.front() == '[') {
    size_t close = name.find(']');
    if (close == std::string::npos) return false;
    std::string rest = name.substr(close + 1);
    name = name.substr(1, close - 1);
    if (!rest.empty() && (rest[0] != ':' || rest.find_first_not_of("0123456789", 1) != std::string::npos)) return false;
    return IpAddress::parse(name).has_value();
  }
  if (size_t colon = name.find(':'); colon != std::string::npos) {
    if (name.find_first_not_of("0123456789", colon + 1) != std::string::npos) return false;
    name.resize(colon);
  }
  if (name.empty()) return false;
  if (IpAddress::parse(name) || name == "localhost") return true;
  for (std::string a : allowed) {
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return std::tolower(c); });
    if (a == name) return true;
  }
  return false;
}

// ?profile=NAME (or service=NAME), offset=N, limit=M, address=A; nothing for junk.
std::optional<StatusQuery> statusQuery(std::string_view target) {
  StatusQuery q;
  size_t mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    rest = pair.size() < rest.size() ? rest.substr(pair.size() + 1) : std::string_view();
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    // Keys and values %-decoded (2001%3Adb8%3A%3A1%2F48), and UTF-8.
    auto decoded_key = percentDecoded(pair.substr(0, eq)), decoded = percentDecoded(pair.substr(eq + 1));
    if (!decoded_key || !decoded || !validUtf8(*decoded_key) || !validUtf8(*decoded)) return std::nullopt;
    std::string_view key = *decoded_key, value = *decoded;
    if (key == "profile" || key == "service") {
      q.group = std::string(value);
      continue;
    }
    if (key == "address") {
      q.address = std::string(value);
      continue;
    }
    size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    if (key == "offset")
      q.offset = n;
    else if (key == "limit" && n >= 1 && n <= StatusQuery::kMaxLimit)
      q.limit = n;
    else
      return std::nullopt;
  }
  return q;
}

std::optional<std::string> formValue(std::string_view pairs, std::string_view key, bool form) {
  while (!pairs.empty()) {
    std::string_view pair = pairs.substr(0, pairs.find('&'));
    pairs = pair.size() < pairs.size() ? pairs.substr(pair.size() + 1) : std::string_view();
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != key) continue;
    std::string raw(pair.substr(eq + 1));
    if (form) std::replace(raw.begin(), raw.end(), '+', ' ');
    auto decoded = percentDecoded(raw);
    if (!decoded || !validUtf8(*decoded)) return std::nullopt;
    return decoded;
  }
  return std::nullopt;
}

std::optional<std::string> eventQuery(std::string_view target, int64_t now_ms, journal::EventFilter& filter,
                                      bool& follow) {
  size_t mark = target.find('?');
  if (mark == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    rest = pair.size() < rest.size() ? rest.substr(pair.size() + 1) : std::string_view();
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return "\"" + std::string(pair) + "\" is not KEY=VALUE";
    auto decoded = percentDecoded(pair.substr(eq + 1));
    std::string key(pair.substr(0, eq));
    if (!decoded || !validUtf8(*decoded)) return "the value of " + key + " is not %-escaped UTF-8";
    const std::string& value = *decoded;
    if (key == "since" || key == "until") {
      auto t = journal::parseTimeArg(value, now_ms);
      if (!t) return key + ": \"" + value + "\" is neither a time like 2026-12-02T03:00:00Z nor a duration like -1h";
      (key == "since" ? filter.since_ms : filter.until_ms) = *t;
    } else if (key == "profile") {
      filter.profile = value;
    } else if (key == "endpoint") {
      size_t slash = value.find('/');
      if (slash != std::string::npos) {
        filter.profile = value.substr(0, slash);
        filter.endpoint = value.substr(slash + 1);
      } else {
        filter.endpoint = value;
      }
    } else if (key == "type") {
      std::string_view types = value;
      while (!types.empty()) {
        std::string_view t = types.substr(0, types.find(','));
        types = t.size() < types.size() ? types.substr(t.size() + 1) : std::string_view();
        if (!journal::knownType(t)) {
          std::string known;
          for (std::string_view k : journal::kEventTypes) known += (known.empty() ? "" : ", ") + std::string(k);
          return "type: \"" + std::string(t) + "\" is not one of " + known;
        }
        filter.types.emplace_back(t);
      }
    } else if (key == "limit") {
      size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > journal::EventFilter::kMaxLimit)
        return "limit: from 1 to " + std::to_string(journal::EventFilter::kMaxLimit);
      filter.limit = n;
    } else if (key == "follow") {
      follow = value == "1" || value == "true";
    } else {
      return "unknown parameter " + key + " (since, until, profile, endpoint, type, limit, follow)";
    }
  }
  return std::nullopt;
}

bool requestLineHasBareLf(std::string_view received) {
  size_t lf = received.find('\n');
  return lf != std::string_view::npos && (lf == 0 || received[lf - 1] != '\r');
}

bool acceptableRequest(unsigned version, std::string_view target) {
  if (version != 10 && version != 11) return false;
  auto path = percentDecoded(target);
  return path && validUtf8(*path);
}

}  // namespace gtm::status
