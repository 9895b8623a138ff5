// What one TCP thread owns: its io_context, its query handler and its view
// of the current snapshot. Nothing here is shared between threads.
#pragma once

#include <boost/asio/io_context.hpp>

#include <vector>

#include "common/heartbeat.hpp"
#include "dns/query_handler.hpp"
#include "dns/snapshot_store.hpp"

namespace gtm::dns::server {

struct TcpWorker {
  TcpWorker(const SnapshotStore& store, const CookieSecret& secret, uint16_t udp_payload, unsigned max_tcp)
      : snapshots(store), handler(secret, udp_payload), max_connections(max_tcp) {}

  SnapshotReader snapshots;
  QueryHandler handler;
  unsigned max_connections;  // this thread's share
  unsigned connections = 0;
  // Where every connection of this thread writes its answer before copying
  // it out: a connection holds only what it has in flight.
  std::vector<uint8_t> scratch = std::vector<uint8_t>(65535 + 2);
  Heartbeat heartbeat;  // beaten by a timer on io, every kHeartbeatEvery
  // Last, so it goes first: pending handlers (TCP connections) are destroyed
  // while the fields they touch still exist.
  boost::asio::io_context io{1};
};

}  // namespace gtm::dns::server
