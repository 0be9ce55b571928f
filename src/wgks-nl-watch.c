/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-nl-watch.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

typedef struct {
	struct mnl_socket *nl;
	GSourceFunc        func;
	gpointer           user_data;
} NlWatch;

static void
nl_watch_free (gpointer data)
{
	NlWatch *w = data;

	mnl_socket_close (w->nl);
	g_free (w);
}

/* The content of the notifications does not matter: the caller compares
 * the whole table. Drain them, then call back once. */
static gboolean
nl_watch_ready (int fd, GIOCondition condition, gpointer user_data)
{
	NlWatch *w = user_data;
	char buf[8192];

	while (recv (fd, buf, sizeof buf, MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
	return w->func (w->user_data);
}

guint
wgks_nl_watch_add (int bus, guint32 groups, GSourceFunc func, gpointer user_data, GError **error)
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
	return g_unix_fd_add_full (G_PRIORITY_DEFAULT, mnl_socket_get_fd (nl), G_IO_IN, nl_watch_ready, w,
	                           nl_watch_free);
}

guint
wgks_nft_watch_add (GSourceFunc func, gpointer user_data, GError **error)
{
	return wgks_nl_watch_add (NETLINK_NETFILTER, 1u << (NFNLGRP_NFTABLES - 1), func, user_data, error);
}

guint
wgks_route_watch_add (GSourceFunc func, gpointer user_data, GError **error)
{
	return wgks_nl_watch_add (NETLINK_ROUTE, RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
	                          func, user_data, error);
}
