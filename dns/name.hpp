// Domain names at load time (through ldns): presentation text to lower-case
// wire format, relative to an origin. Not for the packet path.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gtm::dns {

// "www" under origin "example.com." gives the wire form of www.example.com.;
// "@" gives the origin; a name ending in a dot is absolute. origin_wire may be
// empty, then the name must be absolute.
[[nodiscard]] Result<std::string> toWireName(std::string_view text, std::string_view origin_wire);

// Wire name back to presentation text, with the trailing dot.
[[nodiscard]] std::string toText(std::string_view wire);
// Whether a wire name has a "*" label. Wildcards (RFC 4592) are not served:
// such a name would be answered literally, and names below it would get a
// denial that does not validate.
[[nodiscard]] bool hasWildcardLabel(std::string_view wire);

// True when `name` equals `zone` or lies below it (both lower-case wire).
[[nodiscard]] bool isWithin(std::string_view name, std::string_view zone);

// The parent of a wire name ("" for the root).
[[nodiscard]] std::string_view parentOf(std::string_view wire);

}  // namespace gtm::dns
