/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wgks-firewall.h"
#include "wgks-lockdown.h"
#include "wgks-nft.h"
#include "wgks-nl-watch.h"
#include "wgks-statefile.h"

typedef struct {
	GMainLoop *loop;
	char      *snapshot;  /* the table as the guardian last wrote it; NULL: not ours now */
} Guard;

typedef enum {
	WANT_NOTHING,
	WANT_SCRIPT,    /* the service's blocking table */
	WANT_SPEC,      /* lockdown, or the fallback when the script is unusable */
} Want;

static void G_GNUC_PRINTF (1, 2)
guard_log (const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_printerr ("wg-killswitch guard: %s\n", msg);
}

/* TRUE when a service holds the owner lock: the table is the service's.
 * Otherwise *fd holds that lock (or is -1 if it could not be had), so that
 * no service starts while we write. Opened read-only: its close is no
 * "written" event for our own inotify watch. */
static gboolean
service_owns (int *fd)
{
	g_autofree char *path = wgks_run_path (WGKS_RUN_OWNER);

	*fd = open (path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		guard_log ("cannot open %s: %s; guarding as if no service ran", path, g_strerror (errno));
		return FALSE;
	}
	while (flock (*fd, LOCK_EX | LOCK_NB) != 0) {
		int errsv = errno;

		if (errsv == EINTR)
			continue;
		close (*fd);
		*fd = -1;
		if (errsv == EWOULDBLOCK)
			return TRUE;
		guard_log ("cannot lock %s: %s; guarding as if no service ran", path, g_strerror (errsv));
		return FALSE;
	}
	return FALSE;
}

/* What must be in the kernel while no service owns the kill switch; *why
 * says why, for the log when it has to be installed. */
static Want
wanted (char **script, WgksLockdown **lockdown, WgksFirewallSpec *spec, char **why)
{
	g_autoptr (GError) lockdown_error = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = wgks_run_path (WGKS_RUN_BLOCKED);
	gboolean exists = FALSE;

	*lockdown = wgks_lockdown_load (&exists, &lockdown_error);
	wgks_lockdown_to_spec (*lockdown, spec);
	if (g_file_get_contents (path, script, NULL, &error)) {
		*why = g_strdup ("no VPN service owns the kill switch: installing its blocking table");
		return WANT_SCRIPT;
	}
	if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		*why = g_strdup_printf ("%s; blocking everything but the lockdown endpoints", error->message);
		return WANT_SPEC;
	}
	if (!*lockdown) {
		*why = g_strdup_printf ("lockdown state unreadable (%s): blocking all traffic", lockdown_error->message);
		return WANT_SPEC;
	}
	if ((*lockdown)->enabled) {
		*why = g_strdup ("lockdown is on: installing the blocking table");
		return WANT_SPEC;
	}
	return WANT_NOTHING;
}

/* `wg-killswitch status` of a service that died says "blocked" now. */
static void
mark_status_blocked (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksStatus) status = wgks_status_load (NULL);

	if (!status || g_strcmp0 (status->state, "blocked") == 0)
		return;
	g_free (status->state);
	status->state = g_strdup ("blocked");
	if (!wgks_status_save (status, &error))
		guard_log ("cannot update the status file: %s", error->message);
}

static gboolean
install (Want want, const char *script, const WgksFirewallSpec *spec, char **snapshot)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *path = wgks_run_path (WGKS_RUN_SNAPSHOT);
	gboolean ok = FALSE;

	if (want == WANT_SCRIPT) {
		ok = wgks_firewall_apply_script (script, WGKS_FIREWALL_BLOCKED, snapshot, &error);
		if (!ok)
			guard_log ("the service's blocking table failed (%s); blocking everything but the lockdown endpoints",
			           error->message);
		g_clear_error (&error);
	}
	if (!ok && !wgks_firewall_apply (spec, snapshot, &error)) {
		guard_log ("cannot install the blocking table: %s", error->message);
		return FALSE;
	}
	if (!wgks_statefile_write (path, *snapshot, &error))
		guard_log ("cannot record the table for `wg-killswitch status`: %s", error->message);
	mark_status_blocked ();
	return TRUE;
}

static void
enforce (Guard *g)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksLockdown) lockdown = NULL;
	g_autofree char *script = NULL;
	g_autofree char *listing = NULL;
	g_autofree char *snapshot = NULL;
	g_autofree char *why = NULL;
	WgksFirewallSpec spec;
	Want want = wanted (&script, &lockdown, &spec, &why);

	if (want == WANT_NOTHING) {
		g_clear_pointer (&g->snapshot, g_free);
		return;
	}
	listing = wgks_firewall_list (&error);
	if (g->snapshot && listing && wgks_firewall_listing_equal (listing, g->snapshot))
		return;
	if (g->snapshot)
		guard_log ("table %s was %s by another program; restoring it", WGKS_FIREWALL_TABLE,
		           listing ? "changed" : "deleted");
	else
		guard_log ("%s", why);
	g_clear_pointer (&g->snapshot, g_free);
	if (install (want, script, &spec, &snapshot))
		g->snapshot = g_steal_pointer (&snapshot);
}

/* Runs on every nftables change and every change in the run directory:
 * cheap when nothing is to be done (one flock, one listing). */
static void
check (Guard *g)
{
	int dir_lock = wgks_statefile_lock ();
	int owner_lock;

	if (service_owns (&owner_lock))
		g_clear_pointer (&g->snapshot, g_free);  /* the service's table, not ours */
	else
		enforce (g);
	if (owner_lock >= 0)
		close (owner_lock);
	wgks_statefile_unlock (dir_lock);
	/* Checks are rare and the guardian lives on: no nftables helper
	 * process waits between them. */
	wgks_nft_release ();
}

static gboolean
nftables_changed (gpointer user_data)
{
	check (user_data);
	return G_SOURCE_CONTINUE;
}

/* A service's owner file is closed when it lets go of the kill switch or
 * dies (the kernel closes it); its status and script are renamed into place. */
static gboolean
run_dir_changed (int fd, GIOCondition condition, gpointer user_data)
{
	char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));

	while (read (fd, buf, sizeof buf) > 0)
		;
	check (user_data);
	return G_SOURCE_CONTINUE;
}

static int
watch_run_dir (GError **error)
{
	g_autofree char *owner = wgks_run_path (WGKS_RUN_OWNER);
	g_autofree char *dir = g_path_get_dirname (owner);
	int fd;

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		int errsv = errno;

		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot create %s: %s", dir,
		             g_strerror (errsv));
		return -1;
	}
	fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch (fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) < 0) {
		int errsv = errno;

		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot watch %s: %s", dir,
		             g_strerror (errsv));
		if (fd >= 0)
			close (fd);
		return -1;
	}
	return fd;
}

/* systemd's Type=notify, without linking libsystemd. */
static void
notify_ready (void)
{
	const char *path = g_getenv ("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	gsize len = path ? strlen (path) : 0;
	int fd;

	if (len == 0 || len >= sizeof sa.sun_path || (path[0] != '/' && path[0] != '@'))
		return;
	memcpy (sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto (fd, msg, sizeof msg - 1, MSG_NOSIGNAL, (struct sockaddr *) &sa,
	            offsetof (struct sockaddr_un, sun_path) + len) < 0)
		guard_log ("cannot tell systemd that we are ready: %s", g_strerror (errno));
	close (fd);
}

static gboolean
quit_on_signal (gpointer user_data)
{
	g_main_loop_quit (user_data);
	return G_SOURCE_CONTINUE;
}

gboolean
wgks_guard_run (GError **error)
{
	Guard g = { 0 };
	guint nft_id, dir_id, term_id, int_id;
	int dir_fd;

	dir_fd = watch_run_dir (error);
	nft_id = dir_fd < 0 ? 0 : wgks_nft_watch_add (nftables_changed, &g, error);
	if (!nft_id) {
		/* Cannot guard, but can still block as the boot unit must. */
		check (&g);
		g_free (g.snapshot);
		if (dir_fd >= 0)
			close (dir_fd);
		return FALSE;
	}
	dir_id = g_unix_fd_add (dir_fd, G_IO_IN, run_dir_changed, &g);
	g.loop = g_main_loop_new (NULL, FALSE);
	term_id = g_unix_signal_add (SIGTERM, quit_on_signal, g.loop);
	int_id = g_unix_signal_add (SIGINT, quit_on_signal, g.loop);

	/* At boot, before any interface comes up: block when lockdown is on or
	 * its state unreadable. Ready only then, for the units ordered after. */
	check (&g);
	notify_ready ();
	guard_log ("watching nftables and the kill switch's state");
	g_main_loop_run (g.loop);

	g_source_remove (int_id);
	g_source_remove (term_id);
	g_source_remove (dir_id);
	g_source_remove (nft_id);
	close (dir_fd);
	g_main_loop_unref (g.loop);
	g_free (g.snapshot);
	return TRUE;
}
