#include "cluster/cluster_node.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/log.hpp"

namespace gtm::cluster {

ClusterNode::ClusterNode(NodeSettings settings, std::function<void()> on_agreement_change,
                         std::function<void(const std::string&, const std::string&)> on_admin,
                         std::function<void(const std::string&, uint32_t)> on_serial)
    : settings_(std::move(settings)),
      on_agreement_change_(std::move(on_agreement_change)),
      on_admin_(std::move(on_admin)),
      on_serial_(std::move(on_serial)),
      etcd_(settings_.etcd),
      watcher_(settings_.etcd),
      view_(settings_.node) {}

ClusterNode::~ClusterNode() { stop(); }

void ClusterNode::start() {
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "gtm-cluster");
}

void ClusterNode::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  watcher_.stopWatch();
  wake_.notify_all();
  thread_.join();
}

bool ClusterNode::stopWithin(std::chrono::milliseconds limit) {
  if (!thread_.joinable()) return true;
  stopping_ = true;
  watcher_.stopWatch();
  wake_.notify_all();
  auto until = std::chrono::steady_clock::now() + limit;
  while (!finished_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!finished_) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

void ClusterNode::loaded(const std::string& digest, uint32_t serial) {
  std::lock_guard lock(mutex_);
  node_unwritten_ = digest != digest_;
  digest_ = digest;
  serial_ = serial;
  serial_unsettled_ = true;
  wake_.notify_all();
}

std::string ClusterNode::configDigest() const {
  std::lock_guard lock(mutex_);
  return digest_;
}

void ClusterNode::observed(const std::string& target, policy::Health state, const std::string& reason) {
  std::lock_guard lock(mutex_);
  own_[target] = {state, reason};
  unwritten_[target] = true;
  wake_.notify_all();
}

policy::Health ClusterNode::agreed(const std::string& target, policy::Health own) {
  // Cut off from etcd (or in a minority partition, where etcd fails our
  // lease): this node's own view, until it rejoins.
  if (!connected_) return own;
  std::lock_guard lock(mutex_);
  return agree(settings_.agreement, own, view_.others(target));
}

Result<Ok> ClusterNode::setAdmin(const std::string& name, const std::string& state) {
  if (!connected_) return Error{"etcd cannot be reached: the change was not made on any node"};
  auto r = etcd_.put(settings_.prefix + "admin/" + name, state);
  if (!r) return Error{r.error()};
  return Ok{};
}

std::vector<NodeInfo> ClusterNode::nodes() const {
  std::lock_guard lock(mutex_);
  return view_.nodes();
}

std::map<std::string, policy::Health> ClusterNode::observations(const std::string& target) const {
  std::lock_guard lock(mutex_);
  auto out = connected_ ? view_.observations(target) : std::map<std::string, policy::Health>{};
  if (auto it = own_.find(target); it != own_.end()) out[settings_.node] = it->second.state;
  return out;
}

std::vector<std::string> ClusterNode::configMismatch() const {
  std::lock_guard lock(mutex_);
  return view_.configMismatch(digest_);
}

std::string ClusterNode::observationJson(const std::string& target) const {
  const Own& o = own_.at(target);
  return nlohmann::json{{"state", policy::healthName(o.state)}, {"reason", o.reason},
                        {"time", std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()}}
      .dump();
}

void ClusterNode::apply(const KeyValue& kv, bool deleted, bool* agreement_changed) {
  std::string_view rel = std::string_view(kv.key).substr(settings_.prefix.size());
  if (rel.substr(0, 6) == "admin/") {
    if (!deleted && on_admin_) on_admin_(std::string(rel.substr(6)), kv.value);
    return;
  }
  std::unique_lock lock(mutex_);
  if (rel == kSerialKey) {
    shared_serial_ = deleted ? std::nullopt : parseSharedSerial(kv.value, kv.mod_revision);
    // Read by the range, it is settled once every key is (settleSerial).
    if (!connected_ || serialStep(shared_serial_, digest_, serial_, false) != SerialStep::adopt) return;
    std::string digest = digest_;
    uint32_t serial = shared_serial_->serial;
    lock.unlock();
    if (on_serial_) on_serial_(digest, serial);  // it says loaded() again
    return;
  }
  if (deleted)
    view_.remove(rel);
  else
    view_.put(rel, kv.value);
  *agreement_changed = true;
}

// After a load here (or on joining): adopt the serial that the nodes with
// this config serve, or publish this node's for its config.
Result<Ok> ClusterNode::settleSerial(bool own_load) {
  std::unique_lock lock(mutex_);
  serial_unsettled_ = false;
  std::string digest = digest_;
  uint32_t serial = serial_;
  std::optional<SharedSerial> shared = shared_serial_;
  lock.unlock();
  switch (serialStep(shared, digest, serial, own_load)) {
    case SerialStep::keep:
      return Ok{};
    case SerialStep::adopt:
      if (on_serial_) on_serial_(digest, shared->serial);
      return Ok{};
    case SerialStep::publish:
      break;
  }
  // When another node wrote first, the watch brings its value, adopted then.
  auto r = etcd_.putIf(settings_.prefix + std::string(kSerialKey), sharedSerialJson(digest, serial),
                       shared ? shared->mod_revision : 0);
  if (!r) return Error{r.error()};
  return Ok{};
}

Result<Ok> ClusterNode::session() {
  auto lease = etcd_.grantLease(static_cast<int>(settings_.lease_ttl));
  if (!lease) return Error{lease.error()};
  {
    std::lock_guard lock(mutex_);
    node_unwritten_ = true;
    for (const auto& [target, o] : own_) unwritten_[target] = true;  // a new lease: publish them all again
  }
  auto writeNode = [&]() -> Result<Ok> {
    std::unique_lock lock(mutex_);
    if (!node_unwritten_) return Ok{};
    node_unwritten_ = false;
    std::string me = nlohmann::json{{"config_digest", digest_}, {"version", settings_.version}}.dump();
    lock.unlock();
    if (auto r = etcd_.put(settings_.prefix + "nodes/" + settings_.node, me, *lease); !r) return Error{r.error()};
    return Ok{};
  };
  if (auto r = writeNode(); !r) return r;
  auto range = etcd_.rangePrefix(settings_.prefix);
  if (!range) return Error{range.error()};
  {
    std::lock_guard lock(mutex_);
    view_.clear();
    shared_serial_.reset();
    serial_unsettled_ = false;  // settled below, once the keys are read
  }
  bool changed = false;
  for (const KeyValue& kv : range->kvs) apply(kv, false, &changed);
  if (auto r = settleSerial(true); !r) return r;
  connected_ = true;
  log::info("cluster: connected to etcd", {{"node", settings_.node}, {"nodes", std::to_string(nodes().size())}});
  if (on_agreement_change_) on_agreement_change_();

  // The watch, from just after the range: no change is missed. It runs at
  // the member the session's calls use, and follows them when they move (a
  // member cut off from the majority would keep a watch open and quiet);
  // when its own member goes it goes on at the next, from the revision
  // after the last event it had. An etcd member failure within quorum is
  // not seen here.
  watcher_.prefer(etcd_.preferred());
  std::atomic<bool> watch_failed{false}, watch_restart{false}, session_over{false};
  std::string watch_error;
  std::thread watch([&] {
    int64_t from = range->revision + 1;
    size_t failures = 0;
    while (!stopping_ && !session_over) {
      auto began = std::chrono::steady_clock::now();
      auto r = watcher_.watchPrefix(settings_.prefix, from, [&](const WatchEvent& e) {
        from = std::max(from, e.kv.mod_revision + 1);
        bool agreement_changed = false;
        apply(e.kv, e.deleted, &agreement_changed);
        if (agreement_changed && on_agreement_change_) on_agreement_change_();
      });
      if (stopping_ || session_over) break;
      if (r) {
        if (!watch_restart.exchange(false)) break;
        watcher_.prefer(etcd_.preferred());
        continue;
      }
      if (std::chrono::steady_clock::now() - began > std::chrono::seconds(5)) failures = 0;
      if (r.error().find("compacted") != std::string::npos || ++failures >= settings_.etcd.endpoints.size()) {
        watch_error = r.error();
        break;
      }
      log::warn("cluster: the watch moves to the next etcd member", {{"error", r.error()}});
    }
    watch_failed = true;
    wake_.notify_all();
  });
  Result<Ok> result = Ok{};
  auto renew_every = std::chrono::milliseconds(settings_.lease_ttl * 1000 / 3);
  auto next_renewal = std::chrono::steady_clock::now() + renew_every;
  auto renewed = std::chrono::steady_clock::now();
  while (!stopping_ && !watch_failed) {
    std::vector<std::pair<std::string, std::string>> writes;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_renewal, [&] {
        if (stopping_ || watch_failed || node_unwritten_ || serial_unsettled_) return true;
        for (const auto& [t, u] : unwritten_)
          if (u) return true;
        return false;
      });
      for (auto& [target, unwritten] : unwritten_)
        if (unwritten) {
          writes.emplace_back(target, observationJson(target));
          unwritten = false;
        }
    }
    if (auto r = writeNode(); !r) {
      result = r;
      break;
    }
    bool unsettled;
    {
      std::lock_guard lock(mutex_);
      unsettled = serial_unsettled_;
    }
    if (unsettled)
      if (auto r = settleSerial(true); !r) {
        result = r;
        break;
      }
    for (const auto& [target, json] : writes)
      if (auto r = etcd_.put(settings_.prefix + "obs/" + settings_.node + "/" + target, json, *lease); !r) {
        result = Error{r.error()};
        break;
      }
    if (!result) break;
    if (auto now = std::chrono::steady_clock::now(); now >= next_renewal) {
      if (auto r = etcd_.keepAlive(*lease); !r) {
        // etcd electing a leader, or a member going away, fails a renewal
        // for a moment: try again until the lease would run out. Only then
        // (or when etcd says it has expired) is this node cut off.
        bool expired = r.error().find("expired") != std::string::npos;
        if (expired || std::chrono::steady_clock::now() - renewed >= std::chrono::seconds(settings_.lease_ttl) - renew_every) {
          result = Error{r.error()};
          break;
        }
        next_renewal = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      } else {
        renewed = now;
        next_renewal = std::chrono::steady_clock::now() + renew_every;
      }
    }
    if (etcd_.preferred() != watcher_.preferred() && !watch_restart.exchange(true)) {
      log::warn("cluster: the watch follows the session to another etcd member");
      watcher_.stopWatch();
    }
  }
  session_over = true;
  if (!watch_failed) watcher_.stopWatch();
  watch.join();
  if (result && watch_failed && !stopping_) result = Error{watch_error.empty() ? "the watch ended" : watch_error};
  if (stopping_ && result) (void)etcd_.revokeLease(*lease);  // leave at once, not after the TTL
  return result;
}

void ClusterNode::run() {
  struct Finished {
    std::atomic<bool>& f;
    ~Finished() { f = true; }
  } finished{finished_};
  bool said = false;
  while (!stopping_) {
    auto r = session();
    bool was_connected = connected_.exchange(false);
    if (stopping_) break;
    if (was_connected || !said) {
      log::error("cluster: etcd cannot be reached; answering by this node's own observations, admin state kept",
                 {{"node", settings_.node}, {"error", r ? std::string("session ended") : r.error()}});
      said = true;
      if (on_agreement_change_) on_agreement_change_();
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_.load(); });
  }
}

}  // namespace gtm::cluster
