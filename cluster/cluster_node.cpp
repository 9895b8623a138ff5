#include "cluster/cluster_node.hpp"

#include <algorithm>
#include <exception>

#include <nlohmann/json.hpp>

#include "cluster/cluster_keys.hpp"
#include "common/json_text.hpp"
#include "common/log.hpp"
#include "common/utf8.hpp"

namespace gtm::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// Keys whose ignoring is logged one by one; past that, only counted.
constexpr size_t kMaxLoggedKeys = 1000;

// Runs `f`, turning anything it throws into an error: nothing read from
// etcd, nor any callback, ends a cluster thread.
template <class F>
Result<Ok> guarded(const char* what, F&& f) {
  try {
    f();
    return Ok{};
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": " + e.what()};
  } catch (...) {
    return Error{std::string(what) + ": an unknown exception"};
  }
}

// Text from outside, fit for a log line.
std::string shown(std::string_view text) { return boundedUtf8(text, 200); }

}  // namespace

// What one session shares between its threads.
struct ClusterNode::Session {
  int64_t lease = 0;
  std::atomic<bool> over{false};       // the session ends: every thread stops
  std::atomic<bool> lease_lost{false};
  std::string lease_error;             // why, under mutex_
};

ClusterNode::ClusterNode(NodeSettings settings, std::function<void()> on_agreement_change,
                         std::function<std::string(const AdminUpdate&)> on_admin,
                         std::function<void(const std::string&, uint32_t)> on_serial)
    : settings_(std::move(settings)),
      on_agreement_change_(std::move(on_agreement_change)),
      on_admin_(std::move(on_admin)),
      on_serial_(std::move(on_serial)),
      etcd_(settings_.etcd),
      lease_client_(settings_.etcd),
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
  auto until = Clock::now() + limit;
  while (!finished_ && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!finished_) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

void ClusterNode::loaded(const std::string& digest, uint32_t serial) {
  std::lock_guard lock(mutex_);
  node_unwritten_ = node_unwritten_ || digest != digest_;
  digest_ = digest;
  serial_ = serial;
  serial_unsettled_ = true;
  wake_.notify_all();
}

void ClusterNode::retain(const std::vector<std::string>& targets) {
  std::set<std::string> keep(targets.begin(), targets.end());
  std::lock_guard lock(mutex_);
  for (auto it = own_.begin(); it != own_.end();) {
    if (keep.count(it->first)) {
      ++it;
      continue;
    }
    removed_.insert(it->first);
    unwritten_.erase(it->first);
    it = own_.erase(it);
  }
  if (!removed_.empty()) wake_.notify_all();
}

std::string ClusterNode::configDigest() const {
  std::lock_guard lock(mutex_);
  return digest_;
}

std::string ClusterNode::problem() const {
  std::lock_guard lock(mutex_);
  return problem_;
}

void ClusterNode::observed(const std::string& target, policy::Health state, const std::string& reason) {
  // What another machine said can be in a reason (a balancer's page):
  // bounded, and valid UTF-8, before it is kept or written.
  std::string why = boundedUtf8(reason, kMaxReasonBytes);
  std::lock_guard lock(mutex_);
  auto it = own_.find(target);
  if (it != own_.end() && it->second.state == state && it->second.reason == why) return;
  own_[target] = {state, std::move(why)};
  removed_.erase(target);
  unwritten_.insert(target);
  wake_.notify_all();
}

policy::Health ClusterNode::agreed(const std::string& target, policy::Health own) {
  // Cut off from etcd (or in a minority partition, where etcd fails our
  // lease): this node's own view, until it rejoins.
  if (!connected_) return own;
  std::lock_guard lock(mutex_);
  return agree(settings_.agreement, own, view_.others(target));
}

Result<Ok> ClusterNode::setAdmin(const std::string& name, const std::string& state, const AdminActor& actor) {
  if (!connected_) return Error{"etcd cannot be reached: the change was not made on any node"};
  AdminActor by = actor;
  by.node = settings_.node;
  auto r = etcd_.put(settings_.prefix + "admin/" + name, encodeAdmin(state, by));
  if (!r) return Error{r.error()};
  // Applied here as everywhere: by the watch, in revision order.
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, settings_.etcd.timeout, [&] { return applied_revision_ >= *r || !connected_; });
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

std::vector<std::string> ClusterNode::adminMismatch() const {
  std::lock_guard lock(mutex_);
  return view_.adminMismatch(admin_digest_);
}

std::string ClusterNode::nodeJson() const {
  return nlohmann::json{{"config_digest", digest_}, {"version", settings_.version}, {"admin_digest", admin_digest_}}
      .dump();
}

std::string ClusterNode::observationJson(const std::string& target) const {
  const Own& o = own_.at(target);
  return jsonText({{"state", policy::healthName(o.state)},
                   {"reason", o.reason},
                   {"time", std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()}});
}

void ClusterNode::ignored(const std::string& key, const std::string& why) {
  ++ignored_;
  std::lock_guard lock(mutex_);
  if (logged_.size() > kMaxLoggedKeys || !logged_.insert(key).second) return;
  if (logged_.size() > kMaxLoggedKeys)
    log::warn("cluster: more values ignored under the prefix; counted in gtm_cluster_ignored_values_total, not logged");
  else
    log::warn("cluster: a value under the prefix was ignored", {{"key", shown(key)}, {"why", why}});
}

void ClusterNode::trouble(const std::string& error) {
  EtcdFailure kind = classifyFailure(error);
  std::string what = kind == EtcdFailure::no_quorum ? "etcd has no quorum (no leader answered): " + error
                     : kind == EtcdFailure::refused ? "etcd refused a request: " + error
                                                    : "etcd cannot be reached: " + error;
  // Only an answer brings the quorum back (keepLease, writeChanges): a
  // member that cannot be reached says nothing of it.
  bool newly = kind == EtcdFailure::no_quorum && quorum_.exchange(false);
  std::lock_guard lock(mutex_);
  if (problem_.empty() || newly) log::error("cluster: " + what, {{"node", settings_.node}});
  problem_ = what;
}

// One event of the watch, applied in revision order. True when agreement
// may have changed: an observation, or a node that starts or stops
// counting (a heartbeat of a node that counts already changes nothing).
bool ClusterNode::applyEvent(const WatchEvent& e) {
  if (e.kv.key.size() < settings_.prefix.size()) return false;
  std::string rel = e.kv.key.substr(settings_.prefix.size());
  KeyFamily family = keyFamily(rel);
  if (family == KeyFamily::admin) {
    auto a = decodeAdmin(rel, e.kv.value, e.deleted);
    if (!a) {
      ignored(e.kv.key, a.error());
      return false;
    }
    AdminUpdate update{{{a->name, a->state}}, false, a->actor};
    std::string digest = on_admin_ ? on_admin_(update) : "";
    std::lock_guard lock(mutex_);
    node_unwritten_ = node_unwritten_ || digest != admin_digest_;
    admin_digest_ = digest;
    return false;
  }
  std::unique_lock lock(mutex_);
  if (family == KeyFamily::serial) {
    serial_revision_ = e.deleted ? 0 : e.kv.mod_revision;
    shared_serial_ = e.deleted ? std::nullopt : parseSharedSerial(e.kv.value, e.kv.mod_revision);
    if (e.deleted || !shared_serial_) {
      // Gone, or unreadable: this node's serial is written again.
      serial_unsettled_ = true;
      wake_.notify_all();
      lock.unlock();
      if (!e.deleted) ignored(e.kv.key, "not {\"digest\": STRING, \"serial\": 0-4294967295}; overwritten");
      return false;
    }
    if (serialStep(shared_serial_, digest_, serial_, false) != SerialStep::adopt) return false;
    std::string digest = digest_;
    uint32_t serial = shared_serial_->serial;
    lock.unlock();
    if (on_serial_) on_serial_(digest, serial);  // it says loaded() again
    return false;
  }
  if (family != KeyFamily::node && family != KeyFamily::observation) return false;
  if (e.deleted) {
    // This node's own keys, deleted by someone while it runs: written again.
    if (rel == "nodes/" + settings_.node) node_unwritten_ = true;
    std::string mine = "obs/" + settings_.node + "/";
    if (rel.starts_with(mine) && own_.count(rel.substr(mine.size()))) unwritten_.insert(rel.substr(mine.size()));
    wake_.notify_all();
  }
  const std::string node = family == KeyFamily::node ? rel.substr(6) : "";
  bool counted = family == KeyFamily::node && view_.live(node);
  auto r = view_.apply(rel, e.kv.value, e.kv.mod_revision, e.deleted);
  bool changed = family == KeyFamily::observation || counted != view_.live(node);
  lock.unlock();
  if (!r) ignored(e.kv.key, r.error());
  return changed;
}

// Every key under the prefix, into a fresh view: the nodes, their
// observations, the admin state (complete) and the serial.
Result<Ok> ClusterNode::readAll(EtcdClient& client, int64_t* revision) {
  auto range = client.rangePrefix(settings_.prefix);
  if (!range) return Error{range.error()};
  for (const std::string& key : range->too_large) ignored(key, "a value too large to read");
  ClusterView fresh(settings_.node);
  fresh.clear(range->revision);
  AdminUpdate admin{{}, true};
  std::optional<SharedSerial> serial;
  int64_t serial_revision = 0;
  std::vector<std::pair<std::string, std::string>> bad;
  for (const KeyValue& kv : range->kvs) {
    if (kv.key.size() < settings_.prefix.size()) continue;
    std::string rel = kv.key.substr(settings_.prefix.size());
    switch (keyFamily(rel)) {
      case KeyFamily::admin:
        if (auto a = decodeAdmin(rel, kv.value, false))
          admin.states[a->name] = a->state;
        else
          bad.emplace_back(kv.key, a.error());
        break;
      case KeyFamily::serial:
        serial_revision = kv.mod_revision;
        serial = parseSharedSerial(kv.value, kv.mod_revision);
        if (!serial) bad.emplace_back(kv.key, "not {\"digest\": STRING, \"serial\": 0-4294967295}; overwritten");
        break;
      default:
        if (auto r = fresh.apply(rel, kv.value, kv.mod_revision, false); !r) bad.emplace_back(kv.key, r.error());
    }
  }
  for (const auto& [key, why] : bad) ignored(key, why);
  // The whole admin state at once: one write of the state file, however
  // many keys (one write per key took seconds for 10,000 of them).
  std::string admin_digest = on_admin_ ? on_admin_(admin) : "";
  {
    std::lock_guard lock(mutex_);
    view_ = std::move(fresh);
    shared_serial_ = serial;
    serial_revision_ = serial_revision;
    admin_digest_ = admin_digest;
    node_unwritten_ = true;
    serial_unsettled_ = true;
    // Not the larger of the two: etcd rebuilt from nothing starts its
    // revisions again.
    applied_revision_ = range->revision;
  }
  *revision = range->revision;
  return Ok{};
}

// After a load here (or on joining, or when the key went or was garbage):
// adopt the serial that the nodes with this config serve, or publish this
// node's for its config.
Result<Ok> ClusterNode::settleSerial() {
  std::unique_lock lock(mutex_);
  serial_unsettled_ = false;
  std::string digest = digest_;
  uint32_t serial = serial_;
  std::optional<SharedSerial> shared = shared_serial_;
  int64_t revision = serial_revision_;
  lock.unlock();
  switch (serialStep(shared, digest, serial, true)) {
    case SerialStep::keep:
      return Ok{};
    case SerialStep::adopt:
      if (on_serial_) on_serial_(digest, shared->serial);
      return Ok{};
    case SerialStep::publish:
      break;
  }
  // Compared with the revision read (of a readable value or not): when
  // another node wrote first, the watch brings its value, adopted then.
  auto r = etcd_.putIf(settings_.prefix + std::string(kSerialKey), sharedSerialJson(digest, serial), revision);
  if (!r) return Error{r.error()};
  return Ok{};
}

std::optional<uint32_t> ClusterNode::agreeTransferSerial(const std::string& content, uint32_t proposed) {
  const std::string key = settings_.prefix + "xfr-serial";
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto range = etcd_.rangePrefix(key);
    if (!range) return std::nullopt;
    std::optional<SharedSerial> shared;
    int64_t revision = 0;
    for (const KeyValue& kv : range->kvs)
      if (kv.key == key) {
        revision = kv.mod_revision;
        shared = parseSharedSerial(kv.value, kv.mod_revision);
        if (!shared) ignored(kv.key, "not {\"digest\": STRING, \"serial\": 0-4294967295}; overwritten");
      }
    if (shared && shared->digest == content) return shared->serial;
    uint32_t mine = proposed;
    if (shared && static_cast<int32_t>(shared->serial - mine) >= 0) mine = shared->serial + 1;
    auto put = etcd_.putIf(key, sharedSerialJson(content, mine), revision);
    if (!put) return std::nullopt;
    if (*put) return mine;
  }
  return std::nullopt;
}

// The lease, on its own thread and connection: renewed every TTL/3; a
// failed renewal (an etcd election, a member going away) is tried again
// until the lease would run out. Only then (or when etcd says it has
// expired) is this node cut off.
void ClusterNode::keepLease(Session& s) {
  auto renew_every = std::chrono::milliseconds(settings_.lease_ttl * 1000 / 3);
  auto ttl = std::chrono::seconds(settings_.lease_ttl);
  auto renewed = Clock::now();
  auto next = renewed + renew_every;
  while (!s.over && !stopping_) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next, [&] { return s.over || stopping_; });
    }
    if (s.over || stopping_) return;
    auto began = Clock::now();
    auto r = lease_client_.keepAlive(s.lease);
    if (r) {
      renewed = began;
      next = began + renew_every;
      if (!quorum_.exchange(true)) {
        log::info("cluster: etcd answers again", {{"node", settings_.node}});
        std::lock_guard lock(mutex_);
        problem_.clear();
      }
      continue;
    }
    trouble(r.error());
    if (r.error().find("expired") != std::string::npos || Clock::now() - renewed >= ttl - renew_every) {
      // Out of the cluster now, not once the other threads' calls return:
      // the answers follow this node's own view at once.
      connected_ = false;
      {
        std::lock_guard lock(mutex_);
        s.lease_error = r.error();
        s.lease_lost = true;
      }
      wake_.notify_all();
      if (on_agreement_change_) on_agreement_change_();
      return;
    }
    next = Clock::now() + std::chrono::milliseconds(200);
  }
}

// The watch, from just after the read: no change is missed. It runs at the
// member the session's calls use; when its member goes it goes on at the
// next, from the revision after the last event it had. A compacted history
// or a watch that no member serves is read again and resumed, without
// leaving the cluster: only the lease decides that.
void ClusterNode::watch(Session& s) {
  int64_t from = 0;
  {
    std::lock_guard lock(mutex_);
    from = applied_revision_ + 1;
  }
  size_t failures = 0;
  bool follow = true;
  auto pause = [&](std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [&] { return s.over || stopping_; });
  };
  while (!stopping_ && !s.over) {
    auto began = Clock::now();
    if (follow) watcher_.prefer(lease_client_.preferred());
    follow = false;
    auto r = watcher_.watchPrefix(settings_.prefix, from, [&](const WatchEvent& e) {
      from = std::max(from, e.kv.mod_revision + 1);
      bool changed = true;
      if (auto g = guarded("an event from etcd", [&] { changed = applyEvent(e); }); !g)
        log::error("cluster: " + g.error(), {{"key", shown(e.kv.key)}});
      {
        std::lock_guard lock(mutex_);
        applied_revision_ = std::max(applied_revision_, e.kv.mod_revision);
      }
      wake_.notify_all();
      if (changed && on_agreement_change_) on_agreement_change_();
    });
    if (stopping_ || s.over) return;
    if (r) {  // stopped to follow the lease's member
      follow = true;
      continue;
    }
    if (Clock::now() - began > std::chrono::seconds(5)) failures = 0;
    bool compacted = r.error().find("compacted") != std::string::npos;
    if (!compacted && ++failures < settings_.etcd.endpoints.size()) {
      if (failures == 1) log::warn("cluster: the watch moves to the next etcd member", {{"error", r.error()}});
      continue;  // the client moved on to the next member
    }
    if (failures <= settings_.etcd.endpoints.size())
      log::warn("cluster: reading the prefix again to resume the watch", {{"error", r.error()}});
    int64_t revision = 0;
    Result<Ok> again = Ok{};
    if (auto g = guarded("reading etcd", [&] { again = readAll(watcher_, &revision); }); !g) again = g;
    if (!again) {
      pause(std::chrono::milliseconds(500));
      continue;
    }
    from = revision + 1;
    if (!compacted) pause(std::chrono::milliseconds(200));  // no member served the watch: not in a tight loop
    failures = compacted ? 0 : failures;
    if (on_agreement_change_) on_agreement_change_();
  }
}

// Whatever this node has to say, as few transactions as it takes: its node
// key (heartbeat, digests), changed observations, deleted ones.
Result<Ok> ClusterNode::writeChanges(Session& s) {
  std::vector<TxnOp> ops;
  std::vector<std::string> targets, gone;
  {
    std::lock_guard lock(mutex_);
    node_unwritten_ = false;
    ops.push_back({false, settings_.prefix + "nodes/" + settings_.node, nodeJson(), s.lease});
    for (const std::string& t : unwritten_)
      if (own_.count(t)) {
        ops.push_back({false, settings_.prefix + "obs/" + settings_.node + "/" + t, observationJson(t), s.lease});
        targets.push_back(t);
      }
    unwritten_.clear();
    for (const std::string& t : removed_) {
      ops.push_back({true, settings_.prefix + "obs/" + settings_.node + "/" + t, "", 0});
      gone.push_back(t);
    }
    removed_.clear();
  }
  auto r = etcd_.commit(ops);
  if (r) return Ok{};
  // Not written: tried again with the next batch.
  std::lock_guard lock(mutex_);
  node_unwritten_ = true;
  for (const std::string& t : targets)
    if (own_.count(t)) unwritten_.insert(t);
  for (const std::string& t : gone)
    if (!own_.count(t)) removed_.insert(t);
  return Error{r.error()};
}

Result<Ok> ClusterNode::session() {
  auto lease = etcd_.grantLease(static_cast<int>(settings_.lease_ttl));
  if (!lease) return Error{lease.error()};
  Session s;
  s.lease = *lease;
  // Renewed from now on, on its own thread: reading a large prefix may
  // take longer than the lease lives.
  std::thread lease_thread([&] { keepLease(s); });
  pthread_setname_np(lease_thread.native_handle(), "gtm-lease");
  auto leave = [&](Result<Ok> r) {
    s.over = true;
    wake_.notify_all();
    lease_thread.join();
    return r;
  };
  int64_t revision = 0;
  if (auto r = readAll(etcd_, &revision); !r) return leave(r);
  {
    std::lock_guard lock(mutex_);
    node_unwritten_ = true;
    for (const auto& [target, o] : own_) unwritten_.insert(target);  // a new lease: publish them all again
  }
  if (auto r = writeChanges(s); !r) return leave(r);
  if (auto r = settleSerial(); !r) return leave(r);
  if (s.lease_lost) return leave(Error{"the lease ran out while the prefix was read"});
  connected_ = true;
  joined_ = true;
  quorum_ = true;
  {
    std::lock_guard lock(mutex_);
    problem_.clear();
  }
  log::info("cluster: connected to etcd", {{"node", settings_.node}, {"nodes", std::to_string(nodes().size())}});
  if (on_agreement_change_) on_agreement_change_();

  std::thread watch_thread([&] { watch(s); });
  pthread_setname_np(watch_thread.native_handle(), "gtm-watch");
  // The heartbeat: nodes/NODE written again every TTL/3, so that the others
  // know this node is alive (cluster/cluster_view.hpp).
  auto beat_every = std::chrono::milliseconds(settings_.lease_ttl * 1000 / 3);
  auto next_beat = Clock::now() + beat_every;
  auto retry_at = Clock::time_point{};
  Result<Ok> result = Ok{};
  while (!stopping_ && !s.lease_lost) {
    bool settle = false;
    {
      std::unique_lock lock(mutex_);
      auto until = std::max(next_beat, retry_at);
      wake_.wait_until(lock, until, [&] {
        if (stopping_ || s.lease_lost) return true;
        if (Clock::now() < retry_at) return false;
        return node_unwritten_ || serial_unsettled_ || !unwritten_.empty() || !removed_.empty();
      });
      if (stopping_ || s.lease_lost) break;
      settle = serial_unsettled_;
    }
    auto w = writeChanges(s);
    if (w && settle) w = settleSerial();
    next_beat = Clock::now() + beat_every;
    // The watch follows the lease to another member (a member cut off from
    // the majority would keep a watch open and quiet).
    if (lease_client_.preferred() != watcher_.preferred()) watcher_.stopWatch();
    if (w) {
      retry_at = {};
      quorum_ = true;
      std::lock_guard lock(mutex_);
      problem_.clear();
      continue;
    }
    if (w.error().find("lease not found") != std::string::npos) {
      result = Error{w.error()};  // someone revoked it: a new session, a new lease
      break;
    }
    // Unreachable, no quorum or refused: said once, tried again soon. The
    // lease's own thread decides whether this node is cut off.
    trouble(w.error());
    retry_at = Clock::now() + std::chrono::milliseconds(500);
  }
  s.over = true;
  wake_.notify_all();
  watcher_.stopWatch();
  lease_thread.join();
  watch_thread.join();
  if (result && s.lease_lost) {
    std::lock_guard lock(mutex_);
    result = Error{s.lease_error};
  }
  if (stopping_ && result) (void)etcd_.revokeLease(s.lease);  // leave at once, not after the TTL
  return result;
}

void ClusterNode::run() {
  struct Finished {
    std::atomic<bool>& f;
    ~Finished() { f = true; }
  } finished{finished_};
  bool said = false;
  while (!stopping_) {
    Result<Ok> r = Ok{};
    joined_ = false;
    if (auto g = guarded("the cluster session", [&] { r = session(); }); !g) r = g;
    connected_ = false;
    if (stopping_) break;
    std::string error = r ? std::string("session ended") : r.error();
    trouble(error);  // what is wrong now, on every try (logged when it changes)
    if (joined_ || !said) {
      log::error("cluster: out of the cluster; answering by this node's own observations, admin state kept",
                 {{"node", settings_.node}, {"error", error}});
      said = true;
      if (on_agreement_change_) on_agreement_change_();
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_.load(); });
  }
}

}  // namespace gtm::cluster
