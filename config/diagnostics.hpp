// Config errors as "file:line:column: message", collected so that `gtm check`
// can print every problem in one run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gtm::config {

struct Location {
  uint32_t line = 0;
  uint32_t column = 0;
};

struct Diagnostic {
  Location where;
  std::string message;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(Location where, std::string message) { list_.push_back({where, std::move(message)}); }
  [[nodiscard]] bool empty() const { return list_.empty(); }
  [[nodiscard]] const std::vector<Diagnostic>& list() const { return list_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  // Every error, one per line, "file:line:column: message".
  [[nodiscard]] std::string format() const {
    std::string out;
    for (const auto& d : list_) {
      out += file_ + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
             d.message + "\n";
    }
    return out;
  }

 private:
  std::string file_;
  std::vector<Diagnostic> list_;
};

}  // namespace gtm::config
