/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-config.h"

#include <glib/gi18n-lib.h>
#include <arpa/inet.h>
#include <string.h>

#include "nm-wgks-service-defines.h"

#define WGKS_SHOWN_MAX 64

#define WGKS_DNS_PRIORITY_FULL_TUNNEL (-50)

G_DEFINE_QUARK (wgks-config-error-quark, wgks_config_error)

WgksPeer *
wgks_peer_new (void)
{
	WgksPeer *peer = g_new0 (WgksPeer, 1);

	peer->allowed_ips = g_ptr_array_new_with_free_func (g_free);
	return peer;
}

void
wgks_peer_free (WgksPeer *peer)
{
	if (!peer)
		return;
	g_free (peer->endpoint_host);
	g_ptr_array_unref (peer->allowed_ips);
	wgks_memzero (peer, sizeof *peer);
	g_free (peer);
}

WgksConfig *
wgks_config_new (void)
{
	WgksConfig *config = g_new0 (WgksConfig, 1);

	config->addresses = g_ptr_array_new_with_free_func (g_free);
	config->dns_servers = g_ptr_array_new_with_free_func (g_free);
	config->dns_domains = g_ptr_array_new_with_free_func (g_free);
	config->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) wgks_peer_free);
	config->kill_switch = WGKS_KILL_SWITCH_ON;
	config->allow_lan = FALSE;
	config->dns_leak_protection = TRUE;
	return config;
}

void
wgks_config_free (WgksConfig *config)
{
	if (!config)
		return;
	g_ptr_array_unref (config->addresses);
	g_ptr_array_unref (config->dns_servers);
	g_ptr_array_unref (config->dns_domains);
	g_ptr_array_unref (config->peers);
	wgks_memzero (config, sizeof *config);
	g_free (config);
}

char *
wgks_peer_key (guint index, const char *suffix)
{
	return g_strdup_printf (NM_WGKS_KEY_PEER_PREFIX "%u.%s", index, suffix);
}

gboolean
wgks_dns_over_tls_from_string (const char *text, WgksDnsOverTls *out)
{
	if (g_strcmp0 (text, NM_WGKS_DNS_OVER_TLS_NO) == 0)
		*out = WGKS_DNS_OVER_TLS_NO;
	else if (g_strcmp0 (text, NM_WGKS_DNS_OVER_TLS_OPPORTUNISTIC) == 0)
		*out = WGKS_DNS_OVER_TLS_OPPORTUNISTIC;
	else if (g_strcmp0 (text, NM_WGKS_DNS_OVER_TLS_YES) == 0)
		*out = WGKS_DNS_OVER_TLS_YES;
	else
		return FALSE;
	return TRUE;
}

const char *
wgks_dns_over_tls_to_string (WgksDnsOverTls mode)
{
	switch (mode) {
	case WGKS_DNS_OVER_TLS_OPPORTUNISTIC:
		return NM_WGKS_DNS_OVER_TLS_OPPORTUNISTIC;
	case WGKS_DNS_OVER_TLS_YES:
		return NM_WGKS_DNS_OVER_TLS_YES;
	case WGKS_DNS_OVER_TLS_NO:
	default:
		return NM_WGKS_DNS_OVER_TLS_NO;
	}
}

gboolean
wgks_kill_switch_from_string (const char *text, WgksKillSwitch *out)
{
	if (g_strcmp0 (text, NM_WGKS_KILL_SWITCH_OFF) == 0)
		*out = WGKS_KILL_SWITCH_OFF;
	else if (g_strcmp0 (text, NM_WGKS_KILL_SWITCH_ON) == 0)
		*out = WGKS_KILL_SWITCH_ON;
	else if (g_strcmp0 (text, NM_WGKS_KILL_SWITCH_LOCKDOWN) == 0)
		*out = WGKS_KILL_SWITCH_LOCKDOWN;
	else
		return FALSE;
	return TRUE;
}

const char *
wgks_kill_switch_to_string (WgksKillSwitch mode)
{
	switch (mode) {
	case WGKS_KILL_SWITCH_OFF:
		return NM_WGKS_KILL_SWITCH_OFF;
	case WGKS_KILL_SWITCH_LOCKDOWN:
		return NM_WGKS_KILL_SWITCH_LOCKDOWN;
	case WGKS_KILL_SWITCH_ON:
	default:
		return NM_WGKS_KILL_SWITCH_ON;
	}
}

gboolean
wgks_config_is_full_tunnel (const WgksConfig *config, int family)
{
	guint i, j;

	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];

		for (j = 0; j < peer->allowed_ips->len; j++) {
			const WgksPrefix *p = peer->allowed_ips->pdata[j];

			if (p->family == family && wgks_prefix_is_default (p))
				return TRUE;
		}
	}
	return FALSE;
}

gboolean
wgks_config_is_any_full_tunnel (const WgksConfig *config)
{
	return wgks_config_is_full_tunnel (config, AF_INET) || wgks_config_is_full_tunnel (config, AF_INET6);
}

guint32
wgks_config_effective_fwmark (const WgksConfig *config)
{
	return config->fwmark ? config->fwmark : WGKS_DEFAULT_FWMARK;
}

static gboolean
ipv4_is_unusable (const guint8 *a)
{
	return a[0] == 127 || a[0] == 0 || a[0] >= 224;   /* loopback, "this network", multicast, class E */
}

static gboolean
address_is_unusable (int family, const guint8 *a)
{
	static const guint8 zero[16];
	static const guint8 v6_loopback[16] = { [15] = 1 };
	static const guint8 v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET)
		return ipv4_is_unusable (a);
	if (memcmp (a, zero, 16) == 0 || memcmp (a, v6_loopback, 16) == 0 || a[0] == 0xff)
		return TRUE;                                         /* unspecified, loopback, multicast */
	return memcmp (a, v4_mapped, 12) == 0 && ipv4_is_unusable (a + 12);
}

const char *
wgks_config_endpoint_address_problem (const WgksConfig *config, int family, const guint8 *addr)
{
	guint i;

	if (address_is_unusable (family, addr))
		return _("a loopback, unspecified, multicast or reserved address: the tunnel's packets would never "
		         "reach a server");
	for (i = 0; i < config->addresses->len; i++) {
		if (wgks_prefix_contains (config->addresses->pdata[i], family, addr))
			return _("inside the tunnel's own addresses: the tunnel's packets would loop into the tunnel");
	}
	return NULL;
}

static guint
count_allowed_ips (const WgksConfig *config)
{
	guint i, n = 0;

	for (i = 0; i < config->peers->len; i++)
		n += ((const WgksPeer *) config->peers->pdata[i])->allowed_ips->len;
	return n;
}

static gboolean
check_literal_endpoint (const WgksConfig *config, guint index, const WgksPeer *peer, GError **error)
{
	g_autofree char *key = NULL;
	const char *why;
	guint8 addr[16];
	int family;

	if (!peer->endpoint_host || !wgks_ip_parse (peer->endpoint_host, &family, addr))
		return TRUE;
	why = wgks_config_endpoint_address_problem (config, family, addr);
	if (!why)
		return TRUE;
	key = wgks_peer_key (index, NM_WGKS_PEER_ENDPOINT);
	g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID, _("invalid value \"%s\" for key \"%s\": %s"),
	             peer->endpoint_host, key, why);
	return FALSE;
}

static gboolean
too_many_addresses (guint n, GError **error)
{
	g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
	             _("too many tunnel addresses in \"%s\": %u (at most %d)"), NM_WGKS_KEY_ADDRESS, n,
	             NM_WGKS_MAX_ADDRESSES);
	return FALSE;
}

gboolean
wgks_config_validate (const WgksConfig *config, gboolean need_secrets, GError **error)
{
	g_autoptr (GHashTable) seen = g_hash_table_new (wgks_key_hash, wgks_key_hash_equal);   /* key -> first peer index */
	WgksKey own_public;
	gpointer first;
	guint i;

	if (need_secrets && !config->has_private_key) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING_SECRET,
		             _("the private key (secret \"%s\") is missing"), NM_WGKS_SECRET_PRIVATE_KEY);
		return FALSE;
	}
	if (config->addresses->len == 0) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("no tunnel address: set \"%s\" (wg-quick: Address)"), NM_WGKS_KEY_ADDRESS);
		return FALSE;
	}
	if (config->peers->len == 0) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("no peer: a tunnel needs at least one [Peer] with a PublicKey"));
		return FALSE;
	}
	if (config->addresses->len > NM_WGKS_MAX_ADDRESSES)
		return too_many_addresses (config->addresses->len, error);
	if (count_allowed_ips (config) > NM_WGKS_MAX_ALLOWED_IPS) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
		             _("too many AllowedIPs prefixes: %u in all peers (at most %d)"), count_allowed_ips (config),
		             NM_WGKS_MAX_ALLOWED_IPS);
		return FALSE;
	}
	if (config->peers->len > NM_WGKS_MAX_PEERS) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
		             _("too many peers: %u (at most %d)"), config->peers->len, NM_WGKS_MAX_PEERS);
		return FALSE;
	}
	if (config->has_private_key)
		wgks_key_public_from_private (&config->private_key, &own_public);
	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];

		if (config->has_private_key && wgks_key_equal (&peer->public_key, &own_public)) {
			g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
			             _("peer %u has this interface's own public key"), i);
			return FALSE;
		}
		if (!check_literal_endpoint (config, i, peer, error))
			return FALSE;
		if (g_hash_table_lookup_extended (seen, &peer->public_key, NULL, &first)) {
			g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
			             _("peers %u and %u have the same public key"), GPOINTER_TO_UINT (first), i);
			return FALSE;
		}
		g_hash_table_insert (seen, (gpointer) &peer->public_key, GUINT_TO_POINTER (i));
	}
	return TRUE;
}

/* ---------------------------------------------------------------------------
 * vpn.data / vpn.secrets
 * ------------------------------------------------------------------------- */

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

/* g_strsplit (text, "<sep>", -1) in linear time under AddressSanitizer
 * too: GLib's loop calls strstr() on the rest of the string once per item,
 * and ASan's strstr() measures that whole rest each time, so 100,000 items
 * (a hostile "address") took 76 s there, past the caller's D-Bus timeout.
 * memchr() with a length is checked only up to what it found. */
GStrv
wgks_split_char (const char *text, char sep)
{
	GPtrArray *out = g_ptr_array_new ();
	const char *p = text, *end = text + strlen (text), *next;

	while (*text) {
		next = memchr (p, sep, (gsize) (end - p));
		g_ptr_array_add (out, g_strndup (p, (gsize) ((next ? next : end) - p)));
		if (!next)
			break;
		p = next + 1;
	}
	g_ptr_array_add (out, NULL);
	return (GStrv) g_ptr_array_free (out, FALSE);
}

/* The number of items split_list() would return, without allocating. */
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

/* Splits "a, b,c" into stripped, non-empty items. */
static char **
split_list (const char *value)
{
	g_auto (GStrv) parts = wgks_split_char (value ? value : "", ',');
	GPtrArray *out = g_ptr_array_new ();
	guint i;

	for (i = 0; parts[i]; i++) {
		g_strstrip (parts[i]);
		if (*parts[i])
			g_ptr_array_add (out, g_strdup (parts[i]));
	}
	g_ptr_array_add (out, NULL);
	return (char **) g_ptr_array_free (out, FALSE);
}

/* A value as an error message may show it: escaped, and cut short (a
 * hostile value can be megabytes long). */
static char *
printable (const char *text)
{
	gsize len = text ? strlen (text) : 0;
	g_autofree char *head = g_strndup (text ? text : "", MIN (len, WGKS_SHOWN_MAX));
	g_autofree char *escaped = g_strescape (head, NULL);

	if (len <= WGKS_SHOWN_MAX)
		return g_steal_pointer (&escaped);
	return g_strdup_printf ("%s... (%" G_GSIZE_FORMAT " bytes)", escaped, len);
}

static gboolean
set_invalid (GError **error, const char *key, const char *value, const char *why)
{
	g_autofree char *v = printable (value);

	g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
	             _("invalid value \"%s\" for key \"%s\": %s"), v, key, why);
	return FALSE;
}

gboolean
wgks_config_add_prefixes (GPtrArray *into, const char *value, const char *key, GError **error)
{
	g_auto (GStrv) items = split_list (value);
	guint i;

	for (i = 0; items[i]; i++) {
		WgksPrefix prefix;
		const char *why;

		if (!wgks_prefix_parse (items[i], &prefix, &why))
			return set_invalid (error, key, items[i], why);
		g_ptr_array_add (into, wgks_prefix_dup (&prefix));
	}
	return TRUE;
}

static gboolean
add_dns_item (WgksConfig *config, const char *item, gboolean allow_server, gboolean allow_domain,
              const char *key, GError **error)
{
	char buf[INET6_ADDRSTRLEN];
	guint8 addr[16];
	int family;
	const char *name = item[0] == '~' ? item + 1 : item;

	if (wgks_ip_parse (item, &family, addr)) {
		if (!allow_server)
			return set_invalid (error, key, item, _("a DNS domain, not an address"));
		inet_ntop (family, addr, buf, sizeof buf);
		g_ptr_array_add (config->dns_servers, g_strdup (buf));
		return TRUE;
	}
	if (!allow_domain)
		return set_invalid (error, key, item, _("not an IPv4 or IPv6 address"));
	if (strcmp (name, ".") != 0 && !wgks_hostname_is_valid (name))
		return set_invalid (error, key, item, _("not an IP address or DNS domain"));
	g_ptr_array_add (config->dns_domains, g_strdup (item));
	return TRUE;
}

/* wg-quick's DNS mixes servers and search domains: IPs are servers, the rest domains. */
gboolean
wgks_config_add_dns (WgksConfig *config, const char *value, gboolean servers, gboolean domains,
                     const char *key, GError **error)
{
	g_auto (GStrv) items = split_list (value);
	guint i;

	for (i = 0; items[i]; i++)
		if (!add_dns_item (config, items[i], servers, domains, key, error))
			return FALSE;
	return TRUE;
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
		return set_invalid (error, key, value, _("must be \"yes\" or \"no\""));
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
	return set_invalid (error, key, value, _("not a WireGuard key (32 bytes of base64)"));
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
	shown = printable (key);
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
			return set_invalid (error, k_ep, v, why);
	}
	v = nm_setting_vpn_get_data_item (s_vpn, k_ips);
	if (v && !wgks_config_add_prefixes (peer->allowed_ips, v, k_ips, error))
		return FALSE;
	v = nm_setting_vpn_get_data_item (s_vpn, k_ka);
	if (v && !wgks_port_parse (v, TRUE, &peer->persistent_keepalive))
		return set_invalid (error, k_ka, v, _("must be a number of seconds from 0 to 65535"));

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
		return too_many_addresses ((guint) n, error);
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
			return set_invalid (error, NM_WGKS_KEY_MTU, v, _("must be a number from 576 to 65535"));
		config->mtu = (guint32) n;
	}
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_LISTEN_PORT);
	if (v && !wgks_port_parse (v, TRUE, &config->listen_port))
		return set_invalid (error, NM_WGKS_KEY_LISTEN_PORT, v, _("must be a number from 0 to 65535"));
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_FWMARK);
	if (v) {
		if (!g_ascii_string_to_unsigned (v, g_str_has_prefix (v, "0x") ? 16 : 10, 0, G_MAXUINT32, &n, NULL)
		    && !(g_str_has_prefix (v, "0x") && g_ascii_string_to_unsigned (v + 2, 16, 0, G_MAXUINT32, &n, NULL)))
			return set_invalid (error, NM_WGKS_KEY_FWMARK, v, _("must be a 32-bit number (decimal or 0x hex)"));
		config->fwmark = (guint32) n;
	}
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_TABLE);
	if (v) {
		if (strcmp (v, "auto") == 0)
			config->table = WGKS_TABLE_AUTO;
		else if (strcmp (v, "off") == 0)
			config->table = WGKS_TABLE_OFF;
		else
			return set_invalid (error, NM_WGKS_KEY_TABLE, v, _("must be \"auto\" or \"off\""));
	}
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_KILL_SWITCH);
	if (v && !wgks_kill_switch_from_string (v, &config->kill_switch))
		return set_invalid (error, NM_WGKS_KEY_KILL_SWITCH, v, _("must be \"off\", \"on\" or \"lockdown\""));
	v = nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_OVER_TLS);
	if (v && !wgks_dns_over_tls_from_string (v, &config->dns_over_tls))
		return set_invalid (error, NM_WGKS_KEY_DNS_OVER_TLS, v,
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
		shown = printable (keys[i]);
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

/* ---------------------------------------------------------------------------
 * Whole connections
 * ------------------------------------------------------------------------- */

static NMSettingIPConfig *
get_ip_setting (NMConnection *connection, int family)
{
	return family == AF_INET ? nm_connection_get_setting_ip4_config (connection)
	                         : nm_connection_get_setting_ip6_config (connection);
}

static NMSettingIPConfig *
ensure_ip_setting (NMConnection *connection, int family)
{
	NMSettingIPConfig *s_ip = get_ip_setting (connection, family);

	if (s_ip)
		return s_ip;
	s_ip = NM_SETTING_IP_CONFIG (family == AF_INET ? nm_setting_ip4_config_new () : nm_setting_ip6_config_new ());
	g_object_set (s_ip, NM_SETTING_IP_CONFIG_METHOD,
	              family == AF_INET ? NM_SETTING_IP4_CONFIG_METHOD_AUTO : NM_SETTING_IP6_CONFIG_METHOD_AUTO,
	              NULL);
	nm_connection_add_setting (connection, NM_SETTING (s_ip));
	return s_ip;
}

static void
apply_ip_setting (NMSettingIPConfig *s_ip, const WgksConfig *config, int family, guint32 table)
{
	/* As the service decides (wgks-ip-config.c): with Table = off nothing is routed. */
	gboolean routes_default = config->table != WGKS_TABLE_OFF && wgks_config_is_full_tunnel (config, family);
	int priority = nm_setting_ip_config_get_dns_priority (s_ip);

	g_object_set (s_ip,
	              NM_SETTING_IP_CONFIG_NEVER_DEFAULT, !routes_default,
	              NM_SETTING_IP_CONFIG_ROUTE_TABLE, table,
	              NULL);
	if (routes_default && config->dns_leak_protection) {
		/* A full tunnel owns DNS: its servers win over the uplink's for every
		 * name. A negative priority the user chose is already exclusive. */
		if (priority >= 0)
			g_object_set (s_ip, NM_SETTING_IP_CONFIG_DNS_PRIORITY, WGKS_DNS_PRIORITY_FULL_TUNNEL, NULL);
		nm_setting_ip_config_add_dns_search (s_ip, "~.");
	} else {
		/* Undo only what the lines above set; other user choices stay. */
		if (priority == WGKS_DNS_PRIORITY_FULL_TUNNEL)
			g_object_set (s_ip, NM_SETTING_IP_CONFIG_DNS_PRIORITY, 0, NULL);
		nm_setting_ip_config_remove_dns_search_by_value (s_ip, "~.");
	}
}

/* Only what the key set is undone: a "no" leaves the user's own choice. */
static void
apply_dns_over_tls (const WgksConfig *config, NMConnection *connection)
{
	NMSettingConnection *s_con = nm_connection_get_setting_connection (connection);
	int want;

	if (!s_con)
		return;
	switch (config->dns_over_tls) {
	case WGKS_DNS_OVER_TLS_YES:
		want = NM_SETTING_CONNECTION_DNS_OVER_TLS_YES;
		break;
	case WGKS_DNS_OVER_TLS_OPPORTUNISTIC:
		want = NM_SETTING_CONNECTION_DNS_OVER_TLS_OPPORTUNISTIC;
		break;
	case WGKS_DNS_OVER_TLS_NO:
	default:
		if (nm_setting_connection_get_dns_over_tls (s_con) <= NM_SETTING_CONNECTION_DNS_OVER_TLS_NO)
			return;
		want = NM_SETTING_CONNECTION_DNS_OVER_TLS_DEFAULT;
		break;
	}
	g_object_set (s_con, NM_SETTING_CONNECTION_DNS_OVER_TLS, want, NULL);
}

void
wgks_config_apply_ip_settings (const WgksConfig *config, NMConnection *connection)
{
	NMSettingIPConfig *s_ip4 = get_ip_setting (connection, AF_INET);
	NMSettingIPConfig *s_ip6 = get_ip_setting (connection, AF_INET6);
	guint32 table = config->route_table;

	/* A table the user set (wg-quick "Table = N", or the IPv4 settings) wins. */
	if (!table && s_ip4)
		table = nm_setting_ip_config_get_route_table (s_ip4);
	if (!table && s_ip6)
		table = nm_setting_ip_config_get_route_table (s_ip6);
	if (!table && config->table == WGKS_TABLE_AUTO && wgks_config_is_any_full_tunnel (config))
		table = WGKS_DEFAULT_ROUTE_TABLE;
	apply_ip_setting (ensure_ip_setting (connection, AF_INET), config, AF_INET, table);
	apply_ip_setting (ensure_ip_setting (connection, AF_INET6), config, AF_INET6, table);
	apply_dns_over_tls (config, connection);
}

NMConnection *
wgks_config_to_connection (const WgksConfig *config, const char *id, GError **error)
{
	NMConnection *connection;
	NMSettingConnection *s_con;
	NMSettingVpn *s_vpn;
	g_autofree char *uuid = nm_utils_uuid_generate ();

	if (!wgks_config_validate (config, FALSE, error))
		return NULL;

	connection = nm_simple_connection_new ();
	s_con = NM_SETTING_CONNECTION (nm_setting_connection_new ());
	g_object_set (s_con,
	              NM_SETTING_CONNECTION_ID, id,
	              NM_SETTING_CONNECTION_UUID, uuid,
	              NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME,
	              NULL);
	nm_connection_add_setting (connection, NM_SETTING (s_con));

	s_vpn = NM_SETTING_VPN (nm_setting_vpn_new ());
	g_object_set (s_vpn,
	              NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE,
	              NM_SETTING_VPN_PERSISTENT, TRUE,
	              NULL);
	wgks_config_to_setting (config, s_vpn);
	nm_connection_add_setting (connection, NM_SETTING (s_vpn));

	wgks_config_apply_ip_settings (config, connection);

	if (!nm_connection_verify (connection, error)) {
		g_object_unref (connection);
		return NULL;
	}
	return connection;
}

WgksConfig *
wgks_config_from_connection (NMConnection *connection, WgksSettingFlags flags, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
	NMSettingIPConfig *s_ip4 = nm_connection_get_setting_ip4_config (connection);
	WgksConfig *config;

	if (!s_vpn || g_strcmp0 (nm_setting_vpn_get_service_type (s_vpn), NM_WGKS_SERVICE_TYPE) != 0) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("not a %s VPN connection"), NM_WGKS_SHORT_NAME);
		return NULL;
	}
	config = wgks_config_from_setting (s_vpn, flags, error);
	if (config && s_ip4)
		config->route_table = nm_setting_ip_config_get_route_table (s_ip4);
	return config;
}
