#include "config/toml_bounds.hpp"

#include <algorithm>

namespace gtm::config {

std::optional<BoundsError> checkTomlBounds(std::string_view text) {
  if (text.size() > kMaxConfigBytes)
    return BoundsError{{1, 1}, "the file is larger than " + std::to_string(kMaxConfigBytes) + " bytes"};
  uint32_t line = 1, column = 0;
  size_t dots = 0, depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      dots = 0;
      continue;
    }
    if (c == '#') {  // a comment, to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      // A string: basic or literal, on one line or (tripled) on several.
      const char tripled[3] = {c, c, c};
      bool triple = text.substr(i, 3) == std::string_view(tripled, 3);
      std::string_view close = text.substr(i, triple ? 3 : 1);
      size_t j = i + close.size();
      for (; j < text.size(); ++j) {
        if (c == '"' && text[j] == '\\') {
          ++j;  // whatever is escaped, including a quote
          continue;
        }
        if (text.substr(j, close.size()) == close) {
          // TOML 1.0: a multi-line string may end in one or two quotes of
          // its own right before the closing three ("""x"""" is x").
          if (triple)
            for (int extra = 0; extra < 2 && j + 3 < text.size() && text[j + 3] == c; ++extra) ++j;
          break;
        }
        if (text[j] == '\n') {
          if (!triple) break;  // an unclosed one-line string: the parser says so
          ++line;
          column = 0;
        }
      }
      size_t end = std::min(text.size(), j + close.size());
      column += static_cast<uint32_t>(end - i - 1);
      i = end - 1;
      continue;
    }
    switch (c) {
      case '.':
        if (++dots >= kMaxKeyParts)
          return BoundsError{{line, column}, "a key of more than " + std::to_string(kMaxKeyParts) + " dotted parts"};
        break;
      case '[':
      case '{':
        dots = 0;
        if (++depth > kMaxNesting)
          return BoundsError{{line, column}, "more than " + std::to_string(kMaxNesting) +
                                                 " arrays, tables or inline tables within each other"};
        break;
      case ']':
      case '}':
        dots = 0;
        if (depth) --depth;
        break;
      case '=':
      case ',':
        dots = 0;
        break;
      default: break;
    }
  }
  return std::nullopt;
}

}  // namespace gtm::config
