#include "xfr/notifier.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <algorithm>

#include "common/log.hpp"
#include "common/sockaddr.hpp"
#include "dns/wire.hpp"
#include "xfr/message_reader.hpp"

namespace gtm::xfr {
namespace {

std::string rcodeName(uint8_t rcode) {
  switch (rcode) {
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 9: return "NOTAUTH";
    default: return "rcode " + std::to_string(rcode);
  }
}

// NOTIFY for `apex`: opcode 4, AA, the question (apex SOA IN).
std::string notifyMessage(uint16_t id, const std::string& apex) {
  std::string m(dns::kHeaderSize, '\0');
  auto* h = reinterpret_cast<uint8_t*>(m.data());
  dns::writeU16(h, id);
  dns::writeU16(h + 2, static_cast<uint16_t>((4 << 11) | dns::flag::AA));
  dns::writeU16(h + 4, 1);
  m += apex;
  uint8_t tail[4];
  dns::writeU16(tail, dns::type::SOA);
  dns::writeU16(tail + 2, dns::kClassIn);
  m.append(reinterpret_cast<const char*>(tail), 4);
  return m;
}

}  // namespace

void Notifier::start() {
  fd4_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  fd6_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  wake();
  thread_.join();
  for (int fd : {fd4_, fd6_, wake_fd_})
    if (fd >= 0) ::close(fd);
  fd4_ = fd6_ = wake_fd_ = -1;
}

void Notifier::notify(const std::string& apex, uint32_t serial, const std::vector<SocketAddress>& targets,
                      const std::optional<TsigKey>& key) {
  {
    std::lock_guard lock(mutex_);
    for (const SocketAddress& t : targets) {
      Pending& p = pending_[{apex, t.toString()}];
      p.apex = apex;
      p.target = t;
      p.serial = serial;
      p.key = key;
      RAND_bytes(reinterpret_cast<uint8_t*>(&p.id), sizeof p.id);
      p.message = notifyMessage(p.id, apex);
      p.tries = 0;
      p.done = false;
      p.next = std::chrono::steady_clock::now();
      p.status.target = t.toString();
      p.status.serial = serial;
      p.status.tries = 0;
      p.status.answered = false;
      p.status.result = "waiting";
    }
  }
  wake();
}

void Notifier::wake() {
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
}

std::vector<NotifyStatus> Notifier::status(const std::string& apex) const {
  std::lock_guard lock(mutex_);
  std::vector<NotifyStatus> out;
  for (const auto& [key, p] : pending_)
    if (key.first == apex) out.push_back(p.status);
  return out;
}

Notifier::Outcomes Notifier::outcomes(const std::string& apex) const {
  std::lock_guard lock(mutex_);
  auto it = outcomes_.find(apex);
  return it == outcomes_.end() ? Outcomes{} : it->second;
}

int Notifier::socketFor(const SocketAddress& a) { return a.ip.family == IpAddress::Family::v4 ? fd4_ : fd6_; }

void Notifier::send(Pending& p) {
  std::string message = p.message;
  if (p.key) (void)signRequest(message, *p.key, static_cast<uint64_t>(std::time(nullptr)));
  sockaddr_storage to;
  socklen_t len = toSockaddr(p.target, to);
  int fd = socketFor(p.target);
  if (fd >= 0) (void)::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&to), len);
  ++p.tries;
  p.status.tries = p.tries;
  p.status.last_sent = std::time(nullptr);
  // 1, 2, 4, 8, 16, 32 s between tries.
  p.next = std::chrono::steady_clock::now() + std::chrono::seconds(1 << (p.tries - 1));
}

void Notifier::receive(int fd) {
  for (;;) {
    uint8_t buf[4096];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    SocketAddress source = fromSockaddr(from);
    auto m = readMessage({buf, static_cast<size_t>(n)});
    if (!m || !(m->flags & dns::flag::QR) || m->opcode != 4) continue;
    std::lock_guard lock(mutex_);
    auto it = pending_.find({m->qname, source.toString()});
    if (it == pending_.end() || it->second.done || it->second.id != m->id) continue;
    Pending& p = it->second;
    auto rcode = static_cast<uint8_t>(m->flags & 0x0F);
    p.done = true;
    p.status.answered = rcode == dns::rcode::NOERROR;
    p.status.result = p.status.answered ? "answered" : rcodeName(rcode);
    ++outcomes_[p.apex][{p.status.target, p.status.answered ? "answered" : "failed"}];
    if (!p.status.answered)
      log::warn("NOTIFY refused", {{"target", p.status.target}, {"serial", std::to_string(p.serial)}, {"rcode", p.status.result}});
  }
}

void Notifier::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::seconds(1);
    for (auto& [key, p] : pending_) {
      if (p.done) continue;
      if (p.next <= now) {
        if (p.tries >= kNotifyTries) {
          p.done = true;
          p.status.result = "no answer after " + std::to_string(p.tries) + " tries";
          ++outcomes_[p.apex][{p.status.target, "failed"}];
          log::warn("NOTIFY not answered", {{"target", p.status.target}, {"serial", std::to_string(p.serial)}});
          continue;
        }
        send(p);
      }
      next = std::min(next, p.next);
    }
    lock.unlock();
    pollfd fds[3] = {{fd4_, POLLIN, 0}, {fd6_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - std::chrono::steady_clock::now()).count();
    if (::poll(fds, 3, static_cast<int>(std::clamp<long long>(wait, 0, 1000))) > 0) {
      for (int i = 0; i < 2; ++i)
        if (fds[i].fd >= 0 && (fds[i].revents & POLLIN)) receive(fds[i].fd);
      uint64_t drained;
      if (fds[2].revents & POLLIN) (void)!::read(wake_fd_, &drained, sizeof drained);
    }
    lock.lock();
  }
}

}  // namespace gtm::xfr
