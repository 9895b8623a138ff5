// The HTTP response readers (head only, and whole) and the SSTP control
// packet reader.
#include <gtest/gtest.h>

#include "monitor/http_response.hpp"
#include "monitor/sstp_message.hpp"

namespace gtm::test {
namespace {

using monitor::HttpResponse;
using monitor::HttpResponseHead;

TEST(HttpResponse, SizedChunkedAndCloseDelimitedBodies) {
  using Progress = HttpResponse::Progress;
  {
    HttpResponse r;
    std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"a\": true}";
    Progress p = Progress::need_more;
    for (char c : text) p = r.feed(std::string_view(&c, 1));
    ASSERT_EQ(p, Progress::complete) << r.error();
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.body(), "{\"a\": true}");
  }
  {
    HttpResponse r;
    EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), Progress::need_more);
    EXPECT_EQ(r.feed("2\r\nde\r\n0\r\n\r\n"), Progress::complete);
    EXPECT_EQ(r.body(), "abcde");
  }
  {
    HttpResponse r;
    EXPECT_EQ(r.feed("HTTP/1.0 503 Busy\r\n\r\nlater"), Progress::need_more);
    EXPECT_EQ(r.feed({}, true), Progress::complete);
    EXPECT_EQ(r.status(), 503);
    EXPECT_EQ(r.body(), "later");
  }
}

TEST(HttpResponse, CutShortMalformedAndTooLong) {
  using Progress = HttpResponse::Progress;
  HttpResponse cut;
  EXPECT_EQ(cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), Progress::need_more);
  EXPECT_EQ(cut.feed({}, true), Progress::invalid);
  EXPECT_EQ(cut.error(), "the connection closed in the middle of the HTTP response");
  HttpResponse bad;
  EXPECT_EQ(bad.feed("SSH-2.0-OpenSSH\r\n\r\n"), Progress::invalid);
  EXPECT_NE(bad.error().find("malformed HTTP response"), std::string::npos) << bad.error();
  HttpResponse big;
  EXPECT_EQ(big.feed("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n"), Progress::invalid);
  EXPECT_EQ(big.error(), "HTTP response body longer than 1048576 bytes");
  HttpResponse endless;
  Progress p = endless.feed("HTTP/1.1 200 OK\r\n\r\n");
  std::string mib(1024 * 1024, 'x');
  for (int i = 0; i < 2 && p == Progress::need_more; ++i) p = endless.feed(mib);
  EXPECT_EQ(p, Progress::invalid);
  EXPECT_EQ(endless.error(), "HTTP response body longer than 1048576 bytes");
}

TEST(HttpResponseHead, ByteByByteAndHeaders) {
  std::string text = "HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\nServer:  Microsoft-HTTPAPI/2.0 \r\n\r\nrest";
  HttpResponseHead h;
  HttpResponseHead::Progress p = HttpResponseHead::Progress::need_more;
  for (char c : text) {
    p = h.feed(std::string_view(&c, 1));
    if (p != HttpResponseHead::Progress::need_more) break;
  }
  ASSERT_EQ(p, HttpResponseHead::Progress::complete);
  EXPECT_EQ(h.status(), 200);
  EXPECT_EQ(h.header("CONTENT-LENGTH"), "18446744073709551615");
  EXPECT_EQ(h.header("server"), "Microsoft-HTTPAPI/2.0");
  EXPECT_FALSE(h.header("x-missing"));
}

TEST(HttpResponseHead, Rejections) {
  struct Case {
    std::string text;
    std::string error;
  } cases[] = {
      {"SSH-2.0-OpenSSH\r\n", "not an HTTP response (starts with \"SSH-2.0-OpenSSH??\")"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "malformed HTTP status line \"HTTP/1.1 2x0 OK\""},
      {"HTTP/1.1 401 Unauthorized\r\nno colon here\r\n\r\n", "malformed HTTP response head (bad field)"},
      {"HTTP/1.1 401 Unauthorized\r\nContent-Length: x\r\n\r\n", "malformed HTTP response head (bad Content-Length)"},
  };
  for (const Case& c : cases) {
    HttpResponseHead h;
    EXPECT_EQ(h.feed(c.text), HttpResponseHead::Progress::invalid) << c.text;
    EXPECT_EQ(h.error(), c.error);
  }
  HttpResponseHead endless;
  auto p = endless.feed("HTTP/1.1 401 Unauthorized\r\n");
  for (int i = 0; i < 1000 && p == HttpResponseHead::Progress::need_more; ++i) p = endless.feed("X-Pad: yyyyyyyyyyyyyyyyyyyy\r\n");
  EXPECT_EQ(p, HttpResponseHead::Progress::invalid);
  EXPECT_EQ(endless.error(), "HTTP response head longer than 16384 bytes");
}

TEST(SstpMessage, CallConnectRequestBytes) {
  auto r = monitor::sstp::callConnectRequest();
  EXPECT_EQ(std::vector<uint8_t>(r.begin(), r.end()),
            (std::vector<uint8_t>{0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x01}));
  auto post = monitor::sstp::duplexPostRequest("/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/", "vpn.example.com", "X");
  EXPECT_EQ(post,
            "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: vpn.example.com\r\n"
            "Content-Length: 18446744073709551615\r\nSSTPCORRELATIONID: {X}\r\n\r\n");
}

TEST(SstpMessage, ControlPacketTable) {
  using P = monitor::sstp::ControlPacket::Progress;
  std::vector<uint8_t> ack{0x10, 0x01, 0x00, 0x30, 0x00, 0x02, 0x00, 0x01};
  ack.resize(48, 0);
  struct Case {
    std::vector<uint8_t> bytes;
    P progress;
    uint16_t type;
  } cases[] = {
      {ack, P::complete, 2},
      {{0x10, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00}, P::complete, 3},
      {{0x10, 0x01, 0x00, 0x30, 0x00, 0x02}, P::need_more, 0},
      {{0x10, 0x00, 0x00, 0x08, 0, 0, 0, 0}, P::invalid, 0},   // data packet
      {{0x20, 0x01, 0x00, 0x08, 0, 0, 0, 0}, P::invalid, 0},   // version 2.0
      {{0x10, 0x01, 0x00, 0x04}, P::invalid, 0},               // too short to be control
      {{0x10}, P::need_more, 0},
  };
  for (const Case& c : cases) {
    auto p = monitor::sstp::readControlPacket(c.bytes);
    EXPECT_EQ(p.progress, c.progress);
    EXPECT_EQ(p.message_type, c.type);
  }
}

}  // namespace
}  // namespace gtm::test
