// Who may do what on the status server, without the network: viewer,
// operator, a wrong token and none, with read = "open" and "token"; the
// page's login session (reads only, ends with its token); the actor and
// reason an admin action carries.
#include <gtest/gtest.h>

#include "status/request_checks.hpp"
#include "status/status_server.hpp"

namespace gtm::status {
namespace {

class RecordingProvider : public StatusProvider {
 public:
  std::string statusJson(const StatusQuery&) override { return "{}"; }
  std::string metricsText() override { return "gtm_up 1\n"; }
  ControlOutcome control(const std::string&, const std::string&, const std::string&, const Actor& actor) override {
    last = actor;
    return {};
  }
  std::string overviewHtml() override { return "<ul id=\"headlines\"></ul>"; }
  Actor last;
};

config::StatusToken token(const std::string& name, const std::string& secret, bool op) {
  return {name, "", secret, op ? config::StatusToken::Role::operator_ : config::StatusToken::Role::viewer, {}};
}

struct Fixture {
  explicit Fixture(bool read_needs_token)
      : server(SocketAddress{*IpAddress::parse("127.0.0.1"), 1},
               Access{{token("alice", "alice-secret-0123", true), token("bob", "bob-secret-456789", false)},
                      read_needs_token},
               provider) {}
  StatusServer::Reply get(const std::string& target, const std::string& auth = "", const std::string& cookie = "") {
    return server.handle({"GET", target, auth, cookie, "", "", "192.0.2.7"});
  }
  StatusServer::Reply post(const std::string& target, const std::string& auth, const std::string& body = "",
                           const std::string& cookie = "") {
    return server.handle({"POST", target, auth, cookie, "application/json", body, "192.0.2.7"});
  }
  RecordingProvider provider;
  StatusServer server;
};

const std::string kDrain = "/api/v1/endpoints/aovpn/west/drain";

TEST(StatusAccess, RolesWhenReadingIsOpen) {
  Fixture f(false);
  EXPECT_EQ(f.get("/api/v1/status").status, 200);
  EXPECT_EQ(f.get("/").status, 200);
  EXPECT_EQ(f.post(kDrain, "").status, 401) << "no token";
  EXPECT_EQ(f.post(kDrain, "Bearer wrong-secret-00000").status, 401);
  auto viewer = f.post(kDrain, "Bearer bob-secret-456789");
  EXPECT_EQ(viewer.status, 403);
  EXPECT_NE(viewer.body.find("viewer"), std::string::npos);
  auto op = f.post(kDrain + "?reason=patching%20RRAS", "Bearer alice-secret-0123");
  EXPECT_EQ(op.status, 200) << op.body;
  EXPECT_EQ(f.provider.last.name, "alice");
  EXPECT_EQ(f.provider.last.client, "192.0.2.7");
  EXPECT_EQ(f.provider.last.reason, "patching RRAS");
  EXPECT_EQ(f.post(kDrain, "Bearer alice-secret-0123", R"({"reason": "from the body"})").status, 200);
  EXPECT_EQ(f.provider.last.reason, "from the body");
  EXPECT_EQ(f.post(kDrain, "Bearer alice-secret-0123", R"({"reason": 7})").status, 400);
  EXPECT_EQ(f.post(kDrain, "Bearer alice-secret-0123", "not json").status, 400);
  EXPECT_EQ(f.post(kDrain + "?reason=" + std::string(600, 'x'), "Bearer alice-secret-0123").status, 400);
  EXPECT_EQ(f.post(kDrain + "?reason=a%0Ab", "Bearer alice-secret-0123").status, 400) << "one line";
}

TEST(StatusAccess, RolesWhenReadingNeedsAToken) {
  Fixture f(true);
  EXPECT_EQ(f.get("/healthz").status, 200) << "health stays open";
  EXPECT_EQ(f.get("/api/v1/status").status, 401);
  EXPECT_EQ(f.get("/metrics").status, 401);
  EXPECT_EQ(f.get("/api/v1/events").status, 401);
  EXPECT_EQ(f.get("/api/v1/status", "Bearer wrong-secret-00000").status, 401);
  EXPECT_EQ(f.get("/api/v1/status", "Bearer bob-secret-456789").status, 200);
  EXPECT_EQ(f.get("/metrics", "Bearer alice-secret-0123").status, 200);
  // The page: a login form, no overview.
  auto page = f.get("/");
  EXPECT_NE(page.body.find("<form method=\"post\" action=\"/login\">"), std::string::npos);
  EXPECT_EQ(page.body.find("headlines"), std::string::npos);
  EXPECT_EQ(f.get("/assets/dashboard.css").status, 200) << "the login page's style";
  // Signing in: a session cookie, HttpOnly and SameSite=Strict.
  EXPECT_EQ(f.server.handle({"POST", "/login", "", "", "", "token=nope", "192.0.2.7"}).status, 401);
  auto login = f.server.handle({"POST", "/login", "", "", "application/x-www-form-urlencoded",
                                "token=bob-secret-456789", "192.0.2.7"});
  ASSERT_EQ(login.status, 303);
  std::string cookie;
  for (const auto& [name, value] : login.headers)
    if (name == "Set-Cookie") cookie = value;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  std::string session = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(f.get("/", "", "other=1; " + session).status, 200);
  EXPECT_NE(f.get("/", "", session).body.find("headlines"), std::string::npos);
  EXPECT_EQ(f.get("/api/v1/status", "", session).status, 200);
  EXPECT_EQ(f.get("/api/v1/status", "", "gtm_session=" + std::string(48, 'a')).status, 401);
  // A cookie never controls, even an operator's.
  auto op_login = f.server.handle({"POST", "/login", "", "", "", "token=alice-secret-0123", "192.0.2.7"});
  std::string op_cookie;
  for (const auto& [name, value] : op_login.headers)
    if (name == "Set-Cookie") op_cookie = value.substr(0, value.find(';'));
  EXPECT_EQ(f.post(kDrain, "", "", op_cookie).status, 401);
  // A rotated token ends its sessions.
  f.server.update(Access{{token("alice", "alice-secret-0123", true), token("bob", "bob-new-secret-99", false)}, true}, {});
  EXPECT_EQ(f.get("/api/v1/status", "", session).status, 401);
  EXPECT_EQ(f.get("/api/v1/status", "Bearer bob-new-secret-99").status, 200);
}

TEST(StatusAccess, ControlIsOffWithoutAnOperator) {
  StatusServer::Reply r;
  RecordingProvider provider;
  StatusServer viewers_only(SocketAddress{*IpAddress::parse("127.0.0.1"), 1},
                            Access{{token("bob", "bob-secret-456789", false)}, false}, provider);
  r = viewers_only.handle({"POST", kDrain, "Bearer bob-secret-456789", "", "", "", "192.0.2.7"});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("control is off"), std::string::npos);
}

TEST(StatusAccess, EventQueriesAreChecked) {
  Fixture f(false);
  // This provider keeps no journal.
  EXPECT_EQ(f.get("/api/v1/events").status, 404);
  journal::EventFilter filter;
  bool follow = false;
  int64_t now = 1764645120000;
  EXPECT_FALSE(eventQuery("/api/v1/events?since=-1h&type=answer,admin&endpoint=aovpn/west&limit=5&follow=1", now,
                          filter, follow));
  EXPECT_EQ(filter.since_ms, now - 3600000);
  EXPECT_EQ(filter.types, (std::vector<std::string>{"answer", "admin"}));
  EXPECT_EQ(filter.profile, "aovpn");
  EXPECT_EQ(filter.endpoint, "west");
  EXPECT_EQ(filter.limit, 5u);
  EXPECT_TRUE(follow);
  for (const char* bad : {"?since=yesterday", "?type=boom", "?limit=0", "?limit=99999", "?color=red", "?since",
                          "?profile=%ZZ"}) {
    journal::EventFilter f2;
    EXPECT_TRUE(eventQuery(std::string("/api/v1/events") + bad, now, f2, follow)) << bad;
  }
}

}  // namespace
}  // namespace gtm::status
