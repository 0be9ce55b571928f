/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-killswitch.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include "wgks-firewall.h"
#include "wgks-lockdown.h"
#include "wgks-log.h"
#include "wgks-policy.h"
#include "wgks-rtnl.h"
#include "wgks-rules.h"
#include "wgks-statefile.h"

/* What survives the connection's config being freed at disconnect. */
struct _WgksKillswitch {
	WgksKillSwitch mode;
	char          *connection;
	char          *uuid;
	guint32        fwmark;
	gboolean       allow_lan;
	gboolean       dns_leak_protection;
	GArray        *endpoints;        /* WgksFirewallEndpoint */
	GPtrArray     *tunnel_dns;       /* char* */
	GPtrArray     *tunnel_addresses; /* char*, without prefix length */
	GPtrArray     *protected;        /* WgksPrefix*, NULL = full tunnel */
	GPtrArray     *resolvers;        /* char*: while the service resolves names, else NULL */
	guint32        rule_table;       /* policy rules installed for this table, 0 = none */
	char          *ifname;
	guint          ifindex;          /* the tunnel as the service created it, 0 = not yet */
	GPtrArray     *uplink_subnets4;  /* char*, as last written into the table */
	char          *snapshot;         /* table as last written */
	WgksFirewallSpec spec;           /* as last applied */
	gint64         last_handshake;
	const char    *state;
	WgksPolicyTunnel tunnel;
	gboolean       user_disconnect;
	gboolean       lockdown;         /* at a user's disconnect: the lockdown record says on */
	gboolean       routable;         /* some endpoint has a route outside the tunnel, as last looked up */
	gboolean       unroutable;       /* the last plan blocked the tunnel for want of an uplink */
};

static void
forget_connection (WgksKillswitch *ks)
{
	g_clear_pointer (&ks->connection, g_free);
	g_clear_pointer (&ks->uuid, g_free);
	g_clear_pointer (&ks->endpoints, g_array_unref);
	g_clear_pointer (&ks->tunnel_dns, g_ptr_array_unref);
	g_clear_pointer (&ks->tunnel_addresses, g_ptr_array_unref);
	g_clear_pointer (&ks->protected, g_ptr_array_unref);
	g_clear_pointer (&ks->ifname, g_free);
	ks->ifindex = 0;
	g_clear_pointer (&ks->resolvers, g_ptr_array_unref);
	ks->spec.resolvers = NULL;
	ks->last_handshake = 0;
}

WgksKillswitch *
wgks_killswitch_new (void)
{
	return g_new0 (WgksKillswitch, 1);
}

void
wgks_killswitch_free (WgksKillswitch *ks)
{
	if (!ks)
		return;
	forget_connection (ks);
	g_clear_pointer (&ks->uplink_subnets4, g_ptr_array_unref);
	g_free (ks->snapshot);
	g_free (ks);
}

static void
remember_config (WgksKillswitch *ks, const WgksConfig *config, const char *ifname)
{
	g_autoptr (GPtrArray) resolvers = g_steal_pointer (&ks->resolvers);
	guint i, j;

	forget_connection (ks);
	/* The service opens its window for the endpoint lookups before the
	 * connection's first table, which then has it from the start. */
	ks->resolvers = g_steal_pointer (&resolvers);
	ks->mode = config->kill_switch;
	ks->fwmark = wgks_config_effective_fwmark (config);
	ks->allow_lan = config->allow_lan;
	ks->dns_leak_protection = config->dns_leak_protection;
	ks->ifname = g_strdup (ifname);
	ks->tunnel_dns = g_ptr_array_new_with_free_func (g_free);
	for (i = 0; i < config->dns_servers->len; i++)
		g_ptr_array_add (ks->tunnel_dns, g_strdup (config->dns_servers->pdata[i]));
	ks->tunnel_addresses = g_ptr_array_new_with_free_func (g_free);
	for (i = 0; i < config->addresses->len; i++) {
		const WgksPrefix *p = config->addresses->pdata[i];
		char buf[INET6_ADDRSTRLEN];

		if (inet_ntop (p->family, p->addr, buf, sizeof buf))
			g_ptr_array_add (ks->tunnel_addresses, g_strdup (buf));
	}
	if (!wgks_config_is_any_full_tunnel (config)) {
		ks->protected = g_ptr_array_new_with_free_func (g_free);
		for (i = 0; i < config->peers->len; i++) {
			const WgksPeer *peer = config->peers->pdata[i];

			for (j = 0; j < peer->allowed_ips->len; j++)
				g_ptr_array_add (ks->protected, wgks_prefix_dup (peer->allowed_ips->pdata[j]));
		}
	}
}

static void
remember_endpoints (WgksKillswitch *ks, const WgksStateChange *change)
{
	guint i;

	if (!ks->endpoints)
		ks->endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	g_array_set_size (ks->endpoints, 0);
	for (i = 0; i < change->n_endpoints; i++) {
		const WgksSockaddr *sa = &change->endpoints[i].address;
		WgksFirewallEndpoint ep = { .family = sa->sa.sa_family };

		if (ep.family == AF_INET) {
			memcpy (ep.addr, &sa->in4.sin_addr, 4);
			ep.port = ntohs (sa->in4.sin_port);
		} else {
			memcpy (ep.addr, &sa->in6.sin6_addr, 16);
			ep.port = ntohs (sa->in6.sin6_port);
		}
		g_array_append_val (ks->endpoints, ep);
	}
}

static void
save_status_why (WgksKillswitch *ks, const char *state, const char *reason)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) eps = g_string_new (NULL);
	WgksStatus status = {
		.connection = ks->connection,
		.uuid = ks->uuid,
		.state = (char *) state,
		.reason = (char *) reason,
		.ifname = ks->ifname,
		.last_handshake = ks->last_handshake,
		.kill_switch = (char *) wgks_kill_switch_to_string (ks->mode),
	};
	guint i;

	for (i = 0; ks->endpoints && i < ks->endpoints->len; i++) {
		const WgksFirewallEndpoint *ep = &g_array_index (ks->endpoints, WgksFirewallEndpoint, i);
		char buf[INET6_ADDRSTRLEN];
		g_autofree char *s = NULL;

		inet_ntop (ep->family, ep->addr, buf, sizeof buf);
		s = wgks_endpoint_to_string (buf, ep->port);
		g_string_append_printf (eps, "%s%s", i ? " " : "", s);
	}
	status.endpoints = eps->str;
	ks->state = state;
	if (!wgks_status_save (&status, &error))
		wgks_log_warn ("cannot write the status file: %s", error->message);
}

static void
save_status (WgksKillswitch *ks, const char *state)
{
	save_status_why (ks, state, NULL);
}

/* What the guardian restores if this process dies without lifting the
 * table: the blocked state of this connection, never its resolver hole or
 * its tunnel. Written before the table it stands in for, so that no table
 * of ours is ever in the kernel without it. */
static void
save_guard_script (const WgksFirewallSpec *spec)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *path = wgks_run_path (WGKS_RUN_BLOCKED);
	g_autofree char *script = NULL;
	WgksFirewallSpec block = *spec;

	block.state = WGKS_FIREWALL_BLOCKED;
	block.resolvers = NULL;
	script = wgks_ruleset_render (&block);
	if (!wgks_statefile_write (path, script, &error))
		wgks_log_warn ("cannot record the blocking table for the guardian: %s", error->message);
}

static gboolean
forwarding_enabled (void)
{
	static const char *const knobs[] = { "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding" };
	guint i;

	for (i = 0; i < G_N_ELEMENTS (knobs); i++) {
		g_autofree char *v = NULL;

		if (g_file_get_contents (knobs[i], &v, NULL, NULL) && g_strstrip (v)[0] != '0')
			return TRUE;
	}
	return FALSE;
}

static guint
tunnel_ifindex_now (WgksKillswitch *ks)
{
	return ks->ifname ? if_nametoindex (ks->ifname) : 0;
}

/* The tunnel's own subnet is no uplink's. */
static guint
tunnel_skip (WgksKillswitch *ks)
{
	return ks->ifindex ? ks->ifindex : tunnel_ifindex_now (ks);
}

static gboolean
environment_changed (WgksKillswitch *ks)
{
	g_autoptr (GPtrArray) subnets = wgks_rtnl_ipv4_subnets ((int) tunnel_skip (ks));
	guint i;

	if (ks->spec.state == WGKS_FIREWALL_CONNECTED && tunnel_ifindex_now (ks) != ks->spec.tunnel_ifindex)
		return TRUE;
	if (forwarding_enabled () != ks->spec.forwarding || !ks->uplink_subnets4 || subnets->len != ks->uplink_subnets4->len)
		return TRUE;
	for (i = 0; i < subnets->len; i++)
		if (strcmp (subnets->pdata[i], ks->uplink_subnets4->pdata[i]) != 0)
			return TRUE;
	return FALSE;
}

static gboolean
tunnel_up (WgksKillswitch *ks)
{
	return ks->tunnel == WGKS_POLICY_TUNNEL_CONNECTED || ks->tunnel == WGKS_POLICY_TUNNEL_LOST;
}

static void
gather (WgksKillswitch *ks, WgksPolicyInputs *in)
{
	*in = (WgksPolicyInputs) {
		.kill_switch = ks->mode,
		.allow_lan = ks->allow_lan,
		.dns_leak_protection = ks->dns_leak_protection,
		.tunnel = ks->tunnel,
		.user_disconnect = ks->user_disconnect,
		.n_endpoints = ks->endpoints ? ks->endpoints->len : 0,
		.resolving = ks->resolvers != NULL,
		.endpoints_routable = ks->routable,
		.tunnel_ifindex = ks->ifindex,
		.tunnel_ifindex_now = tunnel_ifindex_now (ks),
		.lockdown = ks->lockdown,
		.forwarding = forwarding_enabled (),
	};
}

static gboolean
install (WgksKillswitch *ks, const WgksPolicyInputs *in, const WgksPolicyPlan *plan, GError **error)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_SNAPSHOT);
	g_autoptr (GError) local = NULL;

	ks->ifindex = plan->tunnel_ifindex;
	if (plan->link_replaced)
		wgks_log_warn ("kill switch: the tunnel interface %s was removed or replaced; blocking", ks->ifname);
	if (ks->uplink_subnets4)
		g_ptr_array_unref (ks->uplink_subnets4);
	ks->uplink_subnets4 = wgks_rtnl_ipv4_subnets ((int) tunnel_skip (ks));
	ks->spec = (WgksFirewallSpec) {
		.state = plan->state,
		.tunnel_ifindex = plan->tunnel_hole ? plan->tunnel_ifindex : 0,
		.uplink_subnets4 = ks->uplink_subnets4,
		/* As the system is, not as the plan uses it: compared later. */
		.forwarding = in->forwarding,
		.fwmark = ks->fwmark,
		.endpoints = ks->endpoints,
		.tunnel_dns = ks->tunnel_dns,
		.tunnel_addresses = ks->tunnel_addresses,
		.resolvers = plan->resolver_hole ? ks->resolvers : NULL,
		.protected_prefixes = ks->protected,
		.allow_lan = plan->lan_hole,
		.dns_leak_protection = plan->dns_guard,
	};
	g_clear_pointer (&ks->snapshot, g_free);
	if (plan->state == WGKS_FIREWALL_OFF)
		wgks_blocked_clear ();
	else
		save_guard_script (&ks->spec);
	if (!wgks_firewall_apply (&ks->spec, &ks->snapshot, error)) {
		/* Fail closed: whatever went wrong, try the plain blocking table. */
		WgksFirewallSpec block = ks->spec;

		block.state = WGKS_FIREWALL_BLOCKED;
		block.resolvers = NULL;
		save_guard_script (&block);
		if (!wgks_firewall_apply (&block, &ks->snapshot, &local))
			wgks_log_err ("kill switch: even the blocking table failed: %s", local->message);
		return FALSE;
	}
	if (plan->state != WGKS_FIREWALL_OFF && !wgks_statefile_write (path, ks->snapshot, &local))
		wgks_log_warn ("cannot record the table for the tamper check: %s", local->message);
	wgks_log_info ("kill switch: %s", wgks_ruleset_state_to_string (plan->state));
	return TRUE;
}

static void
update_rules (WgksKillswitch *ks, const WgksConfig *config, gboolean add)
{
	g_autoptr (GError) error = NULL;
	static const int families[] = { AF_INET, AF_INET6 };
	guint i;

	if (add && ks->rule_table == 0 && config && config->route_table && config->table == WGKS_TABLE_AUTO
	    && wgks_config_is_any_full_tunnel (config)) {
		for (i = 0; i < G_N_ELEMENTS (families); i++)
			if (!wgks_rules_add (families[i], ks->fwmark, config->route_table, &error)) {
				wgks_log_warn ("cannot add the tunnel's routing rules: %s", error->message);
				g_clear_error (&error);
			}
		ks->rule_table = config->route_table;
	} else if (!add && ks->rule_table) {
		for (i = 0; i < G_N_ELEMENTS (families); i++)
			if (!wgks_rules_remove (families[i], ks->fwmark, ks->rule_table, &error)) {
				wgks_log_warn ("cannot remove the tunnel's routing rules: %s", error->message);
				g_clear_error (&error);
			}
		ks->rule_table = 0;
	}
}

static void
save_lockdown (WgksKillswitch *ks, gboolean enabled)
{
	g_autoptr (GError) error = NULL;
	WgksLockdown l = {
		.enabled = enabled,
		.connection = ks->connection,
		.fwmark = ks->fwmark,
		.endpoints = ks->endpoints,
		.allow_lan = ks->allow_lan,
	};

	if (!wgks_lockdown_save (&l, &error))
		wgks_log_err ("cannot save the lockdown state: %s", error->message);
}

static gboolean
keep_lockdown (WgksKillswitch *ks, GError **error)
{
	g_autoptr (WgksLockdown) lockdown = NULL;
	WgksFirewallSpec spec;
	gboolean exists = FALSE;
	gboolean ok;

	lockdown = wgks_lockdown_load (&exists, NULL);
	wgks_lockdown_to_spec (lockdown && lockdown->endpoints->len ? lockdown : NULL, &spec);
	if (!lockdown || !lockdown->endpoints->len) {
		spec.endpoints = ks->endpoints;
		spec.fwmark = ks->fwmark;
	}
	g_clear_pointer (&ks->snapshot, g_free);
	save_guard_script (&spec);
	ok = wgks_firewall_apply (&spec, &ks->snapshot, error);
	wgks_log_info ("kill switch: lockdown keeps blocking after disconnect");
	save_status_why (ks, "blocked", WGKS_REASON_LOCKDOWN);
	return ok;
}

/* Carries out a plan for a tunnel that has ended. */
static gboolean
enact_end (WgksKillswitch *ks, const WgksPolicyInputs *in, const WgksPolicyPlan *plan, GError **error)
{
	gboolean ok = TRUE;

	switch (plan->after) {
	case WGKS_POLICY_AFTER_BLOCK:
		ok = install (ks, in, plan, error);
		save_status_why (ks, "blocked", WGKS_REASON_FAILED);
		return ok;
	case WGKS_POLICY_AFTER_LOCKDOWN:
		return keep_lockdown (ks, error);
	case WGKS_POLICY_AFTER_LIFT:
	case WGKS_POLICY_AFTER_NONE:
	default:
		break;
	}
	if (plan->write_table)
		ok = install (ks, in, plan, error);
	wgks_status_clear ();
	forget_connection (ks);
	return ok;
}

static gboolean
disconnected (WgksKillswitch *ks, const WgksStateChange *change, GError **error)
{
	WgksPolicyInputs in;
	WgksPolicyPlan plan;

	update_rules (ks, NULL, FALSE);
	g_clear_pointer (&ks->resolvers, g_ptr_array_unref);
	ks->tunnel = change->user_disconnect ? WGKS_POLICY_TUNNEL_NONE : WGKS_POLICY_TUNNEL_FAILED;
	ks->user_disconnect = change->user_disconnect;
	ks->lockdown = FALSE;
	if (ks->mode != WGKS_KILL_SWITCH_OFF && change->user_disconnect)
		ks->lockdown = wgks_lockdown_is_on ();
	gather (ks, &in);
	wgks_policy_plan (&in, &plan);
	return enact_end (ks, &in, &plan, error);
}

/* Plans again from what is now and installs the result. */
static gboolean
replan (WgksKillswitch *ks, GError **error)
{
	WgksPolicyInputs in;
	WgksPolicyPlan plan;

	gather (ks, &in);
	wgks_policy_plan (&in, &plan);
	if (plan.after != WGKS_POLICY_AFTER_NONE)
		return enact_end (ks, &in, &plan, error);
	return !plan.write_table || install (ks, &in, &plan, error);
}

/* An endpoint is routable when a packet with the tunnel's mark would leave
 * through some interface other than the tunnel that has a carrier: the
 * uplink is there. (Routes through a link without carrier stay in the
 * table, "linkdown", while NetworkManager keeps a persistent VPN.) */
static gboolean
endpoints_routable (WgksKillswitch *ks)
{
	int tunnel = (int) tunnel_skip (ks);
	guint i;

	for (i = 0; ks->endpoints && i < ks->endpoints->len; i++) {
		const WgksFirewallEndpoint *ep = &g_array_index (ks->endpoints, WgksFirewallEndpoint, i);
		int oif;

		if (wgks_rtnl_route_oif (ep->family, ep->addr, ks->fwmark, &oif) && oif != tunnel
		    && wgks_rtnl_link_has_carrier (oif))
			return TRUE;
	}
	return FALSE;
}

gboolean
wgks_killswitch_check_uplink (WgksKillswitch *ks)
{
	g_autoptr (GError) error = NULL;
	WgksPolicyInputs in;
	WgksPolicyPlan plan;

	if (ks->mode == WGKS_KILL_SWITCH_OFF || !tunnel_up (ks))
		return FALSE;
	ks->routable = endpoints_routable (ks);
	gather (ks, &in);
	wgks_policy_plan (&in, &plan);
	if (plan.unroutable == ks->unroutable) {
		/* The uplinks' subnets (unicast DHCP), forwarding or the tunnel link
		 * changed: the same state, written again. */
		if (!ks->snapshot || !environment_changed (ks))
			return FALSE;
		if (!install (ks, &in, &plan, &error))
			wgks_log_err ("kill switch: %s", error->message);
		return TRUE;
	}
	ks->unroutable = plan.unroutable;
	wgks_log_info ("kill switch: endpoints %s", plan.unroutable ? "unroutable, blocking the tunnel too"
	                                                            : "routable again, tunnel open");
	if (!install (ks, &in, &plan, &error))
		wgks_log_err ("kill switch: %s", error->message);
	return TRUE;
}

gboolean
wgks_killswitch_uplink_ok (WgksKillswitch *ks)
{
	return !ks->unroutable;
}

static WgksPolicyTunnel
policy_tunnel (WgksServiceState state)
{
	switch (state) {
	case WGKS_SERVICE_STATE_CONNECTING:
		return WGKS_POLICY_TUNNEL_CONNECTING;
	case WGKS_SERVICE_STATE_CONNECTED:
		return WGKS_POLICY_TUNNEL_CONNECTED;
	case WGKS_SERVICE_STATE_TUNNEL_LOST:
		return WGKS_POLICY_TUNNEL_LOST;
	case WGKS_SERVICE_STATE_DISCONNECTED:
	default:
		return WGKS_POLICY_TUNNEL_NONE;
	}
}

gboolean
wgks_killswitch_update (WgksKillswitch *ks, const WgksStateChange *change, GError **error)
{
	WgksPolicyInputs in;
	WgksPolicyPlan plan;

	if (change->new_state == WGKS_SERVICE_STATE_DISCONNECTED)
		return change->old_state == WGKS_SERVICE_STATE_DISCONNECTED ? TRUE : disconnected (ks, change, error);

	if (change->old_state == WGKS_SERVICE_STATE_DISCONNECTED) {
		remember_config (ks, change->config, change->ifname);
		ks->connection = g_strdup (change->connection_id);
		ks->uuid = g_strdup (change->connection_uuid);
	}
	remember_endpoints (ks, change);
	ks->tunnel = policy_tunnel (change->new_state);
	ks->user_disconnect = FALSE;
	ks->lockdown = FALSE;
	if (tunnel_up (ks) && ks->mode != WGKS_KILL_SWITCH_OFF)
		ks->routable = endpoints_routable (ks);
	gather (ks, &in);
	wgks_policy_plan (&in, &plan);
	if (plan.write_table) {
		if (tunnel_up (ks))
			ks->unroutable = plan.unroutable;
		if (!install (ks, &in, &plan, error))
			return FALSE;
		if (plan.record_lockdown)
			save_lockdown (ks, TRUE);
	}
	update_rules (ks, change->config, TRUE);
	save_status (ks, wgks_service_state_to_string (change->new_state));
	return TRUE;
}

gboolean
wgks_killswitch_check_tamper (WgksKillswitch *ks)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *listing = NULL;

	if (!ks->snapshot || ks->spec.state == WGKS_FIREWALL_OFF)
		return FALSE;
	listing = wgks_firewall_list (&error);
	if (listing && wgks_firewall_listing_equal (listing, ks->snapshot))
		return FALSE;
	wgks_log_warn ("kill switch: table %s was %s by another program; restoring it", WGKS_FIREWALL_TABLE,
	               listing ? "changed" : "deleted");
	if (!replan (ks, &error))
		wgks_log_err ("kill switch: cannot restore the table: %s", error->message);
	return TRUE;
}

void
wgks_killswitch_note_handshake (WgksKillswitch *ks, gint64 unix_time)
{
	if (unix_time <= ks->last_handshake + 60)
		return;
	ks->last_handshake = unix_time;
	if (ks->state)
		save_status (ks, ks->state);
}

/* Only remembered: the next table written has them, or not. */
void
wgks_killswitch_note_resolvers (WgksKillswitch *ks, GPtrArray *servers)
{
	g_clear_pointer (&ks->resolvers, g_ptr_array_unref);
	if (servers && servers->len)
		ks->resolvers = g_ptr_array_ref (servers);
}

gboolean
wgks_killswitch_set_resolvers (WgksKillswitch *ks, GPtrArray *servers, GError **error)
{
	wgks_killswitch_note_resolvers (ks, servers);
	if (ks->mode == WGKS_KILL_SWITCH_OFF || !ks->snapshot || ks->spec.state == WGKS_FIREWALL_OFF)
		return TRUE;
	return replan (ks, error);
}
