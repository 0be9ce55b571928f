/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-watch.h"

/* An endpoint is due for re-resolution WGKS_RERESOLVE_AFTER_S after its
 * peer's last handshake, and the peer is dead WGKS_REJECT_AFTER_TIME_S after
 * it. A renewed handshake (every two minutes while packets flow) moves both;
 * nothing else needs the device's status in between. Once every peer is
 * dead, the tunnel is looked at as often as a name may be re-resolved. Each
 * moment plus a second: GLib may fire a seconds timeout a little early. */
guint
wgks_watch_delay_s (const gint64 *last, guint n, gint64 now_s, gboolean notified)
{
	static const gint64 due[] = { WGKS_RERESOLVE_AFTER_S, WGKS_REJECT_AFTER_TIME_S };
	gint64 next = G_MAXINT64;
	guint i, d;

	for (i = 0; i < n; i++) {
		if (last[i] <= 0)
			continue;
		for (d = 0; d < G_N_ELEMENTS (due); d++)
			if (last[i] + due[d] >= now_s)
				next = MIN (next, last[i] + due[d] + 1 - now_s);
	}
	if (next == G_MAXINT64)
		next = WGKS_RERESOLVE_MIN_GAP_S + 1;
	/* Without notifications, the table and the uplink need the old poll. */
	if (!notified)
		next = MIN (next, WGKS_WATCH_POLL_S);
	return (guint) CLAMP (next, 1, WGKS_REJECT_AFTER_TIME_S + 1);
}
