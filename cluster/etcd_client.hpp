// A client of etcd's v3 JSON gateway (the gRPC API as HTTP/1.1 POSTs with
// JSON bodies; etcd 3.4 as Debian ships it): leases, put, compare-and-put,
// transactions, a paged range, delete and a streaming watch, over HTTP or
// HTTPS (with a client certificate when given) with Boost.Beast, and etcd's
// user authentication when a user is given. One kept-alive connection per
// client; calls from several threads take turns on it. Every call,
// name resolution included, ends within the timeout; a connection error, a
// timeout or a 5xx answer (a member without a leader) moves to the next
// endpoint. What etcd answers is parsed without trusting it. Never called
// on the packet path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gtm::cluster {

struct EtcdSettings {
  std::vector<std::string> endpoints;  // "http://198.18.50.11:2379", "https://..."
  std::chrono::milliseconds timeout{2000};
  // HTTPS: the CAs to trust (PEM; empty: the system's), and this client's
  // certificate and key (PEM; both or neither). Contents, not file names:
  // read at load, while root.
  std::string ca_pem, cert_pem, key_pem;
  // etcd authentication (/v3/auth/authenticate); empty: none.
  std::string username, password;
};

struct KeyValue {
  std::string key, value;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

// One operation of a transaction.
struct TxnOp {
  bool remove = false;  // a delete of `key`; otherwise a put
  std::string key, value;
  int64_t lease = 0;
};

// Why a call failed, for the caller to say the right thing: etcd not
// reached at all, reached but without a leader (no quorum: the call timed
// out or a member answered 5xx), or an answer that refused the request (too
// large, not permitted, ...), which a retry elsewhere does not change.
enum class EtcdFailure { unreachable, no_quorum, refused };
[[nodiscard]] EtcdFailure classifyFailure(const std::string& error);

struct WatchEvent {
  bool deleted = false;
  KeyValue kv;
};

class EtcdClient {
 public:
  explicit EtcdClient(EtcdSettings settings);
  ~EtcdClient();

  [[nodiscard]] Result<int64_t> grantLease(int ttl_seconds);
  [[nodiscard]] Result<Ok> keepAlive(int64_t lease);
  [[nodiscard]] Result<Ok> revokeLease(int64_t lease);
  // Returns the revision the write made.
  [[nodiscard]] Result<int64_t> put(std::string_view key, std::string_view value, int64_t lease = 0);
  // Puts only when the key's mod_revision is `expected` (0: the key does not
  // exist); false when it was not (someone else wrote first).
  [[nodiscard]] Result<bool> putIf(std::string_view key, std::string_view value, int64_t expected);
  [[nodiscard]] Result<Ok> remove(std::string_view key);
  // The operations, at most kMaxTxnOps in each transaction (etcd's
  // default limit is 128), in order.
  static constexpr size_t kMaxTxnOps = 128;
  [[nodiscard]] Result<Ok> commit(const std::vector<TxnOp>& ops);
  // Every key under `prefix`, and the revision they were read at: read in
  // pages, all at that revision, so that a prefix of any size is read
  // whole within bounded answers. A single value too large for an answer
  // is left out and named in `too_large`.
  struct Range {
    std::vector<KeyValue> kvs;
    int64_t revision = 0;
    std::vector<std::string> too_large;
  };
  [[nodiscard]] Result<Range> rangePrefix(std::string_view prefix);

  // Streams every change under `prefix` from `start_revision` on, calling
  // on_event for each, until stopWatch() or an error (returned). The
  // history being compacted past start_revision is an error too: the caller
  // ranges again.
  [[nodiscard]] Result<Ok> watchPrefix(std::string_view prefix, int64_t start_revision,
                                       const std::function<void(const WatchEvent&)>& on_event);
  void stopWatch();  // from any thread: the watch returns soon after

  // The endpoint this client uses first (the one that answered last), to
  // make another client start there.
  [[nodiscard]] size_t preferred() const { return preferred_; }
  void prefer(size_t endpoint) { preferred_ = endpoint; }

  // Whether the settings make a client (a TLS context from the PEMs given).
  [[nodiscard]] Result<Ok> usable() const;

 private:
  struct Endpoint {
    std::string host, port;
    bool tls = false;
  };
  class Connection;
  [[nodiscard]] Result<std::string> post(std::string_view path, const std::string& body, bool* connect_failed);
  [[nodiscard]] Result<std::string> exchange(const Endpoint& at, std::string_view path, const std::string& body,
                                             bool* connect_failed);
  [[nodiscard]] Result<std::string> call(std::string_view path, const std::string& body);
  [[nodiscard]] Result<std::string> authenticated(std::string_view path, const std::string& body);
  [[nodiscard]] std::vector<Endpoint> endpoints() const;
  [[nodiscard]] std::string token() const;
  template <class Stream, class Request>
  [[nodiscard]] Result<Ok> readWatch(Connection& conn, Stream& stream, const Request& req, int64_t start_revision,
                                     const std::function<void(const WatchEvent&)>& on_event);

  EtcdSettings settings_;
  struct Tls;
  std::unique_ptr<Tls> tls_;  // the HTTPS context, made once
  mutable std::mutex token_mutex_;
  std::string token_;  // from /v3/auth/authenticate, shared with the watch
  std::atomic<size_t> preferred_{0};  // the endpoint that answered last
  std::mutex call_mutex_;             // one call at a time on the kept connection
  std::unique_ptr<Connection> kept_;
  size_t kept_endpoint_ = 0;
  std::mutex watch_mutex_;
  int watch_fd_ = -1;
  std::atomic<bool> watch_stop_{false};
};

// The range_end that makes a range or watch cover every key under `prefix`.
[[nodiscard]] std::string prefixEnd(std::string_view prefix);

}  // namespace gtm::cluster
