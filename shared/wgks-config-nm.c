/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A whole NMConnection: the vpn setting plus the ipv4/ipv6 and connection
 * settings that go with the tunnel. */
#include "config.h"

#include "wgks-config.h"

#include <glib/gi18n-lib.h>

#include "nm-wgks-service-defines.h"

#define WGKS_DNS_PRIORITY_FULL_TUNNEL (-50)


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
