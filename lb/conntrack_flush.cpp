#include "lb/conntrack_flush.hpp"

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace gtm::lb {
namespace {

struct Match {
  const IpAddress* vip;
  const IpAddress* real;
  uint8_t l4proto;
  std::vector<nf_conntrack*> found;
};

bool same(const nf_conntrack* ct, nf_conntrack_attr v4, nf_conntrack_attr v6, const IpAddress& ip) {
  const void* a = nfct_get_attr(ct, ip.family == IpAddress::Family::v4 ? v4 : v6);
  return a && std::memcmp(a, ip.bytes.data(), ip.family == IpAddress::Family::v4 ? 4 : 16) == 0;
}

int collect(enum nf_conntrack_msg_type, nf_conntrack* ct, void* data) {
  auto* m = static_cast<Match*>(data);
  if (nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) == m->l4proto &&
      same(ct, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, *m->vip) &&
      same(ct, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, *m->real))
    m->found.push_back(nfct_clone(ct));
  return NFCT_CB_CONTINUE;
}

}  // namespace

Result<size_t> deleteFlows(const IpAddress& vip, const IpAddress& real, uint8_t l4proto) {
  nfct_handle* dump = nfct_open(CONNTRACK, 0);
  if (!dump) return Error{std::string("cannot open conntrack: ") + std::strerror(errno)};
  Match m{&vip, &real, l4proto, {}};
  nfct_callback_register(dump, NFCT_T_ALL, collect, &m);
  uint32_t family = vip.family == IpAddress::Family::v4 ? AF_INET : AF_INET6;
  int rc = nfct_query(dump, NFCT_Q_DUMP, &family);
  int dump_errno = errno;
  nfct_close(dump);
  if (rc != 0) {
    for (nf_conntrack* ct : m.found) nfct_destroy(ct);
    return Error{std::string("cannot list conntrack entries: ") + std::strerror(dump_errno)};
  }
  // A second handle: entries cannot be deleted from inside the dump.
  size_t deleted = 0;
  if (nfct_handle* del = nfct_open(CONNTRACK, 0)) {
    for (nf_conntrack* ct : m.found)
      if (nfct_query(del, NFCT_Q_DESTROY, ct) == 0) ++deleted;
    nfct_close(del);
  }
  for (nf_conntrack* ct : m.found) nfct_destroy(ct);
  return deleted;
}

}  // namespace gtm::lb
