/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The inside of a WgksDevice: what wgks-device.c and its two backends
 * (wgks-device-netlink.c, wgks-device-uapi.c) share, and nothing else sees. */
#ifndef WGKS_DEVICE_PRIVATE_H
#define WGKS_DEVICE_PRIVATE_H

#include "wgks-device.h"

/* Backend vtable; the two implementations are in wgks-device-netlink.c and
 * wgks-device-uapi.c. */
typedef struct {
	const char *name;
	/* Creates the interface; completes, a GTask returning a boolean, when
	 * it can be configured. */
	void     (*create_async) (WgksDevice *device, GCancellable *cancellable,
	                          GAsyncReadyCallback callback, gpointer user_data);
	gboolean (*set) (WgksDevice *device, const WgksDeviceSettings *settings, GError **error);
	GArray  *(*get_peers) (WgksDevice *device, GError **error);  /* WgksPeerStats */
	/* Removes what create made: the link, the child process. Idempotent. */
	void     (*destroy) (WgksDevice *device);
	void     (*free_priv) (gpointer priv);
} WgksDeviceOps;

/* The initializer of the backend LABEL's operations: each is PREFIX_
 * followed by the member's name. */
#define WGKS_DEVICE_OPS_INIT(label, prefix) \
	{ \
		.name = (label), \
		.create_async = prefix##_create_async, \
		.set = prefix##_set, \
		.get_peers = prefix##_get_peers, \
		.destroy = prefix##_destroy, \
		.free_priv = prefix##_free_priv, \
	}

struct _WgksDevice {
	char                *ifname;
	const WgksDeviceOps *ops;
	gpointer             priv;
	WgksDeviceLostFunc   lost_func;
	gpointer             lost_data;
	gboolean             created;
};

/* Backend constructors. */
void wgks_device_netlink_init (WgksDevice *device);
void wgks_device_uapi_init (WgksDevice *device);
void wgks_device_lost (WgksDevice *device, const char *why);
void wgks_device_uapi_remove_stale_socket (const char *ifname);

#endif
