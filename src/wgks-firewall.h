/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch: one nftables table of our own, computed from the state by
 * a pure function and always replaced whole in one atomic transaction. The
 * table has no "owner" flag: it outlives the service on purpose. */
#ifndef WGKS_FIREWALL_H
#define WGKS_FIREWALL_H

#include <glib.h>

#include "wgks-ip.h"

#define WGKS_FIREWALL_TABLE  "wireguard_killswitch"
#define WGKS_FIREWALL_FAMILY "inet"

/* How long the uplink's DNS servers stay in the table after it was written:
 * longer than one endpoint lookup may take (WGKS_RESOLVE_TIMEOUT_S). */
#define WGKS_FIREWALL_RESOLVER_TIMEOUT_S 20u

#define WGKS_FIREWALL_ERROR (wgks_firewall_error_quark ())
GQuark wgks_firewall_error_quark (void);

typedef enum {
	WGKS_FIREWALL_ERROR_APPLY,    /* the kernel refused the ruleset */
	WGKS_FIREWALL_ERROR_VERIFY,   /* read back, the table is not what we wrote */
	WGKS_FIREWALL_ERROR_INTERNAL,
} WgksFirewallError;

typedef enum {
	WGKS_FIREWALL_OFF,        /* no table */
	WGKS_FIREWALL_CONNECTING, /* only DHCP/ND and the endpoints (marked) */
	WGKS_FIREWALL_CONNECTED,  /* the same plus the tunnel interface */
	WGKS_FIREWALL_BLOCKED,    /* tunnel gone, kill switch on: as connecting */
} WgksFirewallState;

typedef struct {
	int     family;
	guint8  addr[16];
	guint16 port;
} WgksFirewallEndpoint;

typedef struct {
	WgksFirewallState state;
	guint32     tunnel_ifindex;      /* CONNECTED only: the tunnel is matched by index, never by
	                                  * name, so a link re-created with its name gets nothing */
	guint32     fwmark;              /* marks the tunnel's encrypted packets */
	GArray     *endpoints;           /* WgksFirewallEndpoint */
	GPtrArray  *tunnel_dns;          /* char*: DNS servers reached through the tunnel */
	GPtrArray  *tunnel_addresses;    /* char*: the tunnel's own addresses, never the source of
	                                  * encrypted packets on the uplink; may be NULL */
	GPtrArray  *resolvers;           /* char*: the uplink's DNS servers, while the service resolves
	                                  * endpoint names (its marked queries only); may be NULL */
	GPtrArray  *protected_prefixes;  /* WgksPrefix*: split tunnel; NULL = everything */
	GPtrArray  *uplink_subnets4;     /* char*: IPv4 prefixes on the uplinks (unicast DHCP); may be NULL */
	gboolean    forwarding;          /* the system forwards: replies from the tunnel to forwarded
	                                  * connections pass (CONNECTED only) */
	gboolean    allow_lan;
	gboolean    dns_leak_protection;
} WgksFirewallSpec;

const char *wgks_firewall_state_to_string (WgksFirewallState state);

/* Pure: the nft script that replaces the table atomically (or deletes it). */
char *wgks_firewall_render (const WgksFirewallSpec *spec);

/* Runs the script in one libnftables transaction, then reads the table back
 * and checks it; on success *snapshot (if given) is the listing to compare
 * with later (tamper watch). */
gboolean wgks_firewall_apply (const WgksFirewallSpec *spec, char **snapshot, GError **error);

/* Runs a script that wgks_firewall_render wrote earlier (kept in a file by
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

/* Runs an nft script; used by tests and the wg-killswitch tool. */
gboolean wgks_firewall_run (const char *script, gboolean dry_run, char **output, GError **error);
/* Frees the libnftables context kept between commands (freeing it waits
 * for the kernel, ~10 ms: not between the writes of one state change) and
 * returns the allocator's free memory to the system. */
void wgks_firewall_release_memory (void);

#endif
