/* SPDX-License-Identifier: GPL-2.0-or-later */
/* When the service looks at the tunnel's handshakes again: at the moments a
 * handshake can go stale, not on a fixed poll. */
#ifndef WGKS_WATCH_H
#define WGKS_WATCH_H

#include <glib.h>

#define WGKS_REJECT_AFTER_TIME_S  180   /* WireGuard: a session is dead after this */
/* Not wg-quick's 135 s: a healthy tunnel under traffic renews its handshake
 * only 120 s plus up to a keepalive interval after the last one, so an
 * earlier moment re-resolves (a DNS window, two table writes) for nothing
 * in most rekey cycles. Only a dead session says the endpoint may have moved. */
#define WGKS_RERESOLVE_AFTER_S    WGKS_REJECT_AFTER_TIME_S
#define WGKS_RERESOLVE_MIN_GAP_S  30    /* also how often a lost tunnel is looked at */
#define WGKS_WATCH_POLL_S         5     /* only without notifications, or while the device does not answer */

/* Seconds until the next check. LAST: the last handshake of each endpoint's
 * peer (wall clock, seconds; 0 = never), N of them; NOW_S: the wall clock.
 * NOTIFIED: the table and the uplink are watched by notifications. */
guint wgks_watch_delay_s (const gint64 *last, guint n, gint64 now_s, gboolean notified);

#endif
