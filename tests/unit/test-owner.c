/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One owner of the kill switch at a time (src/wgks-owner.c). flock()
 * locks belong to open files, so two acquisitions in one process conflict
 * exactly as two services would. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wgks-owner.h"
#include "wgks-statefile.h"
#include "test-utils.h"

typedef struct {
	char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp ("wgks-owner-XXXXXX", NULL);
	g_assert_nonnull (f->dir);
	g_setenv ("WGKS_RUN_DIR", f->dir, TRUE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_OWNER);

	g_unlink (path);
	g_rmdir (f->dir);
	g_free (f->dir);
}

static void
test_second_owner_refused (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksOwner) first = wgks_owner_acquire ("office", 0, &error);
	g_autoptr (WgksOwner) second = NULL;
	g_autofree char *expected = g_strdup_printf ("(service PID %ld, connection \"office\")", (long) getpid ());
	g_autofree char *path = wgks_run_path (WGKS_RUN_OWNER);
	struct stat st;

	g_assert_no_error (error);
	g_assert_nonnull (first);
	g_assert_cmpint (g_stat (path, &st), ==, 0);
	g_assert_cmpint (st.st_mode & 0777, ==, 0600);
	second = wgks_owner_acquire ("office", 100, &error);
	g_assert_null (second);
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
	g_assert_nonnull (strstr (error->message, expected));
}

static void
test_released_owner_frees_the_lock (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	WgksOwner *first = wgks_owner_acquire ("home", 0, &error);
	g_autoptr (WgksOwner) second = NULL;
	g_autofree char *path = wgks_run_path (WGKS_RUN_OWNER);
	g_autofree char *contents = NULL;

	g_assert_no_error (error);
	wgks_owner_release (first);
	g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
	g_assert_cmpstr (contents, ==, "");
	second = wgks_owner_acquire ("office", 0, &error);
	g_assert_no_error (error);
	g_assert_nonnull (second);
}

static gpointer
release_later (gpointer owner)
{
	g_usleep (150 * 1000);
	wgks_owner_release (owner);
	return NULL;
}

/* A service that is still shutting down when the next one starts. */
static void
test_waits_for_a_leaving_owner (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	WgksOwner *first = wgks_owner_acquire ("home", 0, &error);
	g_autoptr (WgksOwner) second = NULL;
	GThread *thread;

	g_assert_no_error (error);
	thread = g_thread_new ("release", release_later, first);
	second = wgks_owner_acquire ("office", 5000, &error);
	g_thread_join (thread);
	g_assert_no_error (error);
	g_assert_nonnull (second);
}

int
main (int argc, char **argv)
{
	wgks_test_init (&argc, &argv);
	g_test_add ("/owner/second-refused", Fixture, NULL, fixture_set_up, test_second_owner_refused,
	            fixture_tear_down);
	g_test_add ("/owner/release", Fixture, NULL, fixture_set_up, test_released_owner_frees_the_lock,
	            fixture_tear_down);
	g_test_add ("/owner/waits", Fixture, NULL, fixture_set_up, test_waits_for_a_leaving_owner,
	            fixture_tear_down);
	return g_test_run ();
}
