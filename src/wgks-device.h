/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "A WireGuard device": one interface over two backends, kernel WireGuard
 * (rtnetlink + generic netlink) and wireguard-go (UAPI socket). */
#ifndef WGKS_DEVICE_H
#define WGKS_DEVICE_H

#include <gio/gio.h>

#include "wgks-ip.h"
#include "wgks-key.h"
#include "wgks-sockaddr.h"

#define WGKS_DEVICE_ERROR (wgks_device_error_quark ())
GQuark wgks_device_error_quark (void);

typedef enum {
	WGKS_DEVICE_ERROR_FAILED,
	WGKS_DEVICE_ERROR_NOT_SUPPORTED, /* kernel has no WireGuard: use wireguard-go */
	WGKS_DEVICE_ERROR_TIMED_OUT,
	WGKS_DEVICE_ERROR_EXITED,        /* wireguard-go exited */
	WGKS_DEVICE_ERROR_PROTOCOL,      /* malformed answer from the backend */
} WgksDeviceError;

/* One peer of a "set" request; mirrors WG_CMD_SET_DEVICE and UAPI "set=1". */
typedef struct {
	WgksKey       public_key;
	gboolean      update_only;          /* change an existing peer only */
	gboolean      has_preshared_key;
	WgksKey       preshared_key;
	gboolean      has_endpoint;
	WgksSockaddr  endpoint;
	gboolean      set_keepalive;
	guint16       keepalive;            /* seconds, 0 = off */
	gboolean      replace_allowed_ips;
	GPtrArray    *allowed_ips;          /* WgksPrefix*, borrowed; NULL = none */
} WgksDevicePeer;

typedef struct {
	gboolean        has_private_key;
	WgksKey         private_key;
	gboolean        set_listen_port;
	guint16         listen_port;
	gboolean        set_fwmark;
	guint32         fwmark;
	gboolean        replace_peers;
	WgksDevicePeer *peers;
	guint           n_peers;
} WgksDeviceSettings;

/* What the device reports about one peer. */
typedef struct {
	WgksKey public_key;
	gint64  last_handshake_sec;         /* wall clock, 0 = never */
	guint64 rx_bytes;
	guint64 tx_bytes;
} WgksPeerStats;

typedef struct _WgksDevice WgksDevice;

/* Called once if the device goes away on its own (wireguard-go exited). */
typedef void (*WgksDeviceLostFunc) (WgksDevice *device, const char *why, gpointer user_data);

/* Choose the backend: kernel first, wireguard-go if the kernel lacks
 * WireGuard or WGKS_FORCE_USERSPACE=1. */
WgksDevice *wgks_device_new (const char *ifname, WgksDeviceLostFunc lost_func, gpointer lost_data);
void        wgks_device_create_async (WgksDevice *device, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean    wgks_device_create_finish (WgksDevice *device, GAsyncResult *result, GError **error);
gboolean    wgks_device_set (WgksDevice *device, const WgksDeviceSettings *settings, GError **error);
gboolean    wgks_device_set_up (WgksDevice *device, guint32 mtu, GError **error);
GArray     *wgks_device_get_peers (WgksDevice *device, GError **error);
const char *wgks_device_get_backend (WgksDevice *device);
void        wgks_device_destroy (WgksDevice *device);
void        wgks_device_free (WgksDevice *device);

/* Removes what a crashed earlier run left behind under this name. */
void        wgks_device_remove_stale (const char *ifname);

void        wgks_device_settings_clear (WgksDeviceSettings *settings);
/* public key -> WgksPeerStats* into stats (valid while stats lives): the
 * polls look up every endpoint's peer, and a profile may have 10,000. */
GHashTable          *wgks_peer_stats_index (GArray *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksDevice, wgks_device_free)

#endif
