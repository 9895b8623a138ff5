#include "xfr/transfer_service.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/log.hpp"
#include "common/small_file.hpp"
#include "dns/name.hpp"
#include "dns/wire.hpp"
#include "xfr/message_reader.hpp"
#include "xfr/transfer_answer.hpp"
#include "xfr/zone_version.hpp"

namespace gtm::xfr {
namespace {

// RFC 1982: a is newer than b.
bool newer(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

// The next serial after `last`: seconds since the epoch when that is newer,
// else one more.
uint32_t nextSerial(uint32_t last) {
  auto now = static_cast<uint32_t>(std::time(nullptr));
  return newer(now, last) ? now : last + 1;
}

const dns::Zone* zoneAt(const dns::Snapshot& snapshot, const std::string& apex) {
  for (const dns::Zone& z : snapshot.zones)
    if (z.apex == apex) return &z;
  return nullptr;
}

// The serial in an IXFR request's authority SOA; nullopt without one.
std::optional<uint32_t> requestedSerial(std::span<const uint8_t> query, const MessageView& m) {
  for (const RecordAt& r : m.authority) {
    if (r.type != dns::type::SOA) continue;
    size_t pos = r.rdata;
    for (int name = 0; name < 2; ++name) {
      auto n = readName(query, pos);
      if (!n) return std::nullopt;
      pos = n->second;
    }
    if (pos + 4 > r.rdata + r.rdlength) return std::nullopt;
    return dns::readU32(query.data() + pos);
  }
  return std::nullopt;
}

size_t totalSize(const std::vector<std::string>& messages) {
  size_t n = 0;
  for (const std::string& m : messages) n += m.size();
  return n;
}

}  // namespace

TransferService::TransferService(const dns::SnapshotStore& store, PublishSerial publish)
    : store_(store), publish_(std::move(publish)) {}

TransferService::~TransferService() { stop(); }

void TransferService::configure(const config::Config& cfg) {
  std::lock_guard lock(mutex_);
  keys_ = tsigKeys(cfg.tsig_keys);
  std::vector<ZoneState> next;
  for (const config::Zone& zc : cfg.zones) {
    if (!zc.transfer) continue;
    auto apex = dns::toWireName(zc.origin, {});
    if (!apex) continue;
    ZoneState z;
    z.apex = *apex;
    z.origin = dns::toText(*apex);
    z.settings = *zc.transfer;
    for (ZoneState& old : zones_)
      if (old.apex == z.apex) {
        z.latest = std::move(old.latest);
        z.peers = std::move(old.peers);
        z.transfers = std::move(old.transfers);
        if (old.journal && old.journal->capacity() == z.settings.journal) z.journal = std::move(old.journal);
      }
    if (!z.journal) z.journal = std::make_unique<Journal>(z.settings.journal);
    next.push_back(std::move(z));
  }
  zones_ = std::move(next);
}

void TransferService::keepSerialsIn(std::string path) {
  std::lock_guard lock(mutex_);
  serial_file_ = std::move(path);
  kept_serials_.clear();
  if (serial_file_.empty()) return;
  auto text = readSmallFile(serial_file_, 64 * 1024);
  if (!text) return;  // none yet
  // "ORIGIN SERIAL" lines; anything else is ignored.
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    uint32_t serial = 0;
    const char* begin = line.data() + space + 1;
    const char* end = line.data() + line.size();
    auto [ptr, ec] = std::from_chars(begin, end, serial);
    if (ec != std::errc() || ptr != end) continue;
    if (auto apex = dns::toWireName(line.substr(0, space), {})) kept_serials_[*apex] = serial;
  }
}

// Each zone's latest serial, written whole to a new file renamed over the
// old one. Under mutex_.
void TransferService::saveSerials() {
  if (serial_file_.empty()) return;
  std::string text;
  for (const ZoneState& z : zones_)
    if (z.latest) text += z.origin + " " + std::to_string(z.latest->serial) + "\n";
  std::string tmp = serial_file_ + ".new";
  std::ofstream out(tmp, std::ios::trunc);
  out << text;
  out.close();
  if (!out || std::rename(tmp.c_str(), serial_file_.c_str()) != 0) {
    if (!save_failed_logged_)
      log::error("transfers: the zones' serials cannot be kept; after a restart they rest on the clock alone",
                 {{"file", serial_file_}, {"error", std::strerror(errno)}});
    save_failed_logged_ = true;
  }
}

void TransferService::agreeWith(AgreeSerial agree) {
  std::lock_guard lock(mutex_);
  agree_ = std::move(agree);
}

void TransferService::start() {
  notifier_.start();
  thread_ = std::thread([this] {
    while (!stopping_) {
      check();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void TransferService::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  notifier_.stop();
}

std::optional<TsigKey> TransferService::keyOf(const ZoneState& z) const {
  for (const TsigKey& k : keys_)
    if (k.name == z.settings.tsig) return k;
  return std::nullopt;
}

// `v`, of a new serial, becomes the zone's newest version: journaled, kept
// for a restart, and the secondaries told.
void TransferService::adopt(ZoneState& z, std::shared_ptr<const ZoneVersion> v) {
  if (z.latest) z.journal->add(*z.latest, *v);
  z.latest = std::move(v);
  z.pending = false;
  z.serial_at = std::chrono::steady_clock::now();
  saveSerials();
  if (!z.settings.notify.empty()) notifier_.notify(z.apex, z.latest->serial, z.settings.notify, keyOf(z));
}

void TransferService::check() {
  auto snapshot = store_.current();
  if (!snapshot) return;
  uint32_t publish_serial = 0;  // a serial to publish as it is
  uint32_t candidate = 0;       // one to agree on with the other nodes first
  std::string content;          // what the transferred zones hold now, for that agreement
  auto later = [](uint32_t& slot, uint32_t serial) {
    if (slot == 0 || newer(serial, slot)) slot = serial;
  };
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<const ZoneVersion>> versions;
    for (ZoneState& z : zones_) {
      const dns::Zone* zone = zoneAt(*snapshot, z.apex);
      if (!zone) continue;
      auto v = currentVersion(*snapshot, *zone);
      versions.push_back(v);
      // A serial this node takes as it is: alone any; in a cluster the one
      // the nodes agreed on.
      bool agreed = !agree_ || v->serial == accepted_;
      if (!z.latest) {
        // After a restart: never at or below the serial served before it.
        auto kept = kept_serials_.find(z.apex);
        if (kept != kept_serials_.end() && !newer(v->serial, kept->second)) {
          later(publish_serial, nextSerial(kept->second));
          continue;
        }
        if (agreed)
          adopt(z, std::move(v));
        else
          later(candidate, v->serial);
        continue;
      }
      if (v->serial != z.latest->serial) {
        // A new serial (ours, a reload's): never back (RFC 1982). A reload
        // that went back (its SOA serial set by hand, a clock set back) is
        // followed by a newer one.
        if (!newer(v->serial, z.latest->serial))
          later(publish_serial, nextSerial(z.latest->serial));
        else if (agreed)
          adopt(z, std::move(v));
        else
          later(candidate, v->serial);
        continue;
      }
      if (v->sameContent(*z.latest)) {
        z.pending = false;
        continue;
      }
      if (!z.pending) {
        z.pending = true;
        z.changed_at = now;
      }
      // At most one new serial per 200 ms: a change after a quiet spell
      // goes out at once, the changes that follow within 200 ms of a new
      // serial share the next one.
      if (now >= std::max(z.changed_at, z.serial_at + kSerialBatch)) later(candidate, nextSerial(z.latest->serial));
    }
    if (candidate && agree_) content = contentDigest(versions);
  }
  if (candidate) {
    // Outside our lock: the agreement asks etcd.
    uint32_t serial = candidate;
    if (agree_)
      if (auto agreed = agree_(content, candidate)) serial = *agreed;
    std::lock_guard lock(mutex_);
    for (const ZoneState& z : zones_)
      if (z.latest && newer(z.latest->serial, serial)) serial = candidate;  // never below what it served
    later(publish_serial, serial);
  }
  if (publish_serial == 0) return;
  {
    std::lock_guard lock(mutex_);
    accepted_ = publish_serial;
  }
  // Outside our lock: publishing takes the caller's load lock, which a
  // reload holds while it calls configure().
  if (publish_serial != snapshot->serial && !publish_(publish_serial)) {
    log::error("could not publish a new SOA serial for the transferred zones",
               {{"serial", std::to_string(publish_serial)}});
    return;
  }
  check();  // journal and notify now, not 50 ms later
}

void TransferService::record(ZoneState& z, const IpAddress& peer, std::string type, uint32_t serial, uint32_t asked,
                             const std::vector<std::string>& messages) {
  std::string name = peer.toString();
  // Bounded: addresses past the first 256 (refused ones can be anybody)
  // are counted together.
  if (!z.peers.count(name) && z.peers.size() >= kMaxPeersShown) name = "other";
  PeerTransfer& p = z.peers[name];
  p.peer = name;
  ++z.transfers[{p.peer, type}];
  p.type = std::move(type);
  p.serial = serial;
  p.asked_serial = asked;
  p.bytes = totalSize(messages);
  p.when = std::time(nullptr);
}

std::vector<std::string> TransferService::answer(std::span<const uint8_t> query, const IpAddress& peer, bool tcp,
                                                 size_t udp_limit) {
  auto m = readMessage(query);
  if (!m || m->opcode != 0 || (m->qtype != dns::type::AXFR && m->qtype != dns::type::IXFR && m->qtype != dns::type::SOA))
    return {};
  std::lock_guard lock(mutex_);
  ZoneState* z = nullptr;
  for (ZoneState& candidate : zones_)
    if (candidate.apex == m->qname) z = &candidate;
  if (!z || !z->latest) return {};
  const ZoneVersion& v = *z->latest;
  auto now = static_cast<uint64_t>(std::time(nullptr));
  TsigCheck tsig = checkRequest(query, keys_, now);
  bool is_transfer = m->qtype != dns::type::SOA;
  if (!is_transfer && !tsig.present) return {};  // a plain SOA query: the packet path's
  std::vector<std::string> out;
  auto signAll = [&] {
    if (!tsig.present || tsig.malformed) return;
    ResponseSigner signer(tsig);
    for (std::string& message : out) signer.sign(message, now);
  };
  auto refuse = [&](uint8_t rcode, const std::string& why) {
    out = {errorMessage(query, *m, rcode)};
    signAll();
    if (is_transfer) record(*z, peer, "refused: " + why, 0, 0, out);
    return out;
  };
  if (tsig.malformed) return refuse(dns::rcode::FORMERR, "malformed TSIG");
  if (tsig.error != tsig_error::NONE)
    return refuse(dns::rcode::NOTAUTH, tsig.error == tsig_error::BADKEY  ? "BADKEY"
                                       : tsig.error == tsig_error::BADSIG ? "BADSIG"
                                                                          : "BADTIME");
  if (!is_transfer) {
    out = {soaMessage(query, *m, v)};
    signAll();
    return out;
  }
  bool allowed = false;
  for (const Subnet& s : z->settings.allow) allowed = allowed || s.contains(peer);
  if (!allowed) return refuse(dns::rcode::REFUSED, "not in allow");
  if (!z->settings.tsig.empty() && (!tsig.present || !tsig.key || tsig.key->name != z->settings.tsig)) {
    if (tsig.present) tsig.error = tsig_error::BADKEY;  // signed, with another key
    return refuse(dns::rcode::NOTAUTH, tsig.present ? "another key" : "not signed");
  }
  if (m->qtype == dns::type::AXFR) {
    if (!tcp) return refuse(dns::rcode::NOTIMP, "AXFR over UDP");
    out = axfrMessages(query, *m, v);
    signAll();
    record(*z, peer, "AXFR", v.serial, 0, out);
    return out;
  }
  auto asked = requestedSerial(query, *m);
  if (!asked) return refuse(dns::rcode::FORMERR, "IXFR without the secondary's SOA");
  if (!tcp || !newer(v.serial, *asked)) {
    // Up to date, or over UDP: the current SOA tells it to come over TCP.
    out = {soaMessage(query, *m, v)};
    signAll();
    if (out.front().size() > udp_limit && !tcp) return {};
    record(*z, peer, tcp ? "IXFR up to date" : "IXFR over UDP: SOA", v.serial, *asked, out);
    return out;
  }
  if (auto change = z->journal->since(*asked)) {
    out = ixfrMessages(query, *m, v, *change);
    signAll();
    record(*z, peer, "IXFR", v.serial, *asked, out);
    return out;
  }
  out = axfrMessages(query, *m, v);  // older than the journal: the whole zone
  signAll();
  record(*z, peer, "IXFR as AXFR", v.serial, *asked, out);
  return out;
}

std::vector<ZoneTransferReport> TransferService::report() const {
  std::lock_guard lock(mutex_);
  std::vector<ZoneTransferReport> out;
  for (const ZoneState& z : zones_) {
    ZoneTransferReport r;
    r.zone = z.origin;
    r.serial = z.latest ? z.latest->serial : 0;
    r.zone_bytes = z.latest ? z.latest->bytes : 0;
    r.journal = z.journal->size();
    r.journal_capacity = z.journal->capacity();
    for (const auto& [peer, p] : z.peers) {
      PeerTransfer copy = p;
      if (z.latest && p.serial != z.latest->serial)
        if (auto since = z.journal->behindSince(p.serial))
          copy.lag_seconds = static_cast<double>(std::time(nullptr) - *since);
      r.peers.push_back(copy);
    }
    r.notifies = notifier_.status(z.apex);
    r.transfers = z.transfers;
    r.notify_outcomes = notifier_.outcomes(z.apex);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace gtm::xfr
