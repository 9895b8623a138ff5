#include "monitor/engine.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "common/utf8.hpp"

namespace gtm::monitor {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct Engine::EndpointEntry {
  std::string name;  // "profile/endpoint"
  size_t slot = 0;
  std::vector<Check*> checks;  // its profile's monitors at its addresses: every one must pass
  // depends_on: at least min_online of each group's checks must pass.
  struct Group {
    std::string monitor;
    unsigned min_online = 1;
    std::vector<Check*> checks;
  };
  std::vector<Group> groups;
  policy::Health state = policy::Health::checking;
};

// One health target: (monitor, address, port), probed once however many
// endpoints (in however many profiles) use it, with one state.
struct Engine::Check {
  std::vector<size_t> endpoints;  // indices into endpoints_ of those that use it
  size_t monitor = 0;             // index into monitors_ and probes_
  ProbeTarget target;
  std::string key;  // "MONITOR|ADDRESS|PORT", the same on every node
  HealthCounter counter;
  ProbeResult last;
  std::chrono::system_clock::time_point last_change{};
  std::optional<policy::Health> shared;  // what this node last told the others
};

namespace {

Clock::duration toDuration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// What a probe result may carry, at the most: its text can come from the
// probed server (a balancer's page, a RADIUS Reply-Message), and it is kept,
// logged, shown and shared with the other nodes.
constexpr size_t kMaxReasonBytes = 512;
constexpr size_t kMaxDetails = 16;
constexpr size_t kMaxDetailBytes = 256;

void bound(ProbeResult& r) {
  r.reason = boundedUtf8(r.reason, kMaxReasonBytes);
  r.warning = boundedUtf8(r.warning, kMaxReasonBytes);
  if (r.details.size() > kMaxDetails) r.details.resize(kMaxDetails);
  for (auto& [key, value] : r.details) {
    key = boundedUtf8(key, kMaxDetailBytes);  // a CRL or OCSP URL names its detail
    value = boundedUtf8(value, kMaxDetailBytes);
  }
}

// A uniformly random fraction of `d`, for spreading the first probes.
Clock::duration jitter(Clock::duration d) {
  uint32_t r = 0;
  RAND_bytes(reinterpret_cast<uint8_t*>(&r), sizeof r);
  return Clock::duration(static_cast<Clock::rep>(static_cast<double>(d.count()) * (r / 4294967296.0)));
}

}  // namespace

Engine::Engine(std::vector<config::Monitor> monitors, const std::vector<policy::Profile>& profiles,
               std::shared_ptr<policy::HealthTable> health, std::function<void()> on_change)
    : monitors_(std::move(monitors)), health_(std::move(health)), on_change_(std::move(on_change)) {
  // One check per (monitor, address, port), however many endpoints use it.
  auto checkFor = [&](size_t m, const IpAddress& a) {
    const config::Monitor& mon = monitors_[m];
    for (auto& c : checks_)
      if (c->monitor == m && c->target.address == a && c->target.port == mon.port) return c.get();
    checks_.push_back(std::make_unique<Check>(Check{{}, m, {a, mon.port},
                                                    mon.name + "|" + a.toString() + "|" + std::to_string(mon.port),
                                                    HealthCounter(mon.tolerated_failures, mon.rise), {}, {}, std::nullopt}));
    return checks_.back().get();
  };
  auto use = [&](Check* check) {
    if (std::find(check->endpoints.begin(), check->endpoints.end(), endpoints_.size() - 1) == check->endpoints.end())
      check->endpoints.push_back(endpoints_.size() - 1);
  };
  for (const policy::Profile& p : profiles) {
    for (const policy::Endpoint& e : p.endpoints) {
      // Nested profiles take their health from their own endpoints; always
      // serve means no probes at all.
      if (e.child >= 0 || e.always_serve || (p.monitors.empty() && e.depends_on.empty())) continue;
      endpoints_.push_back({p.name + "/" + e.name, e.health_slot, {}, {}, policy::Health::checking});
      EndpointEntry& ep = endpoints_.back();
      for (size_t m : p.monitors)
        for (const IpAddress& a : e.probe_addresses) {
          Check* check = checkFor(m, a);
          if (std::find(ep.checks.begin(), ep.checks.end(), check) == ep.checks.end()) ep.checks.push_back(check);
          use(check);
        }
      for (const policy::Dependency& d : e.depends_on) {
        EndpointEntry::Group group{monitors_[d.monitor].name, d.min_online, {}};
        for (const IpAddress& a : d.targets) {
          Check* check = checkFor(d.monitor, a);
          group.checks.push_back(check);
          use(check);
        }
        ep.groups.push_back(std::move(group));
      }
    }
  }
  for (const config::Monitor& m : monitors_) latency_.push_back({m.name, {}, 0, 0, 0});
}

Engine::~Engine() { stop(); }

namespace {

// Whether two monitors probe the same way (everything but where they were written).
bool sameProbe(const config::Monitor& a, const config::Monitor& b) {
  auto ranges = [](const config::Monitor& m) {
    std::vector<std::pair<int, int>> out;
    for (const auto& r : m.expected_status) out.emplace_back(r.low, r.high);
    return out;
  };
  return a.name == b.name && a.protocol == b.protocol && a.port == b.port && a.interval == b.interval &&
         a.timeout == b.timeout && a.tolerated_failures == b.tolerated_failures && a.rise == b.rise &&
         a.sstp_mode == b.sstp_mode && a.path == b.path && ranges(a) == ranges(b) && a.headers == b.headers &&
         a.host == b.host && a.verify_tls == b.verify_tls && a.ca_file == b.ca_file &&
         a.ca_pem == b.ca_pem && a.warn_cert_days == b.warn_cert_days && a.nat_t == b.nat_t &&
         a.ike_dh_group == b.ike_dh_group && a.ike_expect == b.ike_expect &&
         a.ike_require_fragmentation == b.ike_require_fragmentation && a.radius_expect == b.radius_expect &&
         a.radius_mode == b.radius_mode &&
         a.radius_require_message_authenticator == b.radius_require_message_authenticator && a.username == b.username && a.password == b.password &&
         a.secret == b.secret && a.url == b.url && a.lb_services == b.lb_services && a.min_reals == b.min_reals &&
         a.token == b.token && a.source == b.source;
}

}  // namespace

void Engine::adopt(const Engine& previous) {
  std::lock_guard lock(previous.status_mutex_);
  for (auto& c : checks_) {
    for (const auto& old : previous.checks_) {
      if (old->target.address == c->target.address && old->target.port == c->target.port &&
          sameProbe(previous.monitors_[old->monitor], monitors_[c->monitor])) {
        c->counter = old->counter;
        c->last = old->last;
        c->last_change = old->last_change;
        break;
      }
    }
  }
  events_ = previous.events_;
  transitions_ = previous.transitions_;
  for (Latency& l : latency_)
    for (const Latency& o : previous.latency_)
      if (o.monitor == l.monitor) l = o;
  // The endpoints take back the states they had: no change for the event
  // journal (its sink is muted meanwhile).
  EventSink sink = std::move(sink_);
  for (EndpointEntry& ep : endpoints_) publish(ep, "kept over reload");
  sink_ = std::move(sink);
}

void Engine::remember(Event e) {
  // Called with status_mutex_ held.
  ++transitions_;
  if (sink_) sink_(e, false);
  if (events_.size() == kMaxEvents) events_.erase(events_.begin());
  events_.push_back(std::move(e));
}

Result<Ok> Engine::start() {
  for (const config::Monitor& m : monitors_) {
    auto probe = makeProbe(m);
    if (!probe) return Error{"[[monitor]] " + m.name + ": " + probe.error()};
    probes_.push_back(std::move(*probe));
  }
  // The others learn this node's view of every target it probes now (kept
  // over a reload, or Checking for a new one).
  if (shared_) shared_->retain(targetKeys());
  for (auto& c : checks_) shareOwn(*c);
  io_ = std::make_unique<asio::io_context>(1);
  for (auto& c : checks_) {
    Check* check = c.get();
    asio::co_spawn(
        *io_,
        [this, check]() -> asio::awaitable<void> {
          const config::Monitor& m = monitors_[check->monitor];
          Probe& probe = *probes_[check->monitor];
          asio::steady_timer timer(co_await asio::this_coro::executor);
          auto interval = toDuration(m.interval);
          auto next = Clock::now() + jitter(interval);
          for (;;) {
            timer.expires_at(next);
            co_await timer.async_wait(asio::use_awaitable);
            auto started = Clock::now();
            ProbeResult result = co_await probe.run(check->target);
            bound(result);
            result.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
            record(*check, result);
            // Fixed rate: the next probe is due one interval after this one
            // started, however long it took.
            next = started + interval;
          }
        },
        asio::detached);
  }
  asio::co_spawn(
      *io_,
      [this]() -> asio::awaitable<void> {
        asio::steady_timer tick(co_await asio::this_coro::executor);
        for (;;) {
          heartbeat_.beat();
          tick.expires_after(kHeartbeatEvery);
          co_await tick.async_wait(asio::use_awaitable);
        }
      },
      asio::detached);
  heartbeat_.beat();
  thread_ = std::thread([io = io_.get()] { io->run(); });
  pthread_setname_np(thread_.native_handle(), "gtm-monitor");
  return Ok{};
}

void Engine::refresh() {
  if (!io_) return;
  asio::post(*io_, [this] {
    for (EndpointEntry& ep : endpoints_) publish(ep, "the nodes' agreement changed");
  });
}

void Engine::stop() {
  if (io_) io_->stop();
  if (thread_.joinable()) thread_.join();
  io_.reset();
}

void Engine::record(Check& check, const ProbeResult& result) {
  policy::Health before = check.counter.state();
  bool changed;
  const config::Monitor& m = monitors_[check.monitor];
  {
    std::lock_guard lock(status_mutex_);
    changed = check.counter.record(result.up);
    // A new certificate or CRL warning (days left, a CRL near its
    // nextUpdate): once per new text, not per probe.
    if (sink_ && (result.cert_days_left || result.crl_seconds_left) && !result.warning.empty() &&
        result.warning != check.last.warning)
      for (size_t e : check.endpoints)
        sink_({std::chrono::system_clock::now(), endpoints_[e].name, m.name, check.counter.state(),
               check.counter.state(), result.warning},
              true);
    check.last = result;
    Latency& l = latency_[check.monitor];
    double secs = std::chrono::duration<double>(result.latency).count();
    size_t b = 0;
    while (b < kLatencyBuckets.size() && secs > kLatencyBuckets[b]) ++b;
    ++l.buckets[b];
    l.sum += secs;
    ++l.count;
    if (!result.up) ++l.failures;
    if (changed) {
      check.last_change = std::chrono::system_clock::now();
      for (size_t e : check.endpoints)
        remember({check.last_change, endpoints_[e].name, m.name, before, check.counter.state(), result.reason});
    }
  }
  shareOwn(check);
  std::string users;
  for (size_t e : check.endpoints) users += (users.empty() ? "" : ",") + endpoints_[e].name;
  if (changed) {
    log::info("check state changed", {{"endpoint", users},
                                      {"monitor", m.name},
                                      {"address", check.target.address.toString()},
                                      {"from", policy::healthName(before)},
                                      {"to", policy::healthName(check.counter.state())},
                                      {"reason", result.reason}});
  }
  if (!result.warning.empty() && result.up && changed)
    log::warn("check warning", {{"endpoint", users}, {"monitor", m.name}, {"warning", result.warning}});
  for (size_t e : check.endpoints) publish(endpoints_[e], result.reason);
}

// This node's own state of a check: the counter's, and Full while an
// Online server says it takes no new clients.
policy::Health Engine::ownState(const Check& c) {
  policy::Health own = c.counter.state();
  return own == policy::Health::online && c.last.up && c.last.full ? policy::Health::full : own;
}

void Engine::shareOwn(Check& check) {
  policy::Health own = ownState(check);
  if (!shared_ || check.shared == own) return;
  check.shared = own;
  shared_->observed(check.key, own, check.last.reason);
}

std::vector<std::string> Engine::targetKeys() const {
  std::vector<std::string> out;
  for (const auto& c : checks_) out.push_back(c->key);
  return out;
}

void Engine::publish(EndpointEntry& ep, const std::string& reason) {
  // An endpoint is Online only while every one of its checks is.
  // An Online endpoint whose server said it takes no new clients is Full.
  policy::Health state = policy::Health::online;
  bool full = false;
  for (const Check* c : ep.checks) {
    // With other nodes, what they agree; alone, this node's own view.
    policy::Health own = ownState(*c);
    policy::Health s = shared_ ? shared_->agreed(c->key, own) : own;
    if (s == policy::Health::degraded) {
      state = policy::Health::degraded;
      break;
    }
    if (s == policy::Health::checking) state = policy::Health::checking;
    full = full || s == policy::Health::full;
  }
  if (state == policy::Health::online && full) state = policy::Health::full;
  // Real servers behind it, as its gtm-lb checks read them (the fewest):
  // what weight_from scales its weight by.
  uint32_t reals = policy::HealthTable::kRealsUnknown;
  for (const Check* c : ep.checks)
    if (c->last.reals_online) reals = std::min(reals, *c->last.reals_online);
  health_->setReals(ep.slot, reals);
  // Each dependency: at least min_online of its targets up, or the endpoint
  // is Degraded, and the reason names the dependency and each failure.
  std::string why = reason;
  for (const EndpointEntry::Group& g : ep.groups) {
    unsigned online = 0;
    bool checking = false;
    std::string failures;
    for (const Check* c : g.checks) {
      policy::Health own = ownState(*c);
      policy::Health s = shared_ ? shared_->agreed(c->key, own) : own;
      if (s == policy::Health::online || s == policy::Health::full) ++online;
      checking = checking || s == policy::Health::checking;
      if (s == policy::Health::degraded)
        failures += (failures.empty() ? "" : "; ") + c->last.reason + " from " + c->target.address.toString();
    }
    if (online >= g.min_online) continue;
    if (checking && state != policy::Health::degraded) {
      state = policy::Health::checking;
      continue;
    }
    state = policy::Health::degraded;
    why = g.monitor + ": " + std::to_string(online) + " of " + std::to_string(g.checks.size()) + " online" +
          (failures.empty() ? "" : ": " + failures);
    break;
  }
  if (state != ep.state) {
    log::info("endpoint state changed", {{"endpoint", ep.name},
                                         {"from", policy::healthName(ep.state)},
                                         {"to", policy::healthName(state)},
                                         {"reason", why}});
    {
      std::lock_guard lock(status_mutex_);
      remember({std::chrono::system_clock::now(), ep.name, "", ep.state, state, why});
    }
    ep.state = state;
    health_->set(ep.slot, state);
    if (on_change_) on_change_();
  }
}

std::vector<Engine::CheckStatus> Engine::status() const {
  std::vector<CheckStatus> out;
  std::lock_guard lock(status_mutex_);
  // One row per endpoint and check: a shared target shows under each user.
  for (const EndpointEntry& ep : endpoints_) {
    auto row = [&](const Check* c) {
      policy::Health own = ownState(*c);
      out.push_back({ep.name, monitors_[c->monitor].name, c->target.address.toString(), c->key, own,
                     shared_ ? shared_->agreed(c->key, own) : own, c->last, c->last_change});
    };
    for (const Check* c : ep.checks) row(c);
    for (const EndpointEntry::Group& g : ep.groups)
      for (const Check* c : g.checks) row(c);
  }
  return out;
}

std::vector<Engine::Event> Engine::recentEvents() const {
  std::lock_guard lock(status_mutex_);
  return events_;
}

std::vector<Engine::Latency> Engine::latencies() const {
  std::lock_guard lock(status_mutex_);
  return latency_;
}

uint64_t Engine::transitions() const {
  std::lock_guard lock(status_mutex_);
  return transitions_;
}

}  // namespace gtm::monitor
