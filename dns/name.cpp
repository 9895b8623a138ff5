#include "dns/name.hpp"

#include <ldns/ldns.h>

#include <memory>

#include "dns/wire.hpp"

namespace gtm::dns {
namespace {

struct RdfDeleter {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;

}  // namespace

Result<std::string> toWireName(std::string_view text, std::string_view origin_wire) {
  if (text.empty()) return Error{"empty name"};
  if (text == "@") {
    if (origin_wire.empty()) return Error{"'@' needs an origin"};
    return std::string(origin_wire);
  }
  std::string copy(text);
  RdfPtr name(ldns_dname_new_frm_str(copy.c_str()));
  if (!name) return Error{"\"" + copy + "\" is not a valid domain name"};
  bool absolute = text.back() == '.' && !(text.size() >= 2 && text[text.size() - 2] == '\\');
  std::string wire(reinterpret_cast<const char*>(ldns_rdf_data(name.get())), ldns_rdf_size(name.get()));
  if (!absolute) {
    if (origin_wire.empty()) return Error{"\"" + copy + "\" must be absolute (end in a dot)"};
    // ldns made it absolute by appending the root label: replace that with the origin.
    wire.pop_back();
    wire.append(origin_wire);
    if (wire.size() > 255) return Error{"\"" + copy + "\" is longer than 255 bytes under the origin"};
  }
  for (char& c : wire) c = asciiLower(c);
  return wire;
}

bool hasWildcardLabel(std::string_view wire) {
  for (size_t pos = 0; pos < wire.size() && wire[pos] != 0; pos += 1u + static_cast<uint8_t>(wire[pos]))
    if (static_cast<uint8_t>(wire[pos]) == 1 && pos + 1 < wire.size() && wire[pos + 1] == '*') return true;
  return false;
}

std::string toText(std::string_view wire) {
  RdfPtr rdf(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire.size(), wire.data()));
  if (!rdf) return "?";
  char* s = ldns_rdf2str(rdf.get());
  std::string out = s ? s : "?";
  free(s);
  return out;
}

bool isWithin(std::string_view name, std::string_view zone) {
  if (name.size() < zone.size()) return false;
  size_t pos = 0;
  while (pos < name.size()) {
    if (name.size() - pos == zone.size()) return name.substr(pos) == zone;
    pos += 1u + static_cast<uint8_t>(name[pos]);
  }
  return false;
}

std::string_view parentOf(std::string_view wire) {
  if (wire.empty() || wire[0] == 0) return {};
  return wire.substr(1u + static_cast<uint8_t>(wire[0]));
}

}  // namespace gtm::dns
