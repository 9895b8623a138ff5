// Geographic routing end to end: a MaxMind DB file written by the test
// (libmaxmind-db-writer-perl, networks in 198.18.0.0/15 and 2001:db8::/32),
// read through libmaxminddb by the GeoDatabase and by gtm serve, queried
// with ECS by dig and by the test itself; sites' health from TCP monitors
// on listening sockets the test opens and closes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "dns/query_handler.hpp"
#include "geo/geoip_database.hpp"
#include "tests/support/dns_client.hpp"
#include "tests/support/gtm_process.hpp"
#include "tests/support/query_builder.hpp"
#include "tests/support/test_snapshot.hpp"

// Counts heap allocations while `counting` is set: the answer path's
// promise (no allocation per query) checked with the GeoIP lookup in it.
namespace {
std::atomic<bool> counting{false};
std::atomic<size_t> allocations{0};
}  // namespace
// Every plain form is replaced, so that each new meets its own delete
// (also under ASan, whose own forms would otherwise pair with ours).
void* operator new(size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(size ? size : 1);
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace gtm::test {
namespace {

const std::string kMakeDb = std::string(GTM_SOURCE_DIR) + "/tests/support/make_geoip_db.pl";

std::string cannotWriteDatabases() {
  if (run("perl -MMaxMind::DB::Writer::Tree -e 1").exit_code != 0)
    return "libmaxmind-db-writer-perl is not installed (scripts/install-deps.sh test)";
  return "";
}

// Writes the test database (or its "moved" variant) to `path` through a
// temporary file and a rename, as geoipupdate does.
void writeDatabase(const std::string& path, const std::string& variant = "") {
  auto r = run("perl " + kMakeDb + " " + path + ".new " + variant + " && mv " + path + ".new " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST(GeoDatabase, LocatesWithTheDatabasesPrefix) {
  if (auto why = cannotWriteDatabases(); !why.empty()) GTEST_SKIP() << why;
  std::string dir = makeTempDir(), path = dir + "/test.mmdb";
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path));
  auto db = geo::GeoDatabase::open(path);
  ASSERT_TRUE(db) << db.error();
  auto at = [&](const char* address) { return (*db)->locate(*IpAddress::parse(address)); };
  auto bavaria = at("198.18.1.77");
  EXPECT_TRUE(bavaria.found);
  EXPECT_EQ(bavaria.country, policy::packCode("DE"));
  EXPECT_EQ(bavaria.continent, policy::packCode("EU"));
  EXPECT_EQ(bavaria.subdivision, policy::packCode("BY"));
  EXPECT_EQ(bavaria.prefix, 24);
  auto brazil = at("198.18.6.1");
  EXPECT_EQ(brazil.country, policy::packCode("BR"));
  EXPECT_EQ(brazil.subdivision, 0u);
  EXPECT_EQ(brazil.prefix, 25);
  auto california = at("2001:db8:3::1");
  EXPECT_EQ(california.subdivision, policy::packCode("CA"));
  EXPECT_EQ(california.prefix, 48);
  auto nowhere = at("198.18.6.200");
  EXPECT_FALSE(nowhere.found);
  EXPECT_EQ(nowhere.prefix, 25);  // the empty half of 198.18.6.0/24
  const auto& d = (*db)->description();
  EXPECT_EQ(d.type, "gtm-test-City");
  EXPECT_EQ(d.ip_version, 6);
  EXPECT_GT(d.sampled, 0u);
  EXPECT_EQ(d.with_country, d.sampled);
  EXPECT_GT(d.with_subdivision, 0u);
  EXPECT_NE((*db)->summary().find("gtm-test-City, IPv6 tree of"), std::string::npos) << (*db)->summary();
  // Coordinates, and what one thread read of a record before (each
  // lookup remembers its record) never stands in for another database's:
  // the moved variant has other data at the same places.
  auto tokyo = (*db)->locate(*IpAddress::parse("198.18.5.9"), policy::GeoNeed::point);
  EXPECT_TRUE(tokyo.has_point);
  EXPECT_NEAR(tokyo.point.lat, 35.68, 0.01);
  EXPECT_EQ(tokyo.country, 0u);  // not asked for
  EXPECT_NEAR(policy::greatCircleKm(tokyo.vector, policy::toVector({35.68, 139.69})), 0, 1);
  EXPECT_EQ(at("198.18.5.9").country, policy::packCode("JP"));  // the rest of the same record, read now
  ASSERT_NO_FATAL_FAILURE(writeDatabase(dir + "/moved.mmdb", "moved"));
  auto moved = geo::GeoDatabase::open(dir + "/moved.mmdb");
  ASSERT_TRUE(moved) << moved.error();
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ((*moved)->locate(*IpAddress::parse("198.18.5.9")).country, policy::packCode("DE"));
    EXPECT_NEAR((*moved)->locate(*IpAddress::parse("198.18.5.9")).point.lat, 52.52, 0.01);
    EXPECT_EQ(at("198.18.5.9").country, policy::packCode("JP"));
    EXPECT_NEAR(at("198.18.5.9").point.lat, 35.68, 0.01);
  }
  // Refused: missing, a directory, a FIFO (which would block), not a database.
  EXPECT_FALSE(geo::GeoDatabase::open(dir + "/missing.mmdb"));
  EXPECT_EQ(geo::GeoDatabase::open(dir).error(), "\"" + dir + "\" is not a regular file");
  ASSERT_EQ(run("mkfifo " + dir + "/fifo").exit_code, 0);
  EXPECT_FALSE(geo::GeoDatabase::open(dir + "/fifo"));
  writeFile(dir, "corrupt.mmdb", std::string(4096, 'x'));
  auto corrupt = geo::GeoDatabase::open(dir + "/corrupt.mmdb");
  ASSERT_FALSE(corrupt);
  EXPECT_NE(corrupt.error().find("is not a MaxMind DB file libmaxminddb can read"), std::string::npos)
      << corrupt.error();
}

// A TCP listener on 127.0.1.N:port while the object lives: a site that is up.
// Close-on-exec, or gtm (a child) would keep it open.
class Site {
 public:
  Site(const std::string& address, uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &sin.sin_addr);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 && ::listen(fd_, 64) == 0;
  }
  ~Site() { ::close(fd_); }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  int fd_;
  bool ok_ = false;
};

// The A answer for a query carrying ECS `subnet`/`prefix` (IPv4), or "".
std::string answerFor(uint16_t port, const std::string& subnet, uint8_t prefix, uint8_t* scope = nullptr) {
  QuerySpec q;
  q.edns = true;
  in_addr a{};
  ::inet_pton(AF_INET, subnet.c_str(), &a);
  std::vector<uint8_t> ecs{0, 1, prefix, 0};
  auto* bytes = reinterpret_cast<const uint8_t*>(&a);
  ecs.insert(ecs.end(), bytes, bytes + (prefix + 7) / 8);
  q.options.push_back({8, ecs});
  auto reply = udpExchange("127.0.0.1", port, buildQuery(q), 1000);
  auto p = decode(reply);
  if (!p) return "";
  if (scope) {
    auto option = ednsOption(p.get(), 8);
    *scope = option.size() >= 4 ? option[3] : 255;
  }
  auto answers = section(p.get(), LDNS_SECTION_ANSWER);
  if (answers.empty()) return "";
  return answers[0].substr(answers[0].find_last_of(" \t") + 1);
}

std::string serveConfig(const std::string& database, uint16_t site_port);

// Answers `config`'s aovpn name for ECS /24 sources (three bytes each) from
// the query handler the server threads run: what each gets, then that 1,000
// more make no allocation (the database lookup works in the mapped file).
void expectAnswersWithoutAllocating(std::string config, const std::vector<const char*>& subnets,
                                    const std::vector<std::string>& expected) {
  config.replace(config.find("{PORT}"), 6, "53");
  config.replace(config.find("{PORT2}"), 7, "8053");
  std::string errors;
  auto snapshot = compileSnapshot(config, errors);
  ASSERT_TRUE(snapshot) << errors;
  dns::QueryHandler handler(dns::CookieSecret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1232);
  dns::ClientInfo client;
  client.address = *IpAddress::parse("127.0.0.1");
  std::vector<std::vector<uint8_t>> queries;
  for (const char* subnet : subnets) {
    QuerySpec q;
    q.edns = true;
    std::vector<uint8_t> ecs{0, 1, 24, 0};
    ecs.insert(ecs.end(), subnet, subnet + 3);
    q.options.push_back({8, ecs});
    queries.push_back(buildQuery(q));
  }
  std::vector<uint8_t> out(65535);
  std::vector<std::string> seen;
  for (const auto& q : queries) {  // warm: and what each answers
    size_t n = handler.handle(*snapshot, q, client, out);
    auto p = decode(std::vector<uint8_t>(out.begin(), out.begin() + static_cast<long>(n)));
    ASSERT_TRUE(p);
    auto a = section(p.get(), LDNS_SECTION_ANSWER);
    seen.push_back(a.empty() ? "" : a[0].substr(a[0].find_last_of(" \t") + 1));
  }
  EXPECT_EQ(seen, expected);
  allocations = 0;
  counting = true;
  size_t answered = 0;
  for (int i = 0; i < 1000; ++i) answered += handler.handle(*snapshot, queries[i % queries.size()], client, out) > 0;
  counting = false;
  EXPECT_EQ(answered, 1000u);
  EXPECT_EQ(allocations.load(), 0u);
}

// A geographic answer makes no allocation.
TEST(GeographicServe, AnswersWithoutAllocating) {
  if (auto why = cannotWriteDatabases(); !why.empty()) GTEST_SKIP() << why;
  std::string dir = makeTempDir(), path = dir + "/test.mmdb";
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path));
  expectAnswersWithoutAllocating(serveConfig(path, 9), {"\xc6\x12\x01", "\xc6\x12\x03", "\xc6\x12\x05", "\xcb\x00\x71"},
                                 {"127.0.1.2", "127.0.1.4", "127.0.1.5", "127.0.1.3"});
}

std::string serveConfig(const std::string& database, uint16_t site_port) {
  return R"([dns]
listen = ["127.0.0.1:{PORT}"]
threads = 1

[status]
listen = "127.0.0.1:{PORT2}"

[geoip]
database = ")" + database + R"("

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.1" } ]

[[monitor]]
name = "site"
protocol = "tcp"
port = )" + std::to_string(site_port) + R"(
interval = 0.2
timeout = 0.1
tolerated_failures = 0

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
routing = "geographic"
monitors = ["site"]
  [[profile.endpoint]]
  name = "amsterdam"
  target = "127.0.1.1"
  regions = ["EU"]
  [[profile.endpoint]]
  name = "munich"
  target = "127.0.1.2"
  regions = ["DE-BY"]
  [[profile.endpoint]]
  name = "virginia"
  target = "127.0.1.3"
  regions = ["NA", "WORLD"]
  [[profile.endpoint]]
  name = "california"
  target = "127.0.1.4"
  regions = ["US-CA"]
  [[profile.endpoint]]
  name = "tokyo"
  target = "127.0.1.5"
  regions = ["JP"]
)";
}

TEST(GeographicServe, HierarchyScopeFailoverAndDatabaseSwaps) {
  if (auto why = cannotWriteDatabases(); !why.empty()) GTEST_SKIP() << why;
  if (!haveCommand("dig")) GTEST_SKIP() << "dig is not installed (scripts/install-deps.sh test)";
  std::string dir = makeTempDir(), path = dir + "/GeoLite2-City.mmdb";
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path));
  uint16_t site_port = freePort();
  std::vector<std::unique_ptr<Site>> sites;
  for (int i = 1; i <= 5; ++i) {
    sites.push_back(std::make_unique<Site>("127.0.1." + std::to_string(i), site_port));
    ASSERT_TRUE(sites.back()->ok());
  }
  auto gtm = GtmProcess::serve(serveConfig(path, site_port));
  const uint16_t port = gtm->port();
  for (int i = 0; i < 50 && answerFor(port, "198.18.1.0", 24) != "127.0.1.2"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

  // Each level of the hierarchy, with the database's network as the scope.
  uint8_t scope = 0;
  EXPECT_EQ(answerFor(port, "198.18.1.0", 24, &scope), "127.0.1.2");  // DE-BY
  EXPECT_EQ(scope, 24);
  EXPECT_EQ(answerFor(port, "198.18.2.0", 24), "127.0.1.1");  // FR -> EU
  EXPECT_EQ(answerFor(port, "198.18.3.0", 24), "127.0.1.4");  // US-CA
  EXPECT_EQ(answerFor(port, "198.18.4.0", 24), "127.0.1.3");  // US-NY -> NA
  EXPECT_EQ(answerFor(port, "198.18.5.0", 24), "127.0.1.5");  // JP
  EXPECT_EQ(answerFor(port, "198.18.6.0", 32, &scope), "127.0.1.3");  // BR -> WORLD
  EXPECT_EQ(scope, 25) << "the database's /25, not the /32 the client gave";
  // Without ECS the resolver's address decides: 127.0.0.1 is in no network.
  EXPECT_EQ(firstAnswer(port), "127.0.1.3");
  // dig, an independent client, sends ECS and reads the scope.
  auto dig = run("dig +subnet=2001:db8:3::/56 -p " + std::to_string(port) + " @127.0.0.1 aovpn.vpn.example.com A");
  EXPECT_NE(dig.output.find("127.0.1.4"), std::string::npos) << dig.output;
  EXPECT_NE(dig.output.find("CLIENT-SUBNET: 2001:db8:3::/56/48"), std::string::npos) << dig.output;

  // gtm route explains it from the same file.
  auto route = run(std::string(GTM_BINARY) + " route aovpn 198.18.1.7/24 --config " + gtm->configPath());
  EXPECT_EQ(route.exit_code, 0) << route.output;
  EXPECT_NE(route.output.find("198.18.1.0/24 is DE-BY (DE, EU), database network /24; DE-BY -> munich "
                              "CheckingEndpoint; EU -> amsterdam CheckingEndpoint; WORLD -> virginia "
                              "CheckingEndpoint: answered by munich\n  127.0.1.2\n  ECS scope /24"),
            std::string::npos)
      << route.output;

  // So does the status API, with the live health.
  if (haveCommand("curl")) {
    auto api = run("curl -s -m 2 'http://127.0.0.1:" + std::to_string(gtm->port2()) +
                   "/api/v1/route?profile=aovpn&address=2001:db8:3::9'");
    EXPECT_NE(api.output.find("\"answer\":[\"127.0.1.4\"]"), std::string::npos) << api.output;
    EXPECT_NE(api.output.find("US-CA (US, NA), database network /48; US-CA -> california "), std::string::npos)
        << api.output;
    EXPECT_NE(api.output.find("\"scope_prefix\":48"), std::string::npos) << api.output;
    // %-encoded parameters, as a browser or curl --data-urlencode sends them.
    auto encoded = run("curl -s -m 2 'http://127.0.0.1:" + std::to_string(gtm->port2()) +
                       "/api/v1/route?profile=aovpn&address=2001%3Adb8%3A3%3A%3A9%2F48'");
    EXPECT_NE(encoded.output.find("\"answer\":[\"127.0.1.4\"]"), std::string::npos) << encoded.output;
    // Each mistake with its own message.
    auto no_profile = run("curl -s -m 2 'http://127.0.0.1:" + std::to_string(gtm->port2()) +
                          "/api/v1/route?profile=nope&address=198.18.1.7'");
    EXPECT_NE(no_profile.output.find("no profile nope"), std::string::npos) << no_profile.output;
    auto no_address = run("curl -s -m 2 'http://127.0.0.1:" + std::to_string(gtm->port2()) +
                          "/api/v1/route?profile=aovpn&address=198.18.1'");
    EXPECT_NE(no_address.output.find("198.18.1\\\" is not an address"), std::string::npos) << no_address.output;
  }

  // Munich fails: Bavaria goes to its continent, then to WORLD.
  sites[1].reset();
  double moved = -1;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    if (answerFor(port, "198.18.1.0", 24) == "127.0.1.1") {
      moved = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(moved, 0) << gtm->log();
  sites[0].reset();
  for (int i = 0; i < 100 && answerFor(port, "198.18.1.0", 24) != "127.0.1.3"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(answerFor(port, "198.18.1.0", 24), "127.0.1.3");

  // The database is replaced (renamed over) four times, then overwritten,
  // while a client asks without pause: every query is answered, and Japan's network, moved to
  // Germany, ends on WORLD (EU's sites are down).
  std::atomic<bool> stop{false};
  std::atomic<int> asked{0}, lost{0};
  std::thread client([&] {
    while (!stop) {
      ++asked;
      if (answerFor(port, "198.18.5.0", 24).empty()) ++lost;
    }
  });
  for (int i = 0; i < 4; ++i) {
    writeDatabase(path, i % 2 == 0 ? "moved" : "");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  // And overwritten in place (cp, not a rename), which would pull the
  // pages from under a mapping of the file itself.
  ASSERT_NO_FATAL_FAILURE(writeDatabase(dir + "/other.mmdb"));
  ASSERT_EQ(run("cp " + dir + "/other.mmdb " + path).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  stop = true;
  client.join();
  EXPECT_EQ(lost, 0) << "of " << asked;
  EXPECT_GT(asked, 100);
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path, "moved"));
  for (int i = 0; i < 100 && answerFor(port, "198.18.5.0", 24) != "127.0.1.3"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(answerFor(port, "198.18.5.0", 24), "127.0.1.3") << gtm->log();
  std::printf("%d queries during 4 database swaps, %d lost; Munich's users moved %.2f s after it failed\n",
              asked.load(), lost.load(), moved);

  // A corrupt database is refused at reload; the one in use stays.
  writeFile(dir, "corrupt.new", std::string(2048, 'x'));
  std::filesystem::rename(dir + "/corrupt.new", path);
  for (int i = 0; i < 50 && gtm->log().find("is not a MaxMind DB file") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(gtm->log().find("is not a MaxMind DB file"), std::string::npos) << gtm->log();
  EXPECT_EQ(answerFor(port, "198.18.5.0", 24), "127.0.1.3");
  EXPECT_EQ(answerFor(port, "198.18.3.0", 24), "127.0.1.4");
}

// routing = "performance" over four sites; the same zone and monitor as the
// geographic test, the sites on 127.0.2.N.
std::string performanceConfig(const std::string& database, uint16_t site_port) {
  std::string text = serveConfig(database, site_port);
  text.resize(text.find("[[profile]]"));
  return text + R"([[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
routing = "performance"
monitors = ["site"]
  [[profile.endpoint]]
  name = "singapore"
  target = "127.0.2.1"
  location = { lat = 1.35, lon = 103.82 }
  [[profile.endpoint]]
  name = "virginia"
  target = "127.0.2.2"
  location = { lat = 38.95, lon = -77.45 }
  [[profile.endpoint]]
  name = "amsterdam"
  target = "127.0.2.3"
  location = { lat = 52.37, lon = 4.90 }
  [[profile.endpoint]]
  name = "california"
  target = "127.0.2.4"
  location = { lat = 37.39, lon = -122.08 }
)";
}

TEST(PerformanceServe, NearestSiteScopeFailoverAndRoute) {
  if (auto why = cannotWriteDatabases(); !why.empty()) GTEST_SKIP() << why;
  std::string dir = makeTempDir(), path = dir + "/GeoLite2-City.mmdb";
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path));
  uint16_t site_port = freePort();
  std::vector<std::unique_ptr<Site>> sites;
  for (int i = 1; i <= 4; ++i) {
    sites.push_back(std::make_unique<Site>("127.0.2." + std::to_string(i), site_port));
    ASSERT_TRUE(sites.back()->ok());
  }
  auto gtm = GtmProcess::serve(performanceConfig(path, site_port));
  const uint16_t port = gtm->port();
  for (int i = 0; i < 50 && answerFor(port, "198.18.1.0", 24) != "127.0.2.3"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  uint8_t scope = 0;
  EXPECT_EQ(answerFor(port, "198.18.1.0", 24, &scope), "127.0.2.3");  // Munich: Amsterdam
  EXPECT_EQ(scope, 24);
  EXPECT_EQ(answerFor(port, "198.18.2.0", 24), "127.0.2.3");  // Paris: Amsterdam
  EXPECT_EQ(answerFor(port, "198.18.3.0", 24), "127.0.2.4");  // San Francisco: California
  EXPECT_EQ(answerFor(port, "198.18.4.0", 24), "127.0.2.2");  // New York: Virginia
  EXPECT_EQ(answerFor(port, "198.18.5.0", 24), "127.0.2.1");  // Tokyo: Singapore
  EXPECT_EQ(answerFor(port, "198.18.6.0", 32, &scope), "127.0.2.2");  // Sao Paulo: Virginia
  EXPECT_EQ(scope, 25) << "the database's /25, not the /32 the client gave";
  EXPECT_EQ(answerFor(port, "198.18.7.0", 24), "127.0.2.1");  // Sydney: Singapore
  // A network without coordinates, and a resolver in no network: priority order.
  EXPECT_EQ(answerFor(port, "198.18.8.0", 24), "127.0.2.1");
  EXPECT_EQ(firstAnswer(port), "127.0.2.1");

  auto route = run(std::string(GTM_BINARY) + " route aovpn 198.18.1.7/24 --config " + gtm->configPath());
  EXPECT_EQ(route.exit_code, 0) << route.output;
  EXPECT_NE(route.output.find("198.18.1.0/24 is at 48.14, 11.58 (DE-BY (DE, EU)), database network /24; amsterdam "
                              "668 km CheckingEndpoint; virginia 6840 km"),
            std::string::npos) << route.output;
  EXPECT_NE(route.output.find("answered by amsterdam\n  127.0.2.3"), std::string::npos) << route.output;

  // Amsterdam fails: Munich's users go to the next nearest, Virginia.
  sites[2].reset();
  for (int i = 0; i < 100 && answerFor(port, "198.18.1.0", 24) != "127.0.2.2"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(answerFor(port, "198.18.1.0", 24), "127.0.2.2") << gtm->log();
  EXPECT_EQ(answerFor(port, "198.18.5.0", 24), "127.0.2.1") << "Tokyo stays";

  // A database without coordinates (a Country database) is refused.
  ASSERT_NO_FATAL_FAILURE(writeDatabase(dir + "/GeoLite2-Country.mmdb", "country"));
  std::string config = performanceConfig(dir + "/GeoLite2-Country.mmdb", site_port);
  config.replace(config.find("{PORT}"), 6, "53");
  config.replace(config.find("{PORT2}"), 7, "8053");
  writeFile(dir, "country.toml", config);
  auto check = run(std::string(GTM_BINARY) + " check --config " + dir + "/country.toml");
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.output.find("routing = \"performance\" needs a City database with coordinates"), std::string::npos)
      << check.output;
}

// The performance decision on the query path allocates nothing either.
TEST(PerformanceServe, AnswersWithoutAllocating) {
  if (auto why = cannotWriteDatabases(); !why.empty()) GTEST_SKIP() << why;
  std::string dir = makeTempDir(), path = dir + "/test.mmdb";
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path));
  expectAnswersWithoutAllocating(performanceConfig(path, 9), {"\xc6\x12\x01", "\xc6\x12\x03", "\xc6\x12\x05", "\xc6\x12\x08"},
                                 {"127.0.2.3", "127.0.2.4", "127.0.2.1", "127.0.2.1"});
}

// latency_table: measured times before distance; the file replaced is
// read again, a bad one refused with its line while the old table serves.
TEST(PerformanceServe, LatencyTableFirstReloadedWhenReplaced) {
  if (auto why = cannotWriteDatabases(); !why.empty()) GTEST_SKIP() << why;
  std::string dir = makeTempDir(), path = dir + "/GeoLite2-City.mmdb";
  ASSERT_NO_FATAL_FAILURE(writeDatabase(path));
  uint16_t site_port = freePort();
  std::vector<std::unique_ptr<Site>> sites;
  for (int i = 1; i <= 4; ++i) sites.push_back(std::make_unique<Site>("127.0.2." + std::to_string(i), site_port));
  auto replace = [&](const std::string& text) {
    writeFile(dir, "rtt.csv.new", text);
    std::filesystem::rename(dir + "/rtt.csv.new", dir + "/rtt.csv");
  };
  replace("# measured from RRAS logs\n198.18.2.0/24,virginia,30\n");
  std::string config = performanceConfig(path, site_port);
  config.replace(config.find("routing = \"performance\""), 23,
                 "routing = \"performance\"\nlatency_table = \"" + dir + "/rtt.csv\"");
  auto gtm = GtmProcess::serve(config);
  const uint16_t port = gtm->port();
  for (int i = 0; i < 50 && answerFor(port, "198.18.2.0", 24) != "127.0.2.2"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  uint8_t scope = 0;
  EXPECT_EQ(answerFor(port, "198.18.2.0", 24, &scope), "127.0.2.2") << "Paris: Virginia by the measured time";
  EXPECT_EQ(scope, 24);
  EXPECT_EQ(answerFor(port, "198.18.1.0", 24), "127.0.2.3") << "Munich, not in the table: Amsterdam by distance";
  auto route = run(std::string(GTM_BINARY) + " route aovpn 198.18.2.9/24 --config " + gtm->configPath());
  EXPECT_NE(route.output.find("latency table network 198.18.2.0/24; virginia rtt 30.0 ms 6"), std::string::npos)
      << route.output;
  auto check = run(std::string(GTM_BINARY) + " check --config " + gtm->configPath());
  EXPECT_NE(check.output.find("latency_table " + dir + "/rtt.csv: 1 networks, 1 times"), std::string::npos)
      << check.output;

  // Replaced (a rename, as an export job writes it): read again.
  replace("198.18.2.0/24,singapore,10\n198.18.2.0/24,virginia,30\n");
  for (int i = 0; i < 100 && answerFor(port, "198.18.2.0", 24) != "127.0.2.1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(answerFor(port, "198.18.2.0", 24), "127.0.2.1") << gtm->log();

  // A bad line refuses the new table; the one in use stays.
  replace("198.18.2.0/24,virginia,1\n198.18.2.0/24,tokyo,2\n");
  for (int i = 0; i < 100 && gtm->log().find("rtt.csv:2: the profile has no endpoint \\\"tokyo\\\"") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(gtm->log().find("rtt.csv:2: the profile has no endpoint \\\"tokyo\\\""), std::string::npos) << gtm->log();
  EXPECT_EQ(answerFor(port, "198.18.2.0", 24), "127.0.2.1");
}

}  // namespace
}  // namespace gtm::test
