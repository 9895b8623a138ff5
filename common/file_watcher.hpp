// Calls back when a file is written or replaced (inotify on its folder, so
// that editors that write a temporary file and rename it are seen too).
// Bursts of events within `settle` become one call.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/result.hpp"

namespace gtm {

class FileWatcher {
 public:
  FileWatcher() = default;
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  [[nodiscard]] Result<Ok> start(const std::string& path, std::function<void()> on_change,
                                 std::chrono::milliseconds settle = std::chrono::milliseconds(200));
  void stop();

 private:
  void run();

  std::string name_;
  std::function<void()> on_change_;
  std::chrono::milliseconds settle_{200};
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace gtm
