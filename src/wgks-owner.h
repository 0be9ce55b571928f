/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One connection at a time owns the kill-switch table and the tunnel.
 * NetworkManager starts one service per connection, and anybody can start
 * one by hand: a second owner would replace the first one's table (or,
 * with kill-switch=off, delete it) and remove its interface. */
#ifndef WGKS_OWNER_H
#define WGKS_OWNER_H

#include <glib.h>

typedef struct _WgksOwner WgksOwner;

/* Waits up to wait_ms for an earlier owner that is shutting down; fails
 * with a message naming the owner (connection, PID) otherwise. */
WgksOwner *wgks_owner_acquire (const char *connection_id, guint wait_ms, GError **error);
void       wgks_owner_release (WgksOwner *owner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksOwner, wgks_owner_release)

#endif
