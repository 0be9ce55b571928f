/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kill-switch apply time: how long wgks_firewall_apply() takes from a state
 * change to the new table being live (render + one libnftables transaction +
 * read-back and verify), and how it grows with prefixes and peers.
 *
 * Runs as root in a network namespace of its own (unshare(CLONE_NEWNET)), so
 * the tables it writes never exist anywhere else and vanish with it.
 *
 * Usage: apply-bench REPS [SIZES...]   (default sizes 1 10 100 1000 10000)
 * Prints CSV: series,n,rep,render_us,run_us,list_us,apply_us,apply_cpu_us,script_bytes
 * (apply_cpu_us: CPU time of this process during the apply, user + kernel)
 *   series "typical": full tunnel, 1 peer, 2 DNS servers (n = 1)
 *   series "typical+fw": the same on a host whose netfilter already has
 *     other base chains on the same hooks (as with any other firewall)
 *   series "prefixes": split tunnel, 1 peer, n AllowedIPs prefixes
 *   series "peers": split tunnel, n peers (n endpoints, one /32 each)
 * Sizes are measured round-robin (1 10 100 ... 1 10 100 ...), and every
 * apply is a real transition (CONNECTING <-> CONNECTED alternate). */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nm-wgks-service-defines.h"
#include "wgks-firewall.h"
#include "wgks-nft.h"

static gint64
clock_us (clockid_t clk)
{
	struct timespec ts;

	clock_gettime (clk, &ts);
	return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static gint64
now_us (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* n non-adjacent /24s (every other one, so auto-merge cannot fold them) */
static GPtrArray *
make_prefixes (guint n, guint plen)
{
	GPtrArray *a = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; i < n; i++) {
		WgksPrefix *p = g_new0 (WgksPrefix, 1);
		guint32 v = plen == 32 ? (0x0a000000u + 2 * i + 1) : (0x0a000000u + (2 * i << 8));

		p->family = AF_INET;
		p->plen = plen;
		v = htonl (v);
		memcpy (p->addr, &v, 4);
		g_ptr_array_add (a, p);
	}
	return a;
}

static GArray *
make_endpoints (guint n)
{
	GArray *a = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));

	for (guint i = 0; i < n; i++) {
		WgksFirewallEndpoint ep = { .family = AF_INET, .port = 51820 };
		guint32 v = htonl (0xcb007100u + 0x100u * (i / 250) + 1 + i % 250); /* 203.0.113.x ... */

		memcpy (ep.addr, &v, 4);
		g_array_append_val (a, ep);
	}
	return a;
}

#define OTHER_FW \
	"table inet bench_other_fw {\n" \
	"\tchain o { type filter hook output priority 0; policy accept; }\n" \
	"\tchain i { type filter hook input priority 0; policy accept; }\n" \
	"\tchain f { type filter hook forward priority 0; policy accept; }\n}\n"

static void
measure (const char *series, guint n, guint rep, WgksFirewallSpec *spec)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *script = NULL;
	g_autofree char *listing = NULL;
	g_autofree char *snapshot = NULL;
	gint64 t0, c0, t_render, t_run, t_list, t_apply, c_apply;

	/* The table being replaced is this profile's own (as in a real state
	 * change of one connection), not the previous size's. */
	spec->state = spec->state == WGKS_FIREWALL_CONNECTED ? WGKS_FIREWALL_CONNECTING : WGKS_FIREWALL_CONNECTED;
	if (!wgks_firewall_apply (spec, NULL, &error)) {
		fprintf (stderr, "apply-bench: warm-up %s n=%u: %s\n", series, n, error->message);
		exit (1);
	}
	/* a real transition every time: the other state */
	spec->state = spec->state == WGKS_FIREWALL_CONNECTED ? WGKS_FIREWALL_CONNECTING : WGKS_FIREWALL_CONNECTED;
	c0 = clock_us (CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_us ();
	if (!wgks_firewall_apply (spec, &snapshot, &error)) {
		fprintf (stderr, "apply-bench: %s n=%u: %s\n", series, n, error->message);
		exit (1);
	}
	t_apply = now_us () - t0;
	c_apply = clock_us (CLOCK_PROCESS_CPUTIME_ID) - c0;

	/* the parts, measured separately on the same transition back */
	spec->state = spec->state == WGKS_FIREWALL_CONNECTED ? WGKS_FIREWALL_CONNECTING : WGKS_FIREWALL_CONNECTED;
	t0 = now_us ();
	script = wgks_ruleset_render (spec);
	t_render = now_us () - t0;
	t0 = now_us ();
	if (!wgks_nft_run (script, FALSE, NULL, &error)) {
		fprintf (stderr, "apply-bench: run %s n=%u: %s\n", series, n, error->message);
		exit (1);
	}
	t_run = now_us () - t0;
	t0 = now_us ();
	listing = wgks_firewall_list (&error);
	t_list = now_us () - t0;
	if (!listing) {
		fprintf (stderr, "apply-bench: list %s n=%u failed\n", series, n);
		exit (1);
	}
	printf ("%s,%u,%u,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
	        ",%" G_GINT64_FORMAT ",%zu\n",
	        series, n, rep, t_render, t_run, t_list, t_apply, c_apply, strlen (script));
	fflush (stdout);
}

int
main (int argc, char **argv)
{
	guint reps = argc > 1 ? (guint) atoi (argv[1]) : 5;
	guint sizes[16], nsizes = 0;
	g_autoptr (GPtrArray) dns = g_ptr_array_new ();
	g_autoptr (GArray) one_ep = make_endpoints (1);
	WgksFirewallSpec typical, *pfx, *peers;
	g_autoptr (GError) error = NULL;

	for (int i = 2; i < argc && nsizes < G_N_ELEMENTS (sizes); i++)
		sizes[nsizes++] = (guint) atoi (argv[i]);
	if (!nsizes) {
		guint def[] = { 1, 10, 100, 1000, 10000 };
		memcpy (sizes, def, sizeof def);
		nsizes = G_N_ELEMENTS (def);
	}
	if (unshare (CLONE_NEWNET) != 0) {
		perror ("apply-bench: unshare(CLONE_NEWNET) (needs root)");
		return 2;
	}
	g_ptr_array_add (dns, (gpointer) "10.66.0.53");
	g_ptr_array_add (dns, (gpointer) "fd00:66::53");

	typical = (WgksFirewallSpec) {
		.state = WGKS_FIREWALL_CONNECTING, .tunnel_ifindex = 4242, .fwmark = WGKS_DEFAULT_FWMARK,
		.endpoints = one_ep, .tunnel_dns = dns, .dns_leak_protection = TRUE,
	};
	pfx = g_new0 (WgksFirewallSpec, nsizes);
	peers = g_new0 (WgksFirewallSpec, nsizes);
	for (guint s = 0; s < nsizes; s++) {
		pfx[s] = typical;
		pfx[s].protected_prefixes = make_prefixes (sizes[s], 24);
		peers[s] = typical;
		peers[s].endpoints = make_endpoints (sizes[s]);
		peers[s].protected_prefixes = make_prefixes (sizes[s], 32);
	}
	printf ("series,n,rep,render_us,run_us,list_us,apply_us,apply_cpu_us,script_bytes\n");
	for (guint r = 1; r <= reps; r++) {
		measure ("typical", 1, r, &typical);
		/* another firewall's base chains on the same hooks: registering ours
		 * no longer flips the kernel's global static keys (text patching) */
		if (!wgks_nft_run (OTHER_FW, FALSE, NULL, &error)) {
			fprintf (stderr, "apply-bench: other firewall: %s\n", error->message);
			return 1;
		}
		measure ("typical+fw", 1, r, &typical);
		if (!wgks_nft_run ("delete table inet bench_other_fw\n", FALSE, NULL, &error)) {
			fprintf (stderr, "apply-bench: other firewall: %s\n", error->message);
			return 1;
		}
		for (guint s = 0; s < nsizes; s++)
			measure ("prefixes", sizes[s], r, &pfx[s]);
		for (guint s = 0; s < nsizes; s++)
			if (sizes[s] <= 1000)   /* 10,000 endpoints: no real profile has them */
				measure ("peers", sizes[s], r, &peers[s]);
	}
	if (!wgks_firewall_remove (&error)) {
		fprintf (stderr, "apply-bench: remove: %s\n", error->message);
		return 1;
	}
	return 0;
}
