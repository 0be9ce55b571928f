/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugin's view of one connection: what wg-quick files, vpn.data/vpn.secrets
 * and the service all translate to and from. The model and its validation,
 * without libnm; wgks-config.h adds the libnm side. */
#ifndef WGKS_CONFIG_MODEL_H
#define WGKS_CONFIG_MODEL_H

#include <glib.h>

#include "wgks-ip.h"
#include "wgks-key.h"

#define WGKS_CONFIG_ERROR (wgks_config_error_quark ())
GQuark wgks_config_error_quark (void);

typedef enum {
	WGKS_CONFIG_ERROR_INVALID,        /* a value is malformed or out of range */
	WGKS_CONFIG_ERROR_MISSING,        /* a required key is absent */
	WGKS_CONFIG_ERROR_UNKNOWN_KEY,    /* a key or section this plugin does not know */
	WGKS_CONFIG_ERROR_NOT_TEXT,       /* the file is binary, not UTF-8 or too large */
	WGKS_CONFIG_ERROR_MISSING_SECRET, /* only a secret is missing: ask for it */
} WgksConfigError;

typedef enum {
	WGKS_KILL_SWITCH_OFF,
	WGKS_KILL_SWITCH_ON,
	WGKS_KILL_SWITCH_LOCKDOWN,
} WgksKillSwitch;

typedef enum {
	WGKS_DNS_OVER_TLS_NO,
	WGKS_DNS_OVER_TLS_OPPORTUNISTIC,   /* TLS when the server offers it, else plain */
	WGKS_DNS_OVER_TLS_YES,             /* TLS or no answer */
} WgksDnsOverTls;

typedef enum {
	WGKS_TABLE_AUTO,   /* routes from AllowedIPs */
	WGKS_TABLE_OFF,    /* no routes at all (wg-quick "Table = off") */
} WgksTableMode;

typedef struct {
	WgksKey    public_key;
	gboolean   has_preshared_key;
	WgksKey    preshared_key;
	char      *endpoint_host;       /* NULL: no endpoint, the peer connects to us */
	guint16    endpoint_port;
	GPtrArray *allowed_ips;         /* WgksPrefix* */
	guint16    persistent_keepalive; /* seconds, 0 = off */
} WgksPeer;

typedef struct {
	gboolean       has_private_key;
	WgksKey        private_key;
	GPtrArray     *addresses;       /* WgksPrefix*, host bits kept */
	GPtrArray     *dns_servers;     /* char*, canonical IP text */
	GPtrArray     *dns_domains;     /* char*, "~name" = routing-only domain */
	guint32        mtu;             /* 0 = automatic */
	guint16        listen_port;     /* 0 = random */
	guint32        fwmark;          /* 0 = off */
	WgksTableMode  table;
	guint32        route_table;     /* wg-quick "Table = N": NetworkManager route table, 0 = main */
	WgksKillSwitch kill_switch;
	gboolean       allow_lan;
	gboolean       dns_leak_protection;
	WgksDnsOverTls dns_over_tls;
	GPtrArray     *peers;           /* WgksPeer* */
} WgksConfig;

WgksPeer   *wgks_peer_new  (void);
void        wgks_peer_free (WgksPeer *peer);
WgksConfig *wgks_config_new  (void);
void        wgks_config_free (WgksConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksPeer, wgks_peer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksConfig, wgks_config_free)

gboolean    wgks_config_is_full_tunnel (const WgksConfig *config, int family);
gboolean    wgks_config_is_any_full_tunnel (const WgksConfig *config);
/* The mark on the tunnel's own encrypted packets (wg-quick's default when unset). */
guint32     wgks_config_effective_fwmark (const WgksConfig *config);

/* Full tunnels route through their own table, selected by a policy rule for
 * every packet without the tunnel's mark (as wg-quick does): the tunnel's
 * packets always take the current uplink, also after roaming. */
#define WGKS_DEFAULT_ROUTE_TABLE 51820u
gboolean    wgks_config_validate (const WgksConfig *config, gboolean need_secrets, GError **error);
/* Why the tunnel's encrypted packets cannot go to this endpoint address
 * (loopback, unspecified, multicast or broadcast, or inside one of the
 * tunnel's own address prefixes: the packets would loop into the tunnel),
 * or NULL when they can. Checked for literal endpoints by the validation
 * and for resolved names by the service. */
const char *wgks_config_endpoint_address_problem (const WgksConfig *config, int family, const guint8 *addr);

/* Parsing helpers shared with the wg-quick reader */
gboolean wgks_config_add_prefixes (GPtrArray *into, const char *value, const char *key, GError **error);
GStrv    wgks_split_char          (const char *text, char sep);
gboolean wgks_config_add_dns (WgksConfig *config, const char *value, gboolean servers, gboolean domains,
                              const char *key, GError **error);

/* Helpers for the keys of peer N */
char *wgks_peer_key (guint index, const char *suffix);
gboolean wgks_kill_switch_from_string (const char *text, WgksKillSwitch *out);
const char *wgks_kill_switch_to_string (WgksKillSwitch mode);
gboolean wgks_dns_over_tls_from_string (const char *text, WgksDnsOverTls *out);
const char *wgks_dns_over_tls_to_string (WgksDnsOverTls mode);

#endif
