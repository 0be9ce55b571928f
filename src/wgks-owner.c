/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An flock on $runstatedir/wireguard-killswitch/owner: the kernel drops it
 * when the owner dies, so a crashed service never blocks the next one. The
 * file says who holds it, for the error message only. */
#include "config.h"

#include "wgks-owner.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "wgks-log.h"
#include "wgks-statefile.h"

#define OWNER_RETRY_MS 50

struct _WgksOwner {
	int fd;
};

static int
open_lock_file (GError **error)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_OWNER);
	g_autofree char *dir = g_path_get_dirname (path);
	int fd, errsv;

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		errsv = errno;
		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), _("cannot create %s: %s"), dir,
		             g_strerror (errsv));
		return -1;
	}
	fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		errsv = errno;
		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), _("cannot open %s: %s"), path,
		             g_strerror (errsv));
	}
	return fd;
}

/* "PID connection-id", as the owner wrote it. */
static char *
read_owner (int fd)
{
	char buf[512];
	ssize_t n = pread (fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return g_strdup (_("an unknown process"));
	buf[n] = '\0';
	g_strchomp (buf);
	return g_strdup (buf);
}

static void
write_owner (int fd, const char *connection_id)
{
	g_autofree char *text = g_strdup_printf ("service PID %ld, connection \"%s\"\n", (long) getpid (),
	                                         connection_id ? connection_id : "");
	gsize len = strlen (text);

	if (ftruncate (fd, 0) != 0 || pwrite (fd, text, len, 0) != (ssize_t) len)
		wgks_log_warn ("cannot record the kill-switch owner: %s", g_strerror (errno));
}

WgksOwner *
wgks_owner_acquire (const char *connection_id, guint wait_ms, GError **error)
{
	gint64 deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;
	g_autofree char *holder = NULL;
	WgksOwner *owner;
	int fd = open_lock_file (error);

	if (fd < 0)
		return NULL;
	while (flock (fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || g_get_monotonic_time () >= deadline) {
			int errsv = errno;

			holder = read_owner (fd);
			close (fd);
			if (errsv == EWOULDBLOCK)
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
				             _("another WireGuard kill-switch connection is active (%s); disconnect it first"),
				             holder);
			else
				g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
				             _("cannot lock the kill switch: %s"), g_strerror (errsv));
			return NULL;
		}
		g_usleep (OWNER_RETRY_MS * 1000);
	}
	write_owner (fd, connection_id);
	owner = g_new0 (WgksOwner, 1);
	owner->fd = fd;
	return owner;
}

void
wgks_owner_release (WgksOwner *owner)
{
	if (!owner)
		return;
	if (ftruncate (owner->fd, 0) != 0)
		wgks_log_warn ("cannot clear the kill-switch owner: %s", g_strerror (errno));
	close (owner->fd);   /* drops the lock */
	g_free (owner);
}
