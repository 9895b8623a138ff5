// The RADIUS codec against RFC 2865's own example (section 7.1: "nemo",
// "arctangent", secret "xyzzy5461"), and the checks of a response: our ID,
// the Response Authenticator, the Message-Authenticator, truncation.
#include "monitor/radius_message.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gtm::test {
namespace {

using namespace monitor::radius;

std::vector<uint8_t> hex(const std::string& h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

Request rfcRequest() {
  Request r;
  r.id = 0;
  auto a = hex("0f403f9473978057bd83d5cb98f4227a");
  std::copy(a.begin(), a.end(), r.authenticator.begin());
  r.secret = "xyzzy5461";
  r.user_name = "nemo";
  r.password = "arctangent";
  return r;
}

TEST(RadiusMessage, PasswordHidingMatchesRfc2865) {
  Request r = rfcRequest();
  EXPECT_EQ(hidePassword(r.password, r.secret, r.authenticator), hex("0dbe708d93d413ce3196e43f782a0aee"));
  // Longer than 16 bytes: chained blocks, each 16 bytes.
  EXPECT_EQ(hidePassword("a-password-of-twenty", r.secret, r.authenticator).size(), 32u);
}

TEST(RadiusMessage, RequestCarriesItsAttributesAndAValidMessageAuthenticator) {
  Request r = rfcRequest();
  auto p = buildRequest(r);
  ASSERT_GE(p.size(), 20u);
  EXPECT_EQ(p[0], code::AccessRequest);
  EXPECT_EQ(static_cast<size_t>(p[2] << 8 | p[3]), p.size());
  // User-Name "nemo", then the hidden password as in the RFC.
  EXPECT_EQ(std::vector<uint8_t>(p.begin() + 20, p.begin() + 26), hex("01066e656d6f"));
  EXPECT_EQ(std::vector<uint8_t>(p.begin() + 26, p.begin() + 44), hex("02120dbe708d93d413ce3196e43f782a0aee"));
  // The last attribute is the Message-Authenticator: HMAC-MD5 of the packet
  // with it zero.
  ASSERT_EQ(p[p.size() - 18], 80);
  std::vector<uint8_t> zeroed = p;
  std::fill(zeroed.end() - 16, zeroed.end(), 0);
  unsigned char mac[16];
  unsigned int n = 0;
  HMAC(EVP_md5(), "xyzzy5461", 9, zeroed.data(), zeroed.size(), mac, &n);
  EXPECT_EQ(std::vector<uint8_t>(p.end() - 16, p.end()), std::vector<uint8_t>(mac, mac + 16));
  // Status-Server: no user, no password.
  r.code = code::StatusServer;
  auto s = buildRequest(r);
  EXPECT_EQ(s[0], code::StatusServer);
  EXPECT_EQ(s[20], 32) << "NAS-Identifier first";
}

TEST(RadiusMessage, ClassifiesTheRfcAcceptAndRefusesForgeries) {
  Request r = rfcRequest();
  auto accept = hex("0200002686fe220e7624ba2a1005f6bf9b55e0b2060600000001" "0f0600000000" "0e06c0a80103");
  auto ok = classifyResponse(accept, r);
  EXPECT_EQ(ok.verdict, Verdict::accept) << ok.detail;
  // Another secret: the Response Authenticator does not match.
  Request other = r;
  other.secret = "not-the-secret";
  EXPECT_EQ(classifyResponse(accept, other).verdict, Verdict::bad_authenticator);
  EXPECT_NE(classifyResponse(accept, other).detail.find("wrong shared secret?"), std::string::npos);
  // Another ID: not ours, keep waiting.
  Request later = r;
  later.id = 7;
  EXPECT_EQ(classifyResponse(accept, later).verdict, Verdict::not_ours);
  // Cut short, or an attribute past the end.
  EXPECT_EQ(classifyResponse(std::span(accept).subspan(0, 30), r).verdict, Verdict::malformed);
  auto bad = accept;
  bad[21] = 60;
  EXPECT_EQ(classifyResponse(bad, r).verdict, Verdict::bad_authenticator) << "the authenticator covers the attributes";
  EXPECT_EQ(classifyResponse(std::span(accept).subspan(0, 10), r).verdict, Verdict::not_ours);
}

}  // namespace
}  // namespace gtm::test
