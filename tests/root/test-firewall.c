/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch ruleset against the real kernel nftables, in a private
 * network namespace this test creates for itself: needs root. The rendered
 * text alone is tests/unit/test-firewall-render, without root. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"
#include "wgks-firewall.h"
#include "wgks-nft.h"
#include "wgks-nl-watch.h"
#include "test-utils.h"

typedef struct {
	GArray    *endpoints;
	GPtrArray *dns;
	GPtrArray *resolvers;
	WgksFirewallSpec spec;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
	f->endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	wgks_test_add_endpoint (f->endpoints, "203.0.113.1", 51820);
	wgks_test_add_endpoint (f->endpoints, "2001:db8:ffff::1", 51820);
	f->dns = g_ptr_array_new ();
	g_ptr_array_add (f->dns, "10.66.0.53");
	g_ptr_array_add (f->dns, "fd00:66::53");
	f->resolvers = g_ptr_array_new ();
	g_ptr_array_add (f->resolvers, "198.51.100.1");
	f->spec = (WgksFirewallSpec) {
		.state = WGKS_FIREWALL_CONNECTING,
		.tunnel_ifindex = 4242,
		.fwmark = WGKS_DEFAULT_FWMARK,
		.endpoints = f->endpoints,
		.tunnel_dns = f->dns,
		.dns_leak_protection = TRUE,
	};
	wgks_firewall_remove (NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
	g_assert_true (wgks_firewall_remove (NULL));
	g_array_unref (f->endpoints);
	g_ptr_array_unref (f->dns);
	g_ptr_array_unref (f->resolvers);
}

static void
test_render_states (Fixture *f, gconstpointer data)
{
	static const WgksFirewallState states[] = {
		WGKS_FIREWALL_CONNECTING, WGKS_FIREWALL_CONNECTED, WGKS_FIREWALL_BLOCKED, WGKS_FIREWALL_OFF,
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (states); i++) {
		g_autoptr (GError) error = NULL;
		g_autofree char *script = NULL;

		f->spec.state = states[i];
		f->spec.allow_lan = i % 2;
		script = wgks_ruleset_render (&f->spec);
		/* libnftables parses and checks it against the kernel, then aborts */
		g_assert_true (wgks_nft_run (script, TRUE, NULL, &error));
		g_assert_no_error (error);
		g_assert_true (g_str_has_prefix (script, "add table inet wireguard_killswitch\n"
		                                         "delete table inet wireguard_killswitch\n"));
		g_assert_true ((strstr (script, "oif 4242 accept") != NULL) == (states[i] == WGKS_FIREWALL_CONNECTED));
		g_assert_null (strstr (script, "oifname \"wgks"));
		/* no name being resolved: no DNS hole of any kind */
		g_assert_null (strstr (script, "198.51.100.1"));
		g_assert_null (strstr (script, "dport 53 accept"));
	}
}

/* While names are resolved: only the marked queries to the uplink's DNS
 * servers pass, in any state, and never an unmarked one. */
static void
test_resolver_window (Fixture *f, gconstpointer data)
{
	static const WgksFirewallState states[] = {
		WGKS_FIREWALL_CONNECTING, WGKS_FIREWALL_CONNECTED, WGKS_FIREWALL_BLOCKED,
	};
	guint i;

	f->spec.resolvers = f->resolvers;
	for (i = 0; i < G_N_ELEMENTS (states); i++) {
		g_autoptr (GError) error = NULL;
		g_autofree char *snapshot = NULL;
		g_auto (GStrv) lines = NULL;
		guint j, holes = 0;
		const char *guard;

		f->spec.state = states[i];
		g_assert_true (wgks_firewall_apply (&f->spec, &snapshot, &error));
		g_assert_no_error (error);
		g_assert_nonnull (strstr (snapshot, "elements = { 198.51.100.1 timeout 20s expires "));
		/* neither the countdown nor the expiry is tampering */
		{
			g_autofree char *later = g_strdup (snapshot);
			char *p = strstr (later, "expires ") + strlen ("expires ");
			g_autofree char *expired = NULL;

			*p = *p == '1' ? '9' : '1';
			g_assert_true (wgks_firewall_listing_equal (snapshot, later));
			g_assert_true (wgks_nft_run ("delete element inet wireguard_killswitch resolvers4 { 198.51.100.1 }",
			                                  FALSE, NULL, &error));
			g_assert_no_error (error);
			expired = wgks_firewall_list (&error);
			g_assert_null (strstr (expired, "198.51.100.1"));
			g_assert_true (wgks_firewall_listing_equal (snapshot, expired));
		}
		lines = g_strsplit (snapshot, "\n", -1);
		for (j = 0; lines[j]; j++) {
			if (!strstr (lines[j], "dport 53 accept"))
				continue;
			g_assert_nonnull (strstr (lines[j], "meta mark 0x0000ca6c"));
			holes++;
		}
		g_assert_cmpuint (holes, ==, 2);
		/* ahead of the DNS guard, which rejects everything else */
		guard = strstr (strstr (snapshot, "chain output"), "\t\tjump dns_guard\n");
		g_assert_nonnull (guard);
		g_assert_true (strstr (snapshot, "meta mark 0x0000ca6c ip daddr @resolvers4") < guard);
	}
}

static void
test_apply_and_verify (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *snapshot = NULL;
	g_autofree char *listing = NULL;

	g_assert_null (wgks_firewall_list (NULL));
	g_assert_cmpint (wgks_firewall_blocked_packets (), ==, -1);
	g_assert_true (wgks_firewall_apply (&f->spec, &snapshot, &error));
	g_assert_no_error (error);
	g_assert_nonnull (strstr (snapshot, "203.0.113.1 . 51820"));
	g_assert_nonnull (strstr (snapshot, "meta mark 0x0000ca6c"));
	g_assert_cmpint (wgks_firewall_blocked_packets (), ==, 0);

	f->spec.state = WGKS_FIREWALL_CONNECTED;
	g_clear_pointer (&snapshot, g_free);
	g_assert_true (wgks_firewall_apply (&f->spec, &snapshot, &error));
	g_assert_nonnull (strstr (snapshot, "state=connected"));
	g_assert_null (strstr (snapshot, "198.51.100.1"));
	listing = wgks_firewall_list (&error);
	g_assert_cmpstr (listing, ==, snapshot);
}

static void
test_tamper_detected (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *snapshot = NULL;
	g_autofree char *listing = NULL;

	g_assert_true (wgks_firewall_apply (&f->spec, &snapshot, &error));
	g_assert_true (wgks_nft_run ("flush chain inet wireguard_killswitch output", FALSE, NULL, &error));
	listing = wgks_firewall_list (&error);
	g_assert_nonnull (listing);
	g_assert_cmpstr (listing, !=, snapshot);
}

static void
test_remove_leaves_others (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *other = NULL;

	g_assert_true (wgks_nft_run ("add table inet someone_else\n"
	                                  "add chain inet someone_else c { type filter hook output priority 0; }\n",
	                                  FALSE, NULL, &error));
	g_assert_true (wgks_firewall_apply (&f->spec, NULL, &error));
	g_assert_true (wgks_firewall_remove (&error));
	g_assert_no_error (error);
	g_assert_null (wgks_firewall_list (NULL));
	g_assert_true (wgks_nft_run ("list table inet someone_else", FALSE, &other, &error));
	g_assert_nonnull (strstr (other, "chain c"));
	g_assert_true (wgks_nft_run ("delete table inet someone_else", FALSE, NULL, &error));
}

static void
test_foreign_table_replaced (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *snapshot = NULL;

	/* A table of our name with foreign content is replaced as a whole. */
	g_assert_true (wgks_nft_run ("add table inet wireguard_killswitch\n"
	                                  "add chain inet wireguard_killswitch output { type filter hook output priority 0; policy accept; }\n",
	                                  FALSE, NULL, &error));
	g_assert_true (wgks_firewall_apply (&f->spec, &snapshot, &error));
	g_assert_no_error (error);
	g_assert_null (strstr (snapshot, "policy accept"));
}

/* What the rules say beside the tunnel, line by line as rendered. */
static void
test_render_narrow (Fixture *f, gconstpointer data)
{
	static const char *const want[] = {
		/* DHCP only to the link */
		"udp sport 68 ip daddr 255.255.255.255 udp dport 67 accept",
		"udp sport 68 ip daddr @uplink_nets4 udp dport 67 accept",
		"ip6 saddr fe80::/10 udp sport 546 ip6 daddr ff02::1:2 udp dport 547 accept",
		"ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept",
		"elements = { 198.51.100.0/25 }",
		/* neighbour discovery */
		"icmpv6 type nd-router-solicit ip6 daddr ff02::2 ip6 hoplimit 255 accept",
		"icmpv6 type nd-neighbor-solicit ip6 daddr { ff02::1:ff00:0/104, fe80::/10 } ip6 hoplimit 255 accept",
		"icmpv6 type nd-neighbor-advert ip6 daddr fe80::/10 ip6 hoplimit 255 accept",
		/* LAN multicast */
		"224.0.0.0/24", "239.0.0.0/8", "ff02::/16", "ff05::/16",
		/* CVE-2019-14899 */
		"iif != 4242 ip daddr @tunnel_addr4 drop",
		/* forward: DNS guard before the LAN, nothing new from the tunnel */
		"\t\toif 4242 accept\n\t\tiif 4242 counter name blocked_fwd drop\n\t\tjump dns_guard\n",
		/* side channels, also forwarded: LLMNR, mDNS beside its groups, DoT/DoQ */
		"\t\tmeta l4proto { tcp, udp } th dport 5355 jump dns_reject\n"
		"\t\tudp dport 5353 ip daddr != 224.0.0.251 jump dns_reject\n"
		"\t\tudp dport 5353 ip6 daddr != ff02::fb jump dns_reject\n"
		"\t\tmeta l4proto { tcp, udp } th dport 853 ip daddr != @tunnel_dns4 jump dns_reject\n"
		"\t\tmeta l4proto { tcp, udp } th dport 853 ip6 daddr != @tunnel_dns6 jump dns_reject\n"
		"\t\tip daddr @lan4 ip saddr @lan4 accept",
		/* the tunnel's data path first; only DNS ports walk the guard; one
		 * endpoint per family is written into its rule (no set to read) */
		"hook output priority filter - 10; policy drop;\n"
		"\t\toif 4242 th dport != 53 th dport != 853 accept\n"
		"\t\tmeta mark 0xca6c ip daddr 203.0.113.1 udp dport 51820 accept\n"
		"\t\tmeta mark 0xca6c ip6 daddr 2001:db8:ffff::1 udp dport 51820 accept\n"
		"\t\toif 4242 jump dns_guard\n"
		"\t\toif 4242 accept\n\t\toifname \"lo\" accept\n",
		/* the encrypted packets next */
		"hook input priority filter - 10; policy drop;\n\t\tiif 4242 accept\n"
		"\t\tip saddr 203.0.113.1 udp sport 51820 accept\n"
		"\t\tip6 saddr 2001:db8:ffff::1 udp sport 51820 accept\n"
		"\t\tiifname \"lo\" accept\n",
		"hook forward priority filter - 10; policy drop;\n"
		"\t\toif 4242 th dport != 53 th dport != 853 accept\n\t\toif 4242 jump dns_guard\n",
		NULL,
	};
	static const char *const never[] = {
		"udp sport 68 udp dport 67", "224.0.0.0/4", "ff00::/8", "ct state", "ff06::/16",
		"\t\tip saddr . udp sport @endpoints4 accept", "@endpoints", NULL,
	};
	g_autoptr (GPtrArray) subnets = g_ptr_array_new ();
	g_autoptr (GError) error = NULL;
	g_autofree char *script = NULL;
	g_autofree char *with_fwd = NULL;
	guint i;

	g_ptr_array_add (subnets, "198.51.100.0/25");
	f->spec.uplink_subnets4 = subnets;
	f->spec.state = WGKS_FIREWALL_CONNECTED;
	f->spec.allow_lan = TRUE;
	script = wgks_ruleset_render (&f->spec);
	for (i = 0; want[i]; i++)
		g_assert_nonnull (strstr (script, want[i]));
	for (i = 0; never[i]; i++)
		g_assert_null (strstr (script, never[i]));
	g_assert_true (wgks_nft_run (script, TRUE, NULL, &error));
	g_assert_no_error (error);

	/* Replies to forwarded connections only when the system forwards. */
	f->spec.forwarding = TRUE;
	with_fwd = wgks_ruleset_render (&f->spec);
	g_assert_nonnull (strstr (with_fwd, "iif 4242 ct state established,related accept\n"
	                                    "\t\tiif 4242 counter name blocked_fwd drop"));
	g_assert_true (wgks_nft_run (with_fwd, TRUE, NULL, &error));

	/* Two endpoints of a family go through its set; the tunnel's
	 * addresses are never the encrypted packets' source or destination. */
	wgks_test_add_endpoint (f->endpoints, "203.0.113.2", 51821);
	f->spec.tunnel_addresses = g_ptr_array_new ();
	g_ptr_array_add (f->spec.tunnel_addresses, "10.66.0.2");
	g_ptr_array_add (f->spec.tunnel_addresses, "fd00:66::2");
	g_ptr_array_add (f->spec.tunnel_addresses, "fd00:66::3");
	g_clear_pointer (&with_fwd, g_free);
	with_fwd = wgks_ruleset_render (&f->spec);
	g_assert_nonnull (strstr (with_fwd, "\t\tmeta mark 0xca6c ip daddr . udp dport @endpoints4 ip saddr != 10.66.0.2 accept\n"
	                                    "\t\tmeta mark 0xca6c ip6 daddr 2001:db8:ffff::1 udp dport 51820 "
	                                    "ip6 saddr != @tunnel_addr6 accept\n"));
	g_assert_nonnull (strstr (with_fwd, "\t\tip saddr . udp sport @endpoints4 ip daddr != 10.66.0.2 accept\n"
	                                    "\t\tip6 saddr 2001:db8:ffff::1 udp sport 51820 ip6 daddr != @tunnel_addr6 accept\n"));
	g_assert_nonnull (strstr (with_fwd, "elements = { 203.0.113.1 . 51820, 203.0.113.2 . 51821 }"));
	g_assert_true (wgks_nft_run (with_fwd, TRUE, NULL, &error));
	g_clear_pointer (&f->spec.tunnel_addresses, g_ptr_array_unref);

	/* Without the tunnel, nothing reaches the tunnel's addresses at all. */
	f->spec.state = WGKS_FIREWALL_BLOCKED;
	g_clear_pointer (&script, g_free);
	script = wgks_ruleset_render (&f->spec);
	g_assert_nonnull (strstr (script, "\t\tip daddr @tunnel_addr4 drop\n"));
	g_assert_null (strstr (script, "4242"));
}

/* The side channels: mDNS only with allow-lan, nothing without leak protection. */
static void
test_render_side_channels (Fixture *f, gconstpointer data)
{
	g_autofree char *closed = NULL;
	g_autofree char *off = NULL;
	g_autoptr (GError) error = NULL;

	f->spec.state = WGKS_FIREWALL_CONNECTED;
	closed = wgks_ruleset_render (&f->spec);
	g_assert_nonnull (strstr (closed, "\t\tudp dport 5353 jump dns_reject\n"));
	g_assert_null (strstr (closed, "224.0.0.251"));
	g_assert_nonnull (strstr (closed, "th dport 5355 jump dns_reject"));
	g_assert_true (wgks_nft_run (closed, TRUE, NULL, &error));
	g_assert_no_error (error);
	f->spec.dns_leak_protection = FALSE;
	off = wgks_ruleset_render (&f->spec);
	g_assert_null (strstr (off, "5355"));
	g_assert_null (strstr (off, "5353"));
	g_assert_null (strstr (off, "853"));
}

static void
test_no_ifindex (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;

	f->spec.state = WGKS_FIREWALL_CONNECTED;
	f->spec.tunnel_ifindex = 0;
	g_assert_false (wgks_firewall_apply (&f->spec, NULL, &error));
	g_assert_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL);
	g_assert_null (wgks_firewall_list (NULL));
}

static void
test_many_prefixes (Fixture *f, gconstpointer data)
{
	g_autoptr (GPtrArray) prefixes = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	g_autofree char *snapshot = NULL;
	guint i;

	for (i = 0; i < 10000; i++) {
		WgksPrefix *p = g_new0 (WgksPrefix, 1);

		p->family = AF_INET;
		p->plen = 30;
		p->addr[0] = 10;
		p->addr[1] = (guint8) (i >> 6);
		p->addr[2] = (guint8) ((i & 63) << 2);
		g_ptr_array_add (prefixes, p);
	}
	f->spec.protected_prefixes = prefixes;
	f->spec.state = WGKS_FIREWALL_CONNECTED;
	g_assert_true (wgks_firewall_apply (&f->spec, &snapshot, &error));
	g_assert_no_error (error);
	g_assert_nonnull (strstr (snapshot, "set protected4"));
}

/* Every golden rendering of tests/unit/test-firewall-render is a script the
 * kernel accepts. */
static void
test_golden_files_load (void)
{
	g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "unit", "golden", NULL);
	g_autoptr (GDir) d = NULL;
	g_autoptr (GError) error = NULL;
	const char *name;
	guint n = 0;

	d = g_dir_open (dir, 0, &error);
	g_assert_no_error (error);
	while ((name = g_dir_read_name (d))) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		g_autofree char *script = NULL;

		if (!g_str_has_suffix (name, ".nft"))
			continue;
		g_test_message ("%s", name);
		g_assert_true (g_file_get_contents (path, &script, NULL, &error));
		g_assert_true (wgks_nft_run (script, TRUE, NULL, &error));
		g_assert_no_error (error);
		n++;
	}
	g_assert_cmpuint (n, >=, 16);
}

/* The pid of this process's child named wgks-nft, or 0; one at most. */
static pid_t
nft_helper_pid (void)
{
	g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
	const char *name;
	pid_t found = 0;

	g_assert_nonnull (proc);
	while ((name = g_dir_read_name (proc))) {
		g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
		g_autofree char *stat = NULL;
		g_autofree char *prefix = g_strdup_printf ("%s (wgks-nft)", name);
		const char *after_comm;
		int ppid = 0;

		if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL))
			continue;
		after_comm = strrchr (stat, ')');
		if (!after_comm || sscanf (after_comm, ") %*c %d", &ppid) != 1 || ppid != getpid ()
		    || !g_str_has_prefix (stat, prefix))
			continue;
		g_assert_cmpint (found, ==, 0);
		found = (pid_t) atoi (name);
	}
	return found;
}

/* Whether the process has an open file at this path. */
static gboolean
process_holds (pid_t pid, const char *path)
{
	g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", (int) pid);
	g_autoptr (GDir) dir = g_dir_open (fd_dir, 0, NULL);
	const char *name;

	g_assert_nonnull (dir);
	while ((name = g_dir_read_name (dir))) {
		g_autofree char *link = g_build_filename (fd_dir, name, NULL);
		g_autofree char *target = g_file_read_link (link, NULL);

		if (g_strcmp0 (target, path) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The commands of a call run one after the other in the burst's helper
 * process, stop at the first that fails, and bring back its error or the
 * last one's output. One helper serves the burst; it holds none of the
 * caller's files, and wgks_nft_release() reaps it. */
static void
test_commands_in_child (Fixture *f, gconstpointer data)
{
	const char *const failing[] = {
		"add table inet wgks_test_a", "add chain inet wgks_test_a c { type nonsense; }", "add table inet wgks_test_b",
		NULL,
	};
	const char *const listing[] = { "add table inet wgks_test_c", "list table inet wgks_test_c", NULL };
	g_autoptr (GError) error = NULL;
	g_autofree char *out = NULL;
	g_autofree char *held = g_build_filename (g_get_tmp_dir (), "wgks-test-held-XXXXXX", NULL);
	int held_fd = g_mkstemp (held);
	guint n_done = 99;
	pid_t helper;

	wgks_nft_release ();
	g_assert_cmpint (held_fd, >=, 0);
	g_assert_false (wgks_nft_run_each (failing, FALSE, &n_done, NULL, &error));
	g_assert_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_APPLY);
	g_assert_nonnull (strstr (error->message, "nonsense"));
	g_assert_cmpuint (n_done, ==, 1);
	g_clear_error (&error);
	helper = nft_helper_pid ();
#if defined(__SANITIZE_ADDRESS__)
	/* Built with ASan the commands run here (wgks-nft.c): the same
	 * answers, and no process at all. */
	g_assert_cmpint (helper, ==, 0);
	g_assert_true (wgks_nft_run_each (listing, FALSE, &n_done, &out, &error));
	g_assert_nonnull (strstr (out, "table inet wgks_test_c"));
	g_assert_true (wgks_nft_run ("delete table inet wgks_test_a; delete table inet wgks_test_c", FALSE, NULL, &error));
	wgks_nft_release ();
	close (held_fd);
	g_unlink (held);
	return;
#endif
	g_assert_cmpint (helper, >, 0);
	g_assert_false (process_holds (helper, held));
	g_assert_true (wgks_nft_run ("list table inet wgks_test_a", FALSE, NULL, &error));
	g_assert_false (wgks_nft_run ("list table inet wgks_test_b", FALSE, NULL, &error));
	g_clear_error (&error);

	g_assert_true (wgks_nft_run_each (listing, FALSE, &n_done, &out, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n_done, ==, 2);
	g_assert_nonnull (strstr (out, "table inet wgks_test_c"));
	g_assert_cmpint (nft_helper_pid (), ==, helper);

	/* A helper that dies fails the call that needed it (fail closed);
	 * the next call gets a new one. */
	g_assert_cmpint (kill (helper, SIGKILL), ==, 0);
	g_assert_false (wgks_nft_run ("list table inet wgks_test_a", FALSE, NULL, &error));
	g_assert_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL);
	g_clear_error (&error);
	g_assert_cmpint (waitpid (helper, NULL, WNOHANG), ==, -1);
	g_assert_true (wgks_nft_run ("delete table inet wgks_test_a; delete table inet wgks_test_c", FALSE, NULL, &error));
	g_assert_cmpint (nft_helper_pid (), >, 0);
	g_assert_cmpint (nft_helper_pid (), !=, helper);

	/* A helper that hangs fails the call after its time (15 s), killed. */
	helper = nft_helper_pid ();
	g_assert_cmpint (kill (helper, SIGSTOP), ==, 0);
	g_assert_false (wgks_nft_run ("list table inet wgks_test_a", FALSE, NULL, &error));
	g_assert_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL);
	g_assert_nonnull (strstr (error->message, "did not answer"));
	g_clear_error (&error);
	g_assert_cmpint (waitpid (helper, NULL, WNOHANG), ==, -1);
	g_assert_cmpint (nft_helper_pid (), ==, 0);

	wgks_nft_release ();
	g_assert_cmpint (waitpid (-1, NULL, WNOHANG), ==, -1);
	g_assert_cmpint (errno, ==, ECHILD);
	close (held_fd);
	g_unlink (held);
}

static gboolean
count_call (gpointer user_data)
{
	guint *calls = user_data;

	(*calls)++;
	return G_SOURCE_CONTINUE;
}

/* Runs the default main context for MS milliseconds, or until *calls > 0
 * when until_called. */
static void
spin (guint ms, const guint *calls, gboolean until_called)
{
	gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

	while (g_get_monotonic_time () < end && !(until_called && *calls > 0)) {
		if (!g_main_context_iteration (NULL, FALSE))
			g_usleep (1000);
	}
}

/* The tamper watch wakes up for another process's change, not for this
 * process's own writes (read back when they were made). */
static void
test_watch_foreign_only (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	guint calls = 0;
	guint id = wgks_nft_watch_add (count_call, &calls, &error);
	pid_t pid;
	int status = -1;

	g_assert_no_error (error);
	g_assert_cmpuint (id, >, 0);
	g_assert_true (wgks_nft_run ("add table inet wgks_test_w", FALSE, NULL, &error));
	g_assert_true (wgks_nft_run ("add chain inet wgks_test_w own", FALSE, NULL, &error));
	spin (300, &calls, FALSE);
	g_assert_cmpuint (calls, ==, 0);

	/* Another process: a child with a helper of its own. */
	pid = fork ();
	g_assert_cmpint (pid, >=, 0);
	if (pid == 0) {
		gboolean ok;

		wgks_nft_release ();
		ok = wgks_nft_run ("add chain inet wgks_test_w foreign", FALSE, NULL, NULL);
		wgks_nft_release ();
		_exit (ok ? 0 : 1);
	}
	g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
	g_assert_cmpint (status, ==, 0);
	spin (5000, &calls, TRUE);
	g_assert_cmpuint (calls, >=, 1);

	g_source_remove (id);
	g_assert_true (wgks_nft_run ("delete table inet wgks_test_w", FALSE, NULL, &error));
	wgks_nft_release ();
}

int
main (int argc, char **argv)
{
	wgks_test_init (&argc, &argv);
	if (getuid () != 0 || unshare (CLONE_NEWNET) != 0) {
		g_test_skip ("needs root to create a private network namespace");
		return g_test_run ();
	}
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD ("/firewall/render-states", test_render_states);
	ADD ("/firewall/resolver-window", test_resolver_window);
	ADD ("/firewall/apply-and-verify", test_apply_and_verify);
	ADD ("/firewall/tamper-detected", test_tamper_detected);
	ADD ("/firewall/remove-leaves-others", test_remove_leaves_others);
	ADD ("/firewall/foreign-table-replaced", test_foreign_table_replaced);
	ADD ("/firewall/render-narrow", test_render_narrow);
	ADD ("/firewall/render-side-channels", test_render_side_channels);
	ADD ("/firewall/no-ifindex", test_no_ifindex);
	ADD ("/firewall/many-prefixes", test_many_prefixes);
	ADD ("/firewall/commands-in-child", test_commands_in_child);
	ADD ("/firewall/watch-foreign-only", test_watch_foreign_only);
	g_test_add_func ("/firewall/golden-files-load", test_golden_files_load);
	return g_test_run ();
}
