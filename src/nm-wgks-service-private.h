/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the service's files share: nm-wgks-service.c (the state machine and
 * NetworkManager's calls), nm-wgks-service-watch.c (the handshakes and the
 * netlink watches) and nm-wgks-service-resolve.c (the endpoint lookups). */
#ifndef NM_WGKS_SERVICE_PRIVATE_H
#define NM_WGKS_SERVICE_PRIVATE_H

#include "nm-wgks-service.h"

#include "wgks-config.h"
#include "wgks-device.h"
#include "wgks-disconnect-origin.h"
#include "wgks-killswitch.h"
#include "wgks-owner.h"
#include "wgks-resolve.h"
#include "wgks-resolved-dot.h"
#include "wgks-state.h"

/* Per-endpoint bookkeeping of the watch. */
typedef struct {
	gint64   last_resolve;       /* monotonic µs */
	gboolean resolving;
	gboolean warned_stale;
} WgksEndpointWatch;

struct _NMWgksService {
	NMVpnServicePlugin parent;

	WgksConfig       *config;
	WgksOwner        *owner;           /* held from connect to teardown */
	char             *ifname;
	WgksDevice       *device;
	gboolean          device_created;  /* exists; configured once the endpoints are known too */
	GArray           *endpoints;      /* WgksEndpoint, hosts point into config */
	WgksEndpointWatch *watch;         /* one per endpoint */
	GCancellable     *cancellable;    /* of the current connection */
	WgksServiceState  state;
	guint             timeout_id;
	guint             poll_id;
	guint             connect_poll_ms;
	guint             lost_idle_id;
	guint             tamper_id;
	guint             route_watch_id;
	guint             roam_id;         /* re-resolution after a new uplink */
	guint             roam_retries;    /* of that re-resolution, while the new uplink settles */
	guint             dns_lookups;     /* endpoint lookups running: the kill switch lets them out */
	GPtrArray        *dns_servers;     /* the uplink's, for those lookups */
	guint             release_id;
	guint             prepare_id;      /* libnftables made ready before the first Connect */
	guint             handshake_timeout_s;
	guint             stats_failures;
	char             *connection_id;
	char             *uuid;            /* of the connection, to match NetworkManager's signals */
	gboolean          failed;          /* this attempt failed: keep blocking */
	gboolean          user_disconnect; /* set only by a Disconnect we trust */
	WgksDisconnectOrigin *origin;      /* NetworkManager's reason when it disconnects us */
	WgksKillswitch   *killswitch;      /* the firewall, kept beyond the connection */
	WgksResolvedDot  *resolved_dot;    /* DNS over TLS on the tunnel's link, while connected */
};

/* An async step of one connection attempt: stale once it is cancelled. */
typedef struct {
	NMWgksService *self;
	GCancellable  *cancellable;
	guint          endpoint;        /* for re-resolution */
} WgksServiceStep;

WgksServiceStep *nm_wgks_service_step_new (NMWgksService *self);
void nm_wgks_service_step_free (WgksServiceStep *step);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksServiceStep, nm_wgks_service_step_free)
gboolean nm_wgks_service_step_is_stale (WgksServiceStep *step);

/* nm-wgks-service.c */
gboolean nm_wgks_service_enter_state (NMWgksService *self, WgksServiceState state, GError **error);
/* Logs why, then lets libnm report the failure and call our disconnect. */
void nm_wgks_service_fail (NMWgksService *self, NMVpnPluginFailure reason, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
void nm_wgks_service_release_soon (NMWgksService *self);
void nm_wgks_service_schedule_release (NMWgksService *self);
WgksEndpoint *nm_wgks_service_endpoint (NMWgksService *self, guint i);
const WgksPeer *nm_wgks_service_endpoint_peer (NMWgksService *self, guint i);
/* The first handshake of endpoint I (INDEX: the peers' stats by key). */
void nm_wgks_service_connected (NMWgksService *self, guint i, GHashTable *index);

/* nm-wgks-service-watch.c */
/* The tamper and uplink watches on nftables, route and link notifications. */
void nm_wgks_service_watch_netlink (NMWgksService *self);
/* Polls for the first handshake; fails after handshake_timeout_s. */
void nm_wgks_service_watch_first_handshake (NMWgksService *self);
/* Once connected: the handshakes read again when one of them would go stale. */
void nm_wgks_service_watch_connected (NMWgksService *self, GHashTable *index);
/* A re-resolution after roaming failed: try again a few times, later each
 * time (NetworkManager may not have the new uplink's DNS servers yet). */
void nm_wgks_service_watch_roam_retry (NMWgksService *self);

/* nm-wgks-service-resolve.c */
/* One lookup more (VIA: the uplink's servers and the mark), one less: the
 * kill switch lets them through while any runs. */
void nm_wgks_service_dns_window_open (NMWgksService *self, WgksResolveVia *via, gboolean write);
void nm_wgks_service_dns_window_close (NMWgksService *self, gboolean write);
/* An endpoint resolved to where the tunnel's packets cannot go is an error. */
gboolean nm_wgks_service_check_resolved (const WgksConfig *config, GArray *endpoints, GError **error);
/* Looks up endpoint I again; a new address goes to the firewall, then the device. */
void nm_wgks_service_reresolve (NMWgksService *self, guint i);

#endif
