// dns_watch: asks one name at a fixed interval and prints every answer with
// its time, for the lab (bench/lab.sh) to see when answers change.
//
//   dns_watch --server ADDR:PORT --name NAME [--interval-ms N] [--timeout-ms N]
//
// One line per query, to stdout, flushed:
//   <ms since the epoch> <rcode> <A records, comma-separated, sorted>|-
//   <ms since the epoch> timeout
// Runs until SIGTERM or SIGINT. Each query waits for its own answer (by ID)
// up to the timeout; the next is sent one interval after the previous one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/ip_address.hpp"

// After the C++ headers: ldns's C headers upset <optional>'s operator<=>.
#include <ldns/ldns.h>

namespace {

volatile std::sig_atomic_t stopping = 0;

long long nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The A records of a response as "a,b" (sorted), or "-" for none.
std::string answers(ldns_pkt* pkt) {
  std::vector<std::string> out;
  ldns_rr_list* list = ldns_pkt_answer(pkt);
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A || ldns_rr_rd_count(rr) < 1) continue;
    char* text = ldns_rdf2str(ldns_rr_rdf(rr, 0));
    out.emplace_back(text);
    std::free(text);
  }
  if (out.empty()) return "-";
  std::sort(out.begin(), out.end());
  std::string joined;
  for (const auto& a : out) joined += (joined.empty() ? "" : ",") + a;
  return joined;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server, name;
  int interval_ms = 20, timeout_ms = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key == "--server") server = argv[i + 1];
    else if (key == "--name") name = argv[i + 1];
    else if (key == "--interval-ms") interval_ms = std::stoi(argv[i + 1]);
    else if (key == "--timeout-ms") timeout_ms = std::stoi(argv[i + 1]);
  }
  auto at = gtm::SocketAddress::parse(server, 53);
  if (!at || name.empty()) {
    std::fprintf(stderr, "usage: dns_watch --server ADDR:PORT --name NAME [--interval-ms N] [--timeout-ms N]\n");
    return 2;
  }
  std::signal(SIGTERM, [](int) { stopping = 1; });
  std::signal(SIGINT, [](int) { stopping = 1; });
  sockaddr_storage ss{};
  socklen_t len = 0;
  bool v6 = at->ip.family == gtm::IpAddress::Family::v6;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(at->port);
    std::memcpy(&a->sin6_addr, at->ip.bytes.data(), 16);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(at->port);
    std::memcpy(&a->sin_addr, at->ip.bytes.data(), 4);
    len = sizeof *a;
  }
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    std::perror("dns_watch: socket");
    return 1;
  }
  ldns_pkt* query = nullptr;
  if (ldns_pkt_query_new_frm_str(&query, name.c_str(), LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK) {
    std::fprintf(stderr, "dns_watch: bad name %s\n", name.c_str());
    return 2;
  }
  uint16_t id = 0;
  auto next = std::chrono::steady_clock::now();
  std::vector<uint8_t> in(4096);
  while (!stopping) {
    ldns_pkt_set_id(query, ++id);
    uint8_t* wire = nullptr;
    size_t wire_size = 0;
    ldns_pkt2wire(&wire, query, &wire_size);
    long long sent = nowMs();
    (void)::send(fd, wire, wire_size, 0);
    std::free(wire);
    std::string line = "timeout";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!stopping) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) break;
      ssize_t n = ::recv(fd, in.data(), in.size(), 0);
      ldns_pkt* pkt = nullptr;
      if (n <= 0 || ldns_wire2pkt(&pkt, in.data(), static_cast<size_t>(n)) != LDNS_STATUS_OK) continue;
      if (ldns_pkt_id(pkt) == id) {
        char* rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
        line = std::string(rcode) + " " + answers(pkt);
        std::free(rcode);
        ldns_pkt_free(pkt);
        break;
      }
      ldns_pkt_free(pkt);  // a late answer to an earlier query
    }
    std::printf("%lld %s\n", sent, line.c_str());
    std::fflush(stdout);
    next += std::chrono::milliseconds(interval_ms);
    std::this_thread::sleep_until(next);
  }
  ldns_pkt_free(query);
  ::close(fd);
  return 0;
}
