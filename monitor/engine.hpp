// The health path: runs every check (a target: monitor, address and port,
// probed once however many endpoints, profiles or services use it) on one
// thread and one io_context, jittered
// so probes do not arrive in bursts, and publishes each endpoint's state to
// the HealthTable the DNS answers read. It never touches a query.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/heartbeat.hpp"
#include "common/result.hpp"
#include "config/config.hpp"
#include "monitor/health_counter.hpp"
#include "monitor/probe.hpp"
#include "monitor/shared_health.hpp"
#include "policy/health.hpp"
#include "policy/profile.hpp"

namespace boost::asio {
class io_context;
}

namespace gtm::monitor {

class Engine {
 public:
  // on_change, when given, runs on the engine's thread after an endpoint's
  // published state changed.
  Engine(std::vector<config::Monitor> monitors, const std::vector<policy::Profile>& profiles,
         std::shared_ptr<policy::HealthTable> health, std::function<void()> on_change = {});
  ~Engine();

  // Before start(): takes over the state and last result of every check of
  // `previous` that probes the same address and port with an identical
  // monitor, and publishes the endpoints' states at once, so that
  // a reload neither forgets a Degraded site nor restarts its counts.
  void adopt(const Engine& previous);
  // Before start(): share observations with other nodes and answer by what
  // they agree (null: this node's own view).
  void share(SharedHealth* shared) { shared_ = shared; }
  [[nodiscard]] Result<Ok> start();  // makes the probes, starts the thread
  void stop();
  // From any thread: publish every endpoint's state again, because what the
  // nodes agree changed.
  void refresh();

  // A copy of every check's last result, for status output and tests.
  struct CheckStatus {
    std::string endpoint;  // "profile/endpoint"
    std::string monitor;
    std::string address;
    std::string target;  // "MONITOR|ADDRESS|PORT", the key that nodes share
    policy::Health state = policy::Health::checking;  // this node's own
    policy::Health agreed = policy::Health::checking;  // what the answers follow
    ProbeResult last;
    std::chrono::system_clock::time_point last_change{};
  };
  [[nodiscard]] std::vector<CheckStatus> status() const;
  // The key of every target this engine probes ("MONITOR|ADDRESS|PORT").
  [[nodiscard]] std::vector<std::string> targetKeys() const;

  // A state change of a check or an endpoint, for the "recent changes" list.
  struct Event {
    std::chrono::system_clock::time_point when;
    std::string endpoint, monitor;  // monitor empty: the endpoint as a whole
    policy::Health from, to;
    std::string reason;
  };
  [[nodiscard]] std::vector<Event> recentEvents() const;  // newest last, at most kMaxEvents
  static constexpr size_t kMaxEvents = 100;
  // Before start(): also hand each event to `sink` (the event journal), on
  // the engine's thread; `certificate` is true for a new certificate
  // warning (its text in reason, from == to).
  using EventSink = std::function<void(const Event& event, bool certificate)>;
  void onEvent(EventSink sink) { sink_ = std::move(sink); }

  // Probe latency per monitor, as Prometheus histogram buckets (seconds).
  static constexpr std::array<double, 10> kLatencyBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  struct Latency {
    std::string monitor;
    std::array<uint64_t, kLatencyBuckets.size() + 1> buckets{};  // cumulative in the output, not here
    double sum = 0;
    uint64_t count = 0;
    uint64_t failures = 0;
  };
  [[nodiscard]] std::vector<Latency> latencies() const;
  [[nodiscard]] uint64_t transitions() const;
  // True when the engine's loop has not turned within max_age (a timer on
  // it beats every kHeartbeatEvery).
  [[nodiscard]] bool stalled(std::chrono::nanoseconds max_age) const { return heartbeat_.age() > max_age; }

 private:
  struct Check;
  struct EndpointEntry;
  void record(Check& check, const ProbeResult& result);
  void publish(EndpointEntry& ep, const std::string& reason);
  [[nodiscard]] static policy::Health ownState(const Check& c);
  void shareOwn(Check& check);  // tells the other nodes when this node's own state changed
  void remember(Event e);

  std::vector<config::Monitor> monitors_;
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<EndpointEntry> endpoints_;
  std::vector<std::unique_ptr<Check>> checks_;
  std::shared_ptr<policy::HealthTable> health_;
  std::function<void()> on_change_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::thread thread_;
  mutable std::mutex status_mutex_;  // guards what the status readers copy; never on the packet path
  std::vector<Event> events_;
  EventSink sink_;
  std::vector<Latency> latency_;
  uint64_t transitions_ = 0;
  Heartbeat heartbeat_;
  SharedHealth* shared_ = nullptr;
};

}  // namespace gtm::monitor
