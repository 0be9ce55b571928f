/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch adopt: a kill-switch profile from a native NetworkManager
 * WireGuard profile, over libnm. The result goes through the same model and
 * validation as the wg-quick importer (wgks_config_to_connection). */
#include "config.h"

#include <glib/gi18n.h>
#include <NetworkManager.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-adopt-switch.h"
#include "wgks-cli.h"
#include "wgks-config.h"
#include "wgks-ip.h"
#include "wgks-program.h"

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
	added = wgks_adopt_add_profile (client, conn, &error);
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
	if (!wgks_adopt_replace_original (client, orig, added, a.profile, config))
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
	g_autoptr (GError) error = NULL;

	if (!wgks_program_parse_options (&argc, &argv, entries, _("NAME|UUID"),
	                                 _("Make a kill-switch profile from a NetworkManager WireGuard profile."),
	                                 &error)) {
		g_printerr ("wg-killswitch adopt: %s\n", error->message);
		return ADOPT_USAGE;
	}
	if (argc != 2) {
		g_printerr (_("usage: wg-killswitch adopt NAME|UUID [--replace]\n"));
		return ADOPT_USAGE;
	}
	return adopt (argv[1], replace);
}
