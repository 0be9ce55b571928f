/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vpn.data / vpn.secrets codec: a WgksConfig to and from an NMSettingVpn. */
#include "config.h"

#include "wgks-config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-config-private.h"

static char *
join_prefixes (GPtrArray *prefixes)
{
	GString *s = g_string_new (NULL);
	guint i;

	for (i = 0; i < prefixes->len; i++) {
		g_autofree char *p = wgks_prefix_to_string (prefixes->pdata[i]);

		if (i)
			g_string_append (s, ", ");
		g_string_append (s, p);
	}
	return g_string_free (s, FALSE);
}

static char *
join_strings (GPtrArray *strings)
{
	GString *s = g_string_new (NULL);
	guint i;

	for (i = 0; i < strings->len; i++) {
		if (i)
			g_string_append (s, ", ");
		g_string_append (s, strings->pdata[i]);
	}
	return g_string_free (s, FALSE);
}

/* The number of items the list parsers of the model would take, without allocating. */
static guint64
count_items (const char *value)
{
	const char *p = value, *end = value + strlen (value), *next, *stop;
	guint64 n = 0;

	for (;;) {
		next = memchr (p, ',', (gsize) (end - p));
		stop = next ? next : end;
		while (p < stop && g_ascii_isspace (*p))
			p++;
		if (p < stop)
			n++;
		if (!next)
			return n;
		p = next + 1;
	}
}


static gboolean
parse_bool (const char *key, const char *value, gboolean *out, GError **error)
{
	if (!value)
		return TRUE;
	if (strcmp (value, "yes") == 0)
		*out = TRUE;
	else if (strcmp (value, "no") == 0)
		*out = FALSE;
	else
		return wgks_config_set_invalid (error, key, value, _("must be \"yes\" or \"no\""));
	return TRUE;
}

static gboolean
parse_key (const char *key, const char *value, gboolean secret, WgksKey *out, GError **error)
{
	if (wgks_key_from_base64 (value, out))
		return TRUE;
	if (secret) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
		             _("invalid %s: not 32 bytes of base64"), key);
		return FALSE;
	}
	return wgks_config_set_invalid (error, key, value, _("not a WireGuard key (32 bytes of base64)"));
}

/* Accepts the fixed keys, peer.N.* and NetworkManager's "<secret>-flags". */
static gboolean
check_data_key (const char *key, guint *peer_index, GError **error)
{
	static const char *const fixed[] = {
		NM_WGKS_KEY_ADDRESS, NM_WGKS_KEY_DNS, NM_WGKS_KEY_DNS_SEARCH, NM_WGKS_KEY_MTU,
		NM_WGKS_KEY_LISTEN_PORT, NM_WGKS_KEY_FWMARK, NM_WGKS_KEY_TABLE,
		NM_WGKS_KEY_KILL_SWITCH, NM_WGKS_KEY_ALLOW_LAN, NM_WGKS_KEY_DNS_LEAK_PROTECTION,
		NM_WGKS_KEY_DNS_OVER_TLS, NM_WGKS_SECRET_PRIVATE_KEY "-flags", NULL,
	};
	static const char *const peer_keys[] = {
		NM_WGKS_PEER_PUBLIC_KEY, NM_WGKS_PEER_ENDPOINT, NM_WGKS_PEER_ALLOWED_IPS,
		NM_WGKS_PEER_KEEPALIVE, NM_WGKS_PEER_PRESHARED_KEY "-flags", NULL,
	};
	g_autofree char *shown = NULL;

	*peer_index = G_MAXUINT;
	if (g_strv_contains (fixed, key))
		return TRUE;
	if (g_str_has_prefix (key, NM_WGKS_KEY_PEER_PREFIX)) {
		const char *num = key + strlen (NM_WGKS_KEY_PEER_PREFIX);
		const char *dot = strchr (num, '.');
		g_autofree char *digits = dot ? g_strndup (num, (gsize) (dot - num)) : NULL;
		guint64 idx;

		if (digits && wgks_uint_parse (digits, 0, NM_WGKS_MAX_PEERS - 1, &idx)
		    && g_strv_contains (peer_keys, dot + 1)) {
			*peer_index = (guint) idx;
			return TRUE;
		}
	}
	shown = wgks_config_printable (key);
	g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_UNKNOWN_KEY,
	             _("unknown key \"%s\" in vpn.data"), shown);
	return FALSE;
}

static gboolean
peer_has_psk_flag (NMSettingVpn *s_vpn, guint index)
{
	g_autofree char *secret = wgks_peer_key (index, NM_WGKS_PEER_PRESHARED_KEY);
	g_autofree char *flags_key = g_strconcat (secret, "-flags", NULL);
	const char *flags = nm_setting_vpn_get_data_item (s_vpn, flags_key);
	guint64 v = 0;

	if (!flags)
		return FALSE;
	wgks_uint_parse (flags, 0, G_MAXUINT32, &v);
	return !(v & NM_SETTING_SECRET_FLAG_NOT_REQUIRED);
}

static gboolean
read_peer (NMSettingVpn *s_vpn, guint index, WgksSettingFlags flags, WgksPeer *peer, GError **error)
{
	g_autofree char *k_pub = wgks_peer_key (index, NM_WGKS_PEER_PUBLIC_KEY);
	g_autofree char *k_ep = wgks_peer_key (index, NM_WGKS_PEER_ENDPOINT);
	g_autofree char *k_ips = wgks_peer_key (index, NM_WGKS_PEER_ALLOWED_IPS);
	g_autofree char *k_ka = wgks_peer_key (index, NM_WGKS_PEER_KEEPALIVE);
	g_autofree char *k_psk = wgks_peer_key (index, NM_WGKS_PEER_PRESHARED_KEY);
	const char *v;

	v = nm_setting_vpn_get_data_item (s_vpn, k_pub);
	if (!v) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("peer %u has no public key (key \"%s\")"), index, k_pub);
		return FALSE;
	}
	if (!parse_key (k_pub, v, FALSE, &peer->public_key, error))
		return FALSE;

	v = nm_setting_vpn_get_data_item (s_vpn, k_ep);
	if (v) {
		const char *why;

		if (!wgks_endpoint_parse (v, &peer->endpoint_host, &peer->endpoint_port, &why))
			return wgks_config_set_invalid (error, k_ep, v, why);
	}
	v = nm_setting_vpn_get_data_item (s_vpn, k_ips);
	if (v && !wgks_config_add_prefixes (peer->allowed_ips, v, k_ips, error))
		return FALSE;
	v = nm_setting_vpn_get_data_item (s_vpn, k_ka);
	if (v && !wgks_port_parse (v, TRUE, &peer->persistent_keepalive))
		return wgks_config_set_invalid (error, k_ka, v, _("must be a number of seconds from 0 to 65535"));

	if (flags & WGKS_SETTING_WITH_SECRETS) {
		v = nm_setting_vpn_get_secret (s_vpn, k_psk);
		if (v && *v) {
			if (!parse_key (k_psk, v, TRUE, &peer->preshared_key, error))
				return FALSE;
			peer->has_preshared_key = TRUE;
		} else if (peer_has_psk_flag (s_vpn, index)) {
			g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING_SECRET,
			             _("the preshared key of peer %u (secret \"%s\") is missing"), index, k_psk);
			return FALSE;
		}
	}
	return TRUE;
}

typedef struct {
	guint    n_peers;
	GError **error;
} KeyScan;

static void
scan_data_key (const char *key, const char *value, gpointer user_data)
{
	KeyScan *scan = user_data;
	guint idx;

	if (*scan->error)
		return;
	if (check_data_key (key, &idx, scan->error) && idx != G_MAXUINT)
		scan->n_peers = MAX (scan->n_peers, idx + 1);
}

static gboolean
read_interface (NMSettingVpn *s_vpn, WgksConfig *config, GError **error)
{
	const char *v;
	guint64 n;

	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_ADDRESS);
	/* Counted before anything is parsed or allocated: a hostile list of
	 * 100,000 is refused at once, also where each allocation is slow
	 * (AddressSanitizer). */
	if (v && (n = count_items (v)) > NM_WGKS_MAX_ADDRESSES)
		return wgks_config_too_many_addresses ((guint) n, error);
	if (v && !wgks_config_add_prefixes (config->addresses, v, NM_WGKS_KEY_ADDRESS, error))
		return FALSE;
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS);
	if (v && !wgks_config_add_dns (config, v, TRUE, FALSE, NM_WGKS_KEY_DNS, error))
		return FALSE;
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_SEARCH);
	if (v && !wgks_config_add_dns (config, v, FALSE, TRUE, NM_WGKS_KEY_DNS_SEARCH, error))
		return FALSE;

	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_MTU);
	if (v) {
		if (!wgks_uint_parse (v, 576, 65535, &n))
			return wgks_config_set_invalid (error, NM_WGKS_KEY_MTU, v, _("must be a number from 576 to 65535"));
		config->mtu = (guint32) n;
	}
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_LISTEN_PORT);
	if (v && !wgks_port_parse (v, TRUE, &config->listen_port))
		return wgks_config_set_invalid (error, NM_WGKS_KEY_LISTEN_PORT, v, _("must be a number from 0 to 65535"));
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_FWMARK);
	if (v) {
		if (!g_ascii_string_to_unsigned (v, g_str_has_prefix (v, "0x") ? 16 : 10, 0, G_MAXUINT32, &n, NULL)
		    && !(g_str_has_prefix (v, "0x") && g_ascii_string_to_unsigned (v + 2, 16, 0, G_MAXUINT32, &n, NULL)))
			return wgks_config_set_invalid (error, NM_WGKS_KEY_FWMARK, v, _("must be a 32-bit number (decimal or 0x hex)"));
		config->fwmark = (guint32) n;
	}
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_TABLE);
	if (v) {
		if (strcmp (v, "auto") == 0)
			config->table = WGKS_TABLE_AUTO;
		else if (strcmp (v, "off") == 0)
			config->table = WGKS_TABLE_OFF;
		else
			return wgks_config_set_invalid (error, NM_WGKS_KEY_TABLE, v, _("must be \"auto\" or \"off\""));
	}
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_KILL_SWITCH);
	if (v && !wgks_kill_switch_from_string (v, &config->kill_switch))
		return wgks_config_set_invalid (error, NM_WGKS_KEY_KILL_SWITCH, v, _("must be \"off\", \"on\" or \"lockdown\""));
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_OVER_TLS);
	if (v && !wgks_dns_over_tls_from_string (v, &config->dns_over_tls))
		return wgks_config_set_invalid (error, NM_WGKS_KEY_DNS_OVER_TLS, v,
		                    _("must be \"no\", \"opportunistic\" or \"yes\""));
	if (!parse_bool (NM_WGKS_KEY_ALLOW_LAN,
	                 nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_ALLOW_LAN), &config->allow_lan, error))
		return FALSE;
	return parse_bool (NM_WGKS_KEY_DNS_LEAK_PROTECTION,
	                   nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_LEAK_PROTECTION),
	                   &config->dns_leak_protection, error);
}

static gboolean
check_secret_keys (NMSettingVpn *s_vpn, guint n_peers, GError **error)
{
	g_autofree const char **keys = nm_setting_vpn_get_secret_keys (s_vpn, NULL);
	guint i;

	for (i = 0; keys && keys[i]; i++) {
		g_autofree char *shown = NULL;
		const char *num, *dot;
		guint64 idx;

		if (strcmp (keys[i], NM_WGKS_SECRET_PRIVATE_KEY) == 0)
			continue;
		if (g_str_has_prefix (keys[i], NM_WGKS_KEY_PEER_PREFIX)) {
			g_autofree char *digits = NULL;

			num = keys[i] + strlen (NM_WGKS_KEY_PEER_PREFIX);
			dot = strchr (num, '.');
			digits = dot ? g_strndup (num, (gsize) (dot - num)) : NULL;
			if (digits && wgks_uint_parse (digits, 0, G_MAXUINT32, &idx) && idx < n_peers
			    && strcmp (dot + 1, NM_WGKS_PEER_PRESHARED_KEY) == 0)
				continue;
		}
		shown = wgks_config_printable (keys[i]);
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_UNKNOWN_KEY,
		             _("unknown secret \"%s\" in vpn.secrets"), shown);
		return FALSE;
	}
	return TRUE;
}

WgksConfig *
wgks_config_from_setting (NMSettingVpn *s_vpn, WgksSettingFlags flags, GError **error)
{
	g_autoptr (WgksConfig) config = wgks_config_new ();
	GError *scan_error = NULL;
	KeyScan scan = { 0, &scan_error };
	guint i;

	nm_setting_vpn_foreach_data_item (s_vpn, scan_data_key, &scan);
	if (scan_error) {
		g_propagate_error (error, scan_error);
		return NULL;
	}
	if (!read_interface (s_vpn, config, error))
		return NULL;
	for (i = 0; i < scan.n_peers; i++) {
		g_autoptr (WgksPeer) peer = wgks_peer_new ();

		if (!read_peer (s_vpn, i, flags, peer, error))
			return NULL;
		g_ptr_array_add (config->peers, g_steal_pointer (&peer));
	}
	if (flags & WGKS_SETTING_WITH_SECRETS) {
		const char *v = nm_setting_vpn_get_secret (s_vpn, NM_WGKS_SECRET_PRIVATE_KEY);

		if (!check_secret_keys (s_vpn, scan.n_peers, error))
			return NULL;
		if (v && *v) {
			if (!parse_key (NM_WGKS_SECRET_PRIVATE_KEY, v, TRUE, &config->private_key, error))
				return NULL;
			config->has_private_key = TRUE;
		}
	}
	if (!wgks_config_validate (config, (flags & WGKS_SETTING_WITH_SECRETS) != 0, error))
		return NULL;
	return g_steal_pointer (&config);
}

GPtrArray *
wgks_config_missing_secrets (NMSettingVpn *s_vpn)
{
	GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);
	NMSettingSecretFlags sflags = NM_SETTING_SECRET_FLAG_NONE;
	const char *v;
	guint i;

	nm_setting_get_secret_flags (NM_SETTING (s_vpn), NM_WGKS_SECRET_PRIVATE_KEY, &sflags, NULL);
	v = nm_setting_vpn_get_secret (s_vpn, NM_WGKS_SECRET_PRIVATE_KEY);
	if ((!v || !*v) && !(sflags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED))
		g_ptr_array_add (missing, g_strdup (NM_WGKS_SECRET_PRIVATE_KEY));
	for (i = 0; i < NM_WGKS_MAX_PEERS; i++) {
		g_autofree char *k_pub = wgks_peer_key (i, NM_WGKS_PEER_PUBLIC_KEY);
		g_autofree char *k_psk = wgks_peer_key (i, NM_WGKS_PEER_PRESHARED_KEY);

		if (!nm_setting_vpn_get_data_item (s_vpn, k_pub))
			break;
		v = nm_setting_vpn_get_secret (s_vpn, k_psk);
		if ((!v || !*v) && peer_has_psk_flag (s_vpn, i))
			g_ptr_array_add (missing, g_steal_pointer (&k_psk));
	}
	return missing;
}

static void
add_secret (NMSettingVpn *s_vpn, const char *name, const WgksKey *key)
{
	char b64[WGKS_KEY_B64_LEN + 1];
	g_autofree char *flags_key = g_strconcat (name, "-flags", NULL);

	wgks_key_to_base64 (key, b64);
	nm_setting_vpn_add_secret (s_vpn, name, b64);
	wgks_memzero (b64, sizeof b64);
	if (!nm_setting_vpn_get_data_item (s_vpn, flags_key))
		nm_setting_set_secret_flags (NM_SETTING (s_vpn), name, NM_SETTING_SECRET_FLAG_NONE, NULL);
}

static void
write_peer (NMSettingVpn *s_vpn, guint index, const WgksPeer *peer)
{
	g_autofree char *k_pub = wgks_peer_key (index, NM_WGKS_PEER_PUBLIC_KEY);
	g_autofree char *k_ep = wgks_peer_key (index, NM_WGKS_PEER_ENDPOINT);
	g_autofree char *k_ips = wgks_peer_key (index, NM_WGKS_PEER_ALLOWED_IPS);
	g_autofree char *k_ka = wgks_peer_key (index, NM_WGKS_PEER_KEEPALIVE);
	g_autofree char *k_psk = wgks_peer_key (index, NM_WGKS_PEER_PRESHARED_KEY);
	char b64[WGKS_KEY_B64_LEN + 1];

	wgks_key_to_base64 (&peer->public_key, b64);
	nm_setting_vpn_add_data_item (s_vpn, k_pub, b64);
	if (peer->endpoint_host) {
		g_autofree char *ep = wgks_endpoint_to_string (peer->endpoint_host, peer->endpoint_port);

		nm_setting_vpn_add_data_item (s_vpn, k_ep, ep);
	}
	if (peer->allowed_ips->len) {
		g_autofree char *ips = join_prefixes (peer->allowed_ips);

		nm_setting_vpn_add_data_item (s_vpn, k_ips, ips);
	}
	if (peer->persistent_keepalive) {
		g_autofree char *ka = g_strdup_printf ("%u", peer->persistent_keepalive);

		nm_setting_vpn_add_data_item (s_vpn, k_ka, ka);
	}
	if (peer->has_preshared_key)
		add_secret (s_vpn, k_psk, &peer->preshared_key);
}

static void
add_uint (NMSettingVpn *s_vpn, const char *key, guint64 value)
{
	g_autofree char *s = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

	nm_setting_vpn_add_data_item (s_vpn, key, s);
}

void
wgks_config_to_setting (const WgksConfig *config, NMSettingVpn *s_vpn)
{
	g_autofree char *addresses = join_prefixes (config->addresses);
	guint i;

	nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_ADDRESS, addresses);
	if (config->dns_servers->len) {
		g_autofree char *dns = join_strings (config->dns_servers);

		nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_DNS, dns);
	}
	if (config->dns_domains->len) {
		g_autofree char *search = join_strings (config->dns_domains);

		nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_DNS_SEARCH, search);
	}
	if (config->mtu)
		add_uint (s_vpn, NM_WGKS_KEY_MTU, config->mtu);
	if (config->listen_port)
		add_uint (s_vpn, NM_WGKS_KEY_LISTEN_PORT, config->listen_port);
	if (config->fwmark)
		add_uint (s_vpn, NM_WGKS_KEY_FWMARK, config->fwmark);
	if (config->table == WGKS_TABLE_OFF)
		nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_TABLE, "off");
	nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_KILL_SWITCH,
	                              wgks_kill_switch_to_string (config->kill_switch));
	nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_ALLOW_LAN, config->allow_lan ? "yes" : "no");
	nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_DNS_LEAK_PROTECTION,
	                              config->dns_leak_protection ? "yes" : "no");
	if (config->dns_over_tls != WGKS_DNS_OVER_TLS_NO)
		nm_setting_vpn_add_data_item (s_vpn, NM_WGKS_KEY_DNS_OVER_TLS,
		                              wgks_dns_over_tls_to_string (config->dns_over_tls));
	if (config->has_private_key)
		add_secret (s_vpn, NM_WGKS_SECRET_PRIVATE_KEY, &config->private_key);
	for (i = 0; i < config->peers->len; i++)
		write_peer (s_vpn, i, config->peers->pdata[i]);
}
