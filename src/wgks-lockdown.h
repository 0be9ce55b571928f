/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lockdown file ($localstatedir/lib/wireguard-killswitch/lockdown): lockdown
 * on or off, and the endpoints and LAN its blocking table lets through. Root
 * only, replaced atomically (wgks_statefile_write). */
#ifndef WGKS_LOCKDOWN_H
#define WGKS_LOCKDOWN_H

#include "wgks-firewall.h"

typedef struct {
	gboolean   enabled;
	char      *connection;   /* connection id, for messages */
	guint32    fwmark;
	GArray    *endpoints;    /* WgksFirewallEndpoint */
	gboolean   allow_lan;
} WgksLockdown;

void          wgks_lockdown_free (WgksLockdown *lockdown);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksLockdown, wgks_lockdown_free)

/* NULL + error if the file exists but cannot be read: callers fail closed. */
WgksLockdown *wgks_lockdown_load (gboolean *exists, GError **error);
/* On, or its file unreadable (fail closed): lockdown blocks at the next boot. */
gboolean      wgks_lockdown_is_on (void);
gboolean      wgks_lockdown_save (const WgksLockdown *lockdown, GError **error);
/* The blocking table for a lockdown (or, with NULL, for "state unknown"). */
void          wgks_lockdown_to_spec (const WgksLockdown *lockdown, WgksFirewallSpec *spec);

#endif
