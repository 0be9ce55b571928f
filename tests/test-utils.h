/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the C tests under tests/. Header-only: each test is one
 * program, and the helpers are small. Include it after the headers under
 * test: the helpers for those are defined only when they are included. */
#ifndef WGKS_TEST_UTILS_H
#define WGKS_TEST_UTILS_H

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#include "wgks-ip.h"
#include "wgks-key.h"

/* WGKS_TEST_SRCDIR and WGKS_TEST_BUILDDIR (tests/ in the source and the
 * build tree, set by tests/Makefile.inc) stand in for G_TEST_SRCDIR and
 * G_TEST_BUILDDIR when a test is run by hand, so that
 * g_test_build_filename() finds tests/data and the built files without them. */
static inline void
wgks_test_set_dirs (void)
{
#ifdef WGKS_TEST_SRCDIR
	g_setenv ("G_TEST_SRCDIR", WGKS_TEST_SRCDIR, FALSE);
#endif
#ifdef WGKS_TEST_BUILDDIR
	g_setenv ("G_TEST_BUILDDIR", WGKS_TEST_BUILDDIR, FALSE);
#endif
}

/* g_test_init() after wgks_test_set_dirs(); GTK tests call that before
 * gtk_test_init() themselves. */
static inline void
wgks_test_init (int *argc, char ***argv)
{
	wgks_test_set_dirs ();
	g_test_init (argc, argv, NULL);
}

/* A prefix the test writes as text; the test fails if it does not parse. */
static inline WgksPrefix *
wgks_test_prefix (const char *text)
{
	WgksPrefix p;
	const char *why;

	g_assert_true (wgks_prefix_parse (text, &p, &why));
	return wgks_prefix_dup (&p);
}

/* A key the test writes in base64. */
static inline void
wgks_test_key_from_b64 (const char *b64, WgksKey *key)
{
	g_assert_true (wgks_key_from_base64 (b64, key));
}

#ifdef WGKS_SOCKADDR_H
static inline void
wgks_test_sockaddr4 (WgksSockaddr *out, const char *ip, guint16 port)
{
	memset (out, 0, sizeof *out);
	out->in4.sin_family = AF_INET;
	out->in4.sin_port = htons (port);
	g_assert_cmpint (inet_pton (AF_INET, ip, &out->in4.sin_addr), ==, 1);
}
#endif

#ifdef NM_SETTING_IP_CONFIG_H
/* The IPv4 and IPv6 settings the editor and the importer write agree. */
static inline void
wgks_test_assert_same_ip (NMConnection *a, NMConnection *b)
{
	NMSettingIPConfig *sa[] = { nm_connection_get_setting_ip4_config (a), nm_connection_get_setting_ip6_config (a) };
	NMSettingIPConfig *sb[] = { nm_connection_get_setting_ip4_config (b), nm_connection_get_setting_ip6_config (b) };
	guint i, j;

	for (i = 0; i < G_N_ELEMENTS (sa); i++) {
		g_assert_nonnull (sa[i]);
		g_assert_nonnull (sb[i]);
		g_assert_cmpint (nm_setting_ip_config_get_never_default (sa[i]), ==,
		                 nm_setting_ip_config_get_never_default (sb[i]));
		g_assert_cmpuint (nm_setting_ip_config_get_route_table (sa[i]), ==,
		                  nm_setting_ip_config_get_route_table (sb[i]));
		g_assert_cmpint (nm_setting_ip_config_get_dns_priority (sa[i]), ==,
		                 nm_setting_ip_config_get_dns_priority (sb[i]));
		g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (sa[i]), ==,
		                  nm_setting_ip_config_get_num_dns_searches (sb[i]));
		for (j = 0; j < nm_setting_ip_config_get_num_dns_searches (sa[i]); j++)
			g_assert_cmpstr (nm_setting_ip_config_get_dns_search (sa[i], j), ==,
			                 nm_setting_ip_config_get_dns_search (sb[i], j));
	}
}
#endif

#ifdef WGKS_RULESET_H
/* Appends an endpoint given as text to a WgksFirewallEndpoint array. */
static inline void
wgks_test_add_endpoint (GArray *endpoints, const char *ip, guint16 port)
{
	WgksFirewallEndpoint ep = { .port = port };

	ep.family = strchr (ip, ':') ? AF_INET6 : AF_INET;
	g_assert_cmpint (inet_pton (ep.family, ip, ep.addr), ==, 1);
	g_array_append_val (endpoints, ep);
}
#endif

#endif
