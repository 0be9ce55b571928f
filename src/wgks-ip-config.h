/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the service reports to NetworkManager: the generic VPN config and the
 * IPv4 / IPv6 configs (nm-vpn-dbus-interface.h), built from a WgksConfig.
 * NetworkManager then owns addresses, routes and DNS. */
#ifndef WGKS_IP_CONFIG_H
#define WGKS_IP_CONFIG_H

#include "wgks-config.h"
#include "wgks-device.h"

#define WGKS_DEFAULT_MTU 1420

gboolean  wgks_ip_config_has_family (const WgksConfig *config, int family);
GVariant *wgks_ip_config_generic (const WgksConfig *config, const char *ifname, const WgksSockaddr *gateway);
/* family: AF_INET or AF_INET6; NULL if the tunnel has no address of it. */
GVariant *wgks_ip_config_for_family (const WgksConfig *config, int family);

#endif
