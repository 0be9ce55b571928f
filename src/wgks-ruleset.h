/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's nftables table as text: one table of our own, computed
 * from the state by a pure function (no libnftables), which replaces the
 * table whole in one atomic transaction. */
#ifndef WGKS_RULESET_H
#define WGKS_RULESET_H

#include <glib.h>

#include "wgks-ip.h"

#define WGKS_FIREWALL_TABLE  "wireguard_killswitch"
#define WGKS_FIREWALL_FAMILY "inet"

/* How long the uplink's DNS servers stay in the table after it was written:
 * longer than one endpoint lookup may take (WGKS_RESOLVE_TIMEOUT_S). */
#define WGKS_FIREWALL_RESOLVER_TIMEOUT_S 20u

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

const char *wgks_ruleset_state_to_string (WgksFirewallState state);

/* Pure: the nft script that replaces the table atomically (or deletes it). */
char *wgks_ruleset_render (const WgksFirewallSpec *spec);

#endif
