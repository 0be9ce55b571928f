/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's nft script, rendered by the pure wgks_ruleset_render()
 * and compared with a golden file per state and profile shape; no kernel,
 * no root. The kernel's view of the same scripts is tests/root/test-firewall.
 *
 * After an intended change of the ruleset, regenerate the golden files and
 * review their diff before committing it:
 *   WGKS_UPDATE_GOLDEN=1 make check TESTS=tests/unit/test-firewall-render */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"
#include "wgks-firewall.h"
#include "test-utils.h"

typedef enum {
	SHAPE_FULL,        /* IPv4 + IPv6, everything through the tunnel */
	SHAPE_SPLIT,       /* only some prefixes through the tunnel */
	SHAPE_ALLOW_LAN,
	SHAPE_IPV4_ONLY,   /* no IPv6 endpoint, DNS or address */
	SHAPE_MANY_PEERS,  /* 64 peers */
	SHAPE_FORWARDING,  /* the system forwards, DNS leak protection off */
} Shape;

typedef struct {
	const char       *name;    /* golden file: tests/unit/golden/NAME.nft */
	WgksFirewallState state;
	Shape             shape;
} Case;

static const Case cases[] = {
	{ "off", WGKS_FIREWALL_OFF, SHAPE_FULL },
	{ "connecting-full", WGKS_FIREWALL_CONNECTING, SHAPE_FULL },
	{ "connected-full", WGKS_FIREWALL_CONNECTED, SHAPE_FULL },
	{ "blocked-full", WGKS_FIREWALL_BLOCKED, SHAPE_FULL },
	{ "connecting-split", WGKS_FIREWALL_CONNECTING, SHAPE_SPLIT },
	{ "connected-split", WGKS_FIREWALL_CONNECTED, SHAPE_SPLIT },
	{ "blocked-split", WGKS_FIREWALL_BLOCKED, SHAPE_SPLIT },
	{ "connecting-allow-lan", WGKS_FIREWALL_CONNECTING, SHAPE_ALLOW_LAN },
	{ "connected-allow-lan", WGKS_FIREWALL_CONNECTED, SHAPE_ALLOW_LAN },
	{ "blocked-allow-lan", WGKS_FIREWALL_BLOCKED, SHAPE_ALLOW_LAN },
	{ "connecting-ipv4-only", WGKS_FIREWALL_CONNECTING, SHAPE_IPV4_ONLY },
	{ "connected-ipv4-only", WGKS_FIREWALL_CONNECTED, SHAPE_IPV4_ONLY },
	{ "blocked-ipv4-only", WGKS_FIREWALL_BLOCKED, SHAPE_IPV4_ONLY },
	{ "connected-many-peers", WGKS_FIREWALL_CONNECTED, SHAPE_MANY_PEERS },
	{ "blocked-many-peers", WGKS_FIREWALL_BLOCKED, SHAPE_MANY_PEERS },
	{ "connected-forwarding", WGKS_FIREWALL_CONNECTED, SHAPE_FORWARDING },
};

static GPtrArray *
strings (const char *first, ...)
{
	GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
	const char *s;
	va_list ap;

	va_start (ap, first);
	for (s = first; s; s = va_arg (ap, const char *))
		g_ptr_array_add (a, g_strdup (s));
	va_end (ap);
	return a;
}

/* Renders the case; the spec's arrays live only during the call. */
static char *
render_case (const Case *c)
{
	g_autoptr (GArray) endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	g_autoptr (GPtrArray) dns = NULL;
	g_autoptr (GPtrArray) addresses = NULL;
	g_autoptr (GPtrArray) resolvers = NULL;
	g_autoptr (GPtrArray) uplinks = strings ("198.51.100.0/25", NULL);
	g_autoptr (GPtrArray) prefixes = NULL;
	WgksFirewallSpec spec = {
		.state = c->state,
		.tunnel_ifindex = 4242,
		.fwmark = WGKS_DEFAULT_FWMARK,
		.endpoints = endpoints,
		.uplink_subnets4 = uplinks,
		.dns_leak_protection = TRUE,
	};
	guint i;

	if (c->shape == SHAPE_IPV4_ONLY) {
		wgks_test_add_endpoint (endpoints, "203.0.113.1", 51820);
		dns = strings ("10.66.0.53", NULL);
		addresses = strings ("10.66.0.2", NULL);
		resolvers = strings ("198.51.100.1", NULL);
	} else {
		wgks_test_add_endpoint (endpoints, "203.0.113.1", 51820);
		wgks_test_add_endpoint (endpoints, "2001:db8:ffff::1", 51820);
		dns = strings ("10.66.0.53", "fd00:66::53", NULL);
		addresses = strings ("10.66.0.2", "fd00:66::2", NULL);
		resolvers = strings ("198.51.100.1", "2001:db8:1::53", NULL);
	}
	if (c->shape == SHAPE_MANY_PEERS) {
		for (i = 2; i < 64; i++) {
			g_autofree char *ip = g_strdup_printf ("203.0.113.%u", i);

			wgks_test_add_endpoint (endpoints, ip, (guint16) (51820 + i));
		}
	}
	if (c->shape == SHAPE_SPLIT) {
		prefixes = g_ptr_array_new_with_free_func (g_free);
		g_ptr_array_add (prefixes, wgks_test_prefix ("10.66.0.0/16"));
		g_ptr_array_add (prefixes, wgks_test_prefix ("192.168.77.0/24"));
		g_ptr_array_add (prefixes, wgks_test_prefix ("fd00:66::/64"));
	}
	spec.tunnel_dns = dns;
	spec.tunnel_addresses = addresses;
	/* The connecting cases stand for a connect with host-name endpoints: the
	 * service's lookups run then; in the others, none runs. */
	spec.resolvers = c->state == WGKS_FIREWALL_CONNECTING ? resolvers : NULL;
	spec.protected_prefixes = prefixes;
	spec.allow_lan = c->shape == SHAPE_ALLOW_LAN;
	spec.forwarding = c->shape == SHAPE_FORWARDING;
	if (c->shape == SHAPE_FORWARDING)
		spec.dns_leak_protection = FALSE;
	return wgks_ruleset_render (&spec);
}

/* `diff -u` of the golden file and the rendering, for the test log. */
static char *
diff_with (const char *golden_path, const char *rendered)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *tmp = NULL;
	g_autofree char *out = NULL;
	const char *argv[] = { "diff", "-u", golden_path, NULL, NULL };
	int fd;

	fd = g_file_open_tmp ("wgks-render-XXXXXX.nft", &tmp, &error);
	g_assert_no_error (error);
	close (fd);
	g_assert_true (g_file_set_contents (tmp, rendered, -1, &error));
	argv[3] = tmp;
	if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
	                   NULL, NULL, &out, NULL, NULL, &error))
		out = g_strdup_printf ("(no diff: %s)", error->message);
	g_unlink (tmp);
	return g_steal_pointer (&out);
}

static void
test_golden (gconstpointer data)
{
	const Case *c = data;
	g_autofree char *file = g_strconcat (c->name, ".nft", NULL);
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "unit", "golden", file, NULL);
	g_autofree char *rendered = render_case (c);
	g_autofree char *golden = NULL;
	g_autoptr (GError) error = NULL;

	if (g_strcmp0 (g_getenv ("WGKS_UPDATE_GOLDEN"), "1") == 0) {
		g_assert_true (g_file_set_contents (path, rendered, -1, &error));
		g_test_message ("wrote %s", path);
		return;
	}
	if (!g_file_get_contents (path, &golden, NULL, &error)) {
		g_test_message ("%s; WGKS_UPDATE_GOLDEN=1 writes it", error->message);
		g_test_fail ();
		return;
	}
	if (strcmp (golden, rendered) != 0) {
		g_autofree char *diff = diff_with (path, rendered);

		g_test_message ("the rendering differs from %s (WGKS_UPDATE_GOLDEN=1 rewrites it):\n%s",
		                path, diff);
		g_test_fail ();
	}
}

/* Invariants that hold for every case, so that a regenerated golden file
 * cannot silently accept a hole. */
static void
test_invariants (void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		const Case *c = &cases[i];
		g_autofree char *script = render_case (c);

		g_test_message ("%s", c->name);
		g_assert_true (g_str_has_prefix (script, "add table inet wireguard_killswitch\n"
		                                         "delete table inet wireguard_killswitch\n"));
		if (c->state == WGKS_FIREWALL_OFF) {
			g_assert_null (strstr (script, "table inet wireguard_killswitch {"));
			continue;
		}
		/* the tunnel only by index, and only while connected */
		g_assert_true ((strstr (script, "oif 4242 accept") != NULL) == (c->state == WGKS_FIREWALL_CONNECTED));
		g_assert_null (strstr (script, "oifname \"wgks"));
		/* the uplink's resolver only while a lookup runs, and only for the
		 * service's marked packets */
		g_assert_true ((strstr (script, "198.51.100.1") != NULL) == (c->state == WGKS_FIREWALL_CONNECTING));
		{
			g_auto (GStrv) lines = g_strsplit (script, "\n", -1);
			guint j;

			for (j = 0; lines[j]; j++)
				if (strstr (lines[j], "dport 53 accept"))
					g_assert_nonnull (strstr (lines[j], "meta mark 0x"));
		}
		/* everything not accepted is rejected and counted */
		g_assert_nonnull (strstr (script, "counter name blocked_out"));
		g_assert_nonnull (strstr (script, "policy drop"));
		g_assert_true ((strstr (script, "@protected4") != NULL) == (c->shape == SHAPE_SPLIT));
		g_assert_true ((strstr (script, "10.0.0.0/8") != NULL) == (c->shape == SHAPE_ALLOW_LAN));
		g_assert_true ((strstr (script, "2001:db8:ffff::1") != NULL) == (c->shape != SHAPE_IPV4_ONLY));
	}
}

int
main (int argc, char **argv)
{
	guint i;

	wgks_test_init (&argc, &argv);
	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *name = g_strconcat ("/firewall-render/golden/", cases[i].name, NULL);

		g_test_add_data_func (name, &cases[i], test_golden);
	}
	g_test_add_func ("/firewall-render/invariants", test_invariants);
	return g_test_run ();
}
