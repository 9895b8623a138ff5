// Reading the small files a config names (token_file, ca_file, secrets,
// keys, state_file): opened without blocking and checked to be a regular
// file of bounded size before a byte is read, so that a FIFO, a device, a
// directory or /dev/zero is refused at once instead of hanging or filling
// memory. Every file read is remembered by path: a daemon that dropped root
// after start still reloads a config naming a root-only (0600) file, with
// the contents it read as root.
#pragma once

#include <cstddef>
#include <string>

#include "common/result.hpp"

namespace gtm {

inline constexpr size_t kMaxSmallFile = 1 << 20;  // 1 MiB: a CA bundle fits many times

// The whole file, or an error a person can act on ("is a FIFO, not a
// regular file", "is larger than 1048576 bytes"). Where the file cannot be
// opened for lack of permission and it was read earlier by this process,
// the earlier contents.
[[nodiscard]] Result<std::string> readSmallFile(const std::string& path, size_t max_bytes = kMaxSmallFile);

// readSmallFile, then the first line without trailing spaces or CR: a token
// or password. Empty is an error.
[[nodiscard]] Result<std::string> readSecretLine(const std::string& path);

}  // namespace gtm
