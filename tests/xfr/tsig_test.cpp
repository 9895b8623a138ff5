// TSIG (RFC 8945) as gtm checks requests and signs answers: a signed request
// verifies; a wrong key, a changed byte and a clock outside the fudge are
// told apart (BADKEY, BADSIG, BADTIME); an answer's MAC covers the request's
// MAC. Real peers (dig, kdig, Knot, NSD, BIND, PowerDNS) check the rest in
// tests/integration/hidden_primary_test.cpp.
#include <gtest/gtest.h>

#include "dns/name.hpp"
#include "dns/wire.hpp"
#include "xfr/journal.hpp"
#include "xfr/message_reader.hpp"
#include "xfr/tsig.hpp"

namespace gtm::xfr {
namespace {

TsigKey key(const std::string& name, const std::string& secret) {
  config::TsigKey c;
  c.name = name;
  c.secret = secret;
  return tsigKeys({c}).front();
}

std::string axfrRequest(uint16_t id) {
  std::string m(dns::kHeaderSize, '\0');
  auto* h = reinterpret_cast<uint8_t*>(m.data());
  dns::writeU16(h, id);
  dns::writeU16(h + 4, 1);
  m += *dns::toWireName("vpn.example.com.", {});
  m += std::string("\x00\xfc\x00\x01", 4);
  return m;
}

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(Tsig, TellsKeySignatureAndTimeApart) {
  std::vector<TsigKey> keys = {key("xfr", std::string(32, 'k'))};
  const uint64_t now = 1800000000;
  std::string request = axfrRequest(0x1234);
  std::string mac = signRequest(request, keys[0], now);
  EXPECT_EQ(mac.size(), 32u);

  TsigCheck ok = checkRequest(bytes(request), keys, now + 10);
  EXPECT_TRUE(ok.present);
  EXPECT_FALSE(ok.malformed);
  EXPECT_EQ(ok.error, tsig_error::NONE);
  EXPECT_EQ(ok.key, &keys[0]);
  EXPECT_EQ(ok.mac, mac);

  EXPECT_EQ(checkRequest(bytes(request), keys, now + 301).error, tsig_error::BADTIME);
  EXPECT_EQ(checkRequest(bytes(request), keys, now - 301).error, tsig_error::BADTIME);
  std::vector<TsigKey> other = {key("xfr", std::string(32, 'o'))};
  EXPECT_EQ(checkRequest(bytes(request), other, now).error, tsig_error::BADSIG);
  std::vector<TsigKey> unknown = {key("another", std::string(32, 'k'))};
  EXPECT_EQ(checkRequest(bytes(request), unknown, now).error, tsig_error::BADKEY);
  std::string changed = request;
  changed[13] ^= 0x20;  // a letter of the question's name, after signing
  EXPECT_EQ(checkRequest(bytes(changed), keys, now).error, tsig_error::BADSIG);

  // Not last in the additional section: malformed.
  std::string twice = request;
  twice += request.substr(request.find("\x03xfr", dns::kHeaderSize));
  auto* h = reinterpret_cast<uint8_t*>(twice.data());
  dns::writeU16(h + 10, 2);
  EXPECT_TRUE(checkRequest(bytes(twice), keys, now).malformed);
  // Unsigned: not present.
  EXPECT_FALSE(checkRequest(bytes(axfrRequest(1)), keys, now).present);
  // Cut anywhere: never read past the end.
  for (size_t n = 0; n < request.size(); ++n) (void)checkRequest(bytes(request.substr(0, n)), keys, now);
}

TEST(Tsig, AnswersAreSignedOverTheRequestsMacAndEachOther) {
  std::vector<TsigKey> keys = {key("xfr", std::string(32, 'k'))};
  const uint64_t now = 1800000000;
  std::string request = axfrRequest(7);
  (void)signRequest(request, keys[0], now);
  TsigCheck check = checkRequest(bytes(request), keys, now);
  ResponseSigner signer(check);
  std::string first = axfrRequest(7), second = axfrRequest(7);
  signer.sign(first, now);
  signer.sign(second, now);
  auto m1 = readMessage(bytes(first)), m2 = readMessage(bytes(second));
  ASSERT_TRUE(m1 && m2);
  ASSERT_EQ(m1->additional.size(), 1u);
  ASSERT_EQ(m2->additional.size(), 1u);
  EXPECT_EQ(m1->additional[0].type, dns::type::TSIG);
  // Both carry a full MAC, and they differ (the second covers the first).
  std::string r1 = first.substr(m1->additional[0].rdata), r2 = second.substr(m2->additional[0].rdata);
  EXPECT_NE(r1, r2);
}

TEST(Journal, CondensesAndForgetsTheOldest) {
  auto version = [](uint32_t serial, std::vector<std::string> addresses) {
    ZoneVersion v;
    v.serial = serial;
    for (const std::string& a : addresses) v.records.emplace_back("\x05" "aovpn", a);
    std::sort(v.records.begin(), v.records.end());
    return v;
  };
  Journal j(2);
  ZoneVersion v1 = version(1, {"east"}), v2 = version(2, {"west"}), v3 = version(3, {"east"}), v4 = version(4, {"north"});
  j.add(v1, v2);
  j.add(v2, v3);
  auto back = j.since(1);  // east -> west -> east: nothing left
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->diff.removed.empty());
  EXPECT_TRUE(back->diff.added.empty());
  j.add(v3, v4);  // the first change is forgotten
  EXPECT_FALSE(j.since(1));
  auto from2 = j.since(2);
  ASSERT_TRUE(from2);
  ASSERT_EQ(from2->diff.removed.size(), 1u);
  EXPECT_EQ(from2->diff.removed[0].second, "west");
  ASSERT_EQ(from2->diff.added.size(), 1u);
  EXPECT_EQ(from2->diff.added[0].second, "north");
  EXPECT_EQ(j.size(), 2u);
}

// 10,000 changes through a journal of 1,000: the oldest go, memory stays
// that of 1,000 changes, and a secondary that far behind gets no IXFR.
TEST(Journal, TenThousandChangesKeepItBounded) {
  Journal j(1000);
  ZoneVersion previous;
  previous.serial = 1;
  previous.records = {{"\x05" "aovpn", "a0"}};
  for (uint32_t i = 2; i <= 10001; ++i) {
    ZoneVersion next;
    next.serial = i;
    next.records = {{"\x05" "aovpn", "a" + std::to_string(i)}};
    j.add(previous, next);
    previous = std::move(next);
  }
  EXPECT_EQ(j.size(), 1000u);
  EXPECT_FALSE(j.since(1));
  EXPECT_FALSE(j.since(9000));
  auto recent = j.since(9002);
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->diff.added.size(), 1u);
  EXPECT_EQ(recent->diff.removed.size(), 1u);
}

}  // namespace
}  // namespace gtm::xfr
