/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-policy.h"

static void
plan_ended (const WgksPolicyInputs *in, WgksPolicyPlan *out)
{
	if (in->kill_switch == WGKS_KILL_SWITCH_OFF) {
		out->write_table = FALSE;
		out->after = WGKS_POLICY_AFTER_LIFT;
		return;
	}
	/* Lifted only when the user asked for it: a failure, a lost
	 * NetworkManager or a signal leaves no doubt to fail open on. */
	if (in->tunnel == WGKS_POLICY_TUNNEL_FAILED || !in->user_disconnect) {
		out->state = WGKS_FIREWALL_BLOCKED;
		out->after = WGKS_POLICY_AFTER_BLOCK;
		out->dns_guard = in->dns_leak_protection;
	} else if (in->kill_switch == WGKS_KILL_SWITCH_LOCKDOWN || in->lockdown) {
		out->state = WGKS_FIREWALL_BLOCKED;
		out->after = WGKS_POLICY_AFTER_LOCKDOWN;
		out->dns_guard = TRUE;
	} else {
		out->state = WGKS_FIREWALL_OFF;
		out->after = WGKS_POLICY_AFTER_LIFT;
	}
	out->lan_hole = out->state != WGKS_FIREWALL_OFF && in->allow_lan;
}

/* The tunnel is the link the service created: its index is taken once, when
 * the tunnel first comes up after connecting. A link of that name with
 * another index is someone else's (the name derives from the connection's
 * UUID, which every user can read): block. Without an uplink the tunnel
 * cannot carry anything: it is blocked too, so applications fail at once
 * instead of timing out. A stale tunnel still only carries encrypted
 * traffic: it stays open. */
static void
plan_up (const WgksPolicyInputs *in, WgksPolicyPlan *out)
{
	out->unroutable = in->n_endpoints > 0 && !in->endpoints_routable;
	out->record_lockdown = in->kill_switch == WGKS_KILL_SWITCH_LOCKDOWN;
	if (out->unroutable) {
		out->state = WGKS_FIREWALL_BLOCKED;
		return;
	}
	out->tunnel_ifindex = in->tunnel_ifindex ? in->tunnel_ifindex : in->tunnel_ifindex_now;
	if (in->tunnel_ifindex_now == 0 || in->tunnel_ifindex_now != out->tunnel_ifindex) {
		out->state = WGKS_FIREWALL_BLOCKED;
		out->link_replaced = TRUE;
		return;
	}
	out->state = WGKS_FIREWALL_CONNECTED;
	out->tunnel_hole = TRUE;
	out->forwarded_replies = in->forwarding;
}

void
wgks_policy_plan (const WgksPolicyInputs *in, WgksPolicyPlan *out)
{
	*out = (WgksPolicyPlan) {
		.write_table = TRUE,
		.state = WGKS_FIREWALL_OFF,
		.tunnel_ifindex = in->tunnel_ifindex,
		.after = WGKS_POLICY_AFTER_NONE,
	};
	switch (in->tunnel) {
	case WGKS_POLICY_TUNNEL_NONE:
	case WGKS_POLICY_TUNNEL_FAILED:
		plan_ended (in, out);
		return;
	case WGKS_POLICY_TUNNEL_CONNECTING:
		/* (Re)connecting creates the tunnel anew. */
		out->state = WGKS_FIREWALL_CONNECTING;
		out->tunnel_ifindex = 0;
		break;
	case WGKS_POLICY_TUNNEL_CONNECTED:
	case WGKS_POLICY_TUNNEL_LOST:
		plan_up (in, out);
		break;
	}
	if (in->kill_switch == WGKS_KILL_SWITCH_OFF) {
		*out = (WgksPolicyPlan) { .write_table = FALSE, .state = WGKS_FIREWALL_OFF, .after = WGKS_POLICY_AFTER_NONE };
		return;
	}
	out->resolver_hole = in->resolving;
	out->lan_hole = in->allow_lan;
	out->dns_guard = in->dns_leak_protection;
}

const char *
wgks_policy_after_to_string (WgksPolicyAfter after)
{
	switch (after) {
	case WGKS_POLICY_AFTER_NONE:
		return "none";
	case WGKS_POLICY_AFTER_LIFT:
		return "lift";
	case WGKS_POLICY_AFTER_BLOCK:
		return "block";
	case WGKS_POLICY_AFTER_LOCKDOWN:
		return "lockdown";
	}
	return "unknown";
}
