/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wireguard-killswitch-service: started by NetworkManager (D-Bus
 * activation by name or with --bus-name for one connection). */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"
#include "nm-wgks-service.h"
#include "wgks-allocator-env.h"
#include "wgks-log.h"
#include "wgks-program.h"

static gboolean
quit_on_signal (gpointer user_data)
{
	wgks_log_notice ("terminating on a signal");
	g_main_loop_quit (user_data);
	return G_SOURCE_CONTINUE;
}

static void
quit_on_plugin (NMVpnServicePlugin *plugin, gpointer user_data)
{
	wgks_log_info ("idle: quitting");
	g_main_loop_quit (user_data);
}

static int
log_level_from_env (gboolean debug)
{
	const char *env = g_getenv ("NM_VPN_LOG_LEVEL");
	gint64 level;

	if (debug)
		return LOG_DEBUG;
	if (env) {
		level = g_ascii_strtoll (env, NULL, 10);
		if (level >= LOG_EMERG && level <= LOG_DEBUG)
			return (int) level;
	}
	return LOG_NOTICE;
}

/* libnm queues the name request when another process owns the name: a
 * second service would wait unseen and take over later. Refuse at once. */
static gboolean
check_bus_name_owned (const char *name, GError **error)
{
	g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
	g_autoptr (GVariant) owner = NULL;
	g_autoptr (GVariant) pid = NULL;
	const char *unique;
	guint32 owner_pid = 0;

	if (!bus)
		return FALSE;
	owner = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
	                                     "org.freedesktop.DBus", "GetNameOwner", g_variant_new ("(s)", name),
	                                     G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (!owner)
		return FALSE;
	g_variant_get (owner, "(&s)", &unique);
	if (g_strcmp0 (unique, g_dbus_connection_get_unique_name (bus)) == 0)
		return TRUE;
	pid = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	                                   "GetConnectionUnixProcessID", g_variant_new ("(s)", unique),
	                                   G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	if (pid)
		g_variant_get (pid, "(u)", &owner_pid);
	g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("another process (PID %u) already owns the D-Bus name %s"),
	             owner_pid, name);
	return FALSE;
}

/* By its path, not /proc/self/exe: the process's name (ps -C, pidof,
 * the journal) comes from the file executed. A binary replaced since the
 * start (" (deleted)") is not run again. */
static void
exec_self (char *argv[])
{
	g_autofree char *path = g_file_read_link ("/proc/self/exe", NULL);

	if (path && g_path_is_absolute (path) && !g_str_has_suffix (path, " (deleted)"))
		execv (path, argv);
}

/* Allocator settings that are read before main() runs, so the service
 * executes itself again (same PID, same argv) with them in its environment;
 * if that fails it carries on without them: more memory, same behaviour.
 * - GLib before 2.76 has its own slice allocator for the small blocks of
 *   GObjects, GVariants and D-Bus messages: slabs and a cache of free blocks
 *   per thread, kept for the life of the process and scattered over the
 *   heap pages a connect's bursts touched. GLib 2.76 and later use malloc;
 *   G_SLICE=always-malloc does the same on older GLib.
 * - glibc's per-thread cache of free blocks (tcache) is out of reach of
 *   malloc_trim(): after a burst of table writes, its blocks keep their
 *   pages dirty all over the heap. */
static void
restart_with_allocator_settings (char *argv[])
{
	gboolean restart = FALSE;

	if (glib_check_version (2, 76, 0) && !g_getenv ("G_SLICE"))
		restart |= g_setenv ("G_SLICE", WGKS_OWN_G_SLICE, TRUE);
#ifdef __GLIBC__
	if (!g_getenv ("GLIBC_TUNABLES"))
		restart |= g_setenv ("GLIBC_TUNABLES", WGKS_OWN_GLIBC_TUNABLES, TRUE);
#endif
	if (restart)
		exec_self (argv);
}

int
main (int argc, char *argv[])
{
	gboolean persist = FALSE, debug = FALSE;
	g_autofree char *bus_name = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GMainLoop) loop = NULL;
	g_autoptr (NMWgksService) service = NULL;
	GOptionEntry options[] = {
		{ "persist", 0, 0, G_OPTION_ARG_NONE, &persist, N_("Don't quit when VPN connection terminates"), NULL },
		{ "debug", 0, 0, G_OPTION_ARG_NONE, &debug, N_("Log to stderr at debug level (never logs keys)"), NULL },
		{ "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name, N_("D-Bus name to use for this instance"), NULL },
		{ NULL }
	};

	restart_with_allocator_settings (argv);
#ifdef __GLIBC__
	/* One allocator arena: the few worker threads (D-Bus, name resolution)
	 * need no arena of their own, each keeping its own free memory. */
	mallopt (M_ARENA_MAX, 1);
	/* Large buffers of a burst (ruleset listings, D-Bus messages, netlink
	 * dumps) from their own mappings, unmapped when freed, instead of from
	 * the heap, where the small allocations that outlive them would pin
	 * their pages. A fixed threshold also stops glibc from raising it. */
	mallopt (M_MMAP_THRESHOLD, 32 * 1024);
#endif
	/* Keys live in this process: no core dumps, no ptrace by others. */
	prctl (PR_SET_DUMPABLE, 0);
	wgks_program_init_i18n ();
	if (!wgks_program_parse_options (&argc, &argv, options, NULL,
	                                 _("nm-wireguard-killswitch-service brings up WireGuard tunnels "
	                                   "for NetworkManager."),
	                                 &error)) {
		g_printerr ("%s\n", error->message);
		return EXIT_FAILURE;
	}
	if (bus_name && !g_dbus_is_name (bus_name)) {
		g_printerr (_("An invalid D-Bus name was given: %s\n"), bus_name);
		return EXIT_FAILURE;
	}
	wgks_log_set_level (log_level_from_env (debug));
	wgks_log_info ("starting%s%s", bus_name ? " as " : "", bus_name ? bus_name : "");

	service = nm_wgks_service_new (bus_name ? bus_name : NM_WGKS_SERVICE_TYPE, !debug, &error);
	if (service && !check_bus_name_owned (bus_name ? bus_name : NM_WGKS_SERVICE_TYPE, &error))
		g_clear_object (&service);
	if (!service) {
		wgks_log_err ("cannot start the VPN service: %s", error->message);
		return EXIT_FAILURE;
	}
	loop = g_main_loop_new (NULL, FALSE);
	if (!persist)
		g_signal_connect (service, "quit", G_CALLBACK (quit_on_plugin), loop);
	g_unix_signal_add (SIGTERM, quit_on_signal, loop);
	g_unix_signal_add (SIGINT, quit_on_signal, loop);
	signal (SIGPIPE, SIG_IGN);

	g_main_loop_run (loop);

	/* Disconnects (removing our interface and child) if still connected. */
	nm_vpn_service_plugin_shutdown (NM_VPN_SERVICE_PLUGIN (service));
	wgks_log_info ("exiting");
	return EXIT_SUCCESS;
}
