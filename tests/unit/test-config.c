/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vpn.data / vpn.secrets: what the service and the editor read and write. */
#include "config.h"

#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-config.h"
#include "wgks-dns-mode.h"
#include "wgks-ip.h"
#include "test-utils.h"

#define PRIV "ADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWsE="
#define PUB0 "1d34UvthIUj8aSK1gihG9laPrUnjkRk/9bel4ufeH34="
#define PUB1 "SrO3pWvLEwbZu0rF15x7+axEzF3iuM0vR5lu1fH+pIk="
#define PSK1 "0Mm097w9XfgJwuFDg16eYLR4xZA57iPr6p8M5BbujHs="

static NMSettingVpn *
make_setting (void)
{
	NMSettingVpn *s = NM_SETTING_VPN (nm_setting_vpn_new ());

	g_object_set (s, NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE, NULL);
	nm_setting_vpn_add_data_item (s, "address", "10.0.0.2/24, fd00::2/64");
	nm_setting_vpn_add_data_item (s, "dns", "10.0.0.1");
	nm_setting_vpn_add_data_item (s, "dns-search", "corp.example, ~internal.example");
	nm_setting_vpn_add_data_item (s, "peer.0.public-key", PUB0);
	nm_setting_vpn_add_data_item (s, "peer.0.endpoint", "vpn.example.com:51820");
	nm_setting_vpn_add_data_item (s, "peer.0.allowed-ips", "0.0.0.0/0, ::/0");
	nm_setting_vpn_add_data_item (s, "peer.0.persistent-keepalive", "25");
	nm_setting_vpn_add_data_item (s, "peer.1.public-key", PUB1);
	nm_setting_vpn_add_data_item (s, "peer.1.allowed-ips", "192.168.7.0/24");
	nm_setting_vpn_add_data_item (s, "peer.1.preshared-key-flags", "0");
	nm_setting_vpn_add_secret (s, "private-key", PRIV);
	nm_setting_vpn_add_secret (s, "peer.1.preshared-key", PSK1);
	return s;
}

static void
test_defaults (void)
{
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);

	g_assert_no_error (error);
	g_assert_cmpint (c->kill_switch, ==, WGKS_KILL_SWITCH_ON);
	g_assert_false (c->allow_lan);
	g_assert_true (c->dns_leak_protection);
	g_assert_cmpint (c->dns_over_tls, ==, WGKS_DNS_OVER_TLS_NO);
	g_assert_cmpuint (c->peers->len, ==, 2);
	g_assert_true (((WgksPeer *) c->peers->pdata[1])->has_preshared_key);
	g_assert_cmpuint (c->dns_domains->len, ==, 2);
}

static void
test_round_trip (void)
{
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (NMSettingVpn) s2 = NM_SETTING_VPN (nm_setting_vpn_new ());
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;

	nm_setting_vpn_add_data_item (s, "kill-switch", "lockdown");
	nm_setting_vpn_add_data_item (s, "allow-lan", "yes");
	nm_setting_vpn_add_data_item (s, "dns-leak-protection", "no");
	nm_setting_vpn_add_data_item (s, "dns-over-tls", "opportunistic");
	nm_setting_vpn_add_data_item (s, "mtu", "1400");
	nm_setting_vpn_add_data_item (s, "listen-port", "51000");
	nm_setting_vpn_add_data_item (s, "fwmark", "51820");
	nm_setting_vpn_add_data_item (s, "table", "off");
	nm_setting_set_secret_flags (NM_SETTING (s), "private-key", NM_SETTING_SECRET_FLAG_NONE, NULL);
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_no_error (error);
	g_object_set (s2, NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE, NULL);
	wgks_config_to_setting (c, s2);
	g_assert_true (nm_setting_compare (NM_SETTING (s), NM_SETTING (s2), NM_SETTING_COMPARE_FLAG_EXACT));
}

/* The key maps to the profile's connection.dns-over-tls, which NetworkManager
 * applies to the VPN's DNS; "no" undoes only what the key set. */
static void
test_dns_over_tls (void)
{
	static const struct {
		const char *value;
		WgksDnsOverTls mode;
		int nm;
	} cases[] = {
		{ "no", WGKS_DNS_OVER_TLS_NO, NM_SETTING_CONNECTION_DNS_OVER_TLS_DEFAULT },
		{ "opportunistic", WGKS_DNS_OVER_TLS_OPPORTUNISTIC, NM_SETTING_CONNECTION_DNS_OVER_TLS_OPPORTUNISTIC },
		{ "yes", WGKS_DNS_OVER_TLS_YES, NM_SETTING_CONNECTION_DNS_OVER_TLS_YES },
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (NMSettingVpn) s = make_setting ();
		g_autoptr (NMSettingVpn) s2 = NM_SETTING_VPN (nm_setting_vpn_new ());
		g_autoptr (GError) error = NULL;
		g_autoptr (WgksConfig) c = NULL;
		g_autoptr (NMConnection) conn = NULL;

		nm_setting_vpn_add_data_item (s, "dns-over-tls", cases[i].value);
		c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
		g_assert_no_error (error);
		g_assert_cmpint (c->dns_over_tls, ==, cases[i].mode);
		g_assert_cmpstr (wgks_dns_over_tls_to_string (c->dns_over_tls), ==, cases[i].value);
		wgks_config_to_setting (c, s2);
		/* "no" is the default and not written */
		g_assert_cmpstr (nm_setting_vpn_get_data_item (s2, "dns-over-tls"), ==,
		                 cases[i].mode == WGKS_DNS_OVER_TLS_NO ? NULL : cases[i].value);
		conn = wgks_config_to_connection (c, "dot", &error);
		g_assert_no_error (error);
		g_assert_cmpint (nm_setting_connection_get_dns_over_tls (nm_connection_get_setting_connection (conn)), ==,
		                 cases[i].nm);
		/* back to "no": the value the key had set goes, a user's "no" stays */
		c->dns_over_tls = WGKS_DNS_OVER_TLS_NO;
		wgks_config_apply_ip_settings (c, conn);
		g_assert_cmpint (nm_setting_connection_get_dns_over_tls (nm_connection_get_setting_connection (conn)), ==,
		                 NM_SETTING_CONNECTION_DNS_OVER_TLS_DEFAULT);
		g_object_set (nm_connection_get_setting_connection (conn), NM_SETTING_CONNECTION_DNS_OVER_TLS,
		              NM_SETTING_CONNECTION_DNS_OVER_TLS_NO, NULL);
		wgks_config_apply_ip_settings (c, conn);
		g_assert_cmpint (nm_setting_connection_get_dns_over_tls (nm_connection_get_setting_connection (conn)), ==,
		                 NM_SETTING_CONNECTION_DNS_OVER_TLS_NO);
	}
}

/* What the editor, the service and wg-killswitch say when the DNS mode cannot encrypt. */
static void
test_dns_over_tls_problem (void)
{
	g_autofree char *in_default = wgks_dns_over_tls_problem (WGKS_DNS_OVER_TLS_YES, "default");
	g_autofree char *in_dnsmasq = wgks_dns_over_tls_problem (WGKS_DNS_OVER_TLS_OPPORTUNISTIC, "dnsmasq");
	g_autofree char *unknown = wgks_dns_over_tls_problem (WGKS_DNS_OVER_TLS_YES, NULL);
	g_autofree char *resolved = wgks_dns_over_tls_problem (WGKS_DNS_OVER_TLS_YES, "systemd-resolved");
	g_autofree char *off = wgks_dns_over_tls_problem (WGKS_DNS_OVER_TLS_NO, "default");

	g_assert_nonnull (strstr (in_default, "dns-over-tls=yes is not applied: NetworkManager's DNS mode \"default\""));
	g_assert_nonnull (strstr (in_dnsmasq, "dns-over-tls=opportunistic is not applied"));
	g_assert_nonnull (strstr (in_dnsmasq, "\"dnsmasq\""));
	g_assert_nonnull (strstr (unknown, "unknown"));
	g_assert_null (resolved);
	g_assert_null (off);
	g_assert_true (wgks_dns_mode_does_tls ("systemd-resolved"));
	g_assert_false (wgks_dns_mode_does_tls ("dnsmasq"));
	g_assert_false (wgks_dns_mode_does_tls (NULL));
}

static void
test_missing_secrets (void)
{
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (GPtrArray) missing = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;

	nm_setting_vpn_remove_secret (s, "private-key");
	nm_setting_vpn_remove_secret (s, "peer.1.preshared-key");
	missing = wgks_config_missing_secrets (s);
	g_assert_cmpuint (missing->len, ==, 2);
	g_assert_cmpstr (missing->pdata[0], ==, "private-key");
	g_assert_cmpstr (missing->pdata[1], ==, "peer.1.preshared-key");
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_null (c);
	g_assert_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING_SECRET);
	/* The editor reads the same setting without secrets. */
	g_clear_error (&error);
	c = wgks_config_from_setting (s, WGKS_SETTING_NO_SECRETS, &error);
	g_assert_no_error (error);
	g_assert_nonnull (c);
}

typedef struct {
	const char *key;
	const char *value;
	const char *message;
} BadItem;

static const BadItem bad_items[] = {
	{ "kill-switch", "maybe", "invalid value \"maybe\" for key \"kill-switch\": must be \"off\", \"on\" or \"lockdown\"" },
	{ "allow-lan", "true", "invalid value \"true\" for key \"allow-lan\": must be \"yes\" or \"no\"" },
	{ "dns-leak-protection", "1", "for key \"dns-leak-protection\": must be \"yes\" or \"no\"" },
	{ "dns-over-tls", "strict", "invalid value \"strict\" for key \"dns-over-tls\": must be \"no\", \"opportunistic\" or \"yes\"" },
	{ "dns-over-tls", "", "for key \"dns-over-tls\"" },
	{ "address", "10.0.0.1/40", "invalid value \"10.0.0.1/40\" for key \"address\": prefix length must be 0 to 32" },
	{ "dns", "corp.example", "invalid value \"corp.example\" for key \"dns\": not an IPv4 or IPv6 address" },
	{ "dns-search", "10.0.0.1", "invalid value \"10.0.0.1\" for key \"dns-search\": a DNS domain, not an address" },
	{ "mtu", "12", "for key \"mtu\": must be a number from 576 to 65535" },
	{ "listen-port", "-1", "for key \"listen-port\"" },
	{ "fwmark", "0xZZ", "for key \"fwmark\"" },
	{ "table", "main", "for key \"table\": must be \"auto\" or \"off\"" },
	{ "peer.0.endpoint", "host", "for key \"peer.0.endpoint\": missing :port" },
	{ "peer.0.public-key", "abc", "for key \"peer.0.public-key\": not a WireGuard key" },
	{ "peer.0.persistent-keepalive", "1e3", "for key \"peer.0.persistent-keepalive\"" },
	{ "peer.3.public-key", PUB1, "peer 2 has no public key" },
	{ "peer.1.public-key", PUB0, "peers 0 and 1 have the same public key" },
	{ "peer.x.public-key", PUB1, "unknown key \"peer.x.public-key\" in vpn.data" },
	{ "remote", "1.2.3.4", "unknown key \"remote\" in vpn.data" },
	{ "evil\nkey", "1", "unknown key \"evil\\nkey\" in vpn.data" },
	{ "peer.0.endpoint", "127.0.0.53:51820", "for key \"peer.0.endpoint\": a loopback" },
	{ "peer.0.endpoint", "[::1]:51820", "for key \"peer.0.endpoint\": a loopback" },
	{ "peer.0.endpoint", "[::ffff:127.0.0.1]:51820", "for key \"peer.0.endpoint\": a loopback" },
	{ "peer.0.endpoint", "0.0.0.0:51820", "for key \"peer.0.endpoint\": a loopback, unspecified" },
	{ "peer.0.endpoint", "[::]:51820", "for key \"peer.0.endpoint\": a loopback, unspecified" },
	{ "peer.0.endpoint", "239.1.1.1:51820", "multicast" },
	{ "peer.0.endpoint", "[ff02::1]:51820", "multicast" },
	{ "peer.0.endpoint", "10.0.0.2:51820", "for key \"peer.0.endpoint\": inside the tunnel's own addresses" },
	{ "peer.0.endpoint", "10.0.0.77:51820", "inside the tunnel's own addresses" },
	{ "peer.0.endpoint", "[fd00::1]:51820", "inside the tunnel's own addresses" },
	{ "peer.0.endpoint", "vpn.example.com:51820\nprivate_key=00", "for key \"peer.0.endpoint\"" },
	{ "peer.0.allowed-ips", "0.0.0.0/0\nendpoint=1.2.3.4:5", "for key \"peer.0.allowed-ips\"" },
};

/* Addresses next to the rejected ones stay usable. */
static void
test_endpoint_addresses (void)
{
	static const char *const good[] = { "203.0.113.1", "10.0.1.1", "126.255.255.255", "128.0.0.1",
	                                     "223.255.255.254", "2001:db8::1", "fd00:1::1", "::ffff:192.0.2.1" };
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	guint i;

	g_assert_no_error (error);
	for (i = 0; i < G_N_ELEMENTS (good); i++) {
		guint8 addr[16];
		int family;

		g_assert_true (wgks_ip_parse (good[i], &family, addr));
		if (wgks_config_endpoint_address_problem (c, family, addr))
			g_error ("%s: rejected: %s", good[i], wgks_config_endpoint_address_problem (c, family, addr));
	}
}

static void
test_bad_item (gconstpointer data)
{
	const BadItem *bad = data;
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;

	nm_setting_vpn_add_data_item (s, bad->key, bad->value);
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_null (c);
	g_assert_nonnull (error);
	if (!strstr (error->message, bad->message))
		g_error ("%s: expected \"%s\", got \"%s\"", bad->key, bad->message, error->message);
}

static void
test_bad_secret (void)
{
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;

	nm_setting_vpn_add_secret (s, "private-key", "bm90IGEga2V5IGF0IGFsbA==");
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_null (c);
	g_assert_cmpstr (error->message, ==, "invalid private-key: not 32 bytes of base64");
	g_clear_error (&error);
	nm_setting_vpn_add_secret (s, "private-key", PRIV);
	nm_setting_vpn_add_secret (s, "peer.7.preshared-key", PSK1);
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_null (c);
	g_assert_cmpstr (error->message, ==, "unknown secret \"peer.7.preshared-key\" in vpn.secrets");
}

/* The same items as g_strsplit(), without its quadratic time under ASan. */
static void
test_split_char (void)
{
	static const char *inputs[] = { "", "a", "a,b", ",", "a,,b,", ",a", "10.0.0.1/32, 10.0.0.2/32", "\n" };
	guint i;

	for (i = 0; i < G_N_ELEMENTS (inputs); i++) {
		g_auto (GStrv) want = g_strsplit (inputs[i], ",", -1);
		g_auto (GStrv) got = wgks_split_char (inputs[i], ',');

		g_assert_cmpstrv (got, want);
	}
}

/* A hostile "address" of 100,000 prefixes (test-hostile's case) is
 * refused with its count, in well under the 60 s a D-Bus caller waits;
 * under AddressSanitizer g_strsplit() alone took 76 s. */
static void
test_address_100k (void)
{
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;
	g_autoptr (GString) value = g_string_new (NULL);
	gint64 t0;
	guint i;

	for (i = 0; i < 100000; i++)
		g_string_append_printf (value, "%s10.%u.%u.%u/32", i ? ", " : "", i >> 16, (i >> 8) & 255, i & 255);
	nm_setting_vpn_add_data_item (s, "address", value->str);
	t0 = g_get_monotonic_time ();
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_null (c);
	g_assert_cmpstr (error->message, ==, "too many tunnel addresses in \"address\": 100000 (at most 64)");
	g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_USEC_PER_SEC);
}

/* The count that refuses a long list before parsing it is the count of
 * items the parser sees: empty and blank items do not count. */
static void
test_address_count (void)
{
	g_autoptr (NMSettingVpn) s = make_setting ();
	g_autoptr (NMSettingVpn) s2 = make_setting ();
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;
	g_autoptr (WgksConfig) c = NULL;
	g_autoptr (WgksConfig) c2 = NULL;
	g_autoptr (GString) value = g_string_new (" ,, \t,");
	guint i;

	for (i = 0; i < 64; i++)
		g_string_append_printf (value, " 10.0.%u.2/24 , ,", i);
	nm_setting_vpn_add_data_item (s, "address", value->str);
	c = wgks_config_from_setting (s, WGKS_SETTING_WITH_SECRETS, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (c->addresses->len, ==, 64);
	g_string_append (value, "not-an-address");
	nm_setting_vpn_add_data_item (s2, "address", value->str);
	c2 = wgks_config_from_setting (s2, WGKS_SETTING_WITH_SECRETS, &error2);
	g_assert_null (c2);
	g_assert_cmpstr (error2->message, ==, "too many tunnel addresses in \"address\": 65 (at most 64)");
}

int
main (int argc, char **argv)
{
	guint i;

	wgks_test_init (&argc, &argv);
	g_test_add_func ("/config/defaults", test_defaults);
	g_test_add_func ("/config/round-trip", test_round_trip);
	g_test_add_func ("/config/missing-secrets", test_missing_secrets);
	g_test_add_func ("/config/dns-over-tls", test_dns_over_tls);
	g_test_add_func ("/config/dns-over-tls-problem", test_dns_over_tls_problem);
	g_test_add_func ("/config/bad-secret", test_bad_secret);
	g_test_add_func ("/config/endpoint-addresses", test_endpoint_addresses);
	g_test_add_func ("/config/split-char", test_split_char);
	g_test_add_func ("/config/address-100k", test_address_100k);
	g_test_add_func ("/config/address-count", test_address_count);
	for (i = 0; i < G_N_ELEMENTS (bad_items); i++) {
		g_autofree char *path = g_strdup_printf ("/config/bad/%u", i);

		g_test_add_data_func (path, &bad_items[i], test_bad_item);
	}
	return g_test_run ();
}
