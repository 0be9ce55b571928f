/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's tunnel states and the one hook run on every transition.
 * The kill switch (wgks-firewall.c, separate) plugs in here: it sees the
 * state, the configuration, the tunnel interface and the resolved
 * endpoints, and may refuse (fail closed) by returning FALSE. */
#ifndef WGKS_STATE_H
#define WGKS_STATE_H

#include "wgks-config.h"
#include "wgks-device.h"

typedef enum {
	WGKS_SERVICE_STATE_DISCONNECTED, /* nothing of ours exists */
	WGKS_SERVICE_STATE_CONNECTING,   /* endpoints resolved, device being made, no handshake yet */
	WGKS_SERVICE_STATE_CONNECTED,    /* handshake done, IP config reported */
	WGKS_SERVICE_STATE_TUNNEL_LOST,  /* connected before, but no fresh handshake (or uplink gone) */
} WgksServiceState;

typedef struct {
	WgksSockaddr address;           /* resolved endpoint, port included */
	const char  *host;              /* as configured (name or literal) */
	guint        peer_index;        /* index in config->peers */
} WgksEndpoint;

typedef struct {
	WgksServiceState  old_state;
	WgksServiceState  new_state;
	const WgksConfig *config;       /* NULL when DISCONNECTED */
	const char       *ifname;       /* the tunnel interface; NULL when DISCONNECTED */
	const WgksEndpoint *endpoints;  /* resolved peer endpoints */
	guint             n_endpoints;
	const char       *connection_id;  /* the connection's name, for status */
	const char       *connection_uuid;
	/* Entering DISCONNECTED because the user deactivated the VPN (the only
	 * case in which the kill switch is lifted), not because of a failure,
	 * a vanished NetworkManager, a dead tunnel or a signal. */
	gboolean          user_disconnect;
} WgksStateChange;

const char *wgks_service_state_to_string (WgksServiceState state);

struct _WgksKillswitch; /* wgks-killswitch.h */

/* Called by the service on every transition, before it reports the new
 * state to NetworkManager; KS is the service's kill switch. FALSE + error:
 * the service fails the connection (entering CONNECTING / CONNECTED) or
 * logs (otherwise). */
gboolean wgks_state_changed (struct _WgksKillswitch *ks, const WgksStateChange *change, GError **error);

#endif
