/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-nft-watch.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

typedef struct {
	struct mnl_socket *nl;
	GSourceFunc        func;
	gpointer           user_data;
} NftWatch;

static void
nft_watch_free (gpointer data)
{
	NftWatch *w = data;

	mnl_socket_close (w->nl);
	g_free (w);
}

/* The content of the notifications does not matter: the caller compares
 * the whole table. Drain them, then call back once. */
static gboolean
nft_watch_ready (int fd, GIOCondition condition, gpointer user_data)
{
	NftWatch *w = user_data;
	char buf[8192];

	while (recv (fd, buf, sizeof buf, MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
	return w->func (w->user_data);
}

guint
wgks_nft_watch_add (GSourceFunc func, gpointer user_data, GError **error)
{
	NftWatch *w;
	struct mnl_socket *nl = mnl_socket_open2 (NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (!nl || mnl_socket_bind (nl, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0) {
		int errsv = errno;

		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
		             "cannot watch nftables changes: %s", g_strerror (errsv));
		if (nl)
			mnl_socket_close (nl);
		return 0;
	}
	w = g_new0 (NftWatch, 1);
	w->nl = nl;
	w->func = func;
	w->user_data = user_data;
	return g_unix_fd_add_full (G_PRIORITY_DEFAULT, mnl_socket_get_fd (nl), G_IO_IN, nft_watch_ready, w,
	                           nft_watch_free);
}
