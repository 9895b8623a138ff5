#include "dns/query_handler.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "dns/answer_builder.hpp"
#include "dns/response_writer.hpp"

namespace gtm::dns {

QueryHandler::QueryHandler(const CookieSecret& secret, uint16_t max_udp_payload, RateLimiter* limiter)
    : cookies_(secret), max_udp_payload_(max_udp_payload), limiter_(limiter) {
  RAND_bytes(reinterpret_cast<uint8_t*>(&random_state_), sizeof random_state_);
  random_state_ |= 1;  // xorshift needs a non-zero state
}

policy::ClientView QueryHandler::clientView(const ClientInfo& client) {
  policy::ClientView v;
  const ClientSubnet& ecs = q_.edns.ecs;
  if (ecs.present) {
    v.from_ecs = true;
    v.address.family = ecs.family == 2 ? IpAddress::Family::v6 : IpAddress::Family::v4;
    v.address.bytes = ecs.address;
    v.prefix = ecs.source_prefix;
  } else {
    v.address = client.address;
    v.prefix = client.address.family == IpAddress::Family::v4 ? 32 : 128;
  }
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  v.random = (random_state_ * 0x2545F4914F6CDD1Dull) >> 11;
  return v;
}

size_t QueryHandler::encodeOptions(const Snapshot& snapshot, const ClientInfo& client, uint8_t* out,
                                   size_t* ecs_scope_at) {
  size_t n = 0;
  const Edns& e = q_.edns;
  if (e.nsid && !snapshot.identity.empty()) {
    // RFC 5001: the server's identity, here the cluster node's name.
    size_t len = std::min<size_t>(snapshot.identity.size(), 63);
    writeU16(out, edns_option::NSID);
    writeU16(out + 2, static_cast<uint16_t>(len));
    std::copy_n(snapshot.identity.data(), len, out + 4);
    n += 4 + len;
  }
  if (e.cookie_length >= 8) {
    uint8_t* p = out + n;
    writeU16(p, edns_option::COOKIE);
    writeU16(p + 2, 8 + CookieSigner::kServerCookieSize);
    std::copy_n(e.cookie.begin(), 8, p + 4);
    cookies_.sign(std::span<const uint8_t, 8>(e.cookie.data(), 8), client.address, client.now,
                  std::span<uint8_t, CookieSigner::kServerCookieSize>(p + 12, CookieSigner::kServerCookieSize));
    n += 4 + 8 + CookieSigner::kServerCookieSize;
  }
  if (e.ecs.present) {
    size_t addr_len = (e.ecs.source_prefix + 7u) / 8u;
    uint8_t* p = out + n;
    writeU16(p, edns_option::ECS);
    writeU16(p + 2, static_cast<uint16_t>(4 + addr_len));
    writeU16(p + 4, e.ecs.family);
    p[6] = e.ecs.source_prefix;
    p[7] = 0;  // the scope: set once the answer is known
    *ecs_scope_at = n + 7;
    std::copy_n(e.ecs.address.begin(), addr_len, p + 8);
    n += 8 + addr_len;
  }
  return n;
}

QueryHandler::Limit QueryHandler::rateLimit(const ClientInfo& client, std::span<const uint8_t> response) {
  if (!limiter_ || client.tcp || limiter_->exempt(client.address)) return Limit::send;
  // A client that returns our server cookie has shown it receives what is
  // sent to its address: it is not a spoofed victim (RFC 7873 section 5.3).
  if (q_.edns.cookie_length > 8 &&
      cookies_.verify({q_.edns.cookie.data(), q_.edns.cookie_length}, client.address, client.now))
    return Limit::send;
  uint64_t key = responseKey({q_.name.data(), q_.name_length}, q_.qtype, response[3] & 0x0F, readU16(&response[6]));
  if (limiter_->allow(client.address, key, client.clock_us)) return Limit::send;
  unsigned slip = limiter_->slip();
  return slip && ++limited_ % slip == 0 ? Limit::slip : Limit::drop;
}

namespace {

bool forTransfers(const Snapshot& snapshot, const Query& q, ParseStatus status) {
  if (!snapshot.transfers) return false;
  return status == ParseStatus::tsig_badkey ||
         (status == ParseStatus::ok && (q.qtype == type::AXFR || q.qtype == type::IXFR));
}

}  // namespace

std::vector<std::string> QueryHandler::handOver(const Snapshot& snapshot, std::span<const uint8_t> query,
                                                const ClientInfo& client) {
  if (!snapshot.transfers || !forTransfers(snapshot, q_, parseQuery(query, q_))) return {};
  return snapshot.transfers->answer(query, client.address, true, 65535);
}

size_t QueryHandler::handle(const Snapshot& snapshot, std::span<const uint8_t> query, const ClientInfo& client,
                            std::span<uint8_t> out) {
  ParseStatus status = parseQuery(query, q_);
  if (status == ParseStatus::drop) {
    QueryStats::bump(stats_.dropped);
    return 0;
  }
  if (!client.tcp && forTransfers(snapshot, q_, status)) {
    size_t limit = q_.edns.present ? std::clamp<size_t>(q_.edns.udp_payload, kMaxUdpWithoutEdns, max_udp_payload_)
                                   : kMaxUdpWithoutEdns;
    auto messages = snapshot.transfers->answer(query, client.address, false, std::min(limit, out.size()));
    if (!messages.empty() && messages.front().size() <= std::min(limit, out.size())) {
      std::copy(messages.front().begin(), messages.front().end(), out.begin());
      // Rate limited like every UDP answer; a signed one cannot be cut to
      // TC, so a limited one is dropped.
      if (rateLimit(client, out) != Limit::send) {
        QueryStats::bump(stats_.rate_limited_dropped);
        return 0;
      }
      return messages.front().size();
    }
  }

  size_t limit = 65535;
  if (!client.tcp) {
    limit = q_.edns.present ? std::clamp<size_t>(q_.edns.udp_payload, kMaxUdpWithoutEdns, max_udp_payload_)
                            : kMaxUdpWithoutEdns;
  }
  uint8_t options[128];  // NSID (67), COOKIE (28), ECS (24) at the most
  size_t ecs_scope_at = sizeof options;
  size_t options_size = q_.edns.present ? encodeOptions(snapshot, client, options, &ecs_scope_at) : 0;
  // The OPT record, and for a TSIG-signed query its error record after it,
  // are written last into room kept for them.
  size_t tsig_size = status == ParseStatus::tsig_badkey ? ResponseWriter::tsigErrorSize(q_.tsig) : 0;
  size_t reserve = (q_.edns.present ? 11 + options_size : 0) + tsig_size;
  if (reserve > std::min(limit, out.size()) - kHeaderSize - q_.question.size()) {
    reserve -= tsig_size;  // a key name too long for the client's limit: NOTAUTH alone
    tsig_size = 0;
  }
  ResponseWriter w(out, limit, reserve);

  uint8_t extended_rcode = 0;
  switch (status) {
    case ParseStatus::formerr: w.begin(q_, rcode::FORMERR, false); break;
    case ParseStatus::notimp: w.begin(q_, rcode::NOTIMP, false); break;
    case ParseStatus::cookie_only: w.begin(q_, rcode::NOERROR, false); break;
    case ParseStatus::tsig_badkey: w.begin(q_, rcode::NOTAUTH, false); break;
    case ParseStatus::badvers:
      w.begin(q_, rcode::BADVERS & 0x0F, false);
      extended_rcode = rcode::BADVERS >> 4;
      break;
    default: {
      policy::ClientView view = clientView(client);
      view.geo = snapshot.geo.get();
      uint8_t scope = buildAnswer(snapshot, q_, view, w, stats_);
      // RFC 7871 7.2.1: the scope never claims more than the source gave.
      if (ecs_scope_at < options_size) options[ecs_scope_at] = ecsScope(scope, q_.edns.ecs.source_prefix);
      break;
    }
  }
  Limit limit_verdict = rateLimit(client, out);
  if (limit_verdict == Limit::drop) {
    QueryStats::bump(stats_.rate_limited_dropped);
    return 0;
  }
  if (limit_verdict == Limit::slip) {
    w.truncate();
    QueryStats::bump(stats_.rate_limited_slipped);
  }
  if (q_.edns.present) w.addOpt(max_udp_payload_, extended_rcode, {options, options_size}, q_.edns.dnssec_ok);
  if (tsig_size) w.addTsigError(q_.tsig, q_.id, rcode::BADKEY);
  stats_.count(q_.qtype, extended_rcode ? QueryStats::kBadvers : (out[3] & 0x0F), (out[2] & 0x02) != 0);
  return w.size();
}

}  // namespace gtm::dns
