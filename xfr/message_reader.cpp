#include "xfr/message_reader.hpp"

#include <cctype>

#include "dns/wire.hpp"

namespace gtm::xfr {

std::optional<std::pair<std::string, size_t>> readName(std::span<const uint8_t> msg, size_t pos) {
  std::string name;
  size_t end = 0;  // where the name ends in place (after its first pointer, or its root label)
  for (int hops = 0;;) {
    if (pos >= msg.size()) return std::nullopt;
    uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size() || ++hops > 64) return std::nullopt;
      if (end == 0) end = pos + 2;
      pos = static_cast<size_t>((len & 0x3F) << 8 | msg[pos + 1]);
      continue;
    }
    if (len & 0xC0) return std::nullopt;  // 0x40 / 0x80: no longer defined
    if (pos + 1 + len > msg.size() || name.size() + 1 + len > dns::kMaxNameLength) return std::nullopt;
    name += static_cast<char>(len);
    for (size_t i = 0; i < len; ++i) name += static_cast<char>(std::tolower(msg[pos + 1 + i]));
    pos += 1 + len;
    if (len == 0) {
      if (end == 0) end = pos;
      return std::make_pair(std::move(name), end);
    }
  }
}

std::optional<MessageView> readMessage(std::span<const uint8_t> msg) {
  if (msg.size() < dns::kHeaderSize) return std::nullopt;
  MessageView m;
  m.id = dns::readU16(msg.data());
  m.flags = dns::readU16(msg.data() + 2);
  m.opcode = static_cast<uint8_t>((m.flags >> 11) & 0x0F);
  uint16_t qd = dns::readU16(msg.data() + 4);
  uint16_t counts[3] = {dns::readU16(msg.data() + 6), dns::readU16(msg.data() + 8), dns::readU16(msg.data() + 10)};
  if (qd > 1) return std::nullopt;
  size_t pos = dns::kHeaderSize;
  if (qd == 1) {
    auto name = readName(msg, pos);
    if (!name || name->second + 4 > msg.size()) return std::nullopt;
    m.qname = std::move(name->first);
    m.qtype = dns::readU16(msg.data() + name->second);
    m.qclass = dns::readU16(msg.data() + name->second + 2);
    pos = name->second + 4;
  }
  m.question_end = pos;
  std::vector<RecordAt>* sections[3] = {&m.answer, &m.authority, &m.additional};
  for (int s = 0; s < 3; ++s) {
    for (uint16_t i = 0; i < counts[s]; ++i) {
      RecordAt r;
      r.start = pos;
      auto name = readName(msg, pos);
      if (!name || name->second + 10 > msg.size()) return std::nullopt;
      r.owner = std::move(name->first);
      const uint8_t* p = msg.data() + name->second;
      r.type = dns::readU16(p);
      r.cls = dns::readU16(p + 2);
      r.ttl = dns::readU32(p + 4);
      r.rdlength = dns::readU16(p + 8);
      r.rdata = name->second + 10;
      if (r.rdata + r.rdlength > msg.size()) return std::nullopt;
      pos = r.rdata + r.rdlength;
      sections[s]->push_back(std::move(r));
    }
  }
  return m;
}

}  // namespace gtm::xfr
