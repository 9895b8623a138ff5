#include "common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/utf8.hpp"

namespace gtm::log {
namespace {

std::atomic<Level> g_min_level{Level::info};
std::atomic<bool> g_json{false};
std::mutex g_mutex;

const char* name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "?";
}

// A logfmt value: quoted when it holds a space, a quote, '=', a backslash,
// a control character or is empty; inside quotes a quote and a backslash
// are escaped, control characters written as \n, \r, \t or \u00XX, and
// bytes that are not UTF-8 replaced by U+FFFD. One value, one line.
void appendValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (size_t i = 0; i < v.size() && !quote; ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    quote = c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\' || c >= 0x80;
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (size_t i = 0; i < v.size();) {
    auto c = static_cast<unsigned char>(v[i]);
    size_t n = utf8SequenceAt(v, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.append(v.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

}  // namespace

void setMinimumLevel(Level level) { g_min_level = level; }
void setJson(bool json) { g_json = json; }

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line;
  if (g_json.load(std::memory_order_relaxed)) {
    // nlohmann::json writes the line; bytes that are not UTF-8 become U+FFFD.
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = name(level);
    j["msg"] = msg;
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else {
    line = "ts=";
    line.append(ts).append(" level=").append(name(level)).append(" msg=");
    appendValue(line, msg);
    for (const auto& [k, v] : fields) {
      line.push_back(' ');
      line.append(k).push_back('=');
      appendValue(line, v);
    }
    line.push_back('\n');
  }
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace gtm::log
