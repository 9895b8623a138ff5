// This gtm node as a member of a cluster, through etcd: it keeps a lease,
// publishes its name, config digest and a heartbeat under nodes/NODE and
// each of its own observations under obs/NODE/TARGET (only when they
// change, batched into transactions), watches the prefix to know the other
// live nodes and what they see, and answers by what they agree
// (cluster/agreement.hpp). Admin overrides are written once under
// admin/GROUP/MEMBER and applied on every node from the watch, this one
// too; while connected, etcd is the truth for admin state (the state file
// is its cache for starts without etcd). Nodes with the same config serve
// the same SOA serial (cluster/zone_serial.hpp).
//
// What is read from etcd is input from strangers: every value goes through
// the decoders of cluster/cluster_keys.hpp, what does not fit is ignored,
// counted and logged once, and nothing read there or done by a callback
// ends the node's thread. The lease is renewed on its own thread and
// connection, so a renewal never waits behind writes. When etcd cannot be
// reached the node keeps its last admin state and counts only its own
// observations, and says so; it rejoins by reading the keys again. The DNS
// path never waits on any of this.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/agreement.hpp"
#include "cluster/cluster_keys.hpp"
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

// Admin overrides read from etcd ("aovpn/east" -> "disabled" | "drained" |
// "enabled"). `complete`: every override etcd holds (a fresh read), so
// any other name is enabled; otherwise changes only (a deleted key is
// "enabled").
struct AdminUpdate {
  std::map<std::string, std::string> states;
  bool complete = false;
  // One action from the watch: who made it (empty for a complete read).
  AdminActor actor{};
};

class ClusterNode : public monitor::SharedHealth {
 public:
  // on_agreement_change: what the nodes agree may have changed (run on the
  // node's threads; post work elsewhere). on_admin: apply admin overrides,
  // returning a digest of the admin state this node now has (published, so
  // nodes that differ show). on_serial: the SOA serial that the nodes with
  // this config digest serve, to be adopted (then say loaded() again).
  ClusterNode(NodeSettings settings, std::function<void()> on_agreement_change,
              std::function<std::string(const AdminUpdate&)> on_admin,
              std::function<void(const std::string& digest, uint32_t serial)> on_serial = {});
  ~ClusterNode() override;
  void start();
  void stop();
  // Stops, waiting for the node's threads at most `limit`: true when they
  // ended. False leaves one in an etcd call that is bounded by the client's
  // timeout; the object must then outlive it (SIGTERM stops gtm in time).
  [[nodiscard]] bool stopWithin(std::chrono::milliseconds limit);

  // The config this node serves now: its digest (what every node must
  // serve alike) and the SOA serial of its load. Before start(), and after
  // every reload.
  void loaded(const std::string& digest, uint32_t serial);
  // After a load: the targets probed now. The observations of any other
  // are deleted, here and in etcd.
  void retain(const std::vector<std::string>& targets) override;

  void observed(const std::string& target, policy::Health state, const std::string& reason) override;
  [[nodiscard]] policy::Health agreed(const std::string& target, policy::Health own) override;

  // Written to etcd, then applied on every node by the watch (this one
  // included: it returns once the watch brought it here, or after the
  // timeout); an error (and no change anywhere) when etcd cannot be reached.
  [[nodiscard]] Result<Ok> setAdmin(const std::string& name, const std::string& state, const AdminActor& actor = {});

  // Whether the settings make an etcd client (the TLS files parse).
  [[nodiscard]] Result<Ok> usable() const { return etcd_.usable(); }

  // Zones that secondaries transfer (xfr/): the serial that the nodes whose
  // transferred content is `content` (a digest) serve. The key `xfr-serial`
  // holds {"digest": CONTENT, "serial": N}: when it is this content, its
  // serial; otherwise this node's `proposed` (never at or below the one
  // there) is written, compared with the revision read (another node first:
  // read again). nullopt when etcd cannot be asked: the node goes on alone.
  [[nodiscard]] std::optional<uint32_t> agreeTransferSerial(const std::string& content, uint32_t proposed);
  [[nodiscard]] bool connected() const { return connected_.load(); }
  // What is wrong with etcd now ("" when nothing): no quorum, a refused
  // write, ...
  [[nodiscard]] std::string problem() const;
  [[nodiscard]] bool quorum() const { return quorum_.load(); }
  // Values under the prefix that did not decode and were ignored.
  [[nodiscard]] uint64_t ignoredValues() const { return ignored_.load(); }
  [[nodiscard]] const NodeSettings& settings() const { return settings_; }
  [[nodiscard]] std::string configDigest() const;
  [[nodiscard]] std::vector<NodeInfo> nodes() const;
  // Each node's state of a target (this node's own as it is now, the
  // others' as etcd last said), for the status page.
  [[nodiscard]] std::map<std::string, policy::Health> observations(const std::string& target) const;
  [[nodiscard]] std::vector<std::string> configMismatch() const;
  [[nodiscard]] std::vector<std::string> adminMismatch() const;

 private:
  struct Session;
  void run();
  [[nodiscard]] Result<Ok> session();  // until the lease is lost or stop
  void keepLease(Session& s);
  void watch(Session& s);
  [[nodiscard]] Result<Ok> readAll(EtcdClient& client, int64_t* revision);
  [[nodiscard]] Result<Ok> writeChanges(Session& s);
  // Applies one event; true when what the nodes agree may have changed.
  bool applyEvent(const WatchEvent& e);
  void ignored(const std::string& key, const std::string& why);
  void trouble(const std::string& error);
  [[nodiscard]] Result<Ok> settleSerial();
  [[nodiscard]] std::string nodeJson() const;
  [[nodiscard]] std::string observationJson(const std::string& target) const;

  NodeSettings settings_;
  std::function<void()> on_agreement_change_;
  std::function<std::string(const AdminUpdate&)> on_admin_;
  std::function<void(const std::string&, uint32_t)> on_serial_;
  EtcdClient etcd_;          // writes, reads and admin actions
  EtcdClient lease_client_;  // renewals only: never behind a write
  EtcdClient watcher_;       // the watch, and the reads that resume it
  std::atomic<bool> connected_{false};
  std::atomic<bool> joined_{false};  // the session now running got as far as connecting
  std::atomic<bool> quorum_{true};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> ignored_{0};
  mutable std::mutex mutex_;  // everything below
  std::condition_variable wake_;
  ClusterView view_;
  struct Own {
    policy::Health state;
    std::string reason;
  };
  std::map<std::string, Own> own_;         // this node's observations
  std::set<std::string> unwritten_;        // targets whose observation etcd has not got yet
  std::set<std::string> removed_;          // targets whose observation etcd must lose
  std::set<std::string> logged_;           // keys whose ignoring was logged
  std::string digest_;                     // of the config loaded now
  uint32_t serial_ = 0;                    // its SOA serial here
  std::string admin_digest_;               // of the admin state applied here
  bool node_unwritten_ = false;            // nodes/NODE needs a new value
  bool serial_unsettled_ = false;          // a load: adopt or publish the serial
  std::optional<SharedSerial> shared_serial_;
  int64_t serial_revision_ = 0;            // of the serial key, readable or not
  int64_t applied_revision_ = 0;           // the newest revision applied here
  std::string problem_;
  std::thread thread_;
};

}  // namespace gtm::cluster
