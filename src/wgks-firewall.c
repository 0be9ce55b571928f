/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-firewall.h"

#include <string.h>

#include "wgks-nft.h"

G_DEFINE_QUARK (wgks-firewall-error-quark, wgks_firewall_error)

#define TABLE WGKS_FIREWALL_FAMILY " " WGKS_FIREWALL_TABLE

/* Counters change with every packet, and the uplink's DNS servers expire
 * by themselves (also after the service died): the rules are what matters. */
char *
wgks_firewall_normalize (const char *listing)
{
	g_autoptr (GRegex) re = g_regex_new ("packets [0-9]+ bytes [0-9]+", 0, 0, NULL);
	g_autoptr (GRegex) expiring = g_regex_new ("\t*elements = \\{[^}]* timeout [^}]*\\}\n", 0, 0, NULL);
	g_autofree char *counters = g_regex_replace_literal (re, listing, -1, 0, "packets 0 bytes 0", 0, NULL);

	return g_regex_replace_literal (expiring, counters, -1, 0, "", 0, NULL);
}

gboolean
wgks_firewall_listing_equal (const char *a, const char *b)
{
	g_autofree char *na = a ? wgks_firewall_normalize (a) : NULL;
	g_autofree char *nb = b ? wgks_firewall_normalize (b) : NULL;

	return g_strcmp0 (na, nb) == 0;
}

/* Runs SCRIPT (if any), then lists the table, in one child process:
 * *listing is NULL if there is no table, which is no error. */
static gboolean
run_then_list (const char *script, char **listing, GError **error)
{
	const char *const with_script[] = { script, "list table " TABLE, NULL };
	const char *const *scripts = script ? with_script : with_script + 1;
	g_autoptr (GError) local = NULL;
	guint n_done = 0;

	*listing = NULL;
	if (wgks_nft_run_each (scripts, FALSE, &n_done, listing, &local))
		return TRUE;
	/* "No such file or directory" from the listing: there is no table */
	if (scripts[n_done + 1] == NULL && strstr (local->message, "No such file"))
		return TRUE;
	g_propagate_error (error, g_steal_pointer (&local));
	return FALSE;
}

char *
wgks_firewall_list (GError **error)
{
	char *listing = NULL;

	run_then_list (NULL, &listing, error);
	return listing;
}

static guint
count_substr (const char *haystack, const char *needle)
{
	guint n = 0;

	for (const char *p = haystack; (p = strstr (p, needle)); p += strlen (needle))
		n++;
	return n;
}

/* Read back: the table must exist with its three base chains dropping by
 * policy and the state we wrote. Anything else fails closed. */
static gboolean
verify_listing (const WgksFirewallSpec *spec, const char *listing, GError **error)
{
	g_autofree char *state = g_strdup_printf ("state=%s\"", wgks_ruleset_state_to_string (spec->state));

	if (spec->state == WGKS_FIREWALL_OFF) {
		if (listing) {
			g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_VERIFY,
			             "table %s still present after removal", WGKS_FIREWALL_TABLE);
			return FALSE;
		}
		return TRUE;
	}
	if (!listing || !strstr (listing, state) || count_substr (listing, "policy drop;") != 3
	    || !strstr (listing, "hook output") || !strstr (listing, "hook input") || !strstr (listing, "hook forward")
	    || !strstr (listing, "counter name \"blocked_out\"")) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_VERIFY,
		             "table %s read back does not match the %s ruleset", WGKS_FIREWALL_TABLE,
		             wgks_ruleset_state_to_string (spec->state));
		return FALSE;
	}
	return TRUE;
}

/* Runs the script in one transaction, then reads the table back and checks
 * it is the one of spec's state. */
static gboolean
run_and_verify (const char *script, const WgksFirewallSpec *spec, char **snapshot, GError **error)
{
	g_autofree char *listing = NULL;

	if (!run_then_list (script, &listing, error) || !verify_listing (spec, listing, error))
		return FALSE;
	if (snapshot)
		*snapshot = g_steal_pointer (&listing);
	return TRUE;
}

gboolean
wgks_firewall_apply (const WgksFirewallSpec *spec, char **snapshot, GError **error)
{
	g_autofree char *script = NULL;

	if (spec->state == WGKS_FIREWALL_CONNECTED && spec->tunnel_ifindex == 0) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL,
		             "no tunnel interface index for the kill switch");
		return FALSE;
	}
	script = wgks_ruleset_render (spec);
	return run_and_verify (script, spec, snapshot, error);
}

gboolean
wgks_firewall_remove (GError **error)
{
	WgksFirewallSpec off = { .state = WGKS_FIREWALL_OFF };

	return wgks_firewall_apply (&off, NULL, error);
}

static gint64
counter_packets (const char *listing, const char *name)
{
	g_autofree char *head = g_strdup_printf ("counter %s {", name);
	const char *p = strstr (listing, head);
	const char *pk;

	if (!p)
		return 0;
	pk = strstr (p, "packets ");
	return pk ? g_ascii_strtoll (pk + 8, NULL, 10) : 0;
}

gint64
wgks_firewall_blocked_packets (void)
{
	g_autofree char *listing = wgks_firewall_list (NULL);

	if (!listing)
		return -1;
	return counter_packets (listing, "blocked_out") + counter_packets (listing, "blocked_in")
	       + counter_packets (listing, "blocked_fwd") + counter_packets (listing, "blocked_dns");
}

gboolean
wgks_firewall_apply_script (const char *script, WgksFirewallState state, char **snapshot, GError **error)
{
	WgksFirewallSpec spec = { .state = state };

	return run_and_verify (script, &spec, snapshot, error);
}
