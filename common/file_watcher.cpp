#include "common/file_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace gtm {

FileWatcher::~FileWatcher() { stop(); }

Result<Ok> FileWatcher::start(const std::string& path, std::function<void()> on_change,
                              std::chrono::milliseconds settle) {
  std::filesystem::path p = std::filesystem::absolute(path);
  name_ = p.filename().string();
  on_change_ = std::move(on_change);
  settle_ = settle;
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (inotify_fd_ < 0 || stop_fd_ < 0) return Error{std::string("inotify: ") + std::strerror(errno)};
  if (::inotify_add_watch(inotify_fd_, p.parent_path().c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
    return Error{"cannot watch " + p.parent_path().string() + ": " + std::strerror(errno)};
  thread_ = std::thread([this] { run(); });
  return Ok{};
}

void FileWatcher::stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

void FileWatcher::run() {
  alignas(inotify_event) char buf[4096];
  bool pending = false;
  for (;;) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int timeout = pending ? static_cast<int>(settle_.count()) : -1;
    int n = ::poll(fds, 2, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (fds[1].revents) return;
    if (n == 0) {  // quiet for `settle` after a change: report it once
      pending = false;
      on_change_();
      continue;
    }
    ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
    for (ssize_t off = 0; len > 0 && off < len;) {
      auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
      if (ev->len && name_ == ev->name) pending = true;
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
}

}  // namespace gtm
