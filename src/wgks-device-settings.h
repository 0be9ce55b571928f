/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a connection's WgksConfig and resolved endpoints to the device
 * "set" requests the service sends. */
#ifndef WGKS_DEVICE_SETTINGS_H
#define WGKS_DEVICE_SETTINGS_H

#include "wgks-config.h"
#include "wgks-device.h"
#include "wgks-state.h"

/* Keepalive used while waiting for the first handshake when a peer has none
 * configured: turning keepalive on makes WireGuard send at once, which
 * starts the handshake before any traffic exists. */
#define WGKS_CONNECT_KEEPALIVE 25

/* The whole configuration (private key, peers, replace_peers). With
 * boost_keepalive, peers without a keepalive get WGKS_CONNECT_KEEPALIVE. */
void wgks_device_settings_full (WgksDeviceSettings *out, const WgksConfig *config,
                                const WgksEndpoint *endpoints, guint n_endpoints,
                                gboolean boost_keepalive);

/* Only the configured keepalive of every peer (undoes the boost). */
void wgks_device_settings_keepalive (WgksDeviceSettings *out, const WgksConfig *config);

/* A new endpoint for one peer. */
void wgks_device_settings_endpoint (WgksDeviceSettings *out, const WgksConfig *config,
                                    const WgksEndpoint *endpoint);

#endif
