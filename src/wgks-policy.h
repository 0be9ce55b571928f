/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's decisions as a pure function: from the profile, the
 * tunnel's state and what the system looks like now, which table to have
 * (state and holes) and what happens to it after a disconnect. No I/O:
 * wgks-killswitch.c gathers the inputs, renders, applies and records. */
#ifndef WGKS_POLICY_H
#define WGKS_POLICY_H

#include <glib.h>

#include "wgks-config.h"
#include "wgks-ruleset.h"

typedef enum {
	WGKS_POLICY_TUNNEL_NONE,       /* disconnected; by the user only if user_disconnect */
	WGKS_POLICY_TUNNEL_CONNECTING, /* resolving, creating the device, waiting for a handshake */
	WGKS_POLICY_TUNNEL_CONNECTED,
	WGKS_POLICY_TUNNEL_LOST,       /* connected before, no fresh handshake */
	WGKS_POLICY_TUNNEL_FAILED,     /* ended without the user: failure, timeout, NetworkManager gone, signal */
} WgksPolicyTunnel;

typedef enum {
	WGKS_POLICY_AFTER_NONE,     /* the tunnel has not ended */
	WGKS_POLICY_AFTER_LIFT,     /* the user disconnected: the table goes, the connection is forgotten */
	WGKS_POLICY_AFTER_BLOCK,    /* ended otherwise: this connection's blocking table stays */
	WGKS_POLICY_AFTER_LOCKDOWN, /* lockdown: the blocking table lockdown recorded stays */
} WgksPolicyAfter;

typedef struct {
	WgksKillSwitch   kill_switch;
	gboolean         allow_lan;
	gboolean         dns_leak_protection;
	WgksPolicyTunnel tunnel;
	gboolean         user_disconnect;    /* the user deactivated the VPN */
	guint            n_endpoints;        /* resolved endpoints */
	gboolean         resolving;          /* the service looks endpoint names up through the uplink's DNS */
	gboolean         endpoints_routable; /* some endpoint has a route outside the tunnel with a carrier */
	guint32          tunnel_ifindex;     /* the tunnel as taken when it first came up; 0 = not yet */
	guint32          tunnel_ifindex_now; /* what the tunnel's name resolves to now; 0 = no such link */
	gboolean         lockdown;           /* the lockdown record says on, or cannot be read */
	gboolean         forwarding;         /* the system forwards packets */
} WgksPolicyInputs;

typedef struct {
	gboolean          write_table;       /* FALSE: kill switch off, no table of ours is written or removed */
	WgksFirewallState state;
	gboolean          resolver_hole;     /* the service's marked lookups to the uplink's DNS servers */
	gboolean          tunnel_hole;       /* the tunnel interface (by index) */
	gboolean          lan_hole;          /* the local networks; after AFTER_LOCKDOWN, as lockdown recorded */
	gboolean          forwarded_replies; /* replies from the tunnel to forwarded connections */
	gboolean          dns_guard;         /* DNS only to the tunnel's servers */
	guint32           tunnel_ifindex;    /* the tunnel's index to keep (0 = not taken) */
	gboolean          link_replaced;     /* the tunnel's name is gone or names another link */
	gboolean          unroutable;        /* no endpoint is reachable outside the tunnel */
	gboolean          record_lockdown;   /* lockdown on a live tunnel: record its blocking table */
	WgksPolicyAfter   after;
} WgksPolicyPlan;

void wgks_policy_plan (const WgksPolicyInputs *in, WgksPolicyPlan *out);

const char *wgks_policy_after_to_string (WgksPolicyAfter after);

#endif
