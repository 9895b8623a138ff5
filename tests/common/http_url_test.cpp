#include "common/http_url.hpp"

#include <gtest/gtest.h>

namespace gtm {
namespace {

TEST(HttpUrl, SchemeHostPortAndPath) {
  auto u = parseHttpUrl("https://198.18.1.5:9100/api/v1/status?limit=10", 80);
  ASSERT_TRUE(u) << u.error();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "198.18.1.5");
  EXPECT_EQ(u->port, 9100);
  EXPECT_EQ(u->path, "/api/v1/status?limit=10");
  EXPECT_EQ(u->hostHeader(), "198.18.1.5:9100");
}

TEST(HttpUrl, DefaultsAndIpv6) {
  auto u = parseHttpUrl("http://[2001:db8::5]", 2379);
  ASSERT_TRUE(u) << u.error();
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "2001:db8::5");
  EXPECT_EQ(u->port, 2379);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->hostHeader(), "[2001:db8::5]:2379");
  auto v = parseHttpUrl("http://[::1]:80/x", 0);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->hostHeader(), "[::1]");
}

TEST(HttpUrl, Refusals) {
  for (const char* text : {"ftp://a/", "198.18.1.5:80", "http://", "http://:80/", "http://a:0/", "http://a:65536/",
                           "http://a:80x/", "http://[::1/", "http://[::1]x/", "http://u@a/", "http://a/b c"}) {
    auto u = parseHttpUrl(text, 80);
    EXPECT_FALSE(u) << text;
  }
  EXPECT_EQ(parseHttpUrl("ftp://a/", 80).error(), "\"ftp://a/\" is not an http:// or https:// URL");
  // From a certificate: nothing that could end the request line.
  for (std::string text : {std::string("http://a/b\x01c"), std::string("http://a/b\x7f"), std::string("http://a/\0x", 11)})
    EXPECT_FALSE(parseHttpUrl(text, 80)) << text.size();
}

}  // namespace
}  // namespace gtm
