/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving peer endpoint host names before the tunnel exists, and again
 * later (stale handshakes, a new uplink). The service asks the uplink's DNS
 * servers itself (c-ares), from sockets that carry the tunnel's fwmark: the
 * kill switch lets exactly those queries pass, and a local stub resolver
 * (systemd-resolved, NetworkManager's dnsmasq) is never involved. */
#ifndef WGKS_RESOLVE_H
#define WGKS_RESOLVE_H

#include "wgks-config.h"
#include "wgks-sockaddr.h"
#include "wgks-state.h"

/* Where lookups go: these servers (addresses, port 53), from sockets with
 * this SO_MARK. /etc/hosts is read first, as getaddrinfo does. */
typedef struct {
	GPtrArray *servers;  /* char* */
	guint32    fwmark;
} WgksResolveVia;

/* Seconds after which a lookup gives up, whatever the servers do. */
#define WGKS_RESOLVE_TIMEOUT_S 12

/* Resolves host:port; literal addresses need no DNS. The first address of
 * the answer (sorted as getaddrinfo sorts) wins, as with wg(8). */
void     wgks_resolve_one_async  (const char *host, guint16 port, const WgksResolveVia *via,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean wgks_resolve_one_finish (GAsyncResult *result, WgksSockaddr *out, GError **error);

/* All peers with an endpoint; the result is a GArray of WgksEndpoint whose
 * host strings point into config (which must outlive the array). */
void     wgks_resolve_endpoints_async  (const WgksConfig *config, const WgksResolveVia *via,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
GArray  *wgks_resolve_endpoints_finish (GAsyncResult *result, GError **error);

/* TRUE when host is a name, not an IP literal: resolving it needs DNS. */
gboolean wgks_resolve_needs_dns        (const char *host);
gboolean wgks_resolve_config_needs_dns (const WgksConfig *config);

/* The uplink's DNS servers, never a loopback address, never the tunnel's
 * own DNS servers (they are reached only through the tunnel). From
 * NetworkManager (the non-VPN active connections' IP configs) if it
 * answers, else from the files NetworkManager and systemd-resolved write
 * with the upstream servers. Empty when none is known. */
GPtrArray *wgks_uplink_dns_servers (const WgksConfig *config);

/* Pure: the nameserver lines of a resolv.conf text, filtered as above. */
void       wgks_uplink_dns_parse_resolv_conf (const char *text, const WgksConfig *config, GPtrArray *out);

#endif
