// This gtm node as a member of a cluster, through etcd: it keeps a lease,
// publishes its name and config digest under nodes/NODE and each of its own
// observations under obs/NODE/TARGET (only when they change), watches the
// prefix to know the other live nodes and what they see, and answers by what
// they agree (cluster/agreement.hpp). Admin overrides are written once under
// admin/GROUP/MEMBER and applied on every node. Nodes with the same config
// serve the same SOA serial (cluster/zone_serial.hpp). When etcd cannot be reached
// the node keeps its last admin state and counts only its own observations,
// and says so; it rejoins by reading the keys again. The DNS path never
// waits on any of this.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cluster/agreement.hpp"
#include "cluster/cluster_view.hpp"
#include "cluster/etcd_client.hpp"
#include "cluster/zone_serial.hpp"
#include "common/result.hpp"
#include "monitor/shared_health.hpp"

namespace gtm::cluster {

struct NodeSettings {
  std::string node;
  std::string prefix = "/gtm/";
  EtcdSettings etcd;
  Agreement agreement = Agreement::majority;
  unsigned lease_ttl = 5;
  std::string version;
};

class ClusterNode : public monitor::SharedHealth {
 public:
  // on_agreement_change: what the nodes agree may have changed (run on the
  // node's thread; post work elsewhere). on_admin: an admin override read
  // from etcd ("aovpn/east", "disabled" | "drained" | "enabled").
  // on_serial: the SOA serial that the nodes with this config digest serve,
  // to be adopted (then say loaded() again).
  ClusterNode(NodeSettings settings, std::function<void()> on_agreement_change,
              std::function<void(const std::string&, const std::string&)> on_admin,
              std::function<void(const std::string& digest, uint32_t serial)> on_serial = {});
  ~ClusterNode() override;
  void start();
  void stop();
  // Stops, waiting for the node's thread at most `limit`: true when it
  // ended. False leaves it in an etcd call that is bounded by the client's
  // timeout; the object must then outlive it (SIGTERM stops gtm in time).
  [[nodiscard]] bool stopWithin(std::chrono::milliseconds limit);

  // The config this node serves now: its digest (what every node must
  // serve alike) and the SOA serial of its load. Before start(), and after
  // every reload.
  void loaded(const std::string& digest, uint32_t serial);

  void observed(const std::string& target, policy::Health state, const std::string& reason) override;
  [[nodiscard]] policy::Health agreed(const std::string& target, policy::Health own) override;

  // Written to etcd, then applied on every node by the watch; an error (and
  // no change anywhere) when etcd cannot be reached.
  [[nodiscard]] Result<Ok> setAdmin(const std::string& name, const std::string& state);

  // Whether the settings make an etcd client (the TLS files parse).
  [[nodiscard]] Result<Ok> usable() const { return etcd_.usable(); }
  [[nodiscard]] bool connected() const { return connected_.load(); }
  [[nodiscard]] const NodeSettings& settings() const { return settings_; }
  [[nodiscard]] std::string configDigest() const;
  [[nodiscard]] std::vector<NodeInfo> nodes() const;
  // Each node's state of a target (this node's own as it is now, the
  // others' as etcd last said), for the status page.
  [[nodiscard]] std::map<std::string, policy::Health> observations(const std::string& target) const;
  [[nodiscard]] std::vector<std::string> configMismatch() const;

 private:
  void run();
  [[nodiscard]] Result<Ok> session();  // until an error or stop
  void apply(const KeyValue& kv, bool deleted, bool* agreement_changed);
  [[nodiscard]] Result<Ok> settleSerial(bool own_load);
  [[nodiscard]] std::string observationJson(const std::string& target) const;

  NodeSettings settings_;
  std::function<void()> on_agreement_change_;
  std::function<void(const std::string&, const std::string&)> on_admin_;
  std::function<void(const std::string&, uint32_t)> on_serial_;
  EtcdClient etcd_;  // the session's calls: lease, puts, range
  EtcdClient watcher_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  mutable std::mutex mutex_;  // everything below
  std::condition_variable wake_;
  ClusterView view_;
  struct Own {
    policy::Health state;
    std::string reason;
  };
  std::map<std::string, Own> own_;        // this node's observations
  std::map<std::string, bool> unwritten_;  // targets whose observation etcd has not got yet
  std::string digest_;                     // of the config loaded now
  uint32_t serial_ = 0;                    // its SOA serial here
  bool node_unwritten_ = false;            // nodes/NODE needs the new digest
  bool serial_unsettled_ = false;          // a load: adopt or publish the serial
  std::optional<SharedSerial> shared_serial_;
  std::thread thread_;
};

}  // namespace gtm::cluster
