/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wireguard-go backend: one "wireguard-go -f <ifname>" child per tunnel,
 * configured through its UAPI socket. Keys travel only over the socket,
 * never in argv or the environment. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wgks-allocator-env.h"
#include "wgks-device-private.h"
#include "wgks-log.h"
#include "wgks-poll.h"
#include "wgks-rtnl.h"
#include "wgks-uapi.h"

#define WGKS_UAPI_SOCKET_DIR      "/var/run/wireguard"
#define WGKS_UAPI_POLL_MIN_MS     2     /* wireguard-go is usually ready within milliseconds, */
#define WGKS_UAPI_POLL_MAX_MS     100   /* so poll often at first, then back off */
#define WGKS_UAPI_START_TIMEOUT_S 10
#define WGKS_UAPI_IO_TIMEOUT_S    5
#define WGKS_CHILD_STOP_MS        2000

typedef struct {
	WgksDevice *device;
	char       *socket_path;
	GPid        pid;
	guint       child_watch_id;
	guint       poll_id;
	guint       poll_ms;
	gint64      deadline;
	GTask      *create_task;
	gulong      cancel_id;
} UapiPriv;

static char *
socket_path_for (const char *ifname)
{
	return g_strdup_printf (WGKS_UAPI_SOCKET_DIR "/%s.sock", ifname);
}

/* Connected UAPI socket, or -1 with errno set. */
static int
uapi_connect (const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = WGKS_UAPI_IO_TIMEOUT_S };
	int fd, saved;

	if (strlen (path) >= sizeof addr.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy (addr.sun_path, path, strlen (path) + 1);   /* length checked above */
	fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
		saved = errno;
		close (fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static gboolean
write_all (int fd, const char *buf, gsize len)
{
	while (len > 0) {
		ssize_t n = send (fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		buf += n;
		len -= (gsize) n;
	}
	return TRUE;
}

/* One request/reply exchange on a fresh connection. */
static WgksUapiReply *
uapi_transact (const char *path, const char *request, gsize request_len, GError **error)
{
	g_autoptr (GByteArray) reply = g_byte_array_new ();
	WgksUapiReply *parsed = NULL;
	char chunk[4096];
	int fd, saved;

	fd = uapi_connect (path);
	if (fd < 0) {
		saved = errno;
		g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_FAILED,
		             "cannot connect to wireguard-go at %s: %s", path, g_strerror (saved));
		return NULL;
	}
	if (!write_all (fd, request, request_len)) {
		saved = errno;
		g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_FAILED,
		             "cannot write to wireguard-go at %s: %s", path, g_strerror (saved));
		goto out;
	}
	while (!wgks_uapi_reply_is_complete ((const char *) reply->data, reply->len)) {
		ssize_t n = recv (fd, chunk, sizeof chunk, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || reply->len + (gsize) n > WGKS_UAPI_MAX_REPLY) {
			saved = n < 0 ? errno : EPROTO;
			g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL,
			             "no complete answer from wireguard-go at %s: %s", path,
			             n == 0 ? "connection closed" : g_strerror (saved));
			goto out;
		}
		g_byte_array_append (reply, (const guint8 *) chunk, (guint) n);
	}
	parsed = wgks_uapi_parse_reply ((const char *) reply->data, reply->len, error);
out:
	/* A "get" reply carries the private key. */
	wgks_memzero (chunk, sizeof chunk);
	if (reply->len)
		wgks_memzero (reply->data, reply->len);
	close (fd);
	return parsed;
}

static gboolean
check_errno (WgksUapiReply *reply, const char *what, GError **error)
{
	if (reply->errno_value == 0)
		return TRUE;
	g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_FAILED,
	             "wireguard-go rejected %s: errno=%d (%s)", what, reply->errno_value,
	             g_strerror (reply->errno_value));
	return FALSE;
}

/* ---------------------------------------------------------------------------
 * The child process
 * ------------------------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
	/* wireguard-go holds the keys too; exec resets PR_SET_DUMPABLE, a zero
	 * core size limit survives it: no core dump of the keys. */
	struct rlimit no_core = { 0, 0 };

	setrlimit (RLIMIT_CORE, &no_core);
	/* Do not outlive the service: a stray wireguard-go would keep the tunnel. */
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Drops NAME from ENVP when it holds the value the service set for itself. */
static char **
drop_own_setting (char **envp, const char *name, const char *own)
{
	if (g_strcmp0 (g_environ_getenv (envp, name), own) == 0)
		envp = g_environ_unsetenv (envp, name);
	return envp;
}

static char **
child_environment (void)
{
	char **envp = g_get_environ ();

	envp = drop_own_setting (envp, "G_SLICE", WGKS_OWN_G_SLICE);
	envp = drop_own_setting (envp, "GLIBC_TUNABLES", WGKS_OWN_GLIBC_TUNABLES);
	envp = g_environ_setenv (envp, "WG_PROCESS_FOREGROUND", "1", TRUE);
	envp = g_environ_setenv (envp, "LOG_LEVEL", wgks_log_enabled (LOG_DEBUG) ? "verbose" : "error", TRUE);
	return envp;
}

static const char *
wireguard_go_path (void)
{
	const char *path = g_getenv ("WGKS_WIREGUARD_GO");

	return path && *path ? path : WGKS_WIREGUARD_GO_PATH;
}

static void
finish_create (UapiPriv *priv, GError *error)
{
	g_autoptr (GTask) task = g_steal_pointer (&priv->create_task);

	if (!task) {
		/* nothing waits (e.g. destroy after creation finished): error is ours */
		g_clear_error (&error);
		return;
	}
	if (priv->cancel_id)
		g_cancellable_disconnect (g_task_get_cancellable (task), priv->cancel_id);
	priv->cancel_id = 0;
	if (priv->poll_id)
		g_source_remove (priv->poll_id);
	priv->poll_id = 0;
	if (error)
		g_task_return_error (task, error);
	else
		g_task_return_boolean (task, TRUE);
}

static char *
describe_status (int status)
{
	if (WIFEXITED (status))
		return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
	if (WIFSIGNALED (status))
		return g_strdup_printf ("was killed by signal %d", WTERMSIG (status));
	return g_strdup_printf ("stopped (wait status %d)", status);
}

static void
child_exited (GPid pid, int status, gpointer user_data)
{
	UapiPriv *priv = user_data;
	g_autofree char *how = describe_status (status);
	g_autofree char *why = g_strdup_printf ("wireguard-go (PID %ld) for %s %s",
	                                        (long) pid, priv->device->ifname, how);

	priv->child_watch_id = 0;
	g_spawn_close_pid (pid);
	priv->pid = 0;
	if (priv->create_task) {
		finish_create (priv, g_error_new (WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_EXITED,
		                                  "%s before it was ready", why));
		return;
	}
	wgks_device_lost (priv->device, why);
}

static gboolean
poll_socket (gpointer user_data)
{
	UapiPriv *priv = user_data;
	int fd = uapi_connect (priv->socket_path);

	if (fd >= 0) {
		close (fd);
		priv->poll_id = 0;
		priv->device->created = TRUE;
		finish_create (priv, NULL);
		return G_SOURCE_REMOVE;
	}
	if (g_get_monotonic_time () > priv->deadline) {
		priv->poll_id = 0;
		finish_create (priv, g_error_new (WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_TIMED_OUT,
		                                  "wireguard-go did not open %s within %d s",
		                                  priv->socket_path, WGKS_UAPI_START_TIMEOUT_S));
		return G_SOURCE_REMOVE;
	}
	return wgks_poll_back_off (&priv->poll_id, &priv->poll_ms, WGKS_UAPI_POLL_MAX_MS, poll_socket, priv);
}

static gboolean
cancel_create (gpointer user_data)
{
	UapiPriv *priv = user_data;

	priv->poll_id = 0;
	finish_create (priv, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
	                                          "creating the device was cancelled"));
	return G_SOURCE_REMOVE;
}

static void
create_cancelled (GCancellable *cancellable, gpointer user_data)
{
	UapiPriv *priv = user_data;

	/* Finish from an idle: disconnecting inside the handler would deadlock. */
	priv->cancel_id = 0;
	if (priv->poll_id)
		g_source_remove (priv->poll_id);
	priv->poll_id = g_idle_add (cancel_create, priv);
}

static void
uapi_create_async (WgksDevice *device, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
	UapiPriv *priv = device->priv;
	g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
	g_auto (GStrv) envp = child_environment ();
	const char *argv[] = { wireguard_go_path (), "-f", device->ifname, NULL };
	GError *error = NULL;

	g_task_set_return_on_cancel (task, FALSE);
	if (!g_spawn_async (NULL, (char **) argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
	                    &priv->pid, &error)) {
		g_prefix_error (&error, "cannot start %s: ", argv[0]);
		g_task_return_error (task, error);
		return;
	}
	wgks_log_info ("started wireguard-go for %s (PID %ld)", device->ifname, (long) priv->pid);
	priv->child_watch_id = g_child_watch_add (priv->pid, child_exited, priv);
	priv->create_task = g_steal_pointer (&task);
	priv->deadline = g_get_monotonic_time () + WGKS_UAPI_START_TIMEOUT_S * G_USEC_PER_SEC;
	priv->poll_ms = WGKS_UAPI_POLL_MIN_MS;
	priv->poll_id = g_timeout_add (priv->poll_ms, poll_socket, priv);
	if (cancellable)
		priv->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (create_cancelled), priv, NULL);
}

static gboolean
uapi_set (WgksDevice *device, const WgksDeviceSettings *settings, GError **error)
{
	UapiPriv *priv = device->priv;
	GString *request = wgks_uapi_build_set (settings);
	g_autoptr (WgksUapiReply) reply = uapi_transact (priv->socket_path, request->str, request->len, error);

	wgks_uapi_request_free (request);
	return reply && check_errno (reply, "the configuration", error);
}

static GArray *
uapi_get_peers (WgksDevice *device, GError **error)
{
	UapiPriv *priv = device->priv;
	static const char request[] = "get=1\n\n";
	g_autoptr (WgksUapiReply) reply = uapi_transact (priv->socket_path, request, sizeof request - 1, error);

	if (!reply || !check_errno (reply, "the status request", error))
		return NULL;
	return g_array_ref (reply->peers);
}

/* Waits up to timeout_ms for our child; TRUE if it is gone. */
static gboolean
reap_child (GPid pid, int timeout_ms)
{
	gint64 end = g_get_monotonic_time () + timeout_ms * 1000;
	int status;

	do {
		pid_t r = waitpid (pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return TRUE;
		g_usleep (10000);
	} while (g_get_monotonic_time () < end);
	return FALSE;
}

static void
uapi_destroy (WgksDevice *device)
{
	UapiPriv *priv = device->priv;
	gboolean existed = FALSE;

	finish_create (priv, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "device destroyed"));
	if (priv->child_watch_id)
		g_source_remove (priv->child_watch_id);
	priv->child_watch_id = 0;
	if (priv->pid) {
		/* Only our own child, by its PID. */
		kill (priv->pid, SIGTERM);
		if (!reap_child (priv->pid, WGKS_CHILD_STOP_MS)) {
			wgks_log_warn ("wireguard-go (PID %ld) did not stop, killing it", (long) priv->pid);
			kill (priv->pid, SIGKILL);
			reap_child (priv->pid, WGKS_CHILD_STOP_MS);
		}
		wgks_log_info ("stopped wireguard-go for %s (PID %ld)", device->ifname, (long) priv->pid);
		g_spawn_close_pid (priv->pid);
		priv->pid = 0;
	}
	if (device->created) {
		/* The tun link goes away with its process; make sure. */
		int fd;

		wgks_rtnl_link_del (device->ifname, &existed, NULL);
		fd = uapi_connect (priv->socket_path);
		if (fd >= 0)
			close (fd);     /* still served: not ours to remove */
		else if (errno == ECONNREFUSED)
			unlink (priv->socket_path);
	}
	device->created = FALSE;
}

static void
uapi_free_priv (gpointer data)
{
	UapiPriv *priv = data;

	g_free (priv->socket_path);
	g_free (priv);
}

static const WgksDeviceOps uapi_ops = WGKS_DEVICE_OPS_INIT ("wireguard-go", uapi);

void
wgks_device_uapi_init (WgksDevice *device)
{
	UapiPriv *priv = g_new0 (UapiPriv, 1);

	priv->device = device;
	priv->socket_path = socket_path_for (device->ifname);
	device->ops = &uapi_ops;
	device->priv = priv;
}

void
wgks_device_uapi_remove_stale_socket (const char *ifname)
{
	g_autofree char *path = socket_path_for (ifname);
	gint64 end = g_get_monotonic_time () + WGKS_CHILD_STOP_MS * 1000;
	struct stat st;
	int fd;

	if (stat (path, &st) < 0)
		return;
	/* A live wireguard-go exits once its link is deleted; wait for that. */
	while ((fd = uapi_connect (path)) >= 0) {
		close (fd);
		if (g_get_monotonic_time () > end) {
			wgks_log_warn ("a process still serves %s; the new tunnel may fail to start", path);
			return;
		}
		g_usleep (50000);
	}
	if (errno == ECONNREFUSED && unlink (path) == 0)
		wgks_log_info ("removed stale socket %s", path);
}
