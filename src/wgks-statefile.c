/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-statefile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"

/* The same group in the private and in the world-readable file. */
#define GROUP_STATUS   WGKS_PUBLIC_STATUS_GROUP

#define LOCK_WAIT_MS   5000
#define LOCK_RETRY_MS  10

/* Tests and the lab's "reboot" point these elsewhere. */
static char *
state_dir (void)
{
	const char *env = g_getenv ("WGKS_STATE_DIR");

	return g_strdup (env ? env : LOCALSTATEDIR "/lib/wireguard-killswitch");
}

static char *
run_dir (void)
{
	const char *env = g_getenv ("WGKS_RUN_DIR");

	return g_strdup (env ? env : RUNSTATEDIR "/wireguard-killswitch");
}

char *
wgks_run_path (const char *name)
{
	g_autofree char *dir = run_dir ();

	return g_build_filename (dir, name, NULL);
}

char *
wgks_lockdown_path (void)
{
	g_autofree char *dir = state_dir ();

	return g_build_filename (dir, "lockdown", NULL);
}

void
wgks_blocked_clear (void)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_BLOCKED);

	g_unlink (path);
}

/* A lock on the directory itself: no file to create, and no inotify event
 * for the guardian, which watches that directory. A holder that hangs must
 * not lock the user out of "release": after LOCK_WAIT_MS we go on. */
int
wgks_statefile_lock (void)
{
	g_autofree char *dir = run_dir ();
	gint64 deadline = g_get_monotonic_time () + LOCK_WAIT_MS * 1000;
	int fd;

	if (g_mkdir_with_parents (dir, 0700) != 0)
		return -1;
	fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock (fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || g_get_monotonic_time () >= deadline) {
			close (fd);
			return -1;
		}
		g_usleep (LOCK_RETRY_MS * 1000);
	}
	return fd;
}

void
wgks_statefile_unlock (int fd)
{
	if (fd >= 0)
		close (fd);
}

/* Write to a temporary file in the same directory, fsync, rename: a crash
 * leaves the old file or the new one, never half of one. */
static gboolean
statefile_write_mode (const char *path, const char *contents, int dir_mode, int mode, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (path);

	if (g_mkdir_with_parents (dir, dir_mode) != 0) {
		int errsv = errno;

		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot create %s: %s", dir,
		             g_strerror (errsv));
		return FALSE;
	}
	return g_file_set_contents_full (path, contents, -1,
	                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
	                                 mode, error);
}

gboolean
wgks_statefile_write (const char *path, const char *contents, GError **error)
{
	return statefile_write_mode (path, contents, 0700, 0600, error);
}

/* The status file's strings: their keys, where WgksStatus keeps them, and
 * which of them the world-readable copy has (wgks-public-status.h). */
static const struct {
	const char *key;
	gsize       offset;
	gboolean    public;
} status_strings[] = {
	{ "connection", G_STRUCT_OFFSET (WgksStatus, connection), TRUE },
	{ "uuid", G_STRUCT_OFFSET (WgksStatus, uuid), TRUE },
	{ "state", G_STRUCT_OFFSET (WgksStatus, state), TRUE },
	{ "reason", G_STRUCT_OFFSET (WgksStatus, reason), TRUE },
	{ "interface", G_STRUCT_OFFSET (WgksStatus, ifname), FALSE },
	{ "endpoints", G_STRUCT_OFFSET (WgksStatus, endpoints), FALSE },
	{ "kill-switch", G_STRUCT_OFFSET (WgksStatus, kill_switch), TRUE },
};

#define STATUS_STRING(s, i) G_STRUCT_MEMBER (char *, (s), status_strings[i].offset)

void
wgks_status_free (WgksStatus *s)
{
	guint i;

	if (!s)
		return;
	for (i = 0; i < G_N_ELEMENTS (status_strings); i++)
		g_free (STATUS_STRING (s, i));
	g_free (s);
}

/* The whole status, or only what the world may read. */
static char *
status_to_data (const WgksStatus *s, gboolean public)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	guint i;

	for (i = 0; i < G_N_ELEMENTS (status_strings); i++) {
		const char *value = STATUS_STRING (s, i);

		if (status_strings[i].public || !public)
			g_key_file_set_string (kf, GROUP_STATUS, status_strings[i].key, value ? value : "");
	}
	if (!public)
		g_key_file_set_int64 (kf, GROUP_STATUS, "last-handshake", s->last_handshake);
	return g_key_file_to_data (kf, NULL, NULL);
}

gboolean
wgks_status_save (const WgksStatus *s, GError **error)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_STATUS);
	g_autofree char *data = status_to_data (s, FALSE);
	g_autofree char *public_path = wgks_public_status_path ();
	g_autofree char *public_data = status_to_data (s, TRUE);

	return wgks_statefile_write (path, data, error)
	       && statefile_write_mode (public_path, public_data, 0755, 0644, error);
}

WgksStatus *
wgks_status_load (GError **error)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_STATUS);
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	WgksStatus *s;
	guint i;

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
		return NULL;
	s = g_new0 (WgksStatus, 1);
	for (i = 0; i < G_N_ELEMENTS (status_strings); i++)
		STATUS_STRING (s, i) = g_key_file_get_string (kf, GROUP_STATUS, status_strings[i].key, NULL);
	s->last_handshake = g_key_file_get_int64 (kf, GROUP_STATUS, "last-handshake", NULL);
	return s;
}

void
wgks_status_clear (void)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_STATUS);
	g_autofree char *snap = wgks_run_path (WGKS_RUN_SNAPSHOT);
	g_autofree char *pub = wgks_public_status_path ();

	g_unlink (path);
	g_unlink (snap);
	g_unlink (pub);
}

void
wgks_status_save_lockdown (void)
{
	g_autoptr (GError) error = NULL;
	WgksStatus s = {
		.state = (char *) "blocked",
		.reason = (char *) WGKS_REASON_LOCKDOWN,
		.kill_switch = (char *) "lockdown",
	};

	if (!wgks_status_save (&s, &error))
		g_warning ("cannot write the status file: %s", error->message);
}
