/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IP prefixes and endpoints as they appear in wg-quick files and vpn.data. */
#ifndef WGKS_IP_H
#define WGKS_IP_H

#include <glib.h>
#include <sys/socket.h>

typedef struct {
	int    family;      /* AF_INET or AF_INET6 */
	guint8 addr[16];
	guint  plen;
} WgksPrefix;

gboolean    wgks_prefix_parse      (const char *text, WgksPrefix *out, const char **why);
char       *wgks_prefix_to_string  (const WgksPrefix *prefix);
gboolean    wgks_prefix_is_default (const WgksPrefix *prefix);
gboolean    wgks_prefix_equal      (const WgksPrefix *a, const WgksPrefix *b);
WgksPrefix *wgks_prefix_dup        (const WgksPrefix *prefix);
void        wgks_prefix_mask       (WgksPrefix *prefix);
gboolean    wgks_prefix_contains   (const WgksPrefix *net, int family, const guint8 *addr);

gboolean    wgks_ip_parse          (const char *text, int *family, guint8 addr[16]);
gboolean    wgks_hostname_is_valid (const char *host);
gboolean    wgks_endpoint_parse    (const char *text, char **host, guint16 *port, const char **why);
char       *wgks_endpoint_to_string (const char *host, guint16 port);
gboolean    wgks_port_parse        (const char *text, gboolean allow_zero, guint16 *out);
gboolean    wgks_uint_parse        (const char *text, guint64 min, guint64 max, guint64 *out);

#endif
