/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-nl-watch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "wgks-nft.h"

typedef struct {
	struct mnl_socket *nl;
	GSourceFunc        func;
	gpointer           user_data;
	gboolean           nftables;  /* call back only for other processes' changes */
} NlWatch;

static void
nl_watch_free (gpointer data)
{
	NlWatch *w = data;

	mnl_socket_close (w->nl);
	g_free (w);
}

/* What one drain of nftables notifications showed: changes not (yet)
 * followed by their generation's message, and whether any generation was
 * committed by another process. */
typedef struct {
	guint    pending;
	gboolean foreign;
} NftDrain;

static gboolean
gen_is_own (const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;

	mnl_attr_for_each (attr, nlh, sizeof (struct nfgenmsg)) {
		if (mnl_attr_get_type (attr) == NFTA_GEN_PROC_PID && mnl_attr_get_payload_len (attr) == sizeof (guint32))
			return wgks_nft_is_own_pid ((pid_t) ntohl (mnl_attr_get_u32 (attr)));
	}
	return FALSE;
}

/* Every transaction's notifications end with NFT_MSG_NEWGEN, which names
 * the process that committed it (NFTA_GEN_PROC_PID). */
static void
nft_drain_feed (NftDrain *d, const void *buf, int len)
{
	const struct nlmsghdr *nlh = buf;

	for (; mnl_nlmsg_ok (nlh, len); nlh = mnl_nlmsg_next (nlh, &len)) {
		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN)) {
			d->pending++;
			continue;
		}
		if (!gen_is_own (nlh))
			d->foreign = TRUE;
		d->pending = 0;
	}
	if (len != 0)
		d->foreign = TRUE;
}

/* Drain the notifications, then call back once. For nftables, only when
 * another process may have changed something: the service's own writes
 * were read back as they were made. Lost, cut or unattributed
 * notifications count as another's. */
static gboolean
nl_watch_ready (int fd, GIOCondition condition, gpointer user_data)
{
	NlWatch *w = user_data;
	NftDrain drain = { 0 };
	char buf[8192];
	ssize_t n;

	while ((n = recv (fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC)) > 0 || errno == ENOBUFS) {
		if (n < 0 || (size_t) n > sizeof buf)
			drain.foreign = TRUE;
		else if (w->nftables)
			nft_drain_feed (&drain, buf, (int) n);
	}
	if (w->nftables && !drain.foreign && drain.pending == 0)
		return G_SOURCE_CONTINUE;
	return w->func (w->user_data);
}

static guint
nl_watch_add (int bus, guint32 groups, gboolean nftables, GSourceFunc func, gpointer user_data, GError **error)
{
	NlWatch *w;
	struct mnl_socket *nl = mnl_socket_open2 (bus, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (!nl || mnl_socket_bind (nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int errsv = errno;

		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
		             "cannot watch netlink notifications: %s", g_strerror (errsv));
		if (nl)
			mnl_socket_close (nl);
		return 0;
	}
	w = g_new0 (NlWatch, 1);
	w->nl = nl;
	w->func = func;
	w->user_data = user_data;
	w->nftables = nftables;
	return g_unix_fd_add_full (G_PRIORITY_DEFAULT, mnl_socket_get_fd (nl), G_IO_IN, nl_watch_ready, w,
	                           nl_watch_free);
}

guint
wgks_nft_watch_add (GSourceFunc func, gpointer user_data, GError **error)
{
	return nl_watch_add (NETLINK_NETFILTER, 1u << (NFNLGRP_NFTABLES - 1), TRUE, func, user_data, error);
}

guint
wgks_route_watch_add (GSourceFunc func, gpointer user_data, GError **error)
{
	return nl_watch_add (NETLINK_ROUTE, RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, FALSE, func,
	                     user_data, error);
}
