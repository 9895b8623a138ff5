#include "tests/support/query_builder.hpp"

namespace gtm::test {

namespace {
void u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
}  // namespace

std::vector<uint8_t> wireName(const std::string& name) {
  std::vector<uint8_t> out;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

std::vector<uint8_t> buildQuery(const QuerySpec& s) {
  std::vector<uint8_t> out;
  u16(out, s.id);
  u16(out, s.flags);
  u16(out, s.qdcount_override >= 0 ? static_cast<uint16_t>(s.qdcount_override) : 1);
  u16(out, 0);
  u16(out, 0);
  u16(out, s.edns ? static_cast<uint16_t>(s.opt_count) : 0);
  if (!s.omit_question) {
    auto n = wireName(s.name);
    out.insert(out.end(), n.begin(), n.end());
    u16(out, s.qtype);
    u16(out, s.qclass);
  }
  if (s.edns) {
    for (int i = 0; i < s.opt_count; ++i) {
      out.push_back(0);
      u16(out, 41);
      u16(out, s.udp_payload);
      out.push_back(0);
      out.push_back(s.edns_version);
      u16(out, s.dnssec_ok ? 0x8000 : 0);
      size_t len = 0;
      for (const auto& o : s.options) len += 4 + o.data.size();
      u16(out, static_cast<uint16_t>(len));
      for (const auto& o : s.options) {
        u16(out, o.code);
        u16(out, static_cast<uint16_t>(o.data.size()));
        out.insert(out.end(), o.data.begin(), o.data.end());
      }
    }
  }
  return out;
}

}  // namespace gtm::test
