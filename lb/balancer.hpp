// The control plane of gtm lb: turns the plan and the real servers' health
// into kernel state. On every health change it rebuilds each service's
// Maglev table from its healthy, undrained real servers, logs how many slots
// moved, replaces the nftables table in one transaction, and deletes the
// conntrack entries of real servers that went Degraded. Packets never pass
// through it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/heartbeat.hpp"
#include "common/result.hpp"
#include "lb/lb_plan.hpp"
#include "monitor/shared_health.hpp"
#include "lb/maglev_table.hpp"
#include "lb/nft_client.hpp"
#include "lb/nft_ruleset.hpp"

namespace gtm::monitor {
class Engine;
}
namespace gtm::status {
class AdminStore;
}

namespace gtm::lb {

class Balancer {
 public:
  // `admin` (may be null) holds the admin's drained and disabled real servers;
  // `shared` (may be null), the cluster this balancer shares its
  // observations with (monitor::Engine::share).
  explicit Balancer(LbPlan plan, const status::AdminStore* admin = nullptr, monitor::SharedHealth* shared = nullptr);
  ~Balancer();

  // Recomputes and applies the tables now (after an admin action).
  void poke();
  // The nodes' agreement may have changed: the health is published again.
  void refresh();

  // What the status page shows of each service.
  struct RealReport {
    std::string name, address;
    uint32_t weight = 1;
    std::string state;  // Online, Degraded, CheckingEndpoint, Unmonitored, Drained, Disabled
    size_t slots = 0;   // of the installed table
  };
  struct ServiceReport {
    std::string name, vip, protocol;
    std::vector<uint16_t> ports;
    size_t table_size = 0;
    uint64_t table_changes = 0, moved_slots = 0;
    std::vector<RealReport> reals;
  };
  [[nodiscard]] std::vector<ServiceReport> report() const;
  [[nodiscard]] const monitor::Engine* engine() const { return engine_.get(); }
  [[nodiscard]] bool hasReal(const std::string& service, const std::string& real) const;

  // The ruleset for the current health (all real servers count as healthy
  // until their first probe says otherwise).
  [[nodiscard]] std::string ruleset();

  // Installs the table (replacing what an earlier run or `previous` left:
  // conntrack keeps established flows) and starts the monitors; with
  // `previous`, unchanged checks keep their state.
  [[nodiscard]] Result<Ok> start(const Balancer* previous = nullptr);
  // Stops; removes the table unless keep_rules.
  void stop(bool keep_rules);
  // "table worker" or "monitor engine" when it showed no progress within
  // max_age, else "".
  [[nodiscard]] std::string stalled(std::chrono::nanoseconds max_age) const;

 private:
  struct ServiceState {
    std::vector<MaglevBackend> backends;  // every real server, keyed by address
    std::vector<int> table;               // as last applied
    std::vector<policy::Health> health;   // per real server, as last applied
    std::vector<bool> disabled;           // per real server: disabled by the admin, as last applied
    bool rejecting = false;               // no eligible real server: new packets rejected
    uint64_t changes = 0, moved = 0;
  };
  // The flows of one real server to delete once the new table is in place.
  struct FlowCut {
    std::string service, real, why;
    IpAddress vip, address;
    uint8_t l4proto = 0;
  };
  // With `cuts`, changes are logged and the real servers whose flows must
  // go are added to it.
  std::vector<ServiceRules> computeRules(std::vector<FlowCut>* cuts);
  void worker();

  LbPlan plan_;
  const status::AdminStore* admin_;
  monitor::SharedHealth* shared_;
  mutable std::mutex state_mutex_;  // state_, between the worker and report()
  std::vector<ServiceState> state_;
  NftClient nft_;
  std::unique_ptr<monitor::Engine> engine_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool dirty_ = false;
  Heartbeat worker_heartbeat_;
  bool stopping_ = false;
  bool installed_ = false;
};

}  // namespace gtm::lb
