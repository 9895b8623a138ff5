#include "geo/geoip_database.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <ctime>

namespace gtm::geo {
namespace {

// Paths into a record, as GeoLite2 and DB-IP lay them out; arrays, so that
// MMDB_aget_value allocates nothing (MMDB_get_value's varargs form does).
const char* const kCountry[] = {"country", "iso_code", nullptr};
const char* const kRegisteredCountry[] = {"registered_country", "iso_code", nullptr};
const char* const kContinent[] = {"continent", "code", nullptr};
const char* const kSubdivision[] = {"subdivisions", "0", "iso_code", nullptr};
const char* const kLocation[] = {"location", nullptr};
const char* const kLatitude[] = {"latitude", nullptr};
const char* const kLongitude[] = {"longitude", nullptr};

uint32_t codeAt(MMDB_entry_s& entry, const char* const* path) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return 0;
  return policy::packCode(std::string_view(data.utf8_string, data.data_size));
}

// A City database's coordinates (GeoLite2 and DB-IP store doubles); false
// without both, or outside the globe.
bool pointAt(MMDB_entry_s& entry, policy::GeoPoint& out) {
  // The location map once, then its two keys within it.
  MMDB_entry_data_s map;
  if (MMDB_aget_value(&entry, &map, kLocation) != MMDB_SUCCESS || !map.has_data || map.type != MMDB_DATA_TYPE_MAP)
    return false;
  MMDB_entry_s location{entry.mmdb, map.offset};
  auto degrees = [&](const char* const* path, double limit, double& v) {
    MMDB_entry_data_s data;
    if (MMDB_aget_value(&location, &data, path) != MMDB_SUCCESS || !data.has_data) return false;
    if (data.type == MMDB_DATA_TYPE_DOUBLE) v = data.double_value;
    else if (data.type == MMDB_DATA_TYPE_FLOAT) v = static_cast<double>(data.float_value);
    else return false;
    return v >= -limit && v <= limit;
  };
  return degrees(kLatitude, 90, out.lat) && degrees(kLongitude, 180, out.lon);
}

// The records a query thread read last, by database generation and the
// record's offset in the data section: the same record serves every address
// of its network (and, in a City database, often many networks), and
// reading its fields means walking its maps key by key. Static thread
// storage: nothing allocated, nothing shared between threads.
struct CachedRecord {
  uint64_t generation = 0;  // 0: empty
  uint32_t offset = 0;
  uint8_t read = 0;  // the GeoNeed bits read into it
  uint32_t continent = 0, country = 0, subdivision = 0;
  bool has_point = false;
  policy::GeoPoint point;
  policy::GeoVector vector;
};
constexpr size_t kCachedRecords = 256;
thread_local std::array<CachedRecord, kCachedRecords> cached_records;
std::atomic<uint64_t> next_generation{1};

constexpr size_t kSampleRecords = 64;
constexpr off_t kMaxDatabaseBytes = off_t{1} << 30;

// A private copy of the file in memory (a memfd), which libmaxminddb then
// maps: a database overwritten in place (cp over it, not a rename) would
// otherwise shrink under the mapping, and a lookup there is a SIGBUS.
Result<int> privateCopy(const std::string& path) {
  // O_NONBLOCK: a FIFO would block the open; it is refused below.
  int in = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (in < 0) return Error{"cannot read \"" + path + "\": " + std::strerror(errno)};
  struct stat st{};
  if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(in);
    return Error{"\"" + path + "\" is not a regular file"};
  }
  if (st.st_size > kMaxDatabaseBytes) {
    ::close(in);
    return Error{"\"" + path + "\" is larger than 1 GiB"};
  }
  int copy = ::memfd_create("gtm-geoip", MFD_CLOEXEC);
  if (copy < 0) {
    ::close(in);
    return Error{std::string("memfd_create: ") + std::strerror(errno)};
  }
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::sendfile(copy, in, nullptr, static_cast<size_t>(left));
    if (n <= 0) break;  // the file shrank while we read: what we have is checked by MMDB_open
    left -= n;
  }
  ::close(in);
  return copy;
}

}  // namespace

Result<std::shared_ptr<const GeoDatabase>> GeoDatabase::open(const std::string& path) {
  auto copy = privateCopy(path);
  if (!copy) return Error{copy.error()};
  std::shared_ptr<GeoDatabase> db(new GeoDatabase());
  int status = MMDB_open(("/proc/self/fd/" + std::to_string(*copy)).c_str(), MMDB_MODE_MMAP, &db->mmdb_);
  ::close(*copy);  // the mapping keeps the memory
  if (status != MMDB_SUCCESS)
    return Error{"\"" + path + "\" is not a MaxMind DB file libmaxminddb can read: " + MMDB_strerror(status)};
  db->opened_ = true;
  db->generation_ = next_generation.fetch_add(1, std::memory_order_relaxed);
  Description& d = db->description_;
  d.path = path;
  d.type = db->mmdb_.metadata.database_type ? db->mmdb_.metadata.database_type : "";
  d.build_epoch = db->mmdb_.metadata.build_epoch;
  d.ip_version = db->mmdb_.metadata.ip_version;
  d.node_count = db->mmdb_.metadata.node_count;
  db->sample();
  if (d.with_country == 0 && d.with_continent == 0)
    return Error{"\"" + path + "\" (" + d.type + "): none of " + std::to_string(d.sampled) +
                 " sampled records has a country or a continent"};
  return std::shared_ptr<const GeoDatabase>(std::move(db));
}

GeoDatabase::~GeoDatabase() {
  if (opened_) MMDB_close(&mmdb_);
}

// Walks the search tree depth first to the first kSampleRecords records
// and notes which fields they carry.
void GeoDatabase::sample() {
  std::vector<uint32_t> stack{0};
  const uint32_t nodes = mmdb_.metadata.node_count;
  size_t visited = 0;
  while (!stack.empty() && description_.sampled < kSampleRecords && visited < 100000) {
    uint32_t node = stack.back();
    stack.pop_back();
    ++visited;
    MMDB_search_node_s n;
    if (MMDB_read_node(&mmdb_, node, &n) != MMDB_SUCCESS) return;
    for (int side : {1, 0}) {
      uint64_t record = side ? n.right_record : n.left_record;
      uint8_t type = side ? n.right_record_type : n.left_record_type;
      if (type == MMDB_RECORD_TYPE_SEARCH_NODE && record < nodes) {
        stack.push_back(static_cast<uint32_t>(record));
      } else if (type == MMDB_RECORD_TYPE_DATA) {
        MMDB_entry_s entry = side ? n.right_record_entry : n.left_record_entry;
        ++description_.sampled;
        description_.with_country += codeAt(entry, kCountry) != 0;
        description_.with_continent += codeAt(entry, kContinent) != 0;
        description_.with_subdivision += codeAt(entry, kSubdivision) != 0;
        policy::GeoPoint point;
        description_.with_location += pointAt(entry, point);
      }
    }
  }
}

std::string GeoDatabase::summary() const {
  const Description& d = description_;
  char built[32] = "?";
  std::time_t t = static_cast<std::time_t>(d.build_epoch);
  std::tm tm{};
  if (::gmtime_r(&t, &tm)) std::strftime(built, sizeof built, "%Y-%m-%d", &tm);
  return d.type + ", IPv" + std::to_string(d.ip_version) + " tree of " + std::to_string(d.node_count) +
         " nodes, built " + built + "; of " + std::to_string(d.sampled) + " sampled records: country " +
         std::to_string(d.with_country) + ", continent " + std::to_string(d.with_continent) + ", subdivisions " +
         std::to_string(d.with_subdivision);
}

policy::GeoLocation GeoDatabase::locate(const IpAddress& address, policy::GeoNeed need) const {
  policy::GeoLocation loc;
  sockaddr_storage ss{};
  if (address.family == IpAddress::Family::v4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, address.bytes.data(), 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&mmdb_, reinterpret_cast<const sockaddr*>(&ss), &error);
  if (error != MMDB_SUCCESS) return loc;
  // An IPv4 address in an IPv6 tree lives under ::/96: its netmask counts those bits.
  uint16_t netmask = result.netmask;
  if (address.family == IpAddress::Family::v4 && mmdb_.metadata.ip_version == 6)
    netmask = netmask >= 96 ? static_cast<uint16_t>(netmask - 96) : 0;
  loc.prefix = static_cast<uint8_t>(netmask);
  if (!result.found_entry) return loc;
  readRecord(result.entry, need, loc);
  loc.found = loc.country || loc.continent || loc.has_point;
  return loc;
}

void GeoDatabase::readRecord(MMDB_entry_s& entry, policy::GeoNeed need, policy::GeoLocation& loc) const {
  const auto bits = static_cast<uint8_t>(need);
  CachedRecord& c = cached_records[(entry.offset * 2654435761u >> 16) % kCachedRecords];
  if (c.generation != generation_ || c.offset != entry.offset) {
    c = CachedRecord{};
    c.generation = generation_, c.offset = entry.offset;
  }
  const uint8_t missing = bits & ~c.read;
  if (missing & static_cast<uint8_t>(policy::GeoNeed::regions)) {
    c.country = codeAt(entry, kCountry);
    if (!c.country) c.country = codeAt(entry, kRegisteredCountry);
    c.continent = codeAt(entry, kContinent);
    c.subdivision = codeAt(entry, kSubdivision);
  }
  if (missing & static_cast<uint8_t>(policy::GeoNeed::point)) {
    c.has_point = pointAt(entry, c.point);
    if (c.has_point) c.vector = policy::toVector(c.point);
  }
  c.read |= missing;
  if (bits & static_cast<uint8_t>(policy::GeoNeed::regions)) {
    loc.country = c.country, loc.continent = c.continent, loc.subdivision = c.subdivision;
  }
  if (bits & static_cast<uint8_t>(policy::GeoNeed::point)) {
    loc.has_point = c.has_point, loc.point = c.point, loc.vector = c.vector;
  }
}

}  // namespace gtm::geo
