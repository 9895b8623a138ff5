// gtm as a primary for standard secondaries. Watches the zones that have
// `transfer` (every 50 ms): when what a secondary would hold changes
// (health, an admin action, a reload, new signatures), a new SOA serial is
// made at once, but never within 200 ms of the last (the changes of those
// 200 ms share the next one); `publish` puts it in the served snapshot
// (never lower than the last, RFC 1982); the change goes into the
// zone's journal and each `notify` address is told. Answers AXFR, IXFR
// (from the journal, else the whole zone) and TSIG-signed SOA queries for
// those zones, refusing peers outside `allow` and requests without the
// zone's key.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "dns/snapshot_store.hpp"
#include "dns/transfer_handler.hpp"
#include "xfr/journal.hpp"
#include "xfr/notifier.hpp"
#include "xfr/tsig.hpp"

namespace gtm::xfr {

inline constexpr auto kSerialBatch = std::chrono::milliseconds(200);
inline constexpr size_t kMaxPeersShown = 256;

// The last transfer a secondary made, and the serial it last asked from.
struct PeerTransfer {
  std::string peer;
  std::string type;  // "AXFR", "IXFR", "IXFR as AXFR", "SOA", "refused: ..."
  uint32_t serial = 0;         // the serial it got
  uint32_t asked_serial = 0;   // IXFR: the serial it had
  size_t bytes = 0;
  std::time_t when = 0;
  double lag_seconds = 0;  // how long it has lacked a newer serial (0: up to date)
};

struct ZoneTransferReport {
  std::string zone;  // presentation
  uint32_t serial = 0;
  size_t journal = 0, journal_capacity = 0;
  size_t zone_bytes = 0;
  std::vector<PeerTransfer> peers;
  std::vector<NotifyStatus> notifies;
  std::map<std::pair<std::string, std::string>, uint64_t> transfers;  // (peer, type) -> count
  Notifier::Outcomes notify_outcomes;
};

class TransferService : public dns::TransferHandler {
 public:
  // Publishes a snapshot with `serial` (the caller takes its load lock);
  // false when it could not.
  using PublishSerial = std::function<bool(uint32_t serial)>;
  TransferService(const dns::SnapshotStore& store, PublishSerial publish);
  ~TransferService() override;

  // In a cluster: asks the other nodes which serial the content (a digest
  // of every transferred zone's records) has, proposing one; nullopt when
  // they cannot be asked (the node goes on alone). Before start().
  using AgreeSerial = std::function<std::optional<uint32_t>(const std::string& content, uint32_t proposed)>;
  void agreeWith(AgreeSerial agree);
  // Where the last serial of each zone is kept across restarts (written on
  // each new serial, read once, before the first configure); empty: none
  // (serials then rest on the clock alone).
  void keepSerialsIn(std::string path);
  // The transferred zones and keys of a (re)loaded config; the journal of
  // a zone that stays is kept.
  void configure(const config::Config& cfg);
  void start();
  void stop();
  // One round of watching; the thread calls it every 50 ms (tests call it
  // directly).
  void check();

  std::vector<std::string> answer(std::span<const uint8_t> query, const IpAddress& peer, bool tcp,
                                  size_t udp_limit) override;
  [[nodiscard]] std::vector<ZoneTransferReport> report() const;

 private:
  struct ZoneState {
    std::string apex, origin;
    config::Transfer settings;
    std::shared_ptr<const ZoneVersion> latest;
    std::unique_ptr<Journal> journal;
    bool pending = false;
    std::chrono::steady_clock::time_point changed_at;  // of the first change not yet in a serial
    std::chrono::steady_clock::time_point serial_at;   // when the latest serial was made
    std::map<std::string, PeerTransfer> peers;
    std::map<std::pair<std::string, std::string>, uint64_t> transfers;
  };
  void adopt(ZoneState& z, std::shared_ptr<const ZoneVersion> v);
  void saveSerials();
  std::optional<TsigKey> keyOf(const ZoneState& z) const;
  void record(ZoneState& z, const IpAddress& peer, std::string type, uint32_t serial, uint32_t asked,
              const std::vector<std::string>& messages);

  const dns::SnapshotStore& store_;
  PublishSerial publish_;
  mutable std::mutex mutex_;
  std::vector<ZoneState> zones_;
  std::vector<TsigKey> keys_;
  std::string serial_file_;
  AgreeSerial agree_;
  uint32_t accepted_ = 0;  // the serial agreed (or chosen) last, taken when the snapshot has it
  std::map<std::string, uint32_t> kept_serials_;  // apex -> the serial before the restart
  bool save_failed_logged_ = false;
  Notifier notifier_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gtm::xfr
