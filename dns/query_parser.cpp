// Query parsing for the packet path: bounds-checked, no allocation.
#include "dns/query.hpp"
#include "dns/wire.hpp"

namespace gtm::dns {
namespace {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> p) : p_(p) {}
  [[nodiscard]] bool has(size_t n) const { return p_.size() - pos_ >= n; }
  [[nodiscard]] size_t pos() const { return pos_; }
  uint8_t u8() { return p_[pos_++]; }
  uint16_t u16() {
    uint16_t v = readU16(&p_[pos_]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    uint32_t v = readU32(&p_[pos_]);
    pos_ += 4;
    return v;
  }
  const uint8_t* at() const { return p_.data() + pos_; }
  void skip(size_t n) { pos_ += n; }

  // Skips a possibly compressed name; false if it runs past the packet.
  // An uncompressed name: its bytes, or an empty span.
  std::span<const uint8_t> plainName() {
    size_t start = pos_;
    for (;;) {
      if (!has(1)) return {};
      uint8_t len = u8();
      if (len == 0) return p_.subspan(start, pos_ - start);
      if ((len & 0xC0) || !has(len)) return {};
      skip(len);
    }
  }

  bool skipName() {
    for (;;) {
      if (!has(1)) return false;
      uint8_t len = u8();
      if (len == 0) return true;
      if ((len & 0xC0) == 0xC0) {
        if (!has(1)) return false;
        skip(1);
        return true;
      }
      if (len & 0xC0) return false;
      if (!has(len)) return false;
      skip(len);
    }
  }

 private:
  std::span<const uint8_t> p_;
  size_t pos_ = 0;
};

// The question name: no compression (nothing precedes it to point at).
bool readQuestionName(Reader& r, Query& q) {
  size_t out = 0;
  uint8_t labels = 0;
  for (;;) {
    if (!r.has(1)) return false;
    uint8_t len = r.u8();
    if (len > 63) return false;
    if (out + 1 + len > kMaxNameLength || !r.has(len)) return false;
    q.name[out++] = len;
    if (len == 0) break;
    const uint8_t* src = r.at();
    for (uint8_t i = 0; i < len; ++i) q.name[out++] = asciiLower(src[i]);
    r.skip(len);
    ++labels;
  }
  q.name_length = static_cast<uint8_t>(out);
  q.label_count = labels;
  return true;
}

bool parseEcs(const uint8_t* p, uint16_t len, ClientSubnet& ecs) {
  if (len < 4) return false;
  uint16_t family = readU16(p);
  uint8_t source = p[2];
  size_t max_bits = family == 1 ? 32 : family == 2 ? 128 : 0;
  if (max_bits == 0 || source > max_bits) return false;
  size_t addr_len = (source + 7u) / 8u;
  if (len - 4u != addr_len) return false;
  if (addr_len > 0 && (source % 8) != 0) {
    uint8_t mask = static_cast<uint8_t>(0xFF >> (source % 8));
    if (p[4 + addr_len - 1] & mask) return false;  // bits past the prefix must be zero
  }
  ecs.present = true;
  ecs.family = family;
  ecs.source_prefix = source;
  ecs.address = {};
  for (size_t i = 0; i < addr_len; ++i) ecs.address[i] = p[4 + i];
  return true;
}

bool parseOpt(Reader& r, Edns& edns) {
  if (!r.has(10)) return false;
  r.skip(2);  // type, already known to be OPT
  edns.present = true;
  edns.udp_payload = r.u16();
  uint32_t ttl = r.u32();
  edns.version = static_cast<uint8_t>(ttl >> 16);
  edns.dnssec_ok = (ttl & 0x8000) != 0;
  uint16_t rdlen = r.u16();
  if (!r.has(rdlen)) return false;
  const uint8_t* p = r.at();
  r.skip(rdlen);
  size_t i = 0;
  while (i < rdlen) {
    if (rdlen - i < 4) return false;
    uint16_t code = readU16(p + i);
    uint16_t len = readU16(p + i + 2);
    i += 4;
    if (rdlen - i < len) return false;
    if (code == edns_option::COOKIE) {
      if (len != 8 && (len < 16 || len > 40)) return false;
      if (edns.cookie_length == 0) {
        for (uint16_t k = 0; k < len; ++k) edns.cookie[k] = p[i + k];
        edns.cookie_length = static_cast<uint8_t>(len);
      }
    } else if (code == edns_option::NSID) {
      edns.nsid = true;  // a request carries no data; any is ignored
    } else if (code == edns_option::ECS) {
      if (!parseEcs(p + i, len, edns.ecs)) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

ParseStatus parseQuery(std::span<const uint8_t> packet, Query& q) {
  q.edns = Edns{};
  q.tsig = Tsig{};
  q.question = {};
  q.name_length = 0;
  if (packet.size() < kHeaderSize) return ParseStatus::drop;
  Reader r(packet);
  q.id = r.u16();
  q.flags = r.u16();
  if (q.flags & flag::QR) return ParseStatus::drop;
  q.opcode = static_cast<uint8_t>((q.flags >> 11) & 0x0F);
  uint16_t qdcount = r.u16();
  uint16_t ancount = r.u16();
  uint16_t nscount = r.u16();
  uint16_t arcount = r.u16();
  ParseStatus bad = q.opcode != 0 ? ParseStatus::notimp : ParseStatus::formerr;
  // No question is allowed for one thing only: a client asking for a server
  // cookie (RFC 7873 section 5.4), checked once the OPT record is read.
  const bool cookie_request = qdcount == 0 && q.opcode == 0;
  if (qdcount != 1 && !cookie_request) return bad;

  if (!cookie_request) {
    if (!readQuestionName(r, q) || !r.has(4)) return bad;
    q.qtype = r.u16();
    q.qclass = r.u16();
    q.question = packet.subspan(kHeaderSize, r.pos() - kHeaderSize);
  }

  for (uint32_t i = 0; i < uint32_t{ancount} + nscount; ++i) {
    if (!r.skipName() || !r.has(10)) return bad;
    if (readU16(r.at()) == type::OPT) return bad;  // RFC 6891 6.1.1: OPT only in the additional section
    r.skip(8);
    uint16_t rdlen = r.u16();
    if (!r.has(rdlen)) return bad;
    r.skip(rdlen);
  }
  bool seen_opt = false;
  for (uint16_t i = 0; i < arcount; ++i) {
    if (!r.has(1)) return bad;
    bool root_owner = *r.at() == 0;
    size_t name_start = r.pos();
    if (!r.skipName() || !r.has(10)) return bad;
    uint16_t rtype = readU16(r.at());
    if (rtype == type::TSIG) {
      // The last record (RFC 8945 5.1); owner and algorithm uncompressed.
      if (i + 1 != arcount) return bad;
      Reader name_reader(packet);
      name_reader.skip(name_start);
      auto key = name_reader.plainName();
      if (key.empty()) return bad;
      r.skip(8);
      uint16_t rdlen = r.u16();
      if (!r.has(rdlen)) return bad;
      Reader rd(packet.subspan(r.pos(), rdlen));
      auto algorithm = rd.plainName();
      if (algorithm.empty() || !rd.has(10)) return bad;
      auto time_and_fudge = packet.subspan(r.pos() + rd.pos(), 8);
      rd.skip(8);
      uint16_t mac = rd.u16();
      if (!rd.has(size_t{mac} + 6)) return bad;
      rd.skip(size_t{mac} + 4);
      uint16_t other = rd.u16();
      if (!rd.has(other)) return bad;
      q.tsig = {true, key, algorithm, time_and_fudge};
      r.skip(rdlen);
      continue;
    }
    if (rtype == type::OPT) {
      if (seen_opt) return bad;  // RFC 6891 6.1.1: more than one OPT is FORMERR
      if (!root_owner || r.pos() != name_start + 1) return bad;
      seen_opt = true;
      if (!parseOpt(r, q.edns)) {
        q.edns.cookie_length = 0;
        q.edns.ecs.present = false;
        return bad;
      }
      continue;
    }
    r.skip(8);
    uint16_t rdlen = r.u16();
    if (!r.has(rdlen)) return bad;
    r.skip(rdlen);
  }
  if (q.opcode != 0) return ParseStatus::notimp;
  if (q.edns.present && q.edns.version > 0) return ParseStatus::badvers;
  if (cookie_request) return q.edns.cookie_length >= 8 ? ParseStatus::cookie_only : ParseStatus::formerr;
  if (q.tsig.present) return ParseStatus::tsig_badkey;
  return ParseStatus::ok;
}

}  // namespace gtm::dns
