// gtm probe PROTOCOL HOST [...]: one health probe now, for an admin checking
// an RRAS server from the gtm host. Exit 0 when alive, 1 when not, 2 on a
// usage error.
#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "cli/commands.hpp"
#include "common/http_url.hpp"
#include "common/small_file.hpp"
#include "monitor/probe.hpp"

namespace gtm::cli {
namespace {

constexpr const char* kUsage = R"(usage: gtm probe PROTOCOL HOST [options]
  PROTOCOL            sstp | ikev2 | https | http | tcp | radius | gtm-lb | crl
  HOST                the IPv4 or IPv6 address to probe (crl: where to fetch the
                      CRL when --url names a host)
  --port N            default: sstp/https 443, http 80, ikev2 500 (4500 with --nat-t),
                      radius 1812; gtm-lb: the balancer's status port (required)
  --host NAME         Host header and TLS SNI
  --timeout S         seconds (default 5)
  --mode M            sstp: status (GET, expect 401) or handshake (SSTP_DUPLEX_POST
                      and Call Connect Request)
  --path P            the URL path (default: the SSTP URI for sstp, /api/v1/status
                      for gtm-lb, / otherwise)
  --expect RANGES     expected HTTP status, e.g. 401 or 200-299,301
  --expect alive|sa   ikev2: any IKE answer passes (alive, the default), or only
                      one that would set up an IKE SA (sa)
  --verify-tls        verify the certificate chain and name (needs --host)
  --ca-file FILE      with --verify-tls: trust the CAs in this PEM file
  --check-revocation  sstp, https with --verify-tls: check each certificate of the
                      chain as Windows does (its http:// CRL distribution points
                      and OCSP responder); prints each URL and what it said;
                      exit 1 when Windows clients would refuse the server
  --nat-t             ikev2: probe UDP 4500 with the non-ESP marker
  --require-fragmentation
                      ikev2: fail a responder without IKEV2_FRAGMENTATION_SUPPORTED
  --secret-file F     radius: the shared secret (the file's first line)
  --username U        radius: the test account
  --password-file F   radius: its password (the file's first line)
  --require-message-authenticator
                      radius: discard replies without a Message-Authenticator
  --expect accept|answer
                      radius: only Access-Accept passes (accept, the default), or
                      Access-Reject too (answer: alive, and the secret is right)
  --mode status-server
                      radius: send Status-Server (RFC 5997) instead of a login
  --service NAME      gtm-lb: a service of the balancer to watch (repeatable;
                      default: those whose VIP is HOST)
  --min-reals N       gtm-lb: real servers each service needs online (default 1)
  --url URL           crl: the CRL's http:// URL (the Host header and path)
  --ca-file FILE      crl: the CA that issues the CRL (required)
  --warn-crl-hours N  crl, --check-revocation: warn when a CRL's nextUpdate is
                      nearer (default 24)
  --source ADDRESS    probe from this local address
  --verbose           also print what the probe learned of the server (ikev2: the
                      chosen proposal, fragmentation, NAT, COOKIE, vendor IDs)
  --json              print the result as JSON (with those details)
exit status: 0 alive, 1 not alive, 2 usage error
)";

int usage(const std::string& why) {
  std::cerr << "gtm probe: " << why << "\n" << kUsage;
  return 2;
}

std::optional<config::Monitor::Protocol> protocolFrom(const std::string& s) {
  using P = config::Monitor::Protocol;
  if (s == "sstp") return P::sstp;
  if (s == "ikev2") return P::ikev2;
  if (s == "https") return P::https;
  if (s == "http") return P::http;
  if (s == "tcp") return P::tcp;
  if (s == "radius") return P::radius;
  if (s == "gtm-lb") return P::gtm_lb;
  if (s == "crl") return P::crl;
  return std::nullopt;
}

bool parseRanges(const std::string& text, std::vector<config::StatusRange>& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int low = 0, high = 0;
    char extra;
    int n = std::sscanf(part.c_str(), "%d-%d%c", &low, &high, &extra);
    if (n == 1) high = low;
    if ((n != 1 && n != 2) || low < 100 || high < low || high > 599) return false;
    out.push_back({low, high});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !out.empty();
}

}  // namespace

int probeCommand(const Args& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  if (args.size() < 2) return usage("PROTOCOL and HOST are required");
  auto protocol = protocolFrom(args[0]);
  if (!protocol) return usage("unknown protocol \"" + args[0] + "\"");
  auto address = IpAddress::parse(args[1]);
  if (!address) return usage("\"" + args[1] + "\" is not an IPv4 or IPv6 address");

  using P = config::Monitor::Protocol;
  config::Monitor m;
  m.name = "probe";
  m.protocol = *protocol;
  m.timeout = 5.0;
  bool json = false, verbose = false;
  int port = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "--json") {
      json = true;
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--verify-tls") {
      m.verify_tls = true;
    } else if (a == "--check-revocation") {
      if (m.protocol != P::sstp && m.protocol != P::https) return usage("--check-revocation is for sstp and https");
      m.check_revocation = true;
      // From the shell, a failure is the answer: exit 1.
      m.revocation_failure = config::Monitor::RevocationFailure::degraded;
    } else if (a == "--nat-t") {
      m.nat_t = true;
    } else if (a == "--require-fragmentation") {
      m.ike_require_fragmentation = true;
    } else if (a == "--require-message-authenticator") {
      m.radius_require_message_authenticator = true;
    } else if (a == "--port" || a == "--host" || a == "--timeout" || a == "--mode" || a == "--path" || a == "--expect" || a == "--ca-file" || a == "--source" ||
               a == "--secret-file" || a == "--username" || a == "--password-file" || a == "--service" ||
               a == "--min-reals" || a == "--url" || a == "--warn-crl-hours") {
      const std::string* v = value();
      if (!v) return usage(a + " needs a value");
      try {
        if (a == "--port") {
          port = std::stoi(*v);
          if (port < 1 || port > 65535) return usage("--port must be 1-65535");
        } else if (a == "--timeout") {
          m.timeout = std::stod(*v);
          if (!(m.timeout > 0 && m.timeout <= 3600)) return usage("--timeout must be above 0 and at most 3600");
        } else if (a == "--source") {
          m.source = IpAddress::parse(*v);
          if (!m.source) return usage("--source needs an IPv4 or IPv6 address");
        } else if (a == "--ca-file") {
          auto pem = readSmallFile(*v);
          if (!pem) return usage("--ca-file: " + pem.error());
          m.ca_file = *v;
          m.ca_pem = *pem;
        } else if (a == "--secret-file" || a == "--password-file") {
          auto line = readSecretLine(*v);
          if (!line) return usage(a + ": " + line.error());
          (a == "--secret-file" ? m.secret : m.password) = *line;
        } else if (a == "--url") {
          auto url = parseHttpUrl(*v, 80);
          if (!url || url->tls) return usage("--url needs an http:// URL");
          m.url = *v;
          m.url_address = IpAddress::parse(url->host);
          if (m.host.empty()) m.host = url->host;
          m.path = url->path;
          if (port == 0) port = url->port;
        } else if (a == "--warn-crl-hours") {
          int n = std::stoi(*v);
          if (n < 0 || n > 24 * 365) return usage("--warn-crl-hours must be 0-8760");
          m.warn_crl_hours = static_cast<unsigned>(n);
        } else if (a == "--service") {
          m.lb_services.push_back(*v);
        } else if (a == "--min-reals") {
          int n = std::stoi(*v);
          if (n < 1 || n > 1000) return usage("--min-reals must be 1-1000");
          m.min_reals = static_cast<unsigned>(n);
        } else if (a == "--username") {
          m.username = *v;
        } else if (a == "--host") {
          m.host = *v;
        } else if (a == "--path") {
          if (v->empty() || (*v)[0] != '/') return usage("--path must start with /");
          m.path = *v;
        } else if (a == "--mode" && m.protocol == P::radius) {
          if (*v != "status-server") return usage("--mode for radius is status-server");
          m.radius_mode = config::Monitor::RadiusMode::status_server;
        } else if (a == "--mode") {
          if (*v != "status" && *v != "handshake") return usage("--mode is status or handshake");
          m.sstp_mode = *v == "handshake" ? config::Monitor::SstpMode::handshake : config::Monitor::SstpMode::status;
        } else if (m.protocol == P::radius) {
          if (*v != "accept" && *v != "answer") return usage("--expect for radius is accept or answer");
          m.radius_expect = *v == "answer" ? config::Monitor::RadiusExpect::answer : config::Monitor::RadiusExpect::accept;
        } else if (m.protocol == P::ikev2) {
          if (*v != "alive" && *v != "sa") return usage("--expect for ikev2 is alive or sa");
          m.ike_expect = *v == "sa" ? config::Monitor::IkeExpect::sa : config::Monitor::IkeExpect::alive;
        } else if (!parseRanges(*v, m.expected_status)) {
          return usage("--expect takes codes or ranges like 200-299,401");
        }
      } catch (const std::exception&) {
        return usage(a + " needs a number");
      }
    } else {
      return usage("unknown option \"" + a + "\"");
    }
  }
  m.interval = m.timeout * 2;
  m.port = static_cast<uint16_t>(port ? port
                                      : m.protocol == P::http ? 80
                                      : m.protocol == P::ikev2 ? (m.nat_t ? 4500 : 500)
                                      : m.protocol == P::radius ? 1812
                                                               : 443);
  if (m.protocol == P::radius && m.secret.empty()) return usage("radius needs --secret-file");
  if (m.protocol == P::radius && m.radius_mode == config::Monitor::RadiusMode::access &&
      (m.username.empty() || m.password.empty()))
    return usage("radius needs --username and --password-file (or --mode status-server)");
  if ((m.protocol == P::tcp || m.protocol == P::gtm_lb) && port == 0) return usage(args[0] + " needs --port");
  if (m.protocol == P::crl && (m.url.empty() || m.ca_pem.empty())) return usage("crl needs --url and --ca-file");
  if (m.verify_tls && m.host.empty()) return usage("--verify-tls needs --host, the name the certificate must carry");
  if (m.check_revocation && !m.verify_tls) return usage("--check-revocation needs --verify-tls (the chain it walks)");
  if (m.path.empty())
    m.path = m.protocol == P::sstp     ? "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"
             : m.protocol == P::gtm_lb ? "/api/v1/status"
                                       : "/";
  if (m.expected_status.empty())
    m.expected_status.push_back(m.protocol == P::sstp ? config::StatusRange{401, 401} : config::StatusRange{200, 200});

  auto probe = monitor::makeProbe(m);
  if (!probe) {
    std::cerr << "gtm probe: " << probe.error() << "\n";
    return 1;
  }
  boost::asio::io_context io;
  monitor::ProbeResult result;
  auto started = std::chrono::steady_clock::now();
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        result = co_await (*probe)->run({*address, m.port});
        result.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
      },
      boost::asio::detached);
  io.run();

  double ms = static_cast<double>(result.latency.count()) / 1000.0;
  const char* state = !result.up ? "Degraded" : result.full ? "Full" : "Online";
  if (json) {
    nlohmann::json j = {{"protocol", args[0]},       {"address", address->toString()}, {"port", m.port},
                        {"state", state},             {"up", result.up},
                        {"latency_ms", ms},           {"reason", result.reason}};
    if (result.http_status) j["http_status"] = result.http_status;
    if (!result.tls_version.empty()) j["tls_version"] = result.tls_version;
    if (!result.cert_subject.empty()) j["cert_subject"] = result.cert_subject;
    if (result.cert_days_left) j["cert_days_left"] = *result.cert_days_left;
    if (!result.warning.empty()) j["warning"] = result.warning;
    if (result.revocation_ok) j["revocation_ok"] = *result.revocation_ok;
    if (result.crl_seconds_left) j["crl_seconds_left"] = static_cast<long long>(*result.crl_seconds_left);
    for (const auto& [key, value] : result.details) j["details"][key] = value;
    std::cout << jsonText(j) << "\n";
  } else {
    std::printf("%-8s %s:%u %s  %.1f ms  %s\n", state, address->toString().c_str(),
                m.port, args[0].c_str(), ms, result.reason.c_str());
    if (!result.tls_version.empty()) std::printf("         TLS %s\n", result.tls_version.c_str());
    if (!result.cert_subject.empty())
      std::printf("         certificate %s, %d days left\n", result.cert_subject.c_str(), result.cert_days_left.value_or(0));
    if (!result.warning.empty()) std::printf("         warning: %s\n", result.warning.c_str());
    if (verbose || m.check_revocation)
      for (const auto& [key, value] : result.details) std::printf("         %s: %s\n", key.c_str(), value.c_str());
  }
  return result.up ? 0 : 1;
}

}  // namespace gtm::cli
