// The health path: runs every check (each monitored endpoint address under
// each of its profile's monitors) on one thread and one io_context, jittered
// so probes do not arrive in bursts, and publishes each endpoint's state to
// the HealthTable the DNS answers read. It never touches a query.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "monitor/health_counter.hpp"
#include "monitor/probe.hpp"
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
  // `previous` that probes the same address of the same endpoint with an
  // identical monitor, and publishes the endpoints' states at once, so that
  // a reload neither forgets a Degraded site nor restarts its counts.
  void adopt(const Engine& previous);
  [[nodiscard]] Result<Ok> start();  // makes the probes, starts the thread
  void stop();

  // A copy of every check's last result, for status output and tests.
  struct CheckStatus {
    std::string endpoint;  // "profile/endpoint"
    std::string monitor;
    std::string address;
    policy::Health state = policy::Health::checking;
    ProbeResult last;
  };
  [[nodiscard]] std::vector<CheckStatus> status() const;

 private:
  struct Check;
  struct EndpointEntry;
  void record(Check& check, const ProbeResult& result);
  void publish(EndpointEntry& ep, const std::string& reason);

  std::vector<config::Monitor> monitors_;
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<EndpointEntry> endpoints_;
  std::vector<std::unique_ptr<Check>> checks_;
  std::shared_ptr<policy::HealthTable> health_;
  std::function<void()> on_change_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::thread thread_;
  mutable std::mutex status_mutex_;  // guards the copies status() reads, never the packet path
};

}  // namespace gtm::monitor
