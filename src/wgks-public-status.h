/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's state for unprivileged readers (the desktop notifier,
 * scripts): $runstatedir/wireguard-killswitch-public/status, mode 0644 in a
 * 0755 directory, replaced atomically; absent when nothing is blocked or
 * connected. A GKeyFile:
 *   [status]
 *   state=connecting|connected|tunnel-lost|blocked
 *   reason=failed|lockdown|     (why it blocks; empty otherwise)
 *   connection=NAME             (empty for lockdown without a VPN)
 *   uuid=UUID
 *   kill-switch=off|on|lockdown
 * No keys, endpoints or addresses. */
#ifndef WGKS_PUBLIC_STATUS_H
#define WGKS_PUBLIC_STATUS_H

#include <glib.h>

#define WGKS_PUBLIC_STATUS_DIR   RUNSTATEDIR "/wireguard-killswitch-public"
#define WGKS_PUBLIC_STATUS_FILE  "status"
#define WGKS_PUBLIC_STATUS_GROUP "status"

/* The VPN failed or was lost (not the user's disconnect): the kill switch stays. */
#define WGKS_REASON_FAILED   "failed"
/* Lockdown blocks everything while no VPN is connected. */
#define WGKS_REASON_LOCKDOWN "lockdown"

/* WGKS_PUBLIC_DIR overrides the directory (tests). */
char *wgks_public_status_path (void);

#endif
