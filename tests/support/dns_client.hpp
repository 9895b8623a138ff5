// Decodes responses with ldns for assertions: rcode, flags, sections.
#pragma once

#include <ldns/ldns.h>

#include <memory>
#include <string>
#include <vector>

namespace gtm::test {

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Packet = std::unique_ptr<ldns_pkt, PktDeleter>;

// nullptr when the bytes are not a DNS message.
Packet decode(const std::vector<uint8_t>& wire);

// Each record of a section as "owner ttl class type rdata" text.
std::vector<std::string> section(const ldns_pkt* p, ldns_pkt_section s);

// The EDNS option of this code from the OPT record, or empty.
std::vector<uint8_t> ednsOption(const ldns_pkt* p, uint16_t code);

// A UDP exchange with a server on loopback, sent from `source` when given;
// empty on timeout.
std::vector<uint8_t> udpExchange(const std::string& host, uint16_t port, const std::vector<uint8_t>& query,
                                 int timeout_ms = 2000, const std::string& source = "");

// The address in the first answer record to "aovpn.vpn.example.com. A" from
// the server on 127.0.0.1:port, or "" without one.
std::string firstAnswer(uint16_t port);
// Seconds until the first answer on `port` is `want`, or a negative value
// after `limit` seconds.
double waitForAnswer(uint16_t port, const std::string& want, double limit);

}  // namespace gtm::test
