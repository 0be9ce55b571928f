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

/* WGKS_TEST_SRCDIR and WGKS_TEST_BUILDDIR (tests/ in the source and the
 * build tree, set by tests/Makefile.inc) stand in for G_TEST_SRCDIR and
 * G_TEST_BUILDDIR when a test is run by hand, so that
 * g_test_build_filename() finds tests/data and the built files without them. */
static inline void
wgks_test_init (int *argc, char ***argv)
{
#ifdef WGKS_TEST_SRCDIR
	g_setenv ("G_TEST_SRCDIR", WGKS_TEST_SRCDIR, FALSE);
#endif
#ifdef WGKS_TEST_BUILDDIR
	g_setenv ("G_TEST_BUILDDIR", WGKS_TEST_BUILDDIR, FALSE);
#endif
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

#ifdef WGKS_FIREWALL_H
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
