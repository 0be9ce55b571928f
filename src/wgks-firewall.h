/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's table in the kernel: applied in one atomic transaction,
 * read back and checked, listed and compared (tamper watch), removed. The
 * table has no "owner" flag: it outlives the service on purpose. */
#ifndef WGKS_FIREWALL_H
#define WGKS_FIREWALL_H

#include <glib.h>

#include "wgks-ruleset.h"


#define WGKS_FIREWALL_ERROR (wgks_firewall_error_quark ())
GQuark wgks_firewall_error_quark (void);

typedef enum {
	WGKS_FIREWALL_ERROR_APPLY,    /* the kernel refused the ruleset */
	WGKS_FIREWALL_ERROR_VERIFY,   /* read back, the table is not what we wrote */
	WGKS_FIREWALL_ERROR_INTERNAL,
} WgksFirewallError;

/* Runs the script in one libnftables transaction, then reads the table back
 * and checks it; on success *snapshot (if given) is the listing to compare
 * with later (tamper watch). */
gboolean wgks_firewall_apply (const WgksFirewallSpec *spec, char **snapshot, GError **error);

/* Runs a script that wgks_ruleset_render wrote earlier (kept in a file by
 * another process), then reads the table back and checks it is in STATE,
 * as wgks_firewall_apply does. */
gboolean wgks_firewall_apply_script (const char *script, WgksFirewallState state, char **snapshot,
                                     GError **error);

/* The current listing of our table, or NULL if there is none. */
char *wgks_firewall_list (GError **error);

/* Listings compared without counter values (tamper watch). */
char    *wgks_firewall_normalize (const char *listing);
gboolean wgks_firewall_listing_equal (const char *a, const char *b);

/* Deletes our table, and nothing else; absent is fine. */
gboolean wgks_firewall_remove (GError **error);

/* Packets rejected so far (counters "blocked_out" + "blocked_in"), -1 if no table. */
gint64 wgks_firewall_blocked_packets (void);

#endif
