/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files the kill switch keeps between processes and across reboots:
 *   $localstatedir/lib/wireguard-killswitch/lockdown  (persistent, for the boot unit)
 *   $runstatedir/wireguard-killswitch/status          (runtime, for `wg-killswitch status`)
 * Both are root-only and replaced atomically (write, fsync, rename).
 * A copy of the status without anything sensitive is world-readable for
 * the desktop notifier (wgks-public-status.h). */
#ifndef WGKS_STATEFILE_H
#define WGKS_STATEFILE_H

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

char         *wgks_lockdown_path (void);
/* NULL + error if the file exists but cannot be read: callers fail closed. */
WgksLockdown *wgks_lockdown_load (gboolean *exists, GError **error);
gboolean      wgks_lockdown_save (const WgksLockdown *lockdown, GError **error);
/* The blocking table for a lockdown (or, with NULL, for "state unknown"). */
void          wgks_lockdown_to_spec (const WgksLockdown *lockdown, WgksFirewallSpec *spec);

#include "wgks-public-status.h"

typedef struct {
	char   *connection;
	char   *uuid;
	char   *state;
	char   *reason;          /* WGKS_REASON_*, or NULL */
	char   *ifname;
	char   *endpoints;
	gint64  last_handshake;  /* unix time, 0 = never */
	char   *kill_switch;
} WgksStatus;

void        wgks_status_free (WgksStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksStatus, wgks_status_free)
char       *wgks_status_path (void);
gboolean    wgks_status_save (const WgksStatus *status, GError **error);
WgksStatus *wgks_status_load (GError **error);
void        wgks_status_clear (void);

/* Lock file of the service that owns the kill switch (wgks-owner.h). */
char       *wgks_owner_path (void);

/* Snapshot of the table as last written, for tamper detection across processes. */
char       *wgks_snapshot_path (void);

gboolean    wgks_statefile_write (const char *path, const char *contents, GError **error);

/* The blocking table of lockdown without a VPN, installed by the CLI or the boot unit. */
void        wgks_status_save_lockdown (void);

#endif
