#include "xfr/transfer_answer.hpp"

#include "dns/wire.hpp"

namespace gtm::xfr {
namespace {

// Builds messages of records, starting a new one past the target size.
class MessageSeries {
 public:
  MessageSeries(std::span<const uint8_t> request, const MessageView& view, std::string_view apex)
      : apex_(apex) {
    header_.assign(reinterpret_cast<const char*>(request.data()), view.question_end);
    auto* h = reinterpret_cast<uint8_t*>(header_.data());
    uint16_t flags = static_cast<uint16_t>(dns::flag::QR | dns::flag::AA | (view.flags & 0x7800));
    dns::writeU16(h + 2, flags);
    dns::writeU16(h + 4, view.qname.empty() ? 0 : 1);
    for (int i : {6, 8, 10}) dns::writeU16(h + i, 0);
    // The question's name sits at offset 12 and is the zone's apex.
    apex_pointer_ok_ = !view.qname.empty() && view.qname == apex;
    begin();
  }

  void add(std::string_view owner, std::string_view record) {
    if (current_.size() + owner.size() + record.size() > kTransferMessageTarget && count_ > 0) {
      done_.push_back(std::move(current_));
      begin();
    }
    writeOwner(owner);
    current_.append(record);
    ++count_;
    dns::writeU16(reinterpret_cast<uint8_t*>(current_.data()) + 6, count_);
  }

  std::vector<std::string> finish() {
    done_.push_back(std::move(current_));
    return std::move(done_);
  }

 private:
  void begin() {
    current_ = header_;
    count_ = 0;
  }

  // The owner, its apex suffix as a pointer to the question's name.
  void writeOwner(std::string_view owner) {
    if (apex_pointer_ok_ && owner.size() >= apex_.size() && owner.substr(owner.size() - apex_.size()) == apex_) {
      current_.append(owner.substr(0, owner.size() - apex_.size()));
      current_ += static_cast<char>(0xC0);
      current_ += static_cast<char>(dns::kHeaderSize);
      return;
    }
    current_.append(owner);
  }

  std::string_view apex_;
  bool apex_pointer_ok_ = false;
  std::string header_, current_;
  uint16_t count_ = 0;
  std::vector<std::string> done_;
};

void addSoa(MessageSeries& m, const ZoneVersion& v, const dns::EncodedRecord& soa) { m.add(v.apex, soa); }

}  // namespace

std::vector<std::string> axfrMessages(std::span<const uint8_t> request, const MessageView& view, const ZoneVersion& v) {
  MessageSeries m(request, view, v.apex);
  addSoa(m, v, v.soa);
  for (const OwnedRecord& r : v.soa_rrsigs) m.add(r.first, r.second);
  for (const OwnedRecord& r : v.records) m.add(r.first, r.second);
  addSoa(m, v, v.soa);
  return m.finish();
}

std::vector<std::string> ixfrMessages(std::span<const uint8_t> request, const MessageView& view, const ZoneVersion& v,
                                      const Change& change) {
  MessageSeries m(request, view, v.apex);
  const Difference& d = change.diff;
  addSoa(m, v, v.soa);
  addSoa(m, v, change.old_soa);
  // The SOA's signatures go and come with the SOA.
  for (const OwnedRecord& r : change.old_soa_rrsigs) m.add(r.first, r.second);
  for (const OwnedRecord& r : d.removed) m.add(r.first, r.second);
  addSoa(m, v, v.soa);
  for (const OwnedRecord& r : v.soa_rrsigs) m.add(r.first, r.second);
  for (const OwnedRecord& r : d.added) m.add(r.first, r.second);
  addSoa(m, v, v.soa);
  return m.finish();
}

std::string soaMessage(std::span<const uint8_t> request, const MessageView& view, const ZoneVersion& v) {
  MessageSeries m(request, view, v.apex);
  addSoa(m, v, v.soa);
  return m.finish().front();
}

std::string errorMessage(std::span<const uint8_t> request, const MessageView& view, uint8_t rcode) {
  MessageSeries m(request, view, {});
  std::string out = m.finish().front();
  auto* h = reinterpret_cast<uint8_t*>(out.data());
  dns::writeU16(h + 2, static_cast<uint16_t>((dns::readU16(h + 2) & ~dns::flag::AA) | rcode));
  return out;
}

}  // namespace gtm::xfr
