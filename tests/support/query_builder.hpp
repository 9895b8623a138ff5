// Builds DNS query bytes for tests, field by field, so that malformed
// queries are as easy to write as good ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gtm::test {

struct EdnsOption {
  uint16_t code;
  std::vector<uint8_t> data;
};

struct QuerySpec {
  uint16_t id = 0x1234;
  uint16_t flags = 0x0100;  // RD
  std::string name = "aovpn.vpn.example.com.";
  uint16_t qtype = 1;
  uint16_t qclass = 1;
  bool edns = false;
  uint16_t udp_payload = 1232;
  uint8_t edns_version = 0;
  bool dnssec_ok = false;  // the DO bit (needs edns)
  std::vector<EdnsOption> options;
  int opt_count = 1;         // >1 writes that many OPT records
  int qdcount_override = -1;
  bool omit_question = false;  // header and additional section only
};

std::vector<uint8_t> buildQuery(const QuerySpec& spec);
// Text name to wire (no compression), as written: letter case kept.
std::vector<uint8_t> wireName(const std::string& name);

}  // namespace gtm::test
