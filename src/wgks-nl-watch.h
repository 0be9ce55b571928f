/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wakes up on kernel netlink notifications: nftables changes made by other
 * processes (the tamper watch restores a deleted or altered table at once)
 * and route or link changes (the kill switch sees at once that the
 * endpoints became unroutable). Callers re-check the state themselves. */
#ifndef WGKS_NL_WATCH_H
#define WGKS_NL_WATCH_H

#include <glib.h>

/* Each returns a GSource id (remove it with g_source_remove), 0 + error on
 * failure. */
guint wgks_nft_watch_add (GSourceFunc func, gpointer user_data, GError **error);
guint wgks_route_watch_add (GSourceFunc func, gpointer user_data, GError **error);

#endif
