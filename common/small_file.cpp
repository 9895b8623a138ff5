#include "common/small_file.hpp"

#include "common/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace gtm {
namespace {

std::mutex cache_mutex;
std::map<std::string, std::string>& cache() {
  static std::map<std::string, std::string> files;
  return files;
}

const char* kindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<std::string> readSmallFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer returns at once.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    if (err == EACCES) {
      std::lock_guard lock(cache_mutex);
      if (auto it = cache().find(path); it != cache().end()) {
        // Not silently: a rotated secret in such a file takes a restart.
        log::warn("a file this user may not read is used as it was read at start (a change to it needs a restart)",
                  {{"file", path}});
        return it->second;
      }
    }
    return Error{"\"" + path + "\": " + std::strerror(err)};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{"\"" + path + "\" is " + kindOf(st.st_mode) + ", not a regular file"};
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Error{"\"" + path + "\" is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  std::string data;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{"\"" + path + "\": " + std::strerror(err)};
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {  // grew while we read
      ::close(fd);
      return Error{"\"" + path + "\" is larger than " + std::to_string(max_bytes) + " bytes"};
    }
  }
  ::close(fd);
  std::lock_guard lock(cache_mutex);
  cache()[path] = data;
  return data;
}

Result<std::string> readSecretLine(const std::string& path) {
  auto data = readSmallFile(path, 4096);
  if (!data) return data;
  std::string line = data->substr(0, data->find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line.empty()) return Error{"\"" + path + "\" is empty"};
  return line;
}

}  // namespace gtm
