/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two policy routing rules of a full tunnel, per address family:
 *   30999: lookup main suppress_prefixlength 0   (more specific routes of the uplink)
 *   31000: not fwmark MARK lookup TABLE           (everything else: the tunnel's table)
 * NetworkManager puts the tunnel's routes into TABLE (ipv4/ipv6.route-table)
 * but does not add rules for VPN connections. The tunnel's own packets carry
 * MARK and so always take the current uplink's default route, also after
 * roaming. */
#ifndef WGKS_RULES_H
#define WGKS_RULES_H

#include <glib.h>

#define WGKS_RULE_PRIORITY 31000u

gboolean wgks_rules_add    (int family, guint32 fwmark, guint32 table, GError **error);
/* Removes exactly these two rules; absent ones are fine. */
gboolean wgks_rules_remove (int family, guint32 fwmark, guint32 table, GError **error);

#endif
