// The client view of a batch of UDP queries (sockets or AF_XDP), with its
// clocks read once for the whole batch: wall-clock seconds for DNS cookies
// and a coarse monotonic microsecond clock for rate limiting, both vDSO
// reads, no system call. Each query fills in its own address.
#pragma once

#include <cstdint>
#include <ctime>

#include "dns/query_handler.hpp"

namespace gtm::dns::server {

inline ClientInfo udpBatchClient() {
  ClientInfo client;
  client.now = static_cast<uint32_t>(std::time(nullptr));
  timespec mono{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
  client.clock_us = static_cast<uint64_t>(mono.tv_sec) * 1000000 + static_cast<uint64_t>(mono.tv_nsec) / 1000;
  return client;
}

}  // namespace gtm::dns::server
