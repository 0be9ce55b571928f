/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who disconnected: NetworkManager calls the service's Disconnect for a
 * user's "down", but also after a failure, its own timeout or a deleted
 * profile, and libnm does when NetworkManager left the bus. This follows
 * NetworkManager on the system bus (its unique name, and the reason it
 * gives every client when a VPN goes down) to tell which it was. */
#ifndef WGKS_DISCONNECT_ORIGIN_H
#define WGKS_DISCONNECT_ORIGIN_H

#include <glib.h>

typedef struct _WgksDisconnectOrigin WgksDisconnectOrigin;

/* Subscribes on the shared system bus connection (libnm's: the signals and
 * the Disconnect call arrive in the order NetworkManager sent them). */
WgksDisconnectOrigin *wgks_disconnect_origin_new (void);
void                  wgks_disconnect_origin_free (WgksDisconnectOrigin *origin);

/* The connection (by UUID) whose reason counts; NULL forgets it and the
 * reason learnt for it. */
void wgks_disconnect_origin_follow (WgksDisconnectOrigin *origin, const char *uuid);

/* TRUE only when NetworkManager is on the bus and said the user took the
 * followed connection down; logs why not otherwise. */
gboolean wgks_disconnect_origin_is_user (WgksDisconnectOrigin *origin);

#endif
