/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VPN service plugin: NetworkManager's side of one WireGuard tunnel. */
#ifndef NM_WGKS_SERVICE_H
#define NM_WGKS_SERVICE_H

#include <NetworkManager.h>

#define NM_TYPE_WGKS_SERVICE (nm_wgks_service_get_type ())
G_DECLARE_FINAL_TYPE (NMWgksService, nm_wgks_service, NM, WGKS_SERVICE, NMVpnServicePlugin)

/* Seconds to wait for the first handshake; env WGKS_HANDSHAKE_TIMEOUT overrides. */
#define WGKS_HANDSHAKE_TIMEOUT_DEFAULT 20

NMWgksService *nm_wgks_service_new (const char *bus_name, gboolean watch_peer, GError **error);

#endif
