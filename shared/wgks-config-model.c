/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection model and its validation; no libnm. */
#include "config.h"

#include "wgks-config-model.h"

#include <glib/gi18n-lib.h>
#include <arpa/inet.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-config-private.h"

#define WGKS_SHOWN_MAX 64

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

/* The words for the modes in vpn.data and wg-quick files, by value */
static const char *const kill_switch_names[] = {
	[WGKS_KILL_SWITCH_OFF] = NM_WGKS_KILL_SWITCH_OFF,
	[WGKS_KILL_SWITCH_ON] = NM_WGKS_KILL_SWITCH_ON,
	[WGKS_KILL_SWITCH_LOCKDOWN] = NM_WGKS_KILL_SWITCH_LOCKDOWN,
};

static const char *const dns_over_tls_names[] = {
	[WGKS_DNS_OVER_TLS_NO] = NM_WGKS_DNS_OVER_TLS_NO,
	[WGKS_DNS_OVER_TLS_OPPORTUNISTIC] = NM_WGKS_DNS_OVER_TLS_OPPORTUNISTIC,
	[WGKS_DNS_OVER_TLS_YES] = NM_WGKS_DNS_OVER_TLS_YES,
};

/* The modes are unsigned enums, read and written here as guint. */
G_STATIC_ASSERT (sizeof (WgksKillSwitch) == sizeof (guint));
G_STATIC_ASSERT (sizeof (WgksDnsOverTls) == sizeof (guint));

/* Sets *VALUE to the index of TEXT in NAMES; FALSE (and *VALUE untouched)
 * when TEXT is none of them. */
static gboolean
value_of_name (const char *const *names, guint n_names, const char *text, guint *value)
{
	guint i;

	for (i = 0; i < n_names; i++) {
		if (g_strcmp0 (text, names[i]) == 0) {
			*value = i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
wgks_kill_switch_from_string (const char *text, WgksKillSwitch *out)
{
	return value_of_name (kill_switch_names, G_N_ELEMENTS (kill_switch_names), text, (guint *) out);
}

gboolean
wgks_dns_over_tls_from_string (const char *text, WgksDnsOverTls *out)
{
	return value_of_name (dns_over_tls_names, G_N_ELEMENTS (dns_over_tls_names), text, (guint *) out);
}

/* A value out of range is written as the default mode. */
const char *
wgks_kill_switch_to_string (WgksKillSwitch mode)
{
	return kill_switch_names[(guint) mode < G_N_ELEMENTS (kill_switch_names) ? mode : WGKS_KILL_SWITCH_ON];
}

const char *
wgks_dns_over_tls_to_string (WgksDnsOverTls mode)
{
	return dns_over_tls_names[(guint) mode < G_N_ELEMENTS (dns_over_tls_names) ? mode : WGKS_DNS_OVER_TLS_NO];
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

gboolean
wgks_config_too_many_addresses (guint n, GError **error)
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
		return wgks_config_too_many_addresses (config->addresses->len, error);
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
char *
wgks_config_printable (const char *text)
{
	gsize len = text ? strlen (text) : 0;
	g_autofree char *head = g_strndup (text ? text : "", MIN (len, WGKS_SHOWN_MAX));
	g_autofree char *escaped = g_strescape (head, NULL);

	if (len <= WGKS_SHOWN_MAX)
		return g_steal_pointer (&escaped);
	return g_strdup_printf ("%s... (%" G_GSIZE_FORMAT " bytes)", escaped, len);
}

gboolean
wgks_config_set_invalid (GError **error, const char *key, const char *value, const char *why)
{
	g_autofree char *v = wgks_config_printable (value);

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
			return wgks_config_set_invalid (error, key, items[i], why);
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
			return wgks_config_set_invalid (error, key, item, _("a DNS domain, not an address"));
		inet_ntop (family, addr, buf, sizeof buf);
		g_ptr_array_add (config->dns_servers, g_strdup (buf));
		return TRUE;
	}
	if (!allow_domain)
		return wgks_config_set_invalid (error, key, item, _("not an IPv4 or IPv6 address"));
	if (strcmp (name, ".") != 0 && !wgks_hostname_is_valid (name))
		return wgks_config_set_invalid (error, key, item, _("not an IP address or DNS domain"));
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
