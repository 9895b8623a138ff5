#include "lb/balancer.hpp"

#include <netinet/in.h>

#include "common/log.hpp"
#include "lb/conntrack_flush.hpp"
#include "lb/maglev_table.hpp"
#include "monitor/engine.hpp"
#include "status/admin_store.hpp"

namespace gtm::lb {

Balancer::Balancer(LbPlan plan, const status::AdminStore* admin, monitor::SharedHealth* shared)
    : plan_(std::move(plan)), admin_(admin), shared_(shared), state_(plan_.services.size()) {}

void Balancer::poke() {
  std::lock_guard lock(mutex_);
  dirty_ = true;
  wake_.notify_one();
}

void Balancer::refresh() {
  if (engine_) engine_->refresh();
}

bool Balancer::hasReal(const std::string& service, const std::string& real) const {
  for (const config::Service& s : plan_.services)
    for (const config::RealServer& r : s.reals)
      if (s.name == service && r.name == real) return true;
  return false;
}

std::vector<Balancer::ServiceReport> Balancer::report() const {
  std::lock_guard lock(state_mutex_);
  std::vector<ServiceReport> out;
  for (size_t i = 0; i < plan_.services.size(); ++i) {
    const config::Service& svc = plan_.services[i];
    const ServiceState& st = state_[i];
    ServiceReport r{svc.name, svc.vip.toString(), svc.protocol == config::Service::Protocol::udp ? "udp" : "tcp",
                    svc.ports, st.table.size(), st.changes, st.moved, {}};
    for (size_t j = 0; j < svc.reals.size(); ++j) {
      const config::RealServer& real = svc.reals[j];
      auto admin = admin_ ? admin_->state(svc.name + "/" + real.name) : status::AdminStore::State::enabled;
      std::string state = admin == status::AdminStore::State::disabled                     ? "Disabled"
                          : (admin == status::AdminStore::State::drained || real.drain) ? "Drained"
                              : std::string(policy::healthName(plan_.health->get(plan_.slots[i][j])));
      size_t slots = 0;
      for (int s : st.table) slots += s == static_cast<int>(j);
      r.reals.push_back({real.name, real.address.toString(), real.weight, state, slots});
    }
    out.push_back(std::move(r));
  }
  return out;
}

Balancer::~Balancer() { stop(true); }

std::vector<ServiceRules> Balancer::computeRules(std::vector<FlowCut>* cuts) {
  const bool log_changes = cuts != nullptr;
  std::lock_guard state_lock(state_mutex_);
  std::vector<ServiceRules> rules;
  for (size_t i = 0; i < plan_.services.size(); ++i) {
    const config::Service& svc = plan_.services[i];
    ServiceState& st = state_[i];
    uint64_t total_weight = 0;
    std::vector<MaglevBackend> backends;
    std::vector<bool> healthy(svc.reals.size()), eligible(svc.reals.size()), disabled(svc.reals.size());
    std::vector<policy::Health> health(svc.reals.size());
    size_t eligible_count = 0;
    for (size_t j = 0; j < svc.reals.size(); ++j) {
      const config::RealServer& r = svc.reals[j];
      total_weight += r.weight;
      backends.push_back({r.address.toString(), r.weight});
      auto admin = admin_ ? admin_->state(svc.name + "/" + r.name) : status::AdminStore::State::enabled;
      // Disabled by the admin counts as failed (its flows go too); drained
      // only stops new clients.
      health[j] = plan_.health->get(plan_.slots[i][j]);
      disabled[j] = admin == status::AdminStore::State::disabled;
      healthy[j] = health[j] != policy::Health::degraded && !disabled[j];
      // Full (out of ports) drains the server: its tunnels stay.
      eligible[j] = healthy[j] && health[j] != policy::Health::full && !r.drain &&
                    admin != status::AdminStore::State::drained;
      eligible_count += eligible[j];
    }
    auto table = buildStableTable(backends, eligible, maglevTableSize(total_weight));
    if (log_changes && !st.table.empty()) {
      size_t moved = changedSlots(st.table, backends, table, backends);
      if (moved) {
        ++st.changes;
        st.moved += moved;
      }
      if (moved)
        log::info("service table changed", {{"service", svc.name},
                                            {"moved_slots", std::to_string(moved)},
                                            {"table_size", std::to_string(table.size())},
                                            {"eligible_reals", std::to_string(eligible_count)}});
      // Flows to a server that just failed would be black-holed until their
      // conntrack entries time out: they are deleted, so they hash anew.
      // Only for a server that went from Online to Degraded (by the full
      // tolerated_failures rule) or that the admin disabled: never for one
      // still being checked after a start, a restart or a reload.
      uint8_t proto = svc.protocol == config::Service::Protocol::udp ? IPPROTO_UDP : IPPROTO_TCP;
      for (size_t j = 0; j < svc.reals.size() && j < st.health.size(); ++j) {
        bool was_up = st.health[j] == policy::Health::online || st.health[j] == policy::Health::full;
        bool failed = was_up && health[j] == policy::Health::degraded;
        bool switched_off = !st.disabled[j] && disabled[j];
        if (failed || switched_off)
          cuts->push_back({svc.name, svc.reals[j].name, failed ? "went from Online to Degraded" : "disabled by the admin",
                           svc.vip, svc.reals[j].address, proto});
      }
    }
    st.backends = backends;
    st.table = table;
    st.health = health;
    st.disabled = disabled;
    ServiceRules r;
    r.name = svc.name;
    r.vip = svc.vip;
    r.udp = svc.protocol == config::Service::Protocol::udp;
    r.ports = svc.ports;
    if (eligible_count)
      for (int slot : table) r.slots.push_back(svc.reals[static_cast<size_t>(slot)].address);
    else if (log_changes && !st.rejecting)
      log::warn("service has no healthy real server: new packets are rejected", {{"service", svc.name}});
    if (log_changes && st.rejecting && eligible_count)
      log::info("service has a healthy real server again", {{"service", svc.name}});
    st.rejecting = eligible_count == 0;
    rules.push_back(std::move(r));
  }
  return rules;
}

std::string Balancer::ruleset() { return renderRuleset(plan_.table, computeRules(nullptr)); }

Result<Ok> Balancer::start(const Balancer* previous) {
  engine_ = std::make_unique<monitor::Engine>(plan_.monitors, plan_.profiles, plan_.health, [this] {
    std::lock_guard lock(mutex_);
    dirty_ = true;
    wake_.notify_one();
  });
  engine_->share(shared_);
  // Before the first table: a real server known to be Degraded stays out.
  if (previous && previous->engine_) engine_->adopt(*previous->engine_);
  // Taking over a table left by an earlier run replaces it in the same
  // transaction that installs ours; conntrack keeps established flows.
  if (auto r = nft_.run(renderRuleset(plan_.table, computeRules(nullptr))); !r) return r;
  installed_ = true;
  log::info("nftables table installed", {{"table", plan_.table}, {"services", std::to_string(plan_.services.size())}});
  if (auto r = engine_->start(); !r) return r;
  thread_ = std::thread([this] { worker(); });
  pthread_setname_np(thread_.native_handle(), "gtm-lb-table");
  return Ok{};
}

void Balancer::worker() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // Wakes at least every kHeartbeatEvery to show the watchdog it lives.
    worker_heartbeat_.beat();
    if (!wake_.wait_for(lock, kHeartbeatEvery, [this] { return dirty_ || stopping_; })) continue;
    if (stopping_) return;
    dirty_ = false;
    lock.unlock();
    std::vector<FlowCut> cuts;
    auto rules = computeRules(&cuts);
    if (auto r = nft_.run(renderRuleset(plan_.table, rules)); !r)
      log::error("cannot apply the new ruleset; the previous one stays", {{"error", r.error()}});
    // After the new table is in place (so the flows hash anew) and outside
    // every lock: a dump of a large conntrack table holds up nobody.
    for (const FlowCut& cut : cuts) {
      auto deleted = deleteFlows(cut.vip, cut.address, cut.l4proto);
      if (deleted)
        log::info("flows to a real server deleted", {{"service", cut.service},
                                                     {"real", cut.real},
                                                     {"why", cut.why},
                                                     {"entries", std::to_string(*deleted)}});
      else
        log::error("cannot delete flows of a real server",
                   {{"service", cut.service}, {"real", cut.real}, {"why", cut.why}, {"error", deleted.error()}});
    }
    lock.lock();
  }
}

std::string Balancer::stalled(std::chrono::nanoseconds max_age) const {
  if (worker_heartbeat_.age() > max_age) return "table worker";
  if (engine_ && engine_->stalled(max_age)) return "monitor engine";
  return "";
}

void Balancer::stop(bool keep_rules) {
  if (engine_) engine_->stop();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  engine_.reset();
  if (installed_ && !keep_rules) {
    if (auto r = nft_.run(renderDelete(plan_.table)); !r)
      log::error("cannot remove the nftables table", {{"error", r.error()}});
    else
      log::info("nftables table removed", {{"table", plan_.table}});
  }
  installed_ = false;
}

}  // namespace gtm::lb
