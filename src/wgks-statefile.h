/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files the kill switch keeps between processes and across reboots:
 *   $localstatedir/lib/wireguard-killswitch/lockdown  (persistent, for the boot unit)
 *   $runstatedir/wireguard-killswitch/status          (runtime, for `wg-killswitch status`)
 *   $runstatedir/wireguard-killswitch/blocked         (runtime, for the guardian)
 * These are root-only and replaced atomically (write, fsync, rename).
 * A copy of the status without anything sensitive is world-readable for
 * the desktop notifier (wgks-public-status.h). */
#ifndef WGKS_STATEFILE_H
#define WGKS_STATEFILE_H

#include "wgks-firewall.h"

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
/* $localstatedir/lib/wireguard-killswitch/lockdown (wgks-lockdown.h) */
char       *wgks_lockdown_path (void);
gboolean    wgks_status_save (const WgksStatus *status, GError **error);
WgksStatus *wgks_status_load (GError **error);
void        wgks_status_clear (void);

/* The files in $runstatedir/wireguard-killswitch, by their names for wgks_run_path:
 *   status   the status above, for `wg-killswitch status`
 *   owner    lock file of the service that owns the kill switch (wgks-owner.h)
 *   table    snapshot of the table as last written, for tamper detection
 *            across processes
 *   blocked  the nft script of the blocking table that the guardian
 *            (wg-killswitch guard) restores when no service owns the kill
 *            switch. The service writes it before every blocking table it
 *            installs and removes it before it lifts the table; no file:
 *            nothing to guard (unless lockdown is on). */
#define WGKS_RUN_STATUS   "status"
#define WGKS_RUN_OWNER    "owner"
#define WGKS_RUN_SNAPSHOT "table"
#define WGKS_RUN_BLOCKED  "blocked"
char       *wgks_run_path (const char *name);

void        wgks_blocked_clear (void);

/* Serializes the guardian with the commands that lift or replace the table
 * (release, lockdown). Returns a descriptor for wgks_statefile_unlock, or -1
 * when the lock could not be had within a few seconds (go on without). */
int         wgks_statefile_lock (void);
void        wgks_statefile_unlock (int fd);

gboolean    wgks_statefile_write (const char *path, const char *contents, GError **error);

/* The blocking table of lockdown without a VPN, installed by the CLI or the boot unit. */
void        wgks_status_save_lockdown (void);

#endif
