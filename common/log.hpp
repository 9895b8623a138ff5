// One line per event on stderr, logfmt (ts=... level=... msg="..." key=value)
// or JSON objects. Never called per query.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace gtm::log {

enum class Level { debug, info, warn, error };

using Field = std::pair<std::string_view, std::string_view>;

void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
void setMinimumLevel(Level level);
void setJson(bool json);

inline void info(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::info, msg, f); }
inline void warn(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::warn, msg, f); }
inline void error(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::error, msg, f); }

}  // namespace gtm::log
