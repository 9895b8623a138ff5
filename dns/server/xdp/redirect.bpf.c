// XDP program of gtm serve's AF_XDP mode (dns/server/xdp/): hands UDP
// datagrams addressed to a DNS listen address to the AF_XDP socket of the
// receive queue they arrived on; every other frame (ARP, ND, ICMP, TCP, other
// ports, VLAN tags, IPv4 options, fragments, IPv6 extension headers) goes on
// to the kernel untouched. Compiled with clang -target bpf at build time and
// embedded in the gtm binary.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// The listen addresses: the destination address (IPv4 as ::ffff:a.b.c.d) and
// port, in network order. A wildcard listen address is ::ffff:0.0.0.0 for
// IPv4 and :: for IPv6, so that each takes its own family only.
struct listen_key {
  __u8 address[16];
  __u16 port;
  __u16 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, struct listen_key);
  __type(value, __u8);
} listen_addresses SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u32);
} sockets SEC(".maps");

static __always_inline int listening(struct listen_key* key, int v4) {
  if (bpf_map_lookup_elem(&listen_addresses, key)) return 1;
  if (v4) __builtin_memset(&key->address[12], 0, 4);
  else __builtin_memset(key->address, 0, sizeof key->address);
  return bpf_map_lookup_elem(&listen_addresses, key) != 0;
}

SEC("xdp")
int gtm_dns_redirect(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_PASS;
  struct listen_key key = {};
  struct udphdr* udp;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (void*)(eth + 1);
    if ((void*)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP) return XDP_PASS;
    if (ip->frag_off & bpf_htons(0x3fff)) return XDP_PASS;  // MF or an offset: a fragment
    key.address[10] = 0xff;
    key.address[11] = 0xff;
    __builtin_memcpy(&key.address[12], &ip->daddr, 4);
    udp = (void*)(ip + 1);
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = (void*)(eth + 1);
    if ((void*)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP) return XDP_PASS;
    __builtin_memcpy(key.address, &ip6->daddr, 16);
    udp = (void*)(ip6 + 1);
  } else {
    return XDP_PASS;
  }
  if ((void*)(udp + 1) > end) return XDP_PASS;
  key.port = udp->dest;
  if (!listening(&key, eth->h_proto == bpf_htons(ETH_P_IP))) return XDP_PASS;
  return bpf_redirect_map(&sockets, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
