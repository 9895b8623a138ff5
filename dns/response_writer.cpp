#include "dns/response_writer.hpp"

#include <algorithm>
#include <cstring>

#include "dns/wire.hpp"

namespace gtm::dns {

ResponseWriter::ResponseWriter(std::span<uint8_t> buffer, size_t limit, size_t opt_reserve)
    : buf_(buffer), limit_(std::min(limit, buffer.size()) - std::min(opt_reserve, std::min(limit, buffer.size()))) {}

void ResponseWriter::begin(const Query& q, uint8_t rcode, bool authoritative) {
  // The opcode and RD are copied; CD only where the query is answered
  // (an unknown opcode gets NOTIMP with no other flag, as Knot and NSD do).
  uint16_t copied = 0x7800 | flag::RD | (rcode == rcode::NOTIMP ? 0 : flag::CD);
  uint16_t flags = flag::QR | (q.flags & copied) | (rcode & 0x0F);
  if (authoritative) flags |= flag::AA;
  writeU16(&buf_[0], q.id);
  writeU16(&buf_[2], flags);
  std::memset(&buf_[4], 0, 8);
  pos_ = kHeaderSize;
  if (!q.question.empty() && q.question.size() + kHeaderSize <= buf_.size()) {
    writeU16(&buf_[4], 1);
    std::memcpy(&buf_[pos_], q.question.data(), q.question.size());
    pos_ += q.question.size();
  }
  question_end_ = pos_;
  section_ = 0;
  name_count_ = 0;
  if (pos_ > kHeaderSize) remember(kHeaderSize);  // the question's name
}

void ResponseWriter::setRcode(uint8_t rcode) {
  buf_[3] = static_cast<uint8_t>((buf_[3] & 0xF0) | (rcode & 0x0F));
}

bool ResponseWriter::room(Section s, size_t n) {
  // Sections must be appended in order.
  if (static_cast<int>(s) < section_) return false;
  section_ = static_cast<int>(s);
  return pos_ + n <= limit_;
}

void ResponseWriter::count(Section s) {
  size_t off = 6 + 2 * static_cast<size_t>(s);
  writeU16(&buf_[off], static_cast<uint16_t>(readU16(&buf_[off]) + 1));
}

namespace {

// The length of the uncompressed wire name at the start of `s`, or 0.
size_t nameLength(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto len = static_cast<uint8_t>(s[i]);
    if (len == 0) return i + 1;
    if (len & 0xC0) return 0;
    i += 1 + len;
  }
  return 0;
}


}  // namespace

void ResponseWriter::remember(size_t at) {
  if (at < 0x4000 && name_count_ < names_.size()) names_[name_count_++] = static_cast<uint16_t>(at);
}

// Whether the name in the message at `at` (pointers followed) is `wire`,
// letter case aside. Bounded: a name has at most 127 labels, a chain of
// pointers here at most 16 hops.
bool ResponseWriter::nameAtIs(size_t at, std::string_view wire) const {
  size_t i = 0;
  for (int hops = 0; hops < 16 && at < pos_;) {
    uint8_t len = buf_[at];
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= pos_) return false;
      at = static_cast<size_t>(readU16(&buf_[at]) & 0x3FFF);
      ++hops;
      continue;
    }
    if (i >= wire.size() || static_cast<uint8_t>(wire[i]) != len) return false;
    if (len == 0) return i + 1 == wire.size();
    if (at + 1 + len > pos_) return false;
    for (size_t k = 1; k <= len; ++k)
      if (asciiLower(buf_[at + k]) != asciiLower(static_cast<uint8_t>(wire[i + k]))) return false;
    i += 1 + len;
    at += 1 + len;
  }
  return false;
}

// The longest suffix of `wire` that stands in the message already (as a
// whole name or the tail of one): its start in `wire`, and where it stands.
// wire.size() - 1 (the root alone) when none does.
size_t ResponseWriter::knownSuffix(std::string_view wire, uint16_t* target) const {
  size_t at = 0;
  for (; at + 1 < wire.size(); at += 1 + static_cast<uint8_t>(wire[at])) {
    std::string_view suffix = wire.substr(at);
    for (size_t n = 0; n < name_count_; ++n) {
      // Every label of a remembered name is itself a name to point at.
      size_t p = names_[n];
      for (int hops = 0; hops < 16 && p < pos_ && buf_[p] != 0;) {
        if ((buf_[p] & 0xC0) == 0xC0) {
          p = static_cast<size_t>(readU16(&buf_[p]) & 0x3FFF);
          ++hops;
          continue;
        }
        if (p < 0x4000 && nameAtIs(p, suffix)) {
          *target = static_cast<uint16_t>(p);
          return at;
        }
        p += 1 + buf_[p];
      }
    }
  }
  return at;
}

size_t ResponseWriter::writeName(std::string_view wire, uint8_t* out) {
  uint16_t target = 0;
  size_t at = knownSuffix(wire, &target);
  size_t here = static_cast<size_t>(out - buf_.data());
  if (at + 1 >= wire.size()) {  // nothing known: the whole name
    std::memcpy(out, wire.data(), wire.size());
    remember(here);
    return wire.size();
  }
  std::memcpy(out, wire.data(), at);
  writeU16(out + at, static_cast<uint16_t>(0xC000 | target));
  if (at > 0) remember(here);
  return at + 2;
}

size_t ResponseWriter::writeOwner(const Owner& owner) {
  if (owner.wire.empty()) {
    writeU16(&buf_[pos_], static_cast<uint16_t>(0xC000 | owner.pointer));
    return 2;
  }
  return writeName(owner.wire, &buf_[pos_]);
}

static size_t ownerSize(const Owner& owner) { return owner.wire.empty() ? 2 : owner.wire.size(); }

size_t ResponseWriter::writeCompressedRdata(uint16_t type, std::string_view rdata, uint8_t* out) {
  // Where the names start: after MX's preference; SOA has two in a row.
  size_t first = type == type::MX ? 2 : 0;
  int names = type == type::SOA ? 2 : 1;
  size_t in = 0, written = 0;
  auto copy = [&](size_t n) {
    std::memcpy(out + written, rdata.data() + in, n);
    in += n;
    written += n;
  };
  copy(std::min(first, rdata.size()));
  for (int k = 0; k < names; ++k) {
    size_t len = nameLength(rdata.substr(in));
    if (len == 0) break;  // not a plain name: the rest goes as it is
    written += writeName(rdata.substr(in, len), out + written);
    in += len;
  }
  copy(rdata.size() - in);
  return written;
}

bool ResponseWriter::addRecord(Section s, const Owner& owner, std::string_view encoded) {
  if (!room(s, ownerSize(owner) + encoded.size())) return false;
  pos_ += writeOwner(owner);
  uint16_t type = encoded.size() >= 10 ? readU16(reinterpret_cast<const uint8_t*>(encoded.data())) : 0;
  // RFC 1035 4.1.4 names in these RDATA may be compressed (RFC 3597 3:
  // no other type's); SRV's target never is (RFC 2782).
  if (type == type::NS || type == type::CNAME || type == type::PTR || type == type::MX || type == type::SOA) {
    // Never longer than the record as encoded, so the room checked holds.
    std::memcpy(&buf_[pos_], encoded.data(), 10);
    size_t rdlen = writeCompressedRdata(type, encoded.substr(10), &buf_[pos_ + 10]);
    writeU16(&buf_[pos_ + 8], static_cast<uint16_t>(rdlen));
    last_rdata_ = pos_ + 10;
    pos_ += 10 + rdlen;
  } else {
    std::memcpy(&buf_[pos_], encoded.data(), encoded.size());
    last_rdata_ = pos_ + 10;
    pos_ += encoded.size();
  }
  count(s);
  return true;
}

bool ResponseWriter::addAddress(Section s, const Owner& owner, const IpAddress& ip, uint32_t ttl) {
  auto bytes = ip.span();
  if (!room(s, ownerSize(owner) + 10 + bytes.size())) return false;
  pos_ += writeOwner(owner);
  uint8_t* p = &buf_[pos_];
  writeU16(p, ip.family == IpAddress::Family::v4 ? type::A : type::AAAA);
  writeU16(p + 2, kClassIn);
  writeU32(p + 4, ttl);
  writeU16(p + 8, static_cast<uint16_t>(bytes.size()));
  std::memcpy(p + 10, bytes.data(), bytes.size());
  last_rdata_ = pos_ + 10;
  pos_ += 10 + bytes.size();
  count(s);
  return true;
}

void ResponseWriter::truncate() {
  pos_ = question_end_;
  name_count_ = std::min<size_t>(name_count_, question_end_ > kHeaderSize ? 1 : 0);
  std::memset(&buf_[6], 0, 6);
  buf_[2] |= static_cast<uint8_t>(flag::TC >> 8);
  section_ = 0;
}

void ResponseWriter::addOpt(uint16_t payload, uint8_t extended_rcode, std::span<const uint8_t> options,
                            bool dnssec_ok) {
  // The OPT's room was reserved at construction, so this always fits.
  uint8_t* p = &buf_[pos_];
  p[0] = 0;  // root owner
  writeU16(p + 1, type::OPT);
  writeU16(p + 3, payload);
  p[5] = extended_rcode;
  p[6] = 0;  // version 0
  writeU16(p + 7, dnssec_ok ? 0x8000 : 0);
  writeU16(p + 9, static_cast<uint16_t>(options.size()));
  if (!options.empty()) std::memcpy(p + 11, options.data(), options.size());
  pos_ += 11 + options.size();
  writeU16(&buf_[10], static_cast<uint16_t>(readU16(&buf_[10]) + 1));
}

void ResponseWriter::addTsigError(const Tsig& tsig, uint16_t original_id, uint16_t error) {
  uint8_t* p = &buf_[pos_];
  std::memcpy(p, tsig.key_name.data(), tsig.key_name.size());
  p += tsig.key_name.size();
  writeU16(p, type::TSIG);
  writeU16(p + 2, kClassAny);
  writeU32(p + 4, 0);
  writeU16(p + 8, static_cast<uint16_t>(tsig.algorithm.size() + 8 + 8));
  p += 10;
  std::memcpy(p, tsig.algorithm.data(), tsig.algorithm.size());
  p += tsig.algorithm.size();
  std::memcpy(p, tsig.time_and_fudge.data(), 8);
  writeU16(p + 8, 0);  // MAC size: unsigned
  writeU16(p + 10, original_id);
  writeU16(p + 12, error);
  writeU16(p + 14, 0);  // other len
  pos_ += tsigErrorSize(tsig);
  writeU16(&buf_[10], static_cast<uint16_t>(readU16(&buf_[10]) + 1));
}

}  // namespace gtm::dns
