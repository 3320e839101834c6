/* What a CT's network namespace holds (core/acct/acct.h "network usage"): the socket buffers
 * behind tcpsndbuf, tcprcvbuf, othersockbuf and dgramrcvbuf, and the netfilter entries
 * behind numiptent.
 *
 * Buffers come from sock_diag, which only ever shows the sockets of the netns its own
 * socket lives in; netfilter's getsockopts and nfnetlink answer for that netns too.
 * So the calling thread enters the CT's netns once, makes every socket it needs there,
 * and goes back at once; the dumps and queries run afterwards from the host's side.
 * Only the calling thread changes netns (a FUSE daemon calls this from many threads),
 * and it always comes back: a thread left in a CT's netns would read and create
 * sockets there for whatever it does next, so failing to come back aborts.
 *
 * The mapping is OpenVZ's (reference §1.1 rows 13-16), which charged skb truesize:
 *   tcpsndbuf     TCP wmem_queued: skbs on the write and retransmit queues, what
 *                 OpenVZ charged when it queued a skb for sending;
 *   tcprcvbuf     TCP rmem_alloc: receive and out-of-order queues;
 *   othersockbuf  UNIX wmem_alloc: a unix skb waiting in its receiver is still owned,
 *                 and charged, by the sender (the receiver's rmem stays 0), so the
 *                 sender's side counts each unread byte once; plus UDP and raw
 *                 wmem_alloc, datagrams not yet sent out;
 *   dgramrcvbuf   UDP and raw rmem_alloc: datagrams not yet read.
 * IPv4 and IPv6, TCP in every state (listening, time-wait and request sockets have no
 * buffers and add nothing), every raw protocol.  Not counted: UDP-Lite, packet and
 * netlink sockets (a rare few, and netlink's would include this very dump).
 *
 * numiptent counts entries as OpenVZ charged them: for each legacy xtables table
 * (iptables, ip6tables, arptables) its num_entries as the kernel holds it, which
 * includes one policy entry per builtin chain, a head and a return entry per user
 * chain, and the table's closing entry (an empty filter table is 4), plus one per
 * nftables rule.  Asking a legacy table by name makes the kernel create it in that
 * netns (they are made lazily), so only the tables the netns lists in
 * <x>_tables_names are asked; nftables is asked only while its module is loaded,
 * since nfnetlink would load it on demand. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_arp/arp_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/cgroup/cgroup.h"

/* A dump's datagrams are at most 32 KiB (the kernel's cap), so one recvmsg of this
 * size takes each whole, without libnl's peek first. */
#define NL_BUF 32768
#define TABLES_MAX 16 /* per family; the kernel has 5 at most */
#define DUMP_TRIES 3  /* an nftables dump that a ruleset change interrupted is redone */

/* ------------------------------------------------------------- parsers */

/* The meminfo array of a reply, or NULL when it has none. */
static const uint32_t *meminfo(struct nlattr *a, int *bad)
{
	if (!a)
		return NULL;
	/* Kernels since sock_diag began (3.3) give at least up to wmem_queued. */
	if (nla_len(a) < (int)((SK_MEMINFO_WMEM_QUEUED + 1) * sizeof(uint32_t))) {
		*bad = 1;
		return NULL;
	}
	return nla_data(a);
}

/* The kernel's TCP states of entries that are not sockets (include/net/tcp_states.h;
 * user space headers have no name for the second). */
enum { TCP_STATE_TIME_WAIT = 6, TCP_STATE_NEW_SYN_RECV = 12 };

/* A time-wait or request entry: a record of a connection, not a socket. */
static bool tcp_record(const struct inet_diag_msg *d)
{
	return d->idiag_state == TCP_STATE_TIME_WAIT || d->idiag_state == TCP_STATE_NEW_SYN_RECV;
}

int bc_net_add_sock(const struct nlmsghdr *h, enum bc_net_sock kind, struct bc_net_usage *u)
{
	struct nlmsghdr *m = (struct nlmsghdr *)h;
	struct nlattr *tb[(INET_DIAG_MAX > UNIX_DIAG_MAX ? INET_DIAG_MAX : UNIX_DIAG_MAX) + 1];
	const uint32_t *mem;
	int bad = 0;

	if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -EBADMSG;
	if (kind == BC_NET_UNIX) {
		if (nlmsg_parse(m, sizeof(struct unix_diag_msg), tb, UNIX_DIAG_MAX, NULL) < 0)
			return -EBADMSG;
		mem = meminfo(tb[UNIX_DIAG_MEMINFO], &bad);
	} else {
		if (nlmsg_parse(m, sizeof(struct inet_diag_msg), tb, INET_DIAG_MAX, NULL) < 0)
			return -EBADMSG;
		mem = meminfo(tb[INET_DIAG_SKMEMINFO], &bad);
	}
	if (bad)
		return -EBADMSG;
	if (kind != BC_NET_TCP)
		u->othersocks++;
	else if (!tcp_record(nlmsg_data(m)))
		u->tcpsocks++;
	if (!mem)
		return 0;
	switch (kind) {
	case BC_NET_TCP:
		u->tcpsnd += mem[SK_MEMINFO_WMEM_QUEUED];
		u->tcprcv += mem[SK_MEMINFO_RMEM_ALLOC];
		break;
	case BC_NET_DGRAM:
		u->othersock += mem[SK_MEMINFO_WMEM_ALLOC];
		u->dgramrcv += mem[SK_MEMINFO_RMEM_ALLOC];
		break;
	case BC_NET_UNIX:
		u->othersock += mem[SK_MEMINFO_WMEM_ALLOC];
		break;
	}
	return 0;
}

int bc_net_add_rule(const struct nlmsghdr *h, struct bc_net_usage *u)
{
	if (h->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	if (h->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		u->iptent++;
	return 0;
}

int bc_net_table_names(const char *text, char (*names)[BC_XT_NAME_LEN], size_t max)
{
	size_t n = 0;

	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");

		if (len >= BC_XT_NAME_LEN)
			return -EBADMSG;
		if (len > 0) {
			if (n == max)
				return -E2BIG;
			memcpy(names[n], l, len);
			names[n++][len] = '\0';
		}
		l += len;
		if (*l)
			l++;
	}
	return (int)n;
}

/* ------------------------------------------------- sockets in the netns */

/* The legacy xtables families: the file listing a netns's tables, and the getsockopt
 * that gives a table's entries (the answers differ only in their hook arrays). */
union xt_info {
	struct ipt_getinfo ip;
	struct ip6t_getinfo ip6;
	struct arpt_getinfo arp;
};
static const struct xt_family {
	const char *names;
	int inet6; /* asked on the AF_INET6 socket */
	int level, optname;
	size_t size, entries; /* of the answer, and where num_entries is in it */
} xt_families[] = {
	{ "ip_tables_names", 0, IPPROTO_IP, IPT_SO_GET_INFO, sizeof(struct ipt_getinfo),
	  offsetof(struct ipt_getinfo, num_entries) },
	{ "ip6_tables_names", 1, IPPROTO_IPV6, IP6T_SO_GET_INFO, sizeof(struct ip6t_getinfo),
	  offsetof(struct ip6t_getinfo, num_entries) },
	{ "arp_tables_names", 0, IPPROTO_IP, ARPT_SO_GET_INFO, sizeof(struct arpt_getinfo),
	  offsetof(struct arpt_getinfo, num_entries) },
};
#define XT_FAMILIES (sizeof(xt_families) / sizeof(xt_families[0]))

/* What was made inside the CT's netns.  A NULL or -1 member was not needed or could not
 * be made; *_ok says whether its source is readable. */
struct net_socks {
	struct nl_sock *diag, *nft;
	int inet, inet6; /* unbound UDP sockets: netfilter answers getsockopts on any inet
			  * socket, and an unbound one shows in no socket list */
	char names[XT_FAMILIES][TABLES_MAX][BC_XT_NAME_LEN];
	int ntables[XT_FAMILIES];
	bool xt_ok, nft_ok;
};

static void net_socks_free(struct net_socks *s)
{
	nl_socket_free(s->diag); /* NULL is fine */
	nl_socket_free(s->nft);
	if (s->inet >= 0)
		close(s->inet);
	if (s->inet6 >= 0)
		close(s->inet6);
}

static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_DUMP_INTR: return -EINTR;
	case NLE_AGAIN: return -EAGAIN;
	default: return -EIO;
	}
}

static struct nl_sock *nl_open(int protocol)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	nl_socket_disable_auto_ack(sk);
	nl_socket_disable_msg_peek(sk);
	if (nl_socket_set_msg_buf_size(sk, NL_BUF) < 0 || nl_connect(sk, protocol) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* Whether nf_tables can be asked without the kernel loading it: it is a loaded module,
 * or built in.  That it is built in is known from modules.builtin, once per process;
 * when that file cannot be read the kernel has no modules to load from either. */
static bool nft_present(void)
{
	static int builtin = -1; /* the same answer whichever thread computes it */
	int b = __atomic_load_n(&builtin, __ATOMIC_RELAXED);

	if (access("/sys/module/nf_tables", F_OK) == 0)
		return true;
	if (b < 0) {
		struct utsname un;
		char path[128 + sizeof(un.release)];
		_cleanup_free_ char *text = NULL;
		_cleanup_close_ int fd = -1;

		b = 1;
		if (uname(&un) == 0) {
			snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", un.release);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 && vz_read_fd(fd, &text, NULL) == 0)
				b = strstr(text, "/nf_tables.ko\n") != NULL;
		}
		__atomic_store_n(&builtin, b, __ATOMIC_RELAXED);
	}
	return b == 1;
}

/* The tables the thread's netns lists (this thread is inside the CT's netns). */
static int read_tables(struct net_socks *s)
{
	for (size_t f = 0; f < XT_FAMILIES; f++) {
		char path[64];
		_cleanup_free_ char *text = NULL;
		_cleanup_close_ int fd = -1;
		int n;

		snprintf(path, sizeof(path), "/proc/thread-self/net/%s", xt_families[f].names);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) { /* that family's module is not loaded */
			s->ntables[f] = 0;
			continue;
		}
		if (fd < 0 || vz_read_fd(fd, &text, NULL) < 0)
			return -EIO;
		n = bc_net_table_names(text, s->names[f], TABLES_MAX);
		if (n < 0)
			return n;
		s->ntables[f] = n;
	}
	return 0;
}

/* Makes every socket of the reads; the thread is inside the CT's netns. */
static void make_socks(struct net_socks *s, bool nft)
{
	bool v4 = false, v6 = false;

	s->diag = nl_open(NETLINK_SOCK_DIAG);
	s->xt_ok = read_tables(s) == 0;
	for (size_t f = 0; s->xt_ok && f < XT_FAMILIES; f++)
		if (s->ntables[f] > 0)
			*(xt_families[f].inet6 ? &v6 : &v4) = true;
	if (v4 && (s->inet = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		s->xt_ok = false;
	if (v6 && (s->inet6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		s->xt_ok = false;
	s->nft_ok = true;
	if (nft && !(s->nft = nl_open(NETLINK_NETFILTER)))
		s->nft_ok = false;
}

/* The thread back in its own netns.  setns only fails on a bad fd, a namespace of the
 * wrong type, missing privileges or memory: none of which can hold for the netns the
 * thread was just in but memory, so it is tried again once.  Carrying on in the CT's
 * netns would make every later socket of this thread the CT's: abort instead. */
static void leave_netns(int self)
{
	if (setns(self, CLONE_NEWNET) == 0 || setns(self, CLONE_NEWNET) == 0)
		return;
	abort();
}

static int open_in_netns(pid_t init, struct net_socks *s, vz_err *err)
{
	char path[64];
	_cleanup_close_ int self = -1, target = -1;
	bool nft = nft_present();

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return vz_fail(err, VZ_E_NOT_RUNNING, errno,
			       "Unable to open the network namespace of pid %d (%s): %s; is the "
			       "container still running?", (int)init, path, strerror(errno));
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno,
			       "Unable to open /proc/thread-self/ns/net: %s; is /proc mounted?",
			       strerror(errno));
	if (setns(target, CLONE_NEWNET) < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno,
			       "Unable to enter the network namespace of pid %d: %s (needs "
			       "CAP_SYS_ADMIN)", (int)init, strerror(errno));
	make_socks(s, nft);
	leave_netns(self);
	return 0;
}

/* ------------------------------------------------------------- reads */

struct dump_ctx {
	enum bc_net_sock kind;
	struct bc_net_usage *u;
	bool bad;
};

static int sock_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *c = arg;

	if (bc_net_add_sock(nlmsg_hdr(msg), c->kind, c->u) < 0)
		c->bad = true;
	return NL_SKIP; /* read to the end: the socket serves the next dump */
}

static int rule_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *c = arg;

	if (bc_net_add_rule(nlmsg_hdr(msg), c->u) < 0)
		c->bad = true;
	return NL_SKIP;
}

/* One dump request, every reply through cb. */
static int dump(struct nl_sock *sk, int type, const void *req, size_t len,
		nl_recvmsg_msg_cb_t cb, struct dump_ctx *c)
{
	/* Sized to the request: libnl's default is a page, zeroed at each call. */
	struct nl_msg *m = nlmsg_alloc_size(NLMSG_HDRLEN + NLMSG_ALIGN(len));
	int r;

	if (!m)
		return -ENOMEM;
	r = nlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, NLM_F_REQUEST | NLM_F_DUMP) ?
		    nlmsg_append(m, (void *)req, len, NLMSG_ALIGNTO) : -NLE_NOMEM;
	if (r == 0)
		r = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, c);
	if (r >= 0)
		r = nl_recvmsgs_default(sk);
	if (r < 0)
		return nl_errno(r);
	return c->bad ? -EBADMSG : 0;
}

static const struct sock_dump {
	int family, protocol;
	enum bc_net_sock kind;
} sock_dumps[] = {
	{ AF_INET, IPPROTO_TCP, BC_NET_TCP },    { AF_INET6, IPPROTO_TCP, BC_NET_TCP },
	{ AF_INET, IPPROTO_UDP, BC_NET_DGRAM },  { AF_INET6, IPPROTO_UDP, BC_NET_DGRAM },
	{ AF_INET, IPPROTO_RAW, BC_NET_DGRAM },  { AF_INET6, IPPROTO_RAW, BC_NET_DGRAM },
	{ AF_UNIX, 0, BC_NET_UNIX },
};

static int sock_dump(struct nl_sock *sk, const struct sock_dump *d, struct bc_net_usage *u)
{
	struct dump_ctx c = { d->kind, u, false };

	if (d->family == AF_UNIX) {
		struct unix_diag_req req = {
			.sdiag_family = AF_UNIX,
			.udiag_states = ~0U,
			.udiag_show = UDIAG_SHOW_MEMINFO,
		};

		return dump(sk, SOCK_DIAG_BY_FAMILY, &req, sizeof(req), sock_cb, &c);
	}
	struct inet_diag_req_raw req = {
		.sdiag_family = (uint8_t)d->family,
		.sdiag_protocol = (uint8_t)d->protocol,
		.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1),
		/* raw_diag shows the raw sockets of this protocol; IPPROTO_RAW: all of them */
		.sdiag_raw_protocol = d->protocol == IPPROTO_RAW ? IPPROTO_RAW : 0,
		.idiag_states = ~0U,
	};
	return dump(sk, SOCK_DIAG_BY_FAMILY, &req, sizeof(req), sock_cb, &c);
}

static void read_buffers(struct nl_sock *sk, struct bc_net_usage *u)
{
	bool tcp = sk != NULL, other = sk != NULL;

	for (size_t i = 0; sk && i < sizeof(sock_dumps) / sizeof(sock_dumps[0]); i++)
		if (sock_dump(sk, &sock_dumps[i], u) < 0)
			*(sock_dumps[i].kind == BC_NET_TCP ? &tcp : &other) = false;
	u->tcp_known = tcp;
	u->other_known = other;
}

static int xt_entries(const struct net_socks *s, uint64_t *ret)
{
	uint64_t n = 0;

	for (size_t f = 0; f < XT_FAMILIES; f++) {
		const struct xt_family *x = &xt_families[f];

		for (int t = 0; t < s->ntables[f]; t++) {
			union xt_info info = { 0 };
			socklen_t len = (socklen_t)x->size;
			unsigned int entries;

			memcpy(info.ip.name, s->names[f][t], BC_XT_NAME_LEN);
			if (getsockopt(x->inet6 ? s->inet6 : s->inet, x->level, x->optname, &info,
				       &len) < 0)
				return -errno;
			memcpy(&entries, (char *)&info + x->entries, sizeof(entries));
			n += entries;
		}
	}
	*ret = n;
	return 0;
}

static int nft_rules(struct nl_sock *sk, uint64_t *ret)
{
	struct nfgenmsg req = { .nfgen_family = NFPROTO_UNSPEC, .version = NFNETLINK_V0 };
	int r = -EINTR;

	for (int i = 0; i < DUMP_TRIES && r == -EINTR; i++) {
		struct bc_net_usage u = { 0 };
		struct dump_ctx c = { BC_NET_TCP, &u, false };

		r = dump(sk, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, &req, sizeof(req),
			 rule_cb, &c);
		*ret = u.iptent;
	}
	return r;
}

static void read_entries(const struct net_socks *s, struct bc_net_usage *u)
{
	uint64_t xt = 0, nft = 0;

	u->iptent_known = s->xt_ok && s->nft_ok && xt_entries(s, &xt) == 0 &&
			  (!s->nft || nft_rules(s->nft, &nft) == 0);
	u->iptent = u->iptent_known ? xt + nft : 0;
}

int bc_net_usage(pid_t init, struct bc_net_usage *ret, vz_err *err)
{
	struct net_socks s __attribute__((cleanup(net_socks_free))) = {
		.diag = NULL, .nft = NULL, .inet = -1, .inet6 = -1,
	};
	struct bc_net_usage u = { 0 };
	int r = open_in_netns(init, &s, err);

	if (r < 0)
		return r;
	read_buffers(s.diag, &u);
	read_entries(&s, &u);
	*ret = u;
	return 0;
}
