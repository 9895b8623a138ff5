// Log lines stay one line and well-formed whatever the values hold: control
// characters, quotes, '=', bytes that are not UTF-8 (a probe's reason can
// quote what a server sent).
#include "common/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gtm::test {
namespace {

// What one log::info call wrote to stderr.
std::string logged(bool json, std::string_view value) {
  std::fflush(stderr);
  char path[] = "/tmp/gtm-log-XXXXXX";
  int fd = ::mkstemp(path);
  int saved = ::dup(2);
  ::dup2(fd, 2);
  log::setJson(json);
  log::info("probe failed", {{"reason", value}});
  log::setJson(false);
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  ::close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  return text.str();
}

const std::string kHostile = std::string("a=b \"q\" \\ line\nnext\r\ttab \x01 bad:\xff\xc0\x80 ok:\xc3\xa9");

TEST(Log, LogfmtValuesAreEscapedOnOneLine) {
  std::string line = logged(false, kHostile);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find(R"(reason="a=b \"q\" \\ line\nnext\r\ttab \u0001 bad:)"), std::string::npos) << line;
  EXPECT_NE(line.find("\xEF\xBF\xBD"), std::string::npos) << "bytes that are not UTF-8 become U+FFFD";
  EXPECT_NE(line.find("ok:\xc3\xa9\""), std::string::npos) << "valid UTF-8 is kept";
  EXPECT_NE(logged(false, "plain").find(" reason=plain\n"), std::string::npos);
  EXPECT_NE(logged(false, "").find(" reason=\"\"\n"), std::string::npos);
}

TEST(Log, JsonLinesParseWithInvalidUtf8Replaced) {
  std::string line = logged(true, kHostile);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"], "probe failed");
  EXPECT_EQ(j["level"], "info");
  std::string reason = j["reason"];
  EXPECT_EQ(reason.substr(0, 16), "a=b \"q\" \\ line\nn");
  EXPECT_NE(reason.find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(line.substr(0, 6), "{\"ts\":") << "ts, level and msg lead";
}

}  // namespace
}  // namespace gtm::test
