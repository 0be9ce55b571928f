/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection model (wgks-config-model.h) and its libnm side: the
 * vpn.data / vpn.secrets codec (wgks-config-vpndata.c) and the mapping to a
 * whole NMConnection (wgks-config-nm.c). */
#ifndef WGKS_CONFIG_H
#define WGKS_CONFIG_H

#include <NetworkManager.h>

#include "wgks-config-model.h"

/* vpn.data / vpn.secrets */
typedef enum {
	WGKS_SETTING_NO_SECRETS   = 0,      /* ignore vpn.secrets (editor without secrets) */
	WGKS_SETTING_WITH_SECRETS = 1 << 0, /* read secrets; a missing one is an error */
} WgksSettingFlags;

WgksConfig *wgks_config_from_setting (NMSettingVpn *s_vpn, WgksSettingFlags flags, GError **error);
void        wgks_config_to_setting   (const WgksConfig *config, NMSettingVpn *s_vpn);
GPtrArray  *wgks_config_missing_secrets (NMSettingVpn *s_vpn);

/* A whole NMConnection: vpn setting plus what belongs in ipv4/ipv6 settings. */
NMConnection *wgks_config_to_connection (const WgksConfig *config, const char *id, GError **error);
/* The ipv4/ipv6 settings that go with the tunnel (created when absent), as the
 * wg-quick importer sets them and the editor keeps them on save: a full tunnel
 * (0.0.0.0/0 or ::/0 in a peer's AllowedIPs) takes the default route, through
 * WGKS_DEFAULT_ROUTE_TABLE unless another table is set, and with DNS leak
 * protection owns DNS (dns-priority -50, routing domain "~."); a split tunnel
 * is never-default and leaves DNS to the uplink. */
/* It also sets connection.dns-over-tls from the dns-over-tls key: the VPN
 * service cannot change the profile, and that is NetworkManager's only
 * per-connection DNS-over-TLS setting (only systemd-resolved acts on it). */
void          wgks_config_apply_ip_settings (const WgksConfig *config, NMConnection *connection);
WgksConfig   *wgks_config_from_connection (NMConnection *connection, WgksSettingFlags flags, GError **error);

#endif
