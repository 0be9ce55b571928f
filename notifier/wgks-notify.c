/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch-notify: a user-session program (XDG autostart) that tells
 * the user while the kill switch blocks all traffic, why, and offers to
 * reconnect the VPN or, after a confirmation, to release the kill switch
 * through polkit. It reads only the world-readable public status file. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <sys/wait.h>
#include <NetworkManager.h>

#include "wgks-public-status.h"

#define APP_ID          "org.freedesktop.NetworkManager.WireguardKillswitch.Notify"
#define NOTIFY_BLOCKED  "blocked"
#define NOTIFY_CONFIRM  "confirm-release"

typedef struct {
	GApplication *app;
	GFile        *file;
	GFileMonitor *file_monitor;
	GFileMonitor *dir_monitor;    /* the public directory's parent: the directory may come later */
	char         *dir_name;
	gboolean      shown;
	char         *shown_text;     /* body and buttons as shown, to send only changes */
	char         *uuid;           /* connection of the blocked state, for Reconnect */
	NMClient     *client;
} Notifier;

/* The public status file, or NULL where there is none (or it cannot be read). */
static GKeyFile *
public_status_read (GFile *file)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autofree char *path = g_file_get_path (file);

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
		return NULL;
	return g_steal_pointer (&kf);
}

static char *
public_status_get (GKeyFile *status, const char *key)
{
	return status ? g_key_file_get_string (status, WGKS_PUBLIC_STATUS_GROUP, key, NULL) : NULL;
}

static char *
reason_text (GKeyFile *status)
{
	g_autofree char *reason = public_status_get (status, "reason");
	g_autofree char *connection = public_status_get (status, "connection");
	gboolean named = connection && *connection;

	if (g_strcmp0 (reason, WGKS_REASON_LOCKDOWN) == 0)
		return named ? g_strdup_printf (_("Lockdown blocks all traffic while the VPN “%s” is not connected."),
		                                connection)
		             : g_strdup (_("Lockdown blocks all traffic while no VPN is connected."));
	if (g_strcmp0 (reason, WGKS_REASON_FAILED) == 0 && named)
		return g_strdup_printf (_("The VPN “%s” failed or was lost. The kill switch blocks all traffic "
		                          "outside the VPN until it connects again."), connection);
	return g_strdup (_("The kill switch blocks all traffic outside the VPN."));
}

static void
show_blocked (Notifier *n, GKeyFile *status)
{
	g_autoptr (GNotification) notification = g_notification_new (_("Traffic is blocked"));
	g_autoptr (GIcon) icon = g_themed_icon_new ("network-vpn-disconnected-symbolic");
	g_autofree char *body = reason_text (status);
	g_autofree char *text = g_strconcat (body, "\n", n->uuid ? n->uuid : "", NULL);

	/* The file is rewritten (e.g. at each handshake); a notification that
	 * pops up again each time would be noise. */
	if (n->shown && g_strcmp0 (text, n->shown_text) == 0)
		return;
	g_free (n->shown_text);
	n->shown_text = g_steal_pointer (&text);

	g_notification_set_body (notification, body);
	g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
	g_notification_set_icon (notification, icon);
	if (n->uuid && *n->uuid)
		g_notification_add_button (notification, _("Reconnect"), "app.reconnect");
	g_notification_add_button (notification, _("Release…"), "app.release");
	g_application_send_notification (n->app, NOTIFY_BLOCKED, notification);
	n->shown = TRUE;
}

static void
update (Notifier *n)
{
	g_autoptr (GKeyFile) status = public_status_read (n->file);
	g_autofree char *state = public_status_get (status, "state");

	g_free (n->uuid);
	n->uuid = public_status_get (status, "uuid");
	if (g_strcmp0 (state, "blocked") == 0) {
		show_blocked (n, status);
	} else if (n->shown) {
		g_application_withdraw_notification (n->app, NOTIFY_BLOCKED);
		g_application_withdraw_notification (n->app, NOTIFY_CONFIRM);
		n->shown = FALSE;
		g_clear_pointer (&n->shown_text, g_free);
	}
}

static void
file_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
	update (user_data);
}

static void
dir_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
	Notifier *n = user_data;
	g_autofree char *base = g_file_get_basename (file);

	if (g_strcmp0 (base, n->dir_name) != 0)
		return;
	/* The directory was (re)created: watch the file in the new one. */
	g_clear_object (&n->file_monitor);
	n->file_monitor = g_file_monitor_file (n->file, G_FILE_MONITOR_NONE, NULL, NULL);
	if (n->file_monitor)
		g_signal_connect (n->file_monitor, "changed", G_CALLBACK (file_changed_cb), n);
	update (n);
}

/* ------------------------------------------------------------------ actions */

/* A click closes the notification on the server; when the state stays
 * blocked (the user kept blocking, reconnecting or releasing failed), it
 * comes back. */
static void
show_again (Notifier *n)
{
	g_clear_pointer (&n->shown_text, g_free);
	update (n);
}

static void
activated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (NMActiveConnection) ac = nm_client_activate_connection_finish (NM_CLIENT (source), res, &error);

	if (!ac) {
		g_warning ("cannot reconnect: %s", error->message);
		show_again (user_data);
	}
}

static void
reconnect_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	Notifier *n = user_data;
	g_autoptr (GError) error = NULL;
	NMRemoteConnection *conn;

	if (!n->uuid || !*n->uuid)
		return;
	if (!n->client && !(n->client = nm_client_new (NULL, &error))) {
		g_warning ("cannot talk to NetworkManager: %s", error->message);
		return;
	}
	conn = nm_client_get_connection_by_uuid (n->client, n->uuid);
	if (!conn) {
		g_warning ("the VPN profile %s is gone", n->uuid);
		return;
	}
	nm_client_activate_connection_async (n->client, NM_CONNECTION (conn), NULL, NULL, NULL, activated_cb, n);
}

static void
release_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	Notifier *n = user_data;
	g_autoptr (GNotification) confirm = g_notification_new (_("Release the kill switch?"));

	g_notification_set_body (confirm, _("Traffic will leave without the VPN's protection, unencrypted and "
	                                    "visible to your network, until the VPN connects again."));
	g_notification_set_priority (confirm, G_NOTIFICATION_PRIORITY_URGENT);
	g_notification_add_button (confirm, _("Keep blocking"), "app.keep-blocking");
	g_notification_add_button (confirm, _("Release, unprotected"), "app.release-confirmed");
	g_application_send_notification (n->app, NOTIFY_CONFIRM, confirm);
}

static void
keep_blocking_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	Notifier *n = user_data;

	g_application_withdraw_notification (n->app, NOTIFY_CONFIRM);
	show_again (n);
}

static void
release_done_cb (GPid pid, int wait_status, gpointer user_data)
{
	g_spawn_close_pid (pid);
	if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0) {
		g_warning ("wg-killswitch release through pkexec failed (wait status %d)", wait_status);
		show_again (user_data);
	}
}

static void
release_confirmed_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	Notifier *n = user_data;
	g_autoptr (GError) error = NULL;
	g_autofree char *cli = g_build_filename (BINDIR, "wg-killswitch", NULL);
	const char *argv[] = { WGKS_PKEXEC_PATH, cli, "release", "--yes", NULL };
	GPid pid;

	g_application_withdraw_notification (n->app, NOTIFY_CONFIRM);
	/* polkit asks for authentication (action ...wireguard-killswitch.release);
	 * the state file tells us when the kill switch is gone. pkexec must stay
	 * our child: it refuses to run for an orphan. */
	if (!g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_DO_NOT_REAP_CHILD,
	                    NULL, NULL, &pid, &error)) {
		g_warning ("cannot run %s: %s", argv[0], error->message);
		show_again (n);
		return;
	}
	g_child_watch_add (pid, release_done_cb, n);
}

static void
startup_cb (GApplication *app, gpointer user_data)
{
	Notifier *n = user_data;
	const GActionEntry actions[] = {
		{ "reconnect", reconnect_cb },
		{ "release", release_cb },
		{ "keep-blocking", keep_blocking_cb },
		{ "release-confirmed", release_confirmed_cb },
	};
	g_autofree char *path = wgks_public_status_path ();
	g_autoptr (GFile) dir = NULL;
	g_autoptr (GFile) parent = NULL;

	g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), n);
	n->file = g_file_new_for_path (path);
	dir = g_file_get_parent (n->file);
	parent = g_file_get_parent (dir);
	n->dir_name = g_file_get_basename (dir);
	n->dir_monitor = g_file_monitor_directory (parent, G_FILE_MONITOR_NONE, NULL, NULL);
	if (n->dir_monitor)
		g_signal_connect (n->dir_monitor, "changed", G_CALLBACK (dir_changed_cb), n);
	n->file_monitor = g_file_monitor_file (n->file, G_FILE_MONITOR_NONE, NULL, NULL);
	if (n->file_monitor)
		g_signal_connect (n->file_monitor, "changed", G_CALLBACK (file_changed_cb), n);
	g_application_hold (app);
	update (n);
}

/* Started again while running (or by a click on a notification): nothing to open. */
static void
activate_cb (GApplication *app, gpointer user_data)
{
}

int
main (int argc, char **argv)
{
	Notifier n = { 0 };
	int status;

	setlocale (LC_ALL, "");
	bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);

	n.app = g_application_new (APP_ID, G_APPLICATION_FLAGS_NONE);
	g_signal_connect (n.app, "startup", G_CALLBACK (startup_cb), &n);
	g_signal_connect (n.app, "activate", G_CALLBACK (activate_cb), &n);
	status = g_application_run (n.app, argc, argv);
	g_clear_object (&n.file_monitor);
	g_clear_object (&n.dir_monitor);
	g_clear_object (&n.file);
	g_clear_object (&n.client);
	g_free (n.dir_name);
	g_free (n.shown_text);
	g_free (n.uuid);
	g_object_unref (n.app);
	return status;
}
