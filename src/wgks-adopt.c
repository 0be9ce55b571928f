/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch adopt: a kill-switch profile from a native NetworkManager
 * WireGuard profile, over libnm. The result goes through the same model and
 * validation as the wg-quick importer (wgks_config_to_connection). */
#include "config.h"

#include <glib/gi18n.h>
#include <NetworkManager.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-cli.h"
#include "wgks-config.h"
#include "wgks-firewall.h"
#include "wgks-ip.h"
#include "wgks-lockdown.h"
#include "wgks-owner.h"
#include "wgks-ruleset.h"
#include "wgks-statefile.h"

#define ADOPT_CONNECT_TIMEOUT_S 90

enum {
	ADOPT_OK = 0,
	ADOPT_USAGE = 2,
	ADOPT_FAILED = 3,
};

typedef struct {
	const char *profile;   /* the original's name, for every message */
	GPtrArray  *dropped;   /* char*: what could not be carried over */
} Adopt;

static void
drop (Adopt *a, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
drop (Adopt *a, const char *fmt, ...)
{
	va_list ap;

	va_start (ap, fmt);
	g_ptr_array_add (a->dropped, g_strdup_vprintf (fmt, ap));
	va_end (ap);
}

static gboolean
fail_key (Adopt *a, GError **error, const char *key, const char *why)
{
	g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
	             _("profile \"%s\": %s: %s"), a->profile, key, why);
	return FALSE;
}

static gboolean
prefix_error (Adopt *a, GError **error, GError *local)
{
	g_propagate_prefixed_error (error, local, _("profile \"%s\": "), a->profile);
	return FALSE;
}

static NMRemoteConnection *
find_profile (NMClient *client, const char *name_or_uuid, GError **error)
{
	NMRemoteConnection *found = NULL;
	const GPtrArray *all;
	guint i, n = 0;

	found = nm_client_get_connection_by_uuid (client, name_or_uuid);
	if (found)
		return g_object_ref (found);
	all = nm_client_get_connections (client);
	for (i = 0; i < all->len; i++) {
		NMRemoteConnection *c = all->pdata[i];

		if (g_strcmp0 (nm_connection_get_id (NM_CONNECTION (c)), name_or_uuid) == 0) {
			found = c;
			n++;
		}
	}
	if (n == 0) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no profile named \"%s\""), name_or_uuid);
		return NULL;
	}
	if (n > 1) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		             _("%u profiles are named \"%s\": give the UUID (nmcli connection show)"), n, name_or_uuid);
		return NULL;
	}
	return g_object_ref (found);
}

static gboolean
read_key (Adopt *a, const char *key, const char *b64, WgksKey *out, GError **error)
{
	if (!wgks_key_from_base64 (b64, out))
		return fail_key (a, error, key, _("not a base64 WireGuard key"));
	return TRUE;
}

/* A secret without a value here is left out: with "not saved" or "not
 * required" that is what the original did. An agent-owned one without a
 * value is one no secret agent of this user gave: the new profile keeps
 * the flag and asks for it when it connects. */
static gboolean
secret_wanted (const char *value, NMSettingSecretFlags flags)
{
	return !(value && *value)
	       && !(flags & (NM_SETTING_SECRET_FLAG_NOT_SAVED | NM_SETTING_SECRET_FLAG_NOT_REQUIRED));
}

static const char *
secret_or_note (Adopt *a, const char *value, NMSettingSecretFlags flags, const char *key)
{
	if (value && *value)
		return value;
	if (secret_wanted (value, flags))
		drop (a, _("%s: agent-owned, and no secret agent of this user gave it (run adopt as the user whose "
		           "desktop keeps the key, not with sudo): the new profile asks for it when it connects"), key);
	return NULL;
}

static gboolean
read_peers (Adopt *a, NMSettingWireGuard *s_wg, WgksConfig *config, GError **error)
{
	guint i, j, n = nm_setting_wireguard_get_peers_len (s_wg);

	for (i = 0; i < n; i++) {
		NMWireGuardPeer *p = nm_setting_wireguard_get_peer (s_wg, i);
		g_autoptr (WgksPeer) peer = wgks_peer_new ();
		g_autofree char *k_pub = g_strdup_printf ("wireguard.peers[%u].public-key", i);
		g_autofree char *k_ep = g_strdup_printf ("wireguard.peers[%u].endpoint", i);
		g_autofree char *k_ips = g_strdup_printf ("wireguard.peers[%u].allowed-ips", i);
		g_autofree char *k_psk = g_strdup_printf ("wireguard.peers[%u].preshared-key", i);
		const char *endpoint = nm_wireguard_peer_get_endpoint (p);
		const char *psk;
		GError *local = NULL;

		if (!read_key (a, k_pub, nm_wireguard_peer_get_public_key (p), &peer->public_key, error))
			return FALSE;
		if (endpoint && *endpoint) {
			const char *why = NULL;

			if (!wgks_endpoint_parse (endpoint, &peer->endpoint_host, &peer->endpoint_port, &why))
				return fail_key (a, error, k_ep, why ? why : _("not HOST:PORT"));
		}
		for (j = 0; j < nm_wireguard_peer_get_allowed_ips_len (p); j++) {
			const char *ip = nm_wireguard_peer_get_allowed_ip (p, j, NULL);

			if (ip && !wgks_config_add_prefixes (peer->allowed_ips, ip, k_ips, &local))
				return prefix_error (a, error, local);
		}
		peer->persistent_keepalive = nm_wireguard_peer_get_persistent_keepalive (p);
		psk = secret_or_note (a, nm_wireguard_peer_get_preshared_key (p),
		                      nm_wireguard_peer_get_preshared_key_flags (p), k_psk);
		if (psk) {
			if (!read_key (a, k_psk, psk, &peer->preshared_key, error))
				return FALSE;
			peer->has_preshared_key = TRUE;
		}
		g_ptr_array_add (config->peers, g_steal_pointer (&peer));
	}
	return TRUE;
}

static gboolean
read_ip (Adopt *a, NMSettingIPConfig *s_ip, const char *name, WgksConfig *config, GError **error)
{
	const char *method = nm_setting_ip_config_get_method (s_ip);
	GError *local = NULL;
	int i;  /* libnm indexes these lists with int */

	if (g_strcmp0 (method, "manual") != 0 && g_strcmp0 (method, "disabled") != 0
	    && !(nm_setting_ip_config_get_num_addresses (s_ip) == 0 && g_strcmp0 (method, "ignore") == 0))
		drop (a, _("%s.method %s: the kill-switch profile takes the addresses below (manual)"), name, method);
	for (i = 0; i < (int) nm_setting_ip_config_get_num_addresses (s_ip); i++) {
		NMIPAddress *ad = nm_setting_ip_config_get_address (s_ip, i);
		g_autofree char *text = g_strdup_printf ("%s/%u", nm_ip_address_get_address (ad),
		                                         nm_ip_address_get_prefix (ad));
		g_autofree char *key = g_strdup_printf ("%s.addresses", name);

		if (!wgks_config_add_prefixes (config->addresses, text, key, &local))
			return prefix_error (a, error, local);
	}
	for (i = 0; i < (int) nm_setting_ip_config_get_num_dns (s_ip); i++) {
		g_autofree char *key = g_strdup_printf ("%s.dns", name);

		if (!wgks_config_add_dns (config, nm_setting_ip_config_get_dns (s_ip, i), TRUE, FALSE, key, &local))
			return prefix_error (a, error, local);
	}
	for (i = 0; i < (int) nm_setting_ip_config_get_num_dns_searches (s_ip); i++) {
		const char *d = nm_setting_ip_config_get_dns_search (s_ip, i);
		g_autofree char *key = g_strdup_printf ("%s.dns-search", name);
		guint k;
		gboolean dup = FALSE;

		for (k = 0; k < config->dns_domains->len; k++)
			dup |= g_strcmp0 (config->dns_domains->pdata[k], d) == 0;
		if (!dup && !wgks_config_add_dns (config, d, FALSE, TRUE, key, &local))
			return prefix_error (a, error, local);
	}
	if (nm_setting_ip_config_get_num_dns_options (s_ip) > 0)
		drop (a, "%s.dns-options", name);
	if (nm_setting_ip_config_get_gateway (s_ip))
		drop (a, "%s.gateway", name);
	if (nm_setting_ip_config_get_num_routing_rules (s_ip) > 0)
		drop (a, "%s.routing-rules", name);
	if (nm_setting_ip_config_get_never_default (s_ip))
		drop (a, _("%s.never-default: the kill switch decides from the peers' allowed IPs"), name);
	if (!config->route_table)
		config->route_table = nm_setting_ip_config_get_route_table (s_ip);
	return TRUE;
}

static WgksConfig *
config_from_native (Adopt *a, NMConnection *orig, GError **error)
{
	NMSettingWireGuard *s_wg = NM_SETTING_WIREGUARD (nm_connection_get_setting (orig, NM_TYPE_SETTING_WIREGUARD));
	NMSettingIPConfig *s_ip4 = nm_connection_get_setting_ip4_config (orig);
	NMSettingIPConfig *s_ip6 = nm_connection_get_setting_ip6_config (orig);
	NMSettingConnection *s_con = nm_connection_get_setting_connection (orig);
	g_autoptr (WgksConfig) config = wgks_config_new ();
	const char *priv;

	if (!s_wg) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("profile \"%s\" is of type %s, not wireguard"), a->profile,
		             nm_connection_get_connection_type (orig));
		return NULL;
	}
	priv = secret_or_note (a, nm_setting_wireguard_get_private_key (s_wg),
	                       nm_setting_wireguard_get_private_key_flags (s_wg), "wireguard.private-key");
	if (priv) {
		if (!read_key (a, "wireguard.private-key", priv, &config->private_key, error))
			return NULL;
		config->has_private_key = TRUE;
	}
	config->listen_port = nm_setting_wireguard_get_listen_port (s_wg);
	config->fwmark = nm_setting_wireguard_get_fwmark (s_wg);
	config->mtu = nm_setting_wireguard_get_mtu (s_wg);
	if (!nm_setting_wireguard_get_peer_routes (s_wg))
		config->table = WGKS_TABLE_OFF;  /* no routes from allowed IPs: wg-quick's Table = off */
	if (nm_setting_wireguard_get_ip4_auto_default_route (s_wg) != NM_TERNARY_DEFAULT)
		drop (a, _("wireguard.ip4-auto-default-route: the kill switch routes a full tunnel through its own table"));
	if (nm_setting_wireguard_get_ip6_auto_default_route (s_wg) != NM_TERNARY_DEFAULT)
		drop (a, _("wireguard.ip6-auto-default-route: the kill switch routes a full tunnel through its own table"));
	if (!read_peers (a, s_wg, config, error))
		return NULL;
	if (s_ip4 && !read_ip (a, s_ip4, "ipv4", config, error))
		return NULL;
	if (s_ip6 && !read_ip (a, s_ip6, "ipv6", config, error))
		return NULL;
	if (s_con && nm_setting_connection_get_mptcp_flags (s_con) != NM_MPTCP_FLAGS_NONE)
		drop (a, "connection.mptcp-flags");
	if (s_con && nm_setting_connection_get_num_permissions (s_con) > 0)
		drop (a, _("connection.permissions: the new profile is visible to all users"));
	if (s_con && nm_setting_connection_get_zone (s_con))
		drop (a, "connection.zone");
	return g_steal_pointer (&config);
}

static void
copy_ip_extras (NMSettingIPConfig *from, NMSettingIPConfig *to)
{
	int i;

	if (!from || !to)
		return;
	for (i = 0; i < (int) nm_setting_ip_config_get_num_routes (from); i++)
		nm_setting_ip_config_add_route (to, nm_setting_ip_config_get_route (from, i));
	g_object_set (to,
	              NM_SETTING_IP_CONFIG_ROUTE_METRIC, nm_setting_ip_config_get_route_metric (from),
	              NM_SETTING_IP_CONFIG_IGNORE_AUTO_ROUTES, nm_setting_ip_config_get_ignore_auto_routes (from),
	              NULL);
	/* A priority the user chose; the kill switch's own -50 for full tunnels
	 * is set by wgks_config_apply_ip_settings only over a non-negative one. */
	if (nm_setting_ip_config_get_dns_priority (from) != 0)
		g_object_set (to, NM_SETTING_IP_CONFIG_DNS_PRIORITY, nm_setting_ip_config_get_dns_priority (from), NULL);
}

static void
copy_secret_flags (NMSettingWireGuard *s_wg, const WgksConfig *config, NMSettingVpn *s_vpn)
{
	guint i;

	nm_setting_set_secret_flags (NM_SETTING (s_vpn), NM_WGKS_SECRET_PRIVATE_KEY,
	                             nm_setting_wireguard_get_private_key_flags (s_wg), NULL);
	for (i = 0; i < config->peers->len; i++) {
		NMSettingSecretFlags f = nm_wireguard_peer_get_preshared_key_flags (nm_setting_wireguard_get_peer (s_wg, i));
		g_autofree char *k_psk = wgks_peer_key (i, NM_WGKS_PEER_PRESHARED_KEY);

		/* NetworkManager's default for a peer without a preshared key is "not required". */
		if (((WgksPeer *) config->peers->pdata[i])->has_preshared_key || !(f & NM_SETTING_SECRET_FLAG_NOT_REQUIRED))
			nm_setting_set_secret_flags (NM_SETTING (s_vpn), k_psk, f, NULL);
	}
}

static NMConnection *
build_connection (Adopt *a, NMConnection *orig, const WgksConfig *config, GError **error)
{
	NMSettingWireGuard *s_wg = NM_SETTING_WIREGUARD (nm_connection_get_setting (orig, NM_TYPE_SETTING_WIREGUARD));
	NMSettingConnection *s_con_orig = nm_connection_get_setting_connection (orig);
	g_autofree char *id = g_strdup_printf (_("%s (kill switch)"), a->profile);
	g_autoptr (NMConnection) conn = NULL;
	NMSettingVpn *s_vpn;
	GError *local = NULL;

	conn = wgks_config_to_connection (config, id, &local);
	if (!conn)
		return prefix_error (a, error, local), NULL;
	s_vpn = nm_connection_get_setting_vpn (conn);
	copy_secret_flags (s_wg, config, s_vpn);
	copy_ip_extras (nm_connection_get_setting_ip4_config (orig), nm_connection_get_setting_ip4_config (conn));
	copy_ip_extras (nm_connection_get_setting_ip6_config (orig), nm_connection_get_setting_ip6_config (conn));
	/* Again, as the importer: the defaults above may have been overwritten. */
	wgks_config_apply_ip_settings (config, conn);
	g_object_set (nm_connection_get_setting_connection (conn),
	              NM_SETTING_CONNECTION_AUTOCONNECT, nm_setting_connection_get_autoconnect (s_con_orig),
	              NM_SETTING_CONNECTION_AUTOCONNECT_PRIORITY,
	              nm_setting_connection_get_autoconnect_priority (s_con_orig),
	              NULL);
	if (!nm_connection_verify (conn, &local))
		return prefix_error (a, error, local), NULL;
	return g_steal_pointer (&conn);
}

/* ------------------------------------------------------------ async steps */

typedef struct {
	GMainLoop *loop;
	GObject   *result;
	GError    *error;
	gboolean   done;
} Wait;

static void
added_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Wait *w = user_data;

	w->result = (GObject *) nm_client_add_connection2_finish (NM_CLIENT (source), res, NULL, &w->error);
	g_main_loop_quit (w->loop);
}

static void
activated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Wait *w = user_data;

	w->result = (GObject *) nm_client_activate_connection_finish (NM_CLIENT (source), res, &w->error);
	g_main_loop_quit (w->loop);
}

static void
deleted_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Wait *w = user_data;

	nm_remote_connection_delete_finish (NM_REMOTE_CONNECTION (source), res, &w->error);
	g_main_loop_quit (w->loop);
}

static void
deactivated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Wait *w = user_data;

	nm_client_deactivate_connection_finish (NM_CLIENT (source), res, &w->error);
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

static NMRemoteConnection *
add_profile (NMClient *client, NMConnection *conn, GError **error)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };

	/* The floating dictionary is consumed by the call. */
	nm_client_add_connection2 (client, nm_connection_to_dbus (conn, NM_CONNECTION_SERIALIZE_ALL), NM_SETTINGS_ADD_CONNECTION2_FLAG_TO_DISK, NULL, TRUE, NULL,
	                           added_cb, &w);
	g_main_loop_run (w.loop);
	g_main_loop_unref (w.loop);
	if (w.error)
		g_propagate_error (error, w.error);
	return (NMRemoteConnection *) w.result;
}

/* Connects the new profile once and waits for the VPN to be up. */
static gboolean
connect_once (NMClient *client, NMRemoteConnection *conn, GError **error)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };
	g_autoptr (NMActiveConnection) ac = NULL;
	guint timeout, handler;

	nm_client_activate_connection_async (client, NM_CONNECTION (conn), NULL, NULL, NULL, activated_cb, &w);
	g_main_loop_run (w.loop);
	ac = (NMActiveConnection *) w.result;
	if (!ac) {
		g_main_loop_unref (w.loop);
		g_propagate_error (error, w.error);
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
	g_main_loop_unref (w.loop);
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
	guint i;

	for (i = 0; all && i < all->len; i++)
		if (nm_active_connection_get_connection (all->pdata[i]) == orig)
			g_ptr_array_add (acs, g_object_ref (all->pdata[i]));
	for (i = 0; i < acs->len && !w.error; i++) {
		NMActiveConnection *ac = acs->pdata[i];
		guint handler = g_signal_connect (ac, "state-changed", G_CALLBACK (ac_gone_cb), &w);

		w.done = FALSE;
		nm_client_deactivate_connection_async (client, ac, NULL, deactivated_cb, &w);
		g_main_loop_run (w.loop);
		w.done = TRUE;
		if (!w.error && nm_active_connection_get_state (ac) != NM_ACTIVE_CONNECTION_STATE_DEACTIVATED) {
			GSource *timeout = g_timeout_source_new_seconds (ADOPT_CONNECT_TIMEOUT_S);

			g_source_set_callback (timeout, timeout_cb, &w, NULL);
			g_source_attach (timeout, NULL);
			g_main_loop_run (w.loop);
			g_source_destroy (timeout);
			g_source_unref (timeout);
		}
		g_signal_handler_disconnect (ac, handler);
	}
	g_main_loop_unref (w.loop);
	if (w.error)
		g_propagate_error (error, w.error);
	return acs->len > 0;
}

static gboolean
delete_original (NMRemoteConnection *orig, GError **error)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };

	nm_remote_connection_delete_async (orig, NULL, deleted_cb, &w);
	g_main_loop_run (w.loop);
	g_main_loop_unref (w.loop);
	if (w.error) {
		g_propagate_error (error, w.error);
		return FALSE;
	}
	return TRUE;
}

static void
activate_again (NMClient *client, NMRemoteConnection *orig, const char *profile)
{
	Wait w = { .loop = g_main_loop_new (NULL, FALSE) };

	nm_client_activate_connection_async (client, NM_CONNECTION (orig), NULL, NULL, NULL, activated_cb, &w);
	g_main_loop_run (w.loop);
	g_main_loop_unref (w.loop);
	g_clear_object (&w.result);
	if (w.error) {
		g_printerr (_("wg-killswitch: cannot activate \"%s\" again: %s\n"), profile, w.error->message);
		g_error_free (w.error);
	}
}

/* The new profile's blocking table: its literal endpoints let through with
 * its mark, as its service's own table does, which replaces this one when
 * it starts connecting. Recorded for the guardian too, so that it blocks
 * on if adopt dies before the service takes over. */
static gboolean
block_for (const WgksConfig *config, GError **error)
{
	g_autoptr (GArray) endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	g_autofree char *path = wgks_blocked_path ();
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
static gboolean
replace_original (NMClient *client, NMRemoteConnection *orig, NMRemoteConnection *added, const char *profile,
                  const WgksConfig *config)
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

/* ------------------------------------------------------------------ main */

static gboolean
agent_secret_missing (NMConnection *copy)
{
	NMSettingWireGuard *s_wg = NM_SETTING_WIREGUARD (nm_connection_get_setting (copy, NM_TYPE_SETTING_WIREGUARD));
	guint i;

	if (secret_wanted (nm_setting_wireguard_get_private_key (s_wg), nm_setting_wireguard_get_private_key_flags (s_wg)))
		return TRUE;
	for (i = 0; i < nm_setting_wireguard_get_peers_len (s_wg); i++) {
		NMWireGuardPeer *p = nm_setting_wireguard_get_peer (s_wg, i);

		if (secret_wanted (nm_wireguard_peer_get_preshared_key (p), nm_wireguard_peer_get_preshared_key_flags (p)))
			return TRUE;
	}
	return FALSE;
}

static gboolean
fetch_secrets_once (Adopt *a, NMRemoteConnection *remote, NMConnection *copy, GError **error)
{
	g_autoptr (GVariant) secrets = NULL;
	GError *local = NULL;

	secrets = nm_remote_connection_get_secrets (remote, NM_SETTING_WIREGUARD_SETTING_NAME, NULL, &local);
	if (!secrets || !nm_connection_update_secrets (copy, NM_SETTING_WIREGUARD_SETTING_NAME, secrets, &local)) {
		g_propagate_prefixed_error (error, local, _("profile \"%s\": cannot read its secrets: "), a->profile);
		return FALSE;
	}
	return TRUE;
}

/* GetSecrets gives the stored secrets and asks this user's secret agents
 * for the agent-owned ones. But while NetworkManager still holds an agent's
 * earlier answer (after an activation or a change of flags), it answers
 * from storage alone and forgets the agent's answer (nm-agent-manager.c,
 * _con_get_try_complete_early): the second request reaches the agents. */
static gboolean
fetch_secrets (Adopt *a, NMRemoteConnection *remote, NMConnection *copy, GError **error)
{
	if (!fetch_secrets_once (a, remote, copy, error))
		return FALSE;
	return !agent_secret_missing (copy) || fetch_secrets_once (a, remote, copy, error);
}

static int
adopt (const char *name, gboolean replace)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (NMClient) client = nm_client_new (NULL, &error);
	g_autoptr (NMRemoteConnection) orig = NULL;
	g_autoptr (NMRemoteConnection) added = NULL;
	g_autoptr (NMConnection) copy = NULL;
	g_autoptr (NMConnection) conn = NULL;
	g_autoptr (WgksConfig) config = NULL;
	g_autoptr (GPtrArray) dropped = g_ptr_array_new_with_free_func (g_free);
	Adopt a = { .dropped = dropped };
	g_autofree char *profile = NULL;
	guint i;

	if (!client) {
		g_printerr (_("wg-killswitch: cannot talk to NetworkManager: %s\n"), error->message);
		return ADOPT_FAILED;
	}
	orig = find_profile (client, name, &error);
	if (!orig) {
		g_printerr ("wg-killswitch: %s\n", error->message);
		return ADOPT_FAILED;
	}
	/* libnm replaces a remote connection's settings whenever it changes */
	profile = g_strdup (nm_connection_get_id (NM_CONNECTION (orig)));
	a.profile = profile;
	copy = nm_simple_connection_new_clone (NM_CONNECTION (orig));
	if (nm_connection_get_setting (copy, NM_TYPE_SETTING_WIREGUARD) && !fetch_secrets (&a, orig, copy, &error)) {
		g_printerr ("wg-killswitch: %s\n", error->message);
		return ADOPT_FAILED;
	}
	config = config_from_native (&a, copy, &error);
	if (config)
		conn = build_connection (&a, copy, config, &error);
	g_clear_object (&copy);  /* holds the secrets */
	if (!conn) {
		g_printerr ("wg-killswitch: %s\n", error->message);
		return ADOPT_FAILED;
	}
	added = add_profile (client, conn, &error);
	nm_connection_clear_secrets (conn);
	if (!added) {
		g_printerr (_("wg-killswitch: profile \"%s\": NetworkManager refused the new profile: %s\n"),
		            a.profile, error->message);
		return ADOPT_FAILED;
	}
	g_print (_("Created \"%s\" (%s) from \"%s\" with the kill switch on.\n"),
	         nm_connection_get_id (NM_CONNECTION (added)), nm_connection_get_uuid (NM_CONNECTION (added)), a.profile);
	for (i = 0; i < dropped->len; i++)
		g_print (_("  not carried over: %s\n"), (char *) dropped->pdata[i]);
	if (!replace) {
		g_print (_("The original profile is kept; \"wg-killswitch adopt --replace\" removes it after the new one has connected.\n"));
		return ADOPT_OK;
	}
	if (!replace_original (client, orig, added, a.profile, config))
		return ADOPT_FAILED;
	g_print (_("\"%s\" connected; \"%s\" is deleted.\n"), nm_connection_get_id (NM_CONNECTION (added)), a.profile);
	return ADOPT_OK;
}

int
wgks_cli_adopt (int argc, char **argv)
{
	gboolean replace = FALSE;
	GOptionEntry entries[] = {
		{ "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
		  N_("delete the original profile once the new one has connected"), NULL },
		{ NULL },
	};
	g_autoptr (GOptionContext) ctx = g_option_context_new (_("NAME|UUID"));
	g_autoptr (GError) error = NULL;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	g_option_context_set_summary (ctx, _("Make a kill-switch profile from a NetworkManager WireGuard profile."));
	if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
		g_printerr ("wg-killswitch adopt: %s\n", error->message);
		return ADOPT_USAGE;
	}
	if (argc != 2) {
		g_printerr (_("usage: wg-killswitch adopt NAME|UUID [--replace]\n"));
		return ADOPT_USAGE;
	}
	return adopt (argv[1], replace);
}
