/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink errors as callers see them (G_IO_ERROR codes), against the
 * kernel in a private network namespace this test creates: needs root. */
#include "config.h"

#include <gio/gio.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wgks-rtnl.h"
#include "wgks-rules.h"
#include "test-utils.h"

static void
test_link_errors (void)
{
	g_autoptr (GError) error = NULL;
	gboolean existed = TRUE;

	/* no such link: not an error for deletion, and said so */
	g_assert_true (wgks_rtnl_link_del ("wgksnosuch0", &existed, &error));
	g_assert_no_error (error);
	g_assert_false (existed);

	g_assert_false (wgks_rtnl_link_add ("wgksbad0", "wgks-no-such-kind", &error));
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
	g_clear_error (&error);

	g_assert_false (wgks_rtnl_link_set_up ("wgksnosuch0", 0, &error));
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_clear_error (&error);

	/* a veth without peer data gets a peer of the kernel's naming */
	g_assert_true (wgks_rtnl_link_add ("wgkstest0", "veth", &error));
	g_assert_no_error (error);
	g_assert_false (wgks_rtnl_link_add ("wgkstest0", "veth", &error));
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
	g_clear_error (&error);
	g_assert_true (wgks_rtnl_link_del ("wgkstest0", &existed, &error));
	g_assert_no_error (error);
	g_assert_true (existed);
}

/* A rule left by a crashed run (EEXIST) and one already gone (ENOENT) are
 * both success. */
static void
test_rules_idempotent (void)
{
	static const int families[] = { AF_INET, AF_INET6 };
	guint i;

	for (i = 0; i < G_N_ELEMENTS (families); i++) {
		g_autoptr (GError) error = NULL;

		g_assert_true (wgks_rules_add (families[i], 0xca6c, 51820, &error));
		g_assert_no_error (error);
		g_assert_true (wgks_rules_add (families[i], 0xca6c, 51820, &error));
		g_assert_no_error (error);
		g_assert_true (wgks_rules_remove (families[i], 0xca6c, 51820, &error));
		g_assert_no_error (error);
		g_assert_true (wgks_rules_remove (families[i], 0xca6c, 51820, &error));
		g_assert_no_error (error);
	}
}

int
main (int argc, char **argv)
{
	wgks_test_init (&argc, &argv);
	if (getuid () != 0 || unshare (CLONE_NEWNET) != 0) {
		g_test_skip ("needs root to create a private network namespace");
		return g_test_run ();
	}
	g_test_add_func ("/rtnl/link-errors", test_link_errors);
	g_test_add_func ("/rtnl/rules-idempotent", test_rules_idempotent);
	return g_test_run ();
}
