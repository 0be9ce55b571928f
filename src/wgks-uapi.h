/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The WireGuard cross-platform userspace API (UAPI) text protocol spoken
 * by wireguard-go on /var/run/wireguard/<ifname>.sock: requests and a
 * strict reply parser. No I/O here. */
#ifndef WGKS_UAPI_H
#define WGKS_UAPI_H

#include "wgks-device.h"

#define WGKS_UAPI_MAX_REPLY (32 * 1024 * 1024)

typedef struct {
	int     errno_value;   /* "errno=N": 0 = success */
	guint16 listen_port;
	guint32 fwmark;
	GArray *peers;         /* WgksPeerStats */
} WgksUapiReply;

void wgks_uapi_reply_free (WgksUapiReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksUapiReply, wgks_uapi_reply_free)

/* "set=1\n...\n\n" for settings. Holds keys: free with wgks_uapi_request_free. */
GString *wgks_uapi_build_set (const WgksDeviceSettings *settings);
void     wgks_uapi_request_free (GString *request);

/* TRUE once text ends the reply (an empty line). */
gboolean wgks_uapi_reply_is_complete (const char *text, gsize len);

/* Parses a whole reply to "get=1" or "set=1". Never keeps private or
 * preshared keys. */
WgksUapiReply *wgks_uapi_parse_reply (const char *text, gsize len, GError **error);

#endif
