/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch adopt, its NetworkManager side: adding the new profile and,
 * with --replace, the switch from the original to it behind a blocking
 * table. */
#include "config.h"

#include <glib/gi18n.h>
#include <NetworkManager.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-adopt-switch.h"
#include "wgks-firewall.h"
#include "wgks-ip.h"
#include "wgks-lockdown.h"
#include "wgks-owner.h"
#include "wgks-ruleset.h"
#include "wgks-statefile.h"

#define ADOPT_CONNECT_TIMEOUT_S 90

/* ------------------------------------------------------------ async steps */

typedef struct {
	GMainLoop    *loop;
	GAsyncResult *result;
	gboolean      done;
} Wait;

static void
wait_clear (Wait *w)
{
	g_main_loop_unref (w->loop);
	g_clear_object (&w->result);
}

/* The callback of every asynchronous call here: keeps its result for the
 * call's _finish function and ends the wait. */
static void
returned_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Wait *w = user_data;

	g_set_object (&w->result, res);
	g_main_loop_quit (w->loop);
}

static void
ac_state_cb (NMActiveConnection *ac, guint state, guint reason, gpointer user_data)
{
	Wait *w = user_data;

	if (state == NM_ACTIVE_CONNECTION_STATE_ACTIVATED || state >= NM_ACTIVE_CONNECTION_STATE_DEACTIVATING) {
		w->done = state == NM_ACTIVE_CONNECTION_STATE_ACTIVATED;
		g_main_loop_quit (w->loop);
	}
}

static gboolean
timeout_cb (gpointer user_data)
{
	g_main_loop_quit (((Wait *) user_data)->loop);
	return G_SOURCE_REMOVE;
}

NMRemoteConnection *
wgks_adopt_add_profile (NMClient *client, NMConnection *conn, GError **error)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };
	NMRemoteConnection *added;

	/* The floating dictionary is consumed by the call. */
	nm_client_add_connection2 (client, nm_connection_to_dbus (conn, NM_CONNECTION_SERIALIZE_ALL), NM_SETTINGS_ADD_CONNECTION2_FLAG_TO_DISK, NULL, TRUE, NULL,
	                           returned_cb, &w);
	g_main_loop_run (w.loop);
	added = nm_client_add_connection2_finish (client, w.result, NULL, error);
	wait_clear (&w);
	return added;
}

/* Connects the new profile once and waits for the VPN to be up. */
static gboolean
connect_once (NMClient *client, NMRemoteConnection *conn, GError **error)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };
	g_autoptr (NMActiveConnection) ac = NULL;
	guint timeout, handler;

	nm_client_activate_connection_async (client, NM_CONNECTION (conn), NULL, NULL, NULL, returned_cb, &w);
	g_main_loop_run (w.loop);
	ac = nm_client_activate_connection_finish (client, w.result, error);
	if (!ac) {
		wait_clear (&w);
		return FALSE;
	}
	if (nm_active_connection_get_state (ac) != NM_ACTIVE_CONNECTION_STATE_ACTIVATED) {
		handler = g_signal_connect (ac, "state-changed", G_CALLBACK (ac_state_cb), &w);
		timeout = g_timeout_add_seconds (ADOPT_CONNECT_TIMEOUT_S, timeout_cb, &w);
		g_main_loop_run (w.loop);
		g_source_remove (timeout);
		g_signal_handler_disconnect (ac, handler);
	} else {
		w.done = TRUE;
	}
	wait_clear (&w);
	if (!w.done)
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("\"%s\" did not connect"),
		             nm_connection_get_id (NM_CONNECTION (conn)));
	return w.done;
}

/* w->done: the deactivation call has returned, the loop waits for the state */
static void
ac_gone_cb (NMActiveConnection *ac, guint state, guint reason, gpointer user_data)
{
	Wait *w = user_data;

	if (state == NM_ACTIVE_CONNECTION_STATE_DEACTIVATED && w->done)
		g_main_loop_quit (w->loop);
}

static gboolean
is_active (NMClient *client, NMRemoteConnection *conn)
{
	const GPtrArray *all = nm_client_get_active_connections (client);
	guint i;

	for (i = 0; all && i < all->len; i++)
		if (nm_active_connection_get_connection (all->pdata[i]) == conn)
			return TRUE;
	return FALSE;
}

/* Deactivates a profile where it is active and waits until
 * NetworkManager has taken it down (its interface gone); TRUE if it was
 * active. */
static gboolean
deactivate_profile (NMClient *client, NMRemoteConnection *orig, GError **error)
{
	g_autoptr (GPtrArray) acs = g_ptr_array_new_with_free_func (g_object_unref);
	const GPtrArray *all = nm_client_get_active_connections (client);
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };
	gboolean ok = TRUE;
	guint i;

	for (i = 0; all && i < all->len; i++)
		if (nm_active_connection_get_connection (all->pdata[i]) == orig)
			g_ptr_array_add (acs, g_object_ref (all->pdata[i]));
	for (i = 0; i < acs->len && ok; i++) {
		NMActiveConnection *ac = acs->pdata[i];
		guint handler = g_signal_connect (ac, "state-changed", G_CALLBACK (ac_gone_cb), &w);

		w.done = FALSE;
		nm_client_deactivate_connection_async (client, ac, NULL, returned_cb, &w);
		g_main_loop_run (w.loop);
		w.done = TRUE;
		ok = nm_client_deactivate_connection_finish (client, w.result, error);
		if (ok && nm_active_connection_get_state (ac) != NM_ACTIVE_CONNECTION_STATE_DEACTIVATED) {
			GSource *timeout = g_timeout_source_new_seconds (ADOPT_CONNECT_TIMEOUT_S);

			g_source_set_callback (timeout, timeout_cb, &w, NULL);
			g_source_attach (timeout, NULL);
			g_main_loop_run (w.loop);
			g_source_destroy (timeout);
			g_source_unref (timeout);
		}
		g_signal_handler_disconnect (ac, handler);
	}
	wait_clear (&w);
	return acs->len > 0;
}

static gboolean
delete_original (NMRemoteConnection *orig, GError **error)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };
	gboolean ok;

	nm_remote_connection_delete_async (orig, NULL, returned_cb, &w);
	g_main_loop_run (w.loop);
	ok = nm_remote_connection_delete_finish (orig, w.result, error);
	wait_clear (&w);
	return ok;
}

static void
activate_again (NMClient *client, NMRemoteConnection *orig, const char *profile)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };
	g_autoptr (NMActiveConnection) ac = NULL;
	g_autoptr (GError) error = NULL;

	nm_client_activate_connection_async (client, NM_CONNECTION (orig), NULL, NULL, NULL, returned_cb, &w);
	g_main_loop_run (w.loop);
	ac = nm_client_activate_connection_finish (client, w.result, &error);
	wait_clear (&w);
	if (!ac)
		g_printerr (_("wg-killswitch: cannot activate \"%s\" again: %s\n"), profile, error->message);
}

/* The new profile's blocking table: its literal endpoints let through with
 * its mark, as its service's own table does, which replaces this one when
 * it starts connecting. Recorded for the guardian too, so that it blocks
 * on if adopt dies before the service takes over. */
static gboolean
block_for (const WgksConfig *config, GError **error)
{
	g_autoptr (GArray) endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	g_autofree char *path = wgks_run_path (WGKS_RUN_BLOCKED);
	g_autofree char *script = NULL;
	WgksFirewallSpec spec;
	guint i;
	int lock;
	gboolean ok;

	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];
		WgksFirewallEndpoint ep = { .port = peer->endpoint_port };

		if (peer->endpoint_host && wgks_ip_parse (peer->endpoint_host, &ep.family, ep.addr))
			g_array_append_val (endpoints, ep);
	}
	spec = (WgksFirewallSpec) {
		.state = WGKS_FIREWALL_BLOCKED,
		.fwmark = wgks_config_effective_fwmark (config),
		.endpoints = endpoints,
		.allow_lan = config->allow_lan,
		.dns_leak_protection = config->dns_leak_protection,
	};
	script = wgks_ruleset_render (&spec);
	lock = wgks_statefile_lock ();
	ok = wgks_statefile_write (path, script, error)
	     && wgks_firewall_apply_script (script, WGKS_FIREWALL_BLOCKED, NULL, error);
	if (!ok)
		wgks_blocked_clear ();
	wgks_statefile_unlock (lock);
	return ok;
}

/* After a failed switch: the table goes (or gives way to lockdown's, if the
 * user has it on), so that the original carries the traffic again. */
static void
unblock (const char *profile)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksLockdown) lockdown = NULL;
	WgksFirewallSpec spec;
	gboolean exists = FALSE;
	int lock = wgks_statefile_lock ();

	wgks_blocked_clear ();
	lockdown = wgks_lockdown_load (&exists, NULL);
	if (!lockdown || lockdown->enabled) {
		wgks_lockdown_to_spec (lockdown, &spec);
		if (wgks_firewall_apply (&spec, NULL, &error))
			wgks_status_save_lockdown ();
	} else if (wgks_firewall_remove (&error)) {
		wgks_status_clear ();
	}
	wgks_statefile_unlock (lock);
	if (error)
		g_printerr (_("wg-killswitch: the kill switch still blocks; \"wg-killswitch release\" lifts it: %s\n"),
		            error->message);
	else if (!lockdown || lockdown->enabled)
		g_printerr (_("wg-killswitch: lockdown is on: it blocks \"%s\" too\n"), profile);
	else
		g_printerr (_("wg-killswitch: the kill switch is lifted again for \"%s\"\n"), profile);
}

/* An active original goes down first: both tunnels talk to the same peer
 * with the same key, and the original's routing (its default route with
 * its own fwmark rule) carries the new tunnel's handshakes inside the old
 * tunnel, so the new one never connects beside it. The new profile's
 * blocking table goes in before, while adopt owns the kill switch (no
 * other kill-switch connection may be up; this needs root), and stays when
 * adopt lets go of it: the new profile's service takes both over. If the
 * new one does not connect, it is taken down, the table lifted and the
 * original comes back. */
gboolean
wgks_adopt_replace_original (NMClient *client, NMRemoteConnection *orig, NMRemoteConnection *added,
                             const char *profile, const WgksConfig *config)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) down_error = NULL;
	g_autoptr (WgksOwner) owner = NULL;
	gboolean was_active = is_active (client, orig);

	if (was_active) {
		owner = wgks_owner_acquire (nm_connection_get_id (NM_CONNECTION (added)), 0, &error);
		if (!owner || !block_for (config, &error)) {
			g_printerr (_("wg-killswitch: cannot install the blocking table: %s; \"%s\" is kept\n"),
			            error->message, profile);
			return FALSE;
		}
	}
	deactivate_profile (client, orig, &error);
	g_clear_pointer (&owner, wgks_owner_release);
	if (error) {
		g_printerr (_("wg-killswitch: cannot deactivate \"%s\": %s\n"), profile, error->message);
		if (was_active)
			unblock (profile);
		return FALSE;
	}
	if (!connect_once (client, added, &error)) {
		g_printerr (_("wg-killswitch: %s; \"%s\" is kept\n"), error->message, profile);
		deactivate_profile (client, added, &down_error);
		if (was_active) {
			unblock (profile);
			activate_again (client, orig, profile);
		}
		return FALSE;
	}
	if (!delete_original (orig, &error)) {
		g_printerr (_("wg-killswitch: cannot remove \"%s\": %s\n"), profile, error->message);
		return FALSE;
	}
	return TRUE;
}

