/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's decisions (wgks_policy_plan), without root or kernel:
 * a table of inputs and the state, holes and end they must give, then
 * every combination of the inputs against the rules that keep the kill
 * switch closed. */
#include "config.h"

#include "wgks-policy.h"

enum { OFF_ = WGKS_KILL_SWITCH_OFF, ON_ = WGKS_KILL_SWITCH_ON, LOCK_ = WGKS_KILL_SWITCH_LOCKDOWN };
enum {
	T_NONE = WGKS_POLICY_TUNNEL_NONE,
	T_CONNECTING = WGKS_POLICY_TUNNEL_CONNECTING,
	T_CONNECTED = WGKS_POLICY_TUNNEL_CONNECTED,
	T_LOST = WGKS_POLICY_TUNNEL_LOST,
	T_FAILED = WGKS_POLICY_TUNNEL_FAILED,
};
enum { S_OFF = WGKS_FIREWALL_OFF, S_CONNECTING = WGKS_FIREWALL_CONNECTING,
       S_CONNECTED = WGKS_FIREWALL_CONNECTED, S_BLOCKED = WGKS_FIREWALL_BLOCKED };
enum { A_NONE = WGKS_POLICY_AFTER_NONE, A_LIFT = WGKS_POLICY_AFTER_LIFT,
       A_BLOCK = WGKS_POLICY_AFTER_BLOCK, A_LOCKDOWN = WGKS_POLICY_AFTER_LOCKDOWN };

/* Flags of a row's inputs. */
#define USER      (1u << 0) /* the user disconnected */
#define RESOLVING (1u << 1) /* a lookup of endpoint names runs */
#define UNROUTED  (1u << 2) /* no endpoint is routable outside the tunnel */
#define LOCKDOWN  (1u << 3) /* the lockdown record says on */
#define LAN       (1u << 4) /* allow-lan */
#define NODNS     (1u << 5) /* dns-leak-protection off */
#define FWD       (1u << 6) /* the system forwards */
#define NOEPS     (1u << 7) /* no endpoint resolved */

/* Flags of a row's expected plan. */
#define WRITE     (1u << 0)
#define H_RES     (1u << 1)
#define H_TUN     (1u << 2)
#define H_LAN     (1u << 3)
#define H_FWD     (1u << 4)
#define GUARD     (1u << 5)
#define REPLACED  (1u << 6)
#define UNROUTE   (1u << 7)
#define RECORD    (1u << 8)

typedef struct {
	const char *name;
	int         mode, tunnel;
	guint       in;
	guint32     ifindex, ifindex_now;
	int         state, after;
	guint       out;
	guint32     ifindex_out;
} Row;

static const Row rows[] = {
	/* Kill switch off: no table of ours, whatever happens. */
	{ "off/connecting", OFF_, T_CONNECTING, RESOLVING, 0, 7, S_OFF, A_NONE, 0, 0 },
	{ "off/connected", OFF_, T_CONNECTED, 0, 7, 7, S_OFF, A_NONE, 0, 0 },
	{ "off/connected/unroutable", OFF_, T_CONNECTED, UNROUTED, 7, 7, S_OFF, A_NONE, 0, 0 },
	{ "off/connected/replaced", OFF_, T_CONNECTED, 0, 7, 8, S_OFF, A_NONE, 0, 0 },
	{ "off/lost", OFF_, T_LOST, 0, 7, 7, S_OFF, A_NONE, 0, 0 },
	{ "off/user-disconnect", OFF_, T_NONE, USER, 7, 0, S_OFF, A_LIFT, 0, 7 },
	{ "off/failed", OFF_, T_FAILED, 0, 7, 0, S_OFF, A_LIFT, 0, 7 },
	{ "off/nm-gone", OFF_, T_NONE, 0, 7, 0, S_OFF, A_LIFT, 0, 7 },
	{ "off/lockdown-record", OFF_, T_NONE, USER | LOCKDOWN, 7, 0, S_OFF, A_LIFT, 0, 7 },

	/* On: connecting lets only the endpoints (and the lookups) out. */
	{ "on/connecting", ON_, T_CONNECTING, 0, 7, 7, S_CONNECTING, A_NONE, WRITE | GUARD, 0 },
	{ "on/connecting/resolving", ON_, T_CONNECTING, RESOLVING, 0, 0, S_CONNECTING, A_NONE, WRITE | H_RES | GUARD, 0 },
	{ "on/connecting/lan", ON_, T_CONNECTING, LAN, 0, 0, S_CONNECTING, A_NONE, WRITE | H_LAN | GUARD, 0 },
	{ "on/connecting/forwarding", ON_, T_CONNECTING, FWD, 0, 0, S_CONNECTING, A_NONE, WRITE | GUARD, 0 },
	/* Connected: the tunnel by the index taken when it first came up. */
	{ "on/connected/first", ON_, T_CONNECTED, 0, 0, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | GUARD, 5 },
	{ "on/connected/same-link", ON_, T_CONNECTED, 0, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | GUARD, 5 },
	{ "on/connected/link-replaced", ON_, T_CONNECTED, 0, 5, 6, S_BLOCKED, A_NONE, WRITE | GUARD | REPLACED, 5 },
	{ "on/connected/link-gone", ON_, T_CONNECTED, 0, 5, 0, S_BLOCKED, A_NONE, WRITE | GUARD | REPLACED, 5 },
	{ "on/connected/no-link", ON_, T_CONNECTED, 0, 0, 0, S_BLOCKED, A_NONE, WRITE | GUARD | REPLACED, 0 },
	{ "on/connected/unroutable", ON_, T_CONNECTED, UNROUTED, 0, 5, S_BLOCKED, A_NONE, WRITE | GUARD | UNROUTE, 0 },
	{ "on/connected/unroutable+replaced", ON_, T_CONNECTED, UNROUTED, 5, 6, S_BLOCKED, A_NONE, WRITE | GUARD | UNROUTE, 5 },
	{ "on/connected/no-endpoints", ON_, T_CONNECTED, UNROUTED | NOEPS, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | GUARD, 5 },
	{ "on/connected/resolving", ON_, T_CONNECTED, RESOLVING, 5, 5, S_CONNECTED, A_NONE, WRITE | H_RES | H_TUN | GUARD, 5 },
	{ "on/connected/resolving+unroutable", ON_, T_CONNECTED, RESOLVING | UNROUTED, 5, 5, S_BLOCKED, A_NONE, WRITE | H_RES | GUARD | UNROUTE, 5 },
	{ "on/connected/lan", ON_, T_CONNECTED, LAN, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | H_LAN | GUARD, 5 },
	{ "on/connected/no-dns-protection", ON_, T_CONNECTED, NODNS, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN, 5 },
	{ "on/connected/forwarding", ON_, T_CONNECTED, FWD, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | H_FWD | GUARD, 5 },
	{ "on/connected/forwarding+replaced", ON_, T_CONNECTED, FWD, 5, 6, S_BLOCKED, A_NONE, WRITE | GUARD | REPLACED, 5 },
	/* A stale tunnel still only carries encrypted traffic. */
	{ "on/lost", ON_, T_LOST, 0, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | GUARD, 5 },
	{ "on/lost/unroutable", ON_, T_LOST, UNROUTED, 5, 5, S_BLOCKED, A_NONE, WRITE | GUARD | UNROUTE, 5 },
	{ "on/lost/replaced", ON_, T_LOST, 0, 5, 9, S_BLOCKED, A_NONE, WRITE | GUARD | REPLACED, 5 },
	/* The end: lifted only when the user asked, and lockdown is off. */
	{ "on/user-disconnect", ON_, T_NONE, USER, 5, 0, S_OFF, A_LIFT, WRITE, 5 },
	{ "on/user-disconnect/lan", ON_, T_NONE, USER | LAN | RESOLVING, 5, 0, S_OFF, A_LIFT, WRITE, 5 },
	{ "on/user-disconnect/lockdown", ON_, T_NONE, USER | LOCKDOWN, 5, 0, S_BLOCKED, A_LOCKDOWN, WRITE | GUARD, 5 },
	{ "on/nm-failure", ON_, T_FAILED, 0, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD, 5 },
	{ "on/nm-failure/lan", ON_, T_FAILED, LAN | RESOLVING, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD | H_LAN, 5 },
	{ "on/nm-failure/no-dns-protection", ON_, T_FAILED, NODNS, 5, 0, S_BLOCKED, A_BLOCK, WRITE, 5 },
	{ "on/failed-though-user", ON_, T_FAILED, USER, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD, 5 },
	{ "on/timeout-or-signal", ON_, T_NONE, 0, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD, 5 },
	{ "on/timeout/unroutable", ON_, T_NONE, UNROUTED, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD, 5 },

	/* Lockdown: as on while connected, and it records its table. */
	{ "lockdown/connecting", LOCK_, T_CONNECTING, RESOLVING, 0, 0, S_CONNECTING, A_NONE, WRITE | H_RES | GUARD, 0 },
	{ "lockdown/connected", LOCK_, T_CONNECTED, 0, 0, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | GUARD | RECORD, 5 },
	{ "lockdown/connected/unroutable", LOCK_, T_CONNECTED, UNROUTED, 5, 5, S_BLOCKED, A_NONE, WRITE | GUARD | UNROUTE | RECORD, 5 },
	{ "lockdown/connected/replaced", LOCK_, T_CONNECTED, 0, 5, 6, S_BLOCKED, A_NONE, WRITE | GUARD | REPLACED | RECORD, 5 },
	{ "lockdown/lost", LOCK_, T_LOST, 0, 5, 5, S_CONNECTED, A_NONE, WRITE | H_TUN | GUARD | RECORD, 5 },
	/* ... and keeps blocking after the user disconnected, even if the
	 * record says off (the profile says lockdown) */
	{ "lockdown/user-disconnect", LOCK_, T_NONE, USER, 5, 0, S_BLOCKED, A_LOCKDOWN, WRITE | GUARD, 5 },
	{ "lockdown/user-disconnect/record-on", LOCK_, T_NONE, USER | LOCKDOWN, 5, 0, S_BLOCKED, A_LOCKDOWN, WRITE | GUARD, 5 },
	{ "lockdown/user-disconnect/no-dns-protection", LOCK_, T_NONE, USER | NODNS | LAN, 5, 0, S_BLOCKED, A_LOCKDOWN, WRITE | GUARD | H_LAN, 5 },
	{ "lockdown/nm-failure", LOCK_, T_FAILED, 0, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD, 5 },
	{ "lockdown/timeout", LOCK_, T_NONE, RESOLVING, 5, 0, S_BLOCKED, A_BLOCK, WRITE | GUARD, 5 },
};

static void
fill_inputs (WgksPolicyInputs *in, int mode, int tunnel, guint flags, guint32 ifindex, guint32 now)
{
	*in = (WgksPolicyInputs) {
		.kill_switch = mode,
		.allow_lan = !!(flags & LAN),
		.dns_leak_protection = !(flags & NODNS),
		.tunnel = tunnel,
		.user_disconnect = !!(flags & USER),
		.n_endpoints = flags & NOEPS ? 0 : 2,
		.resolving = !!(flags & RESOLVING),
		.endpoints_routable = !(flags & UNROUTED),
		.tunnel_ifindex = ifindex,
		.tunnel_ifindex_now = now,
		.lockdown = !!(flags & LOCKDOWN),
		.forwarding = !!(flags & FWD),
	};
}

static void
test_row (gconstpointer data)
{
	const Row *row = data;
	WgksPolicyInputs in;
	WgksPolicyPlan plan;

	fill_inputs (&in, row->mode, row->tunnel, row->in, row->ifindex, row->ifindex_now);
	wgks_policy_plan (&in, &plan);
	g_assert_cmpstr (wgks_ruleset_state_to_string (plan.state), ==, wgks_ruleset_state_to_string (row->state));
	g_assert_cmpstr (wgks_policy_after_to_string (plan.after), ==, wgks_policy_after_to_string (row->after));
	g_assert_cmpint (plan.write_table, ==, !!(row->out & WRITE));
	g_assert_cmpint (plan.resolver_hole, ==, !!(row->out & H_RES));
	g_assert_cmpint (plan.tunnel_hole, ==, !!(row->out & H_TUN));
	g_assert_cmpint (plan.lan_hole, ==, !!(row->out & H_LAN));
	g_assert_cmpint (plan.forwarded_replies, ==, !!(row->out & H_FWD));
	g_assert_cmpint (plan.dns_guard, ==, !!(row->out & GUARD));
	g_assert_cmpint (plan.link_replaced, ==, !!(row->out & REPLACED));
	g_assert_cmpint (plan.unroutable, ==, !!(row->out & UNROUTE));
	g_assert_cmpint (plan.record_lockdown, ==, !!(row->out & RECORD));
	g_assert_cmpuint (plan.tunnel_ifindex, ==, row->ifindex_out);
}

/* Every combination, against the rules no row may break. */
static void
test_fail_closed (void)
{
	static const int modes[] = { OFF_, ON_, LOCK_ };
	static const guint32 idx[][2] = { { 0, 0 }, { 0, 5 }, { 5, 5 }, { 5, 6 }, { 5, 0 } };
	guint n = 0;

	for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
		for (int t = T_NONE; t <= T_FAILED; t++)
			for (guint flags = 0; flags < (NOEPS << 1); flags++)
				for (guint i = 0; i < G_N_ELEMENTS (idx); i++) {
					WgksPolicyInputs in;
					WgksPolicyPlan p;
					gboolean live = t == T_CONNECTED || t == T_LOST;
					gboolean ended = t == T_NONE || t == T_FAILED;

					fill_inputs (&in, modes[m], t, flags, idx[i][0], idx[i][1]);
					wgks_policy_plan (&in, &p);
					n++;
					if (modes[m] == OFF_) {
						g_assert_false (p.write_table);
						continue;
					}
					g_assert_true (p.write_table);
					/* the tunnel is open exactly when connected, through the
					 * link the service made and with an uplink */
					g_assert_cmpint (p.tunnel_hole, ==, p.state == WGKS_FIREWALL_CONNECTED);
					if (p.tunnel_hole) {
						g_assert_true (live);
						g_assert_cmpuint (in.tunnel_ifindex_now, !=, 0);
						g_assert_cmpuint (p.tunnel_ifindex, ==, in.tunnel_ifindex_now);
						g_assert_true (in.n_endpoints == 0 || in.endpoints_routable);
					}
					if (live && in.n_endpoints && !in.endpoints_routable)
						g_assert_cmpint (p.state, ==, WGKS_FIREWALL_BLOCKED);
					if (live && in.tunnel_ifindex && in.tunnel_ifindex_now != in.tunnel_ifindex)
						g_assert_cmpint (p.state, ==, WGKS_FIREWALL_BLOCKED);
					/* the resolver window only while a lookup runs, on a live connection */
					if (p.resolver_hole)
						g_assert_true (in.resolving && !ended);
					/* the table goes only when the user asked, and never in lockdown */
					if (p.state == WGKS_FIREWALL_OFF) {
						g_assert_true (t == T_NONE && in.user_disconnect);
						g_assert_cmpint (modes[m], ==, ON_);
						g_assert_false (in.lockdown);
						g_assert_cmpint (p.after, ==, WGKS_POLICY_AFTER_LIFT);
					}
					g_assert_cmpint (p.after != WGKS_POLICY_AFTER_NONE, ==, ended);
					if (ended && p.after != WGKS_POLICY_AFTER_LIFT)
						g_assert_cmpint (p.state, ==, WGKS_FIREWALL_BLOCKED);
					if (p.forwarded_replies)
						g_assert_true (p.tunnel_hole);
					g_assert_cmpint (p.record_lockdown, ==, live && modes[m] == LOCK_);
				}
	g_assert_cmpuint (n, ==, 3 * 5 * 256 * 5);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
		g_autofree char *path = g_strdup_printf ("/policy/row/%s", rows[i].name);

		g_test_add_data_func (path, &rows[i], test_row);
	}
	g_test_add_func ("/policy/fail-closed", test_fail_closed);
	return g_test_run ();
}
