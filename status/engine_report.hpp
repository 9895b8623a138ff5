// The parts of a status report that come from the monitor engine, shared by
// gtm serve's and gtm lb's reports: each check as JSON, the recent state
// changes, and the probe metrics.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "monitor/engine.hpp"

namespace gtm::status {

[[nodiscard]] std::string isoTime(std::chrono::system_clock::time_point t);
// A Prometheus label value, escaped.
[[nodiscard]] std::string labelValue(const std::string& v);

[[nodiscard]] nlohmann::json checkJson(const monitor::Engine::CheckStatus& c);
[[nodiscard]] nlohmann::json eventsJson(const monitor::Engine& engine);
// Probe latency histograms, failures and state transitions.
void appendProbeMetrics(std::ostream& out, const monitor::Engine& engine);
// gtm_build_info{version, git} 1, as every Prometheus exporter has it.
void appendBuildInfo(std::ostream& out);

}  // namespace gtm::status
