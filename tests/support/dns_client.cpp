#include "tests/support/dns_client.hpp"

#include <thread>

#include <chrono>
#include "tests/support/query_builder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gtm::test {

Packet decode(const std::vector<uint8_t>& wire) {
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, wire.data(), wire.size()) != LDNS_STATUS_OK) return nullptr;
  return Packet(p);
}

std::vector<std::string> section(const ldns_pkt* p, ldns_pkt_section s) {
  std::vector<std::string> out;
  ldns_rr_list* list = ldns_pkt_get_section_clone(p, s);
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    char* text = ldns_rr2str(ldns_rr_list_rr(list, i));
    std::string line = text;
    free(text);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    for (char& c : line)
      if (c == '\t') c = ' ';
    out.push_back(line);
  }
  ldns_rr_list_deep_free(list);
  return out;
}

std::vector<uint8_t> ednsOption(const ldns_pkt* p, uint16_t code) {
  ldns_rdf* data = ldns_pkt_edns_data(p);
  if (!data) return {};
  const uint8_t* d = ldns_rdf_data(data);
  size_t n = ldns_rdf_size(data), i = 0;
  while (i + 4 <= n) {
    uint16_t c = static_cast<uint16_t>((d[i] << 8) | d[i + 1]);
    uint16_t len = static_cast<uint16_t>((d[i + 2] << 8) | d[i + 3]);
    if (i + 4 + len > n) break;
    if (c == code) return {d + i + 4, d + i + 4 + len};
    i += 4u + len;
  }
  return {};
}

std::vector<uint8_t> udpExchange(const std::string& host, uint16_t port, const std::vector<uint8_t>& query,
                                 int timeout_ms, const std::string& source) {
  bool v6 = host.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  if (!source.empty() && !v6) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd);
      return {};
    }
  }
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &a->sin_addr);
    len = sizeof *a;
  }
  std::vector<uint8_t> out;
  if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) >= 0) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) == 1) {
      out.resize(65535);
      ssize_t n = ::recv(fd, out.data(), out.size(), 0);
      out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  ::close(fd);
  return out;
}

std::string firstAnswer(uint16_t port) {
  auto p = decode(udpExchange("127.0.0.1", port, buildQuery(QuerySpec{})));
  auto s = p ? section(p.get(), LDNS_SECTION_ANSWER) : std::vector<std::string>{};
  return s.empty() ? "" : s[0].substr(s[0].rfind(' ') + 1);
}

double waitForAnswer(uint16_t port, const std::string& want, double limit) {
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (firstAnswer(port) == want) return elapsed;
    if (elapsed > limit) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace gtm::test
