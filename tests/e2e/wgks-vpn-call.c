/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wgks-vpn-call: talks to the VPN service over D-Bus the way NetworkManager
 * does, but with whatever connection a test wants to send, malformed ones
 * included (the hostile-input tests).
 *
 *   wgks-vpn-call [--dest NAME] connect FILE [--wait SECONDS]
 *   wgks-vpn-call [--dest NAME] disconnect
 *
 * FILE holds the connection as GVariant text of type a{sa{sv}}. connect
 * prints "error NAME: MESSAGE" (exit 3) when the call is refused; with
 * --wait it then waits until the service reports the tunnel's IP
 * configuration, "started" (exit 0), or gives up: "failed REASON" or
 * "stopped" (exit 4), "timeout" (exit 5). The state STARTED itself is no
 * proof: libnm reports it at once for a second connection of a service
 * that stayed running (--persist). */
#include <gio/gio.h>
#include <stdlib.h>

#define VPN_PATH  "/org/freedesktop/NetworkManager/VPN/Plugin"
#define VPN_IFACE "org.freedesktop.NetworkManager.VPN.Plugin"

enum { STATE_STOPPED = 6 };

typedef struct {
	GMainLoop *loop;
	int        exit_code;
	gboolean   done;        /* Ip4Config and Ip6Config may arrive together */
} Waiter;

static void
on_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
           const char *signal, GVariant *params, gpointer user_data)
{
	Waiter *w = user_data;
	guint32 v;

	if (w->done)
		return;
	if (g_strcmp0 (signal, "Ip4Config") == 0 || g_strcmp0 (signal, "Ip6Config") == 0) {
		g_print ("started\n");
		w->exit_code = 0;
		w->done = TRUE;
		g_main_loop_quit (w->loop);
		return;
	}
	if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(u)")))
		return;
	g_variant_get (params, "(u)", &v);
	if (g_strcmp0 (signal, "Failure") == 0) {
		g_print ("failed %u\n", v);
		w->exit_code = 4;
		w->done = TRUE;
		g_main_loop_quit (w->loop);
	} else if (g_strcmp0 (signal, "StateChanged") == 0 && v == STATE_STOPPED) {
		g_print ("stopped\n");
		w->exit_code = 4;
		w->done = TRUE;
		g_main_loop_quit (w->loop);
	}
}

static gboolean
on_timeout (gpointer user_data)
{
	Waiter *w = user_data;

	g_print ("timeout\n");
	w->exit_code = 5;
	g_main_loop_quit (w->loop);
	return G_SOURCE_REMOVE;
}

static GVariant *
read_connection (const char *file, GError **error)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents (file, &text, NULL, error))
		return NULL;
	return g_variant_parse (G_VARIANT_TYPE ("a{sa{sv}}"), text, NULL, NULL, error);
}

static int
print_remote_error (GError *error)
{
	g_autofree char *name = g_dbus_error_get_remote_error (error);

	g_dbus_error_strip_remote_error (error);
	g_print ("error %s: %s\n", name ? name : "(local)", error->message);
	return 3;
}

static int
do_connect (GDBusConnection *bus, const char *dest, const char *file, int wait_s)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) connection = read_connection (file, &error);
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
	Waiter w = { .loop = loop, .exit_code = 5 };
	guint sub;

	if (!connection) {
		g_printerr ("wgks-vpn-call: %s: %s\n", file, error->message);
		return 2;
	}
	/* Subscribe first: a fast failure must not be missed. */
	sub = g_dbus_connection_signal_subscribe (bus, dest, VPN_IFACE, NULL, VPN_PATH, NULL,
	                                          G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &w, NULL);
	reply = g_dbus_connection_call_sync (bus, dest, VPN_PATH, VPN_IFACE, "Connect",
	                                     g_variant_new ("(@a{sa{sv}})", connection),
	                                     NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);
	if (!reply) {
		g_dbus_connection_signal_unsubscribe (bus, sub);
		return print_remote_error (error);
	}
	if (wait_s <= 0) {
		g_dbus_connection_signal_unsubscribe (bus, sub);
		g_print ("accepted\n");
		return 0;
	}
	g_timeout_add_seconds ((guint) wait_s, on_timeout, &w);
	g_main_loop_run (loop);
	g_dbus_connection_signal_unsubscribe (bus, sub);
	return w.exit_code;
}

static int
do_disconnect (GDBusConnection *bus, const char *dest)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) reply = g_dbus_connection_call_sync (bus, dest, VPN_PATH, VPN_IFACE, "Disconnect",
	                                                          NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 30000,
	                                                          NULL, &error);

	if (!reply)
		return print_remote_error (error);
	g_print ("disconnected\n");
	return 0;
}

int
main (int argc, char *argv[])
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GDBusConnection) bus = NULL;
	g_autoptr (GOptionContext) context = g_option_context_new ("connect FILE | disconnect");
	g_autofree char *dest = NULL;
	int wait_s = 0;
	GOptionEntry options[] = {
		{ "dest", 0, 0, G_OPTION_ARG_STRING, &dest, "D-Bus name of the service", "NAME" },
		{ "wait", 0, 0, G_OPTION_ARG_INT, &wait_s, "wait for started/failed", "SECONDS" },
		{ NULL }
	};

	g_option_context_add_main_entries (context, options, NULL);
	if (!g_option_context_parse (context, &argc, &argv, &error)) {
		g_printerr ("wgks-vpn-call: %s\n", error->message);
		return 2;
	}
	if (!dest)
		dest = g_strdup ("org.freedesktop.NetworkManager.wireguard-killswitch");
	bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
	if (!bus) {
		g_printerr ("wgks-vpn-call: %s\n", error->message);
		return 2;
	}
	if (argc == 3 && g_str_equal (argv[1], "connect"))
		return do_connect (bus, dest, argv[2], wait_s);
	if (argc == 2 && g_str_equal (argv[1], "disconnect"))
		return do_disconnect (bus, dest);
	g_printerr ("usage: wgks-vpn-call [--dest NAME] [--wait SECONDS] connect FILE | disconnect\n");
	return 2;
}
