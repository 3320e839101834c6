/* The parsers behind the network rows (core/acct/netcount.c): sock_diag replies built as the
 * kernel sends them, nftables rule dumps, the xtables table lists; and a CT whose netns
 * is gone.  Reading a real netns runs in the guest test 68-netbufs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "core/acct/acct.h"
#include "core/base/base.h"
#include "core/ct/ct.h"
#include "core/limits/limits.h"

/* A reply of sock_diag: the family's header, then a meminfo attribute of nvars values
 * (none when nvars is 0): rmem_alloc 1000, wmem_alloc 20, wmem_queued 300 and the rest
 * distinct, so that a wrong field shows. */
static struct nl_msg *diag_reply(enum bc_net_sock kind, int nvars)
{
	struct nl_msg *m = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI);
	uint32_t mem[SK_MEMINFO_VARS];
	int attr;

	cr_assert_not_null(m);
	for (int i = 0; i < SK_MEMINFO_VARS; i++)
		mem[i] = 7000 + i;
	mem[SK_MEMINFO_RMEM_ALLOC] = 1000;
	mem[SK_MEMINFO_WMEM_ALLOC] = 20;
	mem[SK_MEMINFO_WMEM_QUEUED] = 300;
	if (kind == BC_NET_UNIX) {
		struct unix_diag_msg h = { .udiag_family = AF_UNIX, .udiag_ino = 42 };

		cr_assert_eq(nlmsg_append(m, &h, sizeof(h), NLMSG_ALIGNTO), 0);
		attr = UNIX_DIAG_MEMINFO;
	} else {
		struct inet_diag_msg h = { .idiag_family = AF_INET, .idiag_state = 1 };

		cr_assert_eq(nlmsg_append(m, &h, sizeof(h), NLMSG_ALIGNTO), 0);
		attr = INET_DIAG_SKMEMINFO;
	}
	if (nvars > 0)
		cr_assert_eq(nla_put(m, attr, nvars * (int)sizeof(uint32_t), mem), 0);
	return m;
}

static struct bc_net_usage add(enum bc_net_sock kind, int nvars, int times)
{
	struct bc_net_usage u = { 0 };
	struct nl_msg *m = diag_reply(kind, nvars);

	for (int i = 0; i < times; i++)
		cr_assert_eq(bc_net_add_sock(nlmsg_hdr(m), kind, &u), 0);
	nlmsg_free(m);
	return u;
}

Test(netcount, tcp_send_side_is_the_queued_skbs_receive_side_rmem)
{
	struct bc_net_usage u = add(BC_NET_TCP, SK_MEMINFO_VARS, 2);

	cr_assert_eq(u.tcpsnd, 600); /* wmem_queued, not wmem_alloc */
	cr_assert_eq(u.tcprcv, 2000);
	cr_assert_eq(u.othersock, 0);
	cr_assert_eq(u.dgramrcv, 0);
	cr_assert_eq(u.tcpsocks, 2);
	cr_assert_eq(u.othersocks, 0);
}

Test(netcount, datagram_sockets_send_side_to_othersock_receive_side_to_dgramrcv)
{
	struct bc_net_usage u = add(BC_NET_DGRAM, SK_MEMINFO_VARS, 3);

	cr_assert_eq(u.othersock, 60);
	cr_assert_eq(u.dgramrcv, 3000);
	cr_assert_eq(u.tcpsnd + u.tcprcv, 0);
	cr_assert_eq(u.othersocks, 3);
	cr_assert_eq(u.tcpsocks, 0);
}

Test(netcount, unix_sockets_count_their_send_side_only)
{
	struct bc_net_usage u = add(BC_NET_UNIX, SK_MEMINFO_VARS, 1);

	cr_assert_eq(u.othersock, 20);
	cr_assert_eq(u.dgramrcv, 0);
	cr_assert_eq(u.othersocks, 1);
}

Test(netcount, older_kernels_shorter_meminfo_is_read)
{
	/* Before the backlog and drops fields: up to optmem. */
	struct bc_net_usage u = add(BC_NET_TCP, SK_MEMINFO_OPTMEM + 1, 1);

	cr_assert_eq(u.tcpsnd, 300);
	cr_assert_eq(u.tcprcv, 1000);
}

Test(netcount, a_socket_without_meminfo_holds_nothing)
{
	/* time-wait and request sockets come without the attribute */
	struct bc_net_usage u = add(BC_NET_TCP, 0, 1);

	cr_assert_eq(u.tcpsnd + u.tcprcv + u.othersock + u.dgramrcv, 0);
}

/* The kernel's TIME_WAIT (6) and NEW_SYN_RECV (12): records that replaced or precede
 * a socket, which OpenVZ did not charge as one. */
Test(netcount, time_wait_and_request_entries_are_not_tcp_sockets)
{
	const uint8_t states[] = { 6, 12, 10 /* LISTEN */, 1 /* ESTABLISHED */ };
	struct bc_net_usage u = { 0 };

	for (size_t i = 0; i < sizeof(states); i++) {
		struct nl_msg *m = diag_reply(BC_NET_TCP, 0);
		struct inet_diag_msg *d = nlmsg_data(nlmsg_hdr(m));

		d->idiag_state = states[i];
		cr_assert_eq(bc_net_add_sock(nlmsg_hdr(m), BC_NET_TCP, &u), 0);
		nlmsg_free(m);
	}
	cr_assert_eq(u.tcpsocks, 2);
}

Test(netcount, malformed_replies_are_refused)
{
	struct bc_net_usage u = { 0 };
	struct nl_msg *m = diag_reply(BC_NET_TCP, SK_MEMINFO_FWD_ALLOC); /* no wmem_queued */
	struct nlmsghdr *h;

	cr_assert_eq(bc_net_add_sock(nlmsg_hdr(m), BC_NET_TCP, &u), -EBADMSG);
	nlmsg_free(m);

	m = diag_reply(BC_NET_TCP, SK_MEMINFO_VARS);
	h = nlmsg_hdr(m);
	h->nlmsg_type = NLMSG_DONE;
	cr_assert_eq(bc_net_add_sock(h, BC_NET_TCP, &u), -EBADMSG);
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_len = NLMSG_HDRLEN + 8; /* shorter than inet_diag_msg */
	cr_assert_eq(bc_net_add_sock(h, BC_NET_TCP, &u), -EBADMSG);
	nlmsg_free(m);
	cr_assert_eq(u.tcpsnd + u.tcprcv, 0);
}

Test(netcount, nft_dump_counts_rule_messages_only)
{
	struct bc_net_usage u = { 0 };
	struct nfgenmsg g = { .nfgen_family = NFPROTO_INET, .version = NFNETLINK_V0 };
	int types[] = { NFT_MSG_NEWRULE, NFT_MSG_NEWTABLE, NFT_MSG_NEWRULE, NFT_MSG_NEWCHAIN,
			NFT_MSG_NEWRULE };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct nl_msg *m = nlmsg_alloc_simple((NFNL_SUBSYS_NFTABLES << 8) | types[i],
						      NLM_F_MULTI);

		cr_assert_eq(nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO), 0);
		cr_assert_eq(bc_net_add_rule(nlmsg_hdr(m), &u), 0);
		nlmsg_free(m);
	}
	cr_assert_eq(u.iptent, 3);
}

Test(netcount, table_names_one_a_line)
{
	char names[4][BC_XT_NAME_LEN];

	cr_assert_eq(bc_net_table_names("", names, 4), 0);
	cr_assert_eq(bc_net_table_names("filter\n", names, 4), 1);
	cr_assert_str_eq(names[0], "filter");
	cr_assert_eq(bc_net_table_names("nat\nfilter\n\nmangle", names, 4), 3);
	cr_assert_str_eq(names[0], "nat");
	cr_assert_str_eq(names[1], "filter");
	cr_assert_str_eq(names[2], "mangle");
	cr_assert_eq(bc_net_table_names("a\nb\nc\nd\ne\n", names, 4), -E2BIG);
	cr_assert_eq(bc_net_table_names("0123456789012345678901234567890123\n", names, 4),
		     -EBADMSG);
}

Test(netcount, a_gone_netns_is_an_error_and_leaves_the_output)
{
	struct bc_net_usage u = { .tcpsnd = 99 };
	vz_err err;
	int r = bc_net_usage(999999999, &u, &err); /* beyond PID_MAX_LIMIT: no such pid */

	cr_assert(r == -ENOENT || r == -ESRCH, "r = %d", r);
	cr_assert_eq(err.exit_code, VZ_E_NOT_RUNNING);
	cr_assert(strstr(err.msg, "network namespace") != NULL, "%s", err.msg);
	cr_assert_eq(u.tcpsnd, 99);
}
