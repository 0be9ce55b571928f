/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The public contract of the plugin: D-Bus names and vpn.data / vpn.secrets keys. */
#ifndef NM_WGKS_SERVICE_DEFINES_H
#define NM_WGKS_SERVICE_DEFINES_H

#define NM_WGKS_SERVICE_TYPE   "org.freedesktop.NetworkManager.wireguard-killswitch"
#define NM_WGKS_SHORT_NAME     "wireguard-killswitch"
#define NM_WGKS_DBUS_PATH      "/org/freedesktop/NetworkManager/wireguard-killswitch"

/* [Interface] */
#define NM_WGKS_KEY_ADDRESS             "address"
#define NM_WGKS_KEY_DNS                 "dns"
#define NM_WGKS_KEY_DNS_SEARCH          "dns-search"
#define NM_WGKS_KEY_MTU                 "mtu"
#define NM_WGKS_KEY_LISTEN_PORT         "listen-port"
#define NM_WGKS_KEY_FWMARK              "fwmark"
#define NM_WGKS_KEY_TABLE               "table"

/* Protection */
#define NM_WGKS_KEY_KILL_SWITCH         "kill-switch"
#define NM_WGKS_KEY_ALLOW_LAN           "allow-lan"
#define NM_WGKS_KEY_DNS_LEAK_PROTECTION "dns-leak-protection"

/* DNS over TLS to the tunnel's DNS servers, applied by the resolver
 * (NetworkManager's connection.dns-over-tls of the VPN profile) */
#define NM_WGKS_KEY_DNS_OVER_TLS        "dns-over-tls"
#define NM_WGKS_DNS_OVER_TLS_NO         "no"
#define NM_WGKS_DNS_OVER_TLS_OPPORTUNISTIC "opportunistic"
#define NM_WGKS_DNS_OVER_TLS_YES        "yes"

#define NM_WGKS_KILL_SWITCH_OFF         "off"
#define NM_WGKS_KILL_SWITCH_ON          "on"
#define NM_WGKS_KILL_SWITCH_LOCKDOWN    "lockdown"

/* Peers: "peer.N.<suffix>", N = 0, 1, 2, ... without gaps */
#define NM_WGKS_KEY_PEER_PREFIX         "peer."
#define NM_WGKS_PEER_PUBLIC_KEY         "public-key"
#define NM_WGKS_PEER_ENDPOINT           "endpoint"
#define NM_WGKS_PEER_ALLOWED_IPS        "allowed-ips"
#define NM_WGKS_PEER_KEEPALIVE          "persistent-keepalive"
#define NM_WGKS_PEER_PRESHARED_KEY      "preshared-key"   /* secret */

/* Secrets */
#define NM_WGKS_SECRET_PRIVATE_KEY      "private-key"

/* wireguard-go and kernel WireGuard both cap the number of peers far higher;
 * this bound keeps hostile connections from exhausting memory. */
#define NM_WGKS_MAX_PEERS               10000
/* NetworkManager uses one address per family; a few more are tolerated. */
#define NM_WGKS_MAX_ADDRESSES           64
/* AllowedIPs of all peers together (the kill switch keeps them in sets). */
#define NM_WGKS_MAX_ALLOWED_IPS         100000

/* The fwmark the tunnel's own encrypted packets carry when the connection
 * sets none (the same default wg-quick uses): the policy rule of a full
 * tunnel and the kill switch's rules match it. */
#define WGKS_DEFAULT_FWMARK             0xca6cu

#endif
