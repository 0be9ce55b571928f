/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NMWgksService: connect resolves the endpoints, creates and configures
 * the WireGuard device, reports the generic config, waits for the first
 * handshake and then reports the IP configs. Afterwards the handshakes are
 * read when one of them would go stale, and endpoints that went stale are
 * re-resolved; link, route and nftables notifications drive the rest (the
 * tunnel set down, the uplink, the tamper watch). */
#include "config.h"

#include "nm-wgks-service.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-config.h"
#include "wgks-device-settings.h"
#include "wgks-device.h"
#include "wgks-disconnect-origin.h"
#include "wgks-dns-mode.h"
#include "wgks-firewall.h"
#include "wgks-ifname.h"
#include "wgks-ip-config.h"
#include "wgks-log.h"
#include "wgks-nl-watch.h"
#include "wgks-owner.h"
#include "wgks-resolve.h"
#include "wgks-resolved-dot.h"
#include "wgks-killswitch.h"
#include "wgks-rtnl.h"
#include "wgks-state.h"
#include "wgks-watch.h"

#define CONNECT_POLL_MIN_MS  2     /* a handshake takes milliseconds: poll often at first, */
#define CONNECT_POLL_MAX_MS  200   /* then back off while an unreachable server is retried */
#define MAX_STATS_FAILURES   3
#define OWNER_WAIT_MS        3000  /* for a previous service that is still shutting down */
#define ROAM_SETTLE_MS       1000  /* after a new uplink, before its DNS servers are asked */
#define RELEASE_AFTER_S      5     /* a quiet moment after a burst of table writes */

/* Per-endpoint bookkeeping of the watch. */
typedef struct {
	gint64   last_resolve;       /* monotonic µs */
	gboolean resolving;
	gboolean warned_stale;
} EndpointWatch;

struct _NMWgksService {
	NMVpnServicePlugin parent;

	WgksConfig       *config;
	WgksOwner        *owner;           /* held from connect to teardown */
	char             *ifname;
	WgksDevice       *device;
	GArray           *endpoints;      /* WgksEndpoint, hosts point into config */
	EndpointWatch    *watch;          /* one per endpoint */
	GCancellable     *cancellable;    /* of the current connection */
	WgksServiceState  state;
	guint             timeout_id;
	guint             poll_id;
	guint             connect_poll_ms;
	guint             lost_idle_id;
	guint             tamper_id;
	guint             route_watch_id;
	guint             roam_id;         /* re-resolution after a new uplink */
	guint             dns_lookups;     /* endpoint lookups running: the kill switch lets them out */
	GPtrArray        *dns_servers;     /* the uplink's, for those lookups */
	guint             release_id;
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

G_DEFINE_TYPE (NMWgksService, nm_wgks_service, NM_TYPE_VPN_SERVICE_PLUGIN)

/* An async step of one connection attempt: stale once it is cancelled. */
typedef struct {
	NMWgksService *self;
	GCancellable  *cancellable;
	guint          endpoint;        /* for re-resolution */
} Step;

static Step *
step_new (NMWgksService *self)
{
	Step *step = g_new0 (Step, 1);

	step->self = g_object_ref (self);
	step->cancellable = g_object_ref (self->cancellable);
	return step;
}

static void
step_free (Step *step)
{
	g_object_unref (step->self);
	g_object_unref (step->cancellable);
	g_free (step);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Step, step_free)

static gboolean
step_is_stale (Step *step)
{
	return g_cancellable_is_cancelled (step->cancellable);
}

/* ---------------------------------------------------------------------------
 * State transitions (the kill switch hook)
 * ------------------------------------------------------------------------- */

static void clear_source (guint *id);

static gboolean
release_memory (gpointer user_data)
{
	NMWgksService *self = user_data;

	self->release_id = 0;
	wgks_firewall_release_memory ();
	return G_SOURCE_REMOVE;
}

/* Idle between state changes, the service keeps no libnftables context
 * and no allocator slack: its private memory is then that of an idle
 * NetworkManager VPN service. One timer per burst, never periodic. */
static void
schedule_release (NMWgksService *self)
{
	clear_source (&self->release_id);
	self->release_id = g_timeout_add_seconds (RELEASE_AFTER_S, release_memory, self);
}

static gboolean
enter_state (NMWgksService *self, WgksServiceState state, GError **error)
{
	WgksStateChange change = {
		.old_state = self->state,
		.new_state = state,
		.config = state == WGKS_SERVICE_STATE_DISCONNECTED ? NULL : self->config,
		.ifname = state == WGKS_SERVICE_STATE_DISCONNECTED ? NULL : self->ifname,
		.endpoints = self->endpoints ? (const WgksEndpoint *) self->endpoints->data : NULL,
		.n_endpoints = self->endpoints ? self->endpoints->len : 0,
		.connection_id = self->connection_id,
		.connection_uuid = self->uuid,
		.user_disconnect = self->user_disconnect,
	};

	if (state == WGKS_SERVICE_STATE_DISCONNECTED)
		change.n_endpoints = 0;
	self->state = state;
	schedule_release (self);
	return wgks_state_changed (self->killswitch, &change, error);
}

static void
fail (NMWgksService *self, NMVpnPluginFailure reason, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Logs why, then lets libnm report the failure and call our disconnect. */
static void
fail (NMWgksService *self, NMVpnPluginFailure reason, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	NMVpnServiceState state = NM_VPN_SERVICE_STATE_UNKNOWN;
	va_list ap;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	wgks_log_err ("%s", msg);
	self->failed = TRUE;
	g_object_get (self, NM_VPN_SERVICE_PLUGIN_STATE, &state, NULL);
	/* While starting, libnm's disconnect reports CONNECT_FAILED itself;
	 * a second signal would only repeat it. */
	if (state == NM_VPN_SERVICE_STATE_STARTING && reason == NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED)
		nm_vpn_service_plugin_disconnect (NM_VPN_SERVICE_PLUGIN (self), NULL);
	else
		nm_vpn_service_plugin_failure (NM_VPN_SERVICE_PLUGIN (self), reason);
}

/* ---------------------------------------------------------------------------
 * Teardown: exactly what this connection created
 * ------------------------------------------------------------------------- */

static void
clear_source (guint *id)
{
	if (*id)
		g_source_remove (*id);
	*id = 0;
}

static void
teardown (NMWgksService *self)
{
	g_autoptr (GError) error = NULL;
	gboolean had_something = self->config != NULL;

	if (self->cancellable)
		g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	clear_source (&self->timeout_id);
	clear_source (&self->poll_id);
	clear_source (&self->lost_idle_id);
	clear_source (&self->tamper_id);
	clear_source (&self->route_watch_id);
	clear_source (&self->roam_id);
	g_clear_pointer (&self->resolved_dot, wgks_resolved_dot_stop);
	self->dns_lookups = 0;
	g_clear_pointer (&self->dns_servers, g_ptr_array_unref);
	g_clear_pointer (&self->device, wgks_device_free);
	if (had_something && self->state != WGKS_SERVICE_STATE_DISCONNECTED
	    && !enter_state (self, WGKS_SERVICE_STATE_DISCONNECTED, &error))
		wgks_log_warn ("%s", error->message);
	self->state = WGKS_SERVICE_STATE_DISCONNECTED;
	g_clear_pointer (&self->watch, g_free);
	g_clear_pointer (&self->endpoints, g_array_unref);
	g_clear_pointer (&self->config, wgks_config_free);
	g_clear_pointer (&self->ifname, g_free);
	g_clear_pointer (&self->connection_id, g_free);
	g_clear_pointer (&self->uuid, g_free);
	wgks_disconnect_origin_follow (self->origin, NULL);
	g_clear_pointer (&self->owner, wgks_owner_release);
	self->stats_failures = 0;
	self->failed = FALSE;
	self->user_disconnect = FALSE;
}

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static WgksEndpoint *
endpoint_at (NMWgksService *self, guint i)
{
	return &g_array_index (self->endpoints, WgksEndpoint, i);
}

static const WgksPeer *
endpoint_peer (NMWgksService *self, guint i)
{
	return self->config->peers->pdata[endpoint_at (self, i)->peer_index];
}

static char *
peer_public_b64 (const WgksPeer *peer)
{
	char b64[WGKS_KEY_B64_LEN + 1];

	wgks_key_to_base64 (&peer->public_key, b64);
	return g_strdup (b64);
}

/* A name may resolve to where the tunnel's packets cannot go (a hostile or
 * broken DNS answer: loopback, the tunnel's own network). */
static const char *
resolved_address_problem (const WgksConfig *config, const WgksSockaddr *sa)
{
	if (sa->sa.sa_family == AF_INET6)
		return wgks_config_endpoint_address_problem (config, AF_INET6, sa->in6.sin6_addr.s6_addr);
	return wgks_config_endpoint_address_problem (config, AF_INET, (const guint8 *) &sa->in4.sin_addr.s_addr);
}

static gboolean
check_resolved_endpoints (const WgksConfig *config, GArray *endpoints, GError **error)
{
	guint i;

	for (i = 0; i < endpoints->len; i++) {
		const WgksEndpoint *ep = &g_array_index (endpoints, WgksEndpoint, i);
		const char *why = resolved_address_problem (config, &ep->address);
		g_autofree char *addr = NULL;

		if (!why)
			continue;
		addr = wgks_sockaddr_to_string (&ep->address);
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
		             _("peer %u: endpoint host \"%s\" resolves to %s, %s"), ep->peer_index, ep->host, addr, why);
		return FALSE;
	}
	return TRUE;
}

static guint
handshake_timeout_seconds (void)
{
	const char *env = g_getenv ("WGKS_HANDSHAKE_TIMEOUT");
	guint64 v;

	if (env && g_ascii_string_to_unsigned (env, 10, 1, 3600, &v, NULL))
		return (guint) v;
	return WGKS_HANDSHAKE_TIMEOUT_DEFAULT;
}

/* While endpoint names are resolved, the kill switch lets the service's own
 * marked queries reach the uplink's DNS servers; the last lookup to end
 * closes that again. */
static void
dns_window_open (NMWgksService *self, WgksResolveVia *via)
{
	g_autoptr (GError) error = NULL;

	if (self->dns_lookups++ == 0) {
		g_clear_pointer (&self->dns_servers, g_ptr_array_unref);
		self->dns_servers = wgks_uplink_dns_servers (self->config);
		if (self->dns_servers->len == 0)
			wgks_log_warn ("no DNS server of the uplink is known; endpoint names cannot be resolved");
	}
	/* Written again for every lookup: the servers expire in the table
	 * WGKS_FIREWALL_RESOLVER_TIMEOUT_S after it was written. */
	if (self->dns_servers->len && !wgks_killswitch_set_resolvers (self->killswitch, self->dns_servers, &error))
		wgks_log_warn ("kill switch: cannot let the endpoint lookups through: %s", error->message);
	via->servers = self->dns_servers;
	via->fwmark = wgks_config_effective_fwmark (self->config);
}

static void
dns_window_close (NMWgksService *self)
{
	g_autoptr (GError) error = NULL;

	if (self->dns_lookups == 0 || --self->dns_lookups > 0)
		return;
	if (!wgks_killswitch_set_resolvers (self->killswitch, NULL, &error))
		wgks_log_warn ("kill switch: %s", error->message);
	g_clear_pointer (&self->dns_servers, g_ptr_array_unref);
}

/* ---------------------------------------------------------------------------
 * Watching handshakes after "connected"
 * ------------------------------------------------------------------------- */

static void reresolve_endpoint (NMWgksService *self, guint i);
static void check_uplink (NMWgksService *self);

static gboolean
peer_is_fresh (const WgksPeerStats *stats, gint64 now_s, gint64 max_age_s)
{
	return stats && stats->last_handshake_sec > 0 && now_s - stats->last_handshake_sec <= max_age_s;
}

static void
set_watch_state (NMWgksService *self, WgksServiceState state)
{
	g_autoptr (GError) error = NULL;

	if (self->state == state)
		return;
	if (state == WGKS_SERVICE_STATE_TUNNEL_LOST)
		wgks_log_warn ("tunnel %s lost: no peer has completed a handshake for %d s; keeping it and waiting",
		               self->ifname, WGKS_REJECT_AFTER_TIME_S);
	else
		wgks_log_notice ("tunnel %s is back: handshake completed", self->ifname);
	if (!enter_state (self, state, &error))
		wgks_log_warn ("%s", error->message);
}

static void
watch_endpoint (NMWgksService *self, guint i, GHashTable *stats, gint64 now_s)
{
	const WgksPeer *peer = endpoint_peer (self, i);
	const WgksPeerStats *ps = g_hash_table_lookup (stats, &peer->public_key);
	EndpointWatch *w = &self->watch[i];
	gint64 now_mono = g_get_monotonic_time ();

	if (peer_is_fresh (ps, now_s, WGKS_REJECT_AFTER_TIME_S)) {
		if (w->warned_stale)
			wgks_log_notice ("peer %u handshakes again", endpoint_at (self, i)->peer_index);
		w->warned_stale = FALSE;
	} else if (!w->warned_stale) {
		g_autofree char *pub = peer_public_b64 (peer);
		g_autofree char *ep = wgks_sockaddr_to_string (&endpoint_at (self, i)->address);

		wgks_log_warn ("no handshake with peer %s at %s for more than %d s; keeping the tunnel",
		               pub, ep, WGKS_REJECT_AFTER_TIME_S);
		w->warned_stale = TRUE;
	}
	if (!peer_is_fresh (ps, now_s, WGKS_RERESOLVE_AFTER_S) && !w->resolving
	    && now_mono - w->last_resolve > WGKS_RERESOLVE_MIN_GAP_S * G_USEC_PER_SEC)
		reresolve_endpoint (self, i);
}

static gboolean watch_poll (gpointer user_data);

static guint
watch_delay_s (NMWgksService *self, GHashTable *index, gint64 now_s)
{
	g_autofree gint64 *last = g_new0 (gint64, self->endpoints->len);
	guint i;

	for (i = 0; index && i < self->endpoints->len; i++) {
		const WgksPeerStats *ps = g_hash_table_lookup (index, &endpoint_peer (self, i)->public_key);

		last[i] = ps ? ps->last_handshake_sec : 0;
	}
	return wgks_watch_delay_s (last, self->endpoints->len, now_s, self->tamper_id && self->route_watch_id);
}

static void
watch_schedule (NMWgksService *self, guint delay_s)
{
	clear_source (&self->poll_id);
	self->poll_id = g_timeout_add_seconds (delay_s, watch_poll, self);
}

static gboolean
watch_poll (gpointer user_data)
{
	NMWgksService *self = user_data;
	g_autoptr (GError) error = NULL;
	g_autoptr (GArray) stats = NULL;
	g_autoptr (GHashTable) index = NULL;
	gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
	gboolean any_fresh = FALSE;
	guint i;

	self->poll_id = 0;
	/* "ip link set <tun> down" (the seed's test): NetworkManager keeps the
	 * VPN activated, so nobody else would notice. Fail: the kill switch
	 * blocks, and the user sees that the VPN is gone. */
	if (!wgks_rtnl_link_is_up (self->ifname)) {
		wgks_log_warn ("%s was set down or removed", self->ifname);
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
		      _("the WireGuard interface %s is gone or does not answer"), self->ifname);
		return G_SOURCE_REMOVE;
	}
	stats = wgks_device_get_peers (self->device, &error);
	if (!stats) {
		wgks_log_warn ("cannot read the tunnel's status: %s", error->message);
		if (++self->stats_failures >= MAX_STATS_FAILURES) {
			fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
			      _("the WireGuard interface %s is gone or does not answer"), self->ifname);
			return G_SOURCE_REMOVE;
		}
		watch_schedule (self, WGKS_WATCH_POLL_S);
		return G_SOURCE_REMOVE;
	}
	self->stats_failures = 0;
	index = wgks_peer_stats_index (stats);
	for (i = 0; i < self->endpoints->len; i++) {
		const WgksPeerStats *ps = g_hash_table_lookup (index, &endpoint_peer (self, i)->public_key);

		any_fresh |= peer_is_fresh (ps, now_s, WGKS_REJECT_AFTER_TIME_S);
		watch_endpoint (self, i, index, now_s);
	}
	set_watch_state (self, any_fresh ? WGKS_SERVICE_STATE_CONNECTED : WGKS_SERVICE_STATE_TUNNEL_LOST);
	for (i = 0; i < stats->len; i++)
		wgks_killswitch_note_handshake (self->killswitch, g_array_index (stats, WgksPeerStats, i).last_handshake_sec);
	/* Only where a netlink watch could not be opened: otherwise the uplink
	 * and the table are checked on their notifications alone. */
	if (!self->route_watch_id)
		check_uplink (self);
	if (!self->tamper_id)
		wgks_killswitch_check_tamper (self->killswitch);
	watch_schedule (self, watch_delay_s (self, index, now_s));
	if (!self->release_id)
		wgks_firewall_release_memory ();
	return G_SOURCE_REMOVE;
}

/* A new uplink (roaming) may see the endpoints' names resolve elsewhere:
 * ask its DNS servers once NetworkManager has its configuration. */
static gboolean
roam_reresolve (gpointer user_data)
{
	NMWgksService *self = user_data;
	guint i;

	self->roam_id = 0;
	for (i = 0; self->endpoints && i < self->endpoints->len; i++)
		if (!self->watch[i].resolving)
			reresolve_endpoint (self, i);
	return G_SOURCE_REMOVE;
}

static void
check_uplink (NMWgksService *self)
{
	if (wgks_killswitch_check_uplink (self->killswitch) && wgks_killswitch_uplink_ok (self->killswitch) && !self->roam_id
	    && wgks_resolve_config_needs_dns (self->config))
		self->roam_id = g_timeout_add (ROAM_SETTLE_MS, roam_reresolve, self);
}

static gboolean
routes_changed (gpointer user_data)
{
	NMWgksService *self = user_data;

	/* The tunnel set down or removed: the watch fails the connection, from
	 * the main loop rather than from inside this watch. */
	if ((self->state == WGKS_SERVICE_STATE_CONNECTED || self->state == WGKS_SERVICE_STATE_TUNNEL_LOST)
	    && self->ifname && !wgks_rtnl_link_is_up (self->ifname)) {
		clear_source (&self->poll_id);
		self->poll_id = g_idle_add (watch_poll, self);
		return G_SOURCE_CONTINUE;
	}
	check_uplink (self);
	schedule_release (self);
	return G_SOURCE_CONTINUE;
}

static gboolean
nftables_changed (gpointer user_data)
{
	NMWgksService *self = user_data;

	wgks_killswitch_check_tamper (self->killswitch);
	schedule_release (self);
	return G_SOURCE_CONTINUE;
}

/* The tamper and uplink watches: at once on every nftables, route or link
 * change (a watch that cannot be opened falls back to a 5 s poll). */
static void
start_tamper_watch (NMWgksService *self)
{
	g_autoptr (GError) error = NULL;

	self->tamper_id = wgks_nft_watch_add (nftables_changed, self, &error);
	if (!self->tamper_id)
		wgks_log_warn ("%s; the table is checked every %d s instead", error->message, WGKS_WATCH_POLL_S);
	g_clear_error (&error);
	self->route_watch_id = wgks_route_watch_add (routes_changed, self, &error);
	if (!self->route_watch_id)
		wgks_log_warn ("%s; the uplink is checked every %d s instead", error->message, WGKS_WATCH_POLL_S);
}

static void
reresolved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (Step) step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;
	WgksDeviceSettings settings;
	WgksSockaddr addr;
	WgksEndpoint *ep;
	const char *why;
	gboolean ok;

	if (step_is_stale (step))
		return;
	dns_window_close (self);
	self->watch[step->endpoint].resolving = FALSE;
	ep = endpoint_at (self, step->endpoint);
	if (!wgks_resolve_one_finish (result, &addr, &error)) {
		wgks_log_warn ("re-resolving the endpoint of peer %u: %s", ep->peer_index, error->message);
		return;
	}
	if (wgks_sockaddr_equal (&addr, &ep->address))
		return;
	why = resolved_address_problem (self->config, &addr);
	if (why) {
		g_autofree char *s = wgks_sockaddr_to_string (&addr);

		wgks_log_warn ("endpoint %s of peer %u now resolves to %s, %s; keeping the old address", ep->host,
		               ep->peer_index, s, why);
		return;
	}
	{
		g_autofree char *old_s = wgks_sockaddr_to_string (&ep->address);
		g_autofree char *new_s = wgks_sockaddr_to_string (&addr);

		wgks_log_notice ("endpoint %s of peer %u moved from %s to %s", ep->host, ep->peer_index, old_s, new_s);
	}
	ep->address = addr;
	/* The firewall must allow the new address before packets go there. */
	if (!enter_state (self, self->state, &error)) {
		wgks_log_warn ("%s", error->message);
		g_clear_error (&error);
	}
	wgks_device_settings_endpoint (&settings, self->config, ep);
	ok = wgks_device_set (self->device, &settings, &error);
	wgks_device_settings_clear (&settings);
	if (!ok)
		wgks_log_warn ("updating the endpoint of peer %u: %s", ep->peer_index, error->message);
}

static void
reresolve_endpoint (NMWgksService *self, guint i)
{
	WgksEndpoint *ep = endpoint_at (self, i);
	const WgksPeer *peer = endpoint_peer (self, i);
	WgksResolveVia via;
	Step *step;

	/* Literal addresses never change. */
	if (!wgks_resolve_needs_dns (ep->host))
		return;
	self->watch[i].resolving = TRUE;
	self->watch[i].last_resolve = g_get_monotonic_time ();
	wgks_log_info ("re-resolving endpoint %s of peer %u", ep->host, ep->peer_index);
	step = step_new (self);
	step->endpoint = i;
	dns_window_open (self, &via);
	wgks_resolve_one_async (ep->host, peer->endpoint_port, &via, self->cancellable, reresolved_cb, step);
}

/* ---------------------------------------------------------------------------
 * Connecting: waiting for the first handshake, then reporting IP config
 * ------------------------------------------------------------------------- */

static gboolean
report_ip_config (NMWgksService *self)
{
	NMVpnServicePlugin *plugin = NM_VPN_SERVICE_PLUGIN (self);
	g_autoptr (GVariant) ip4 = wgks_ip_config_for_family (self->config, AF_INET);
	g_autoptr (GVariant) ip6 = wgks_ip_config_for_family (self->config, AF_INET6);

	if (!ip4 && !ip6) {
		fail (self, NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG, _("the tunnel has no IPv4 or IPv6 address"));
		return FALSE;
	}
	if (ip4)
		nm_vpn_service_plugin_set_ip4_config (plugin, g_variant_ref_sink (ip4));
	if (ip6)
		nm_vpn_service_plugin_set_ip6_config (plugin, g_variant_ref_sink (ip6));
	return TRUE;
}

static void
restore_keepalive (NMWgksService *self)
{
	g_autoptr (GError) error = NULL;
	WgksDeviceSettings settings;

	wgks_device_settings_keepalive (&settings, self->config);
	if (!wgks_device_set (self->device, &settings, &error))
		wgks_log_warn ("restoring the configured keepalive: %s", error->message);
	wgks_device_settings_clear (&settings);
}

static void
on_connected (NMWgksService *self, guint endpoint, GHashTable *index)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *ep = wgks_sockaddr_to_string (&endpoint_at (self, endpoint)->address);
	guint i;

	clear_source (&self->timeout_id);
	wgks_log_notice ("handshake with peer %u at %s completed: tunnel %s is up",
	                 endpoint_at (self, endpoint)->peer_index, ep, self->ifname);
	restore_keepalive (self);
	if (!enter_state (self, WGKS_SERVICE_STATE_CONNECTED, &error)) {
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	if (!report_ip_config (self))
		return;
	g_clear_pointer (&self->resolved_dot, wgks_resolved_dot_stop);
	self->resolved_dot = wgks_resolved_dot_start (self->ifname, self->config->dns_over_tls);
	for (i = 0; i < self->endpoints->len; i++)
		self->watch[i].last_resolve = g_get_monotonic_time ();
	watch_schedule (self, watch_delay_s (self, index, g_get_real_time () / G_USEC_PER_SEC));
}

static gboolean
connect_poll (gpointer user_data)
{
	NMWgksService *self = user_data;
	g_autoptr (GError) error = NULL;
	g_autoptr (GArray) stats = wgks_device_get_peers (self->device, &error);
	g_autoptr (GHashTable) index = NULL;
	guint i;

	if (!stats) {
		wgks_log_debug ("reading handshakes: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	index = wgks_peer_stats_index (stats);
	for (i = 0; i < self->endpoints->len; i++) {
		const WgksPeerStats *ps = g_hash_table_lookup (index, &endpoint_peer (self, i)->public_key);

		if (ps && ps->last_handshake_sec > 0) {
			self->poll_id = 0;
			on_connected (self, i, index);
			return G_SOURCE_REMOVE;
		}
	}
	if (self->connect_poll_ms < CONNECT_POLL_MAX_MS) {
		self->connect_poll_ms = MIN (self->connect_poll_ms * 2, CONNECT_POLL_MAX_MS);
		self->poll_id = g_timeout_add (self->connect_poll_ms, connect_poll, self);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
handshake_timeout (gpointer user_data)
{
	NMWgksService *self = user_data;
	guint i;

	self->timeout_id = 0;
	for (i = 0; i < self->endpoints->len; i++) {
		g_autofree char *pub = peer_public_b64 (endpoint_peer (self, i));
		g_autofree char *ep = wgks_sockaddr_to_string (&endpoint_at (self, i)->address);

		wgks_log_err ("no handshake with peer %s at %s within %u s: wrong server key, or endpoint unreachable",
		              pub, ep, self->handshake_timeout_s);
	}
	fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
	      _("WireGuard handshake timed out after %u s"), self->handshake_timeout_s);
	return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------------
 * Connecting: the device
 * ------------------------------------------------------------------------- */

static const WgksSockaddr *
gateway_address (NMWgksService *self)
{
	/* The first peer with an endpoint: NetworkManager routes it via the uplink. */
	return &endpoint_at (self, 0)->address;
}

static gboolean
configure_device (NMWgksService *self, GError **error)
{
	WgksDeviceSettings settings;
	gboolean ok;

	wgks_device_settings_full (&settings, self->config, (const WgksEndpoint *) self->endpoints->data,
	                           self->endpoints->len, TRUE);
	ok = wgks_device_set (self->device, &settings, error);
	wgks_device_settings_clear (&settings);
	if (!ok)
		return FALSE;
	return wgks_device_set_up (self->device, self->config->mtu ? self->config->mtu : WGKS_DEFAULT_MTU, error);
}

static void
device_created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (Step) step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) config = NULL;

	if (step_is_stale (step))
		return;
	if (!wgks_device_create_finish (self->device, result, &error)) {
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
		      _("cannot create the WireGuard interface %s: %s"), self->ifname, error->message);
		return;
	}
	if (!configure_device (self, &error)) {
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
		      _("cannot configure the WireGuard interface %s: %s"), self->ifname, error->message);
		return;
	}
	wgks_log_info ("configured %s (%s); waiting up to %u s for a handshake", self->ifname,
	               wgks_device_get_backend (self->device), self->handshake_timeout_s);
	config = g_variant_ref_sink (wgks_ip_config_generic (self->config, self->ifname, gateway_address (self)));
	nm_vpn_service_plugin_set_config (NM_VPN_SERVICE_PLUGIN (self), config);
	self->timeout_id = g_timeout_add_seconds (self->handshake_timeout_s, handshake_timeout, self);
	self->connect_poll_ms = CONNECT_POLL_MIN_MS;
	self->poll_id = g_timeout_add (self->connect_poll_ms, connect_poll, self);
}

static gboolean
device_lost_idle (gpointer user_data)
{
	NMWgksService *self = user_data;

	self->lost_idle_id = 0;
	fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, _("the WireGuard tunnel %s stopped"), self->ifname);
	return G_SOURCE_REMOVE;
}

static void
device_lost (WgksDevice *device, const char *why, gpointer user_data)
{
	NMWgksService *self = user_data;

	wgks_log_err ("%s", why);
	/* Not from inside the device's own callback: failing tears it down. */
	if (!self->lost_idle_id)
		self->lost_idle_id = g_idle_add (device_lost_idle, self);
}

static void
endpoints_resolved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (Step) step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;
	GArray *endpoints = wgks_resolve_endpoints_finish (result, &error);

	if (step_is_stale (step)) {
		g_clear_pointer (&endpoints, g_array_unref);
		return;
	}
	dns_window_close (self);
	if (!endpoints) {
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	if (!check_resolved_endpoints (self->config, endpoints, &error)) {
		g_array_unref (endpoints);
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	self->endpoints = endpoints;
	self->watch = g_new0 (EndpointWatch, endpoints->len);
	/* Same state, now with endpoints: the firewall can allow them. */
	if (!enter_state (self, WGKS_SERVICE_STATE_CONNECTING, &error)) {
		fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	wgks_device_remove_stale (self->ifname);
	self->device = wgks_device_new (self->ifname, device_lost, self);
	wgks_device_create_async (self->device, self->cancellable, device_created_cb, step_new (self));
}

/* ---------------------------------------------------------------------------
 * NMVpnServicePlugin
 * ------------------------------------------------------------------------- */

static gboolean
has_endpoint (const WgksConfig *config)
{
	guint i;

	for (i = 0; i < config->peers->len; i++)
		if (((const WgksPeer *) config->peers->pdata[i])->endpoint_host)
			return TRUE;
	return FALSE;
}

/* NetworkManager's VPN API carries one address per family. */
static void
warn_extra_addresses (const WgksConfig *config)
{
	guint i, n4 = 0, n6 = 0;

	for (i = 0; i < config->addresses->len; i++) {
		const WgksPrefix *p = config->addresses->pdata[i];
		guint *seen = p->family == AF_INET ? &n4 : &n6;

		if ((*seen)++ > 0) {
			g_autofree char *s = wgks_prefix_to_string (p);

			wgks_log_warn ("ignoring address %s: only the first IPv4 and the first IPv6 address are used", s);
		}
	}
}

static WgksConfig *
parse_connection (NMConnection *connection, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
	g_autoptr (GError) local = NULL;
	g_autoptr (WgksConfig) config = NULL;

	/* libnm drops a vpn.data of the wrong D-Bus type without a word. */
	if (s_vpn && nm_setting_vpn_get_num_data_items (s_vpn) == 0) {
		wgks_log_err ("cannot start \"%s\": vpn.data is empty", nm_connection_get_id (connection));
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
		             _("Invalid WireGuard connection: vpn.data is empty or not a dictionary of strings"));
		return NULL;
	}
	config = wgks_config_from_connection (connection, WGKS_SETTING_WITH_SECRETS, &local);
	if (!config) {
		gboolean secret = g_error_matches (local, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING_SECRET);

		wgks_log_err ("cannot start \"%s\": %s", nm_connection_get_id (connection), local->message);
		g_set_error (error, NM_VPN_PLUGIN_ERROR,
		             secret ? NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS : NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
		             _("Invalid WireGuard connection: %s"), local->message);
		return NULL;
	}
	if (!has_endpoint (config)) {
		wgks_log_err ("cannot start \"%s\": no peer has an endpoint", nm_connection_get_id (connection));
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
		             _("Invalid WireGuard connection: no peer has an endpoint (server address)"));
		return NULL;
	}
	warn_extra_addresses (config);
	return g_steal_pointer (&config);
}

/* Only the resolver of NetworkManager's DNS mode can encrypt. With
 * systemd-resolved the service sets the mode on the tunnel's link itself
 * once connected: NetworkManager 1.42 does not apply a VPN profile's
 * connection.dns-over-tls. */
static void
warn_dns_over_tls (const WgksConfig *config)
{
	g_autoptr (GError) local = NULL;
	g_autofree char *mode = NULL;
	g_autofree char *problem = NULL;

	if (config->dns_over_tls == WGKS_DNS_OVER_TLS_NO)
		return;
	mode = wgks_nm_dns_mode (&local);
	if (!mode)
		wgks_log_debug ("NetworkManager's DNS mode: %s", local->message);
	problem = wgks_dns_over_tls_problem (config->dns_over_tls, mode);
	if (problem)
		wgks_log_warn ("%s", problem);
	else
		wgks_log_notice ("dns-over-tls=%s: NetworkManager's DNS mode is \"%s\"; once connected, the service sets "
		                 "DNSOverTLS on the tunnel's link in systemd-resolved and keeps it set",
		                 wgks_dns_over_tls_to_string (config->dns_over_tls), mode);
}

static gboolean
start_connect (NMWgksService *self, NMConnection *connection, GError **error)
{
	g_autoptr (GError) local = NULL;
	WgksResolveVia via = { 0 };
	WgksConfig *config;

	teardown (self);
	config = parse_connection (connection, error);
	if (!config)
		return FALSE;
	self->owner = wgks_owner_acquire (nm_connection_get_id (connection), OWNER_WAIT_MS, &local);
	if (!self->owner) {
		wgks_log_err ("cannot start \"%s\": %s", nm_connection_get_id (connection), local->message);
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_ALREADY_STARTED, "%s", local->message);
		wgks_config_free (config);
		return FALSE;
	}
	self->config = config;
	self->connection_id = g_strdup (nm_connection_get_id (connection));
	self->uuid = g_strdup (nm_connection_get_uuid (connection));
	wgks_disconnect_origin_follow (self->origin, self->uuid);
	self->ifname = wgks_ifname_for_uuid (nm_connection_get_uuid (connection));
	self->cancellable = g_cancellable_new ();
	self->handshake_timeout_s = handshake_timeout_seconds ();
	wgks_log_notice ("connecting \"%s\" on %s: %u peer(s), kill switch %s",
	                 nm_connection_get_id (connection), self->ifname, config->peers->len,
	                 wgks_kill_switch_to_string (config->kill_switch));
	warn_dns_over_tls (config);
	if (!enter_state (self, WGKS_SERVICE_STATE_CONNECTING, &local)) {
		g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED,
		             "%s", local->message);
		teardown (self);
		return FALSE;
	}
	/* From the first table on: a flush while connecting must not wait for
	 * the handshake to be undone. */
	start_tamper_watch (self);
	/* Only names need DNS: with IP literals alone, no query and no hole. */
	if (wgks_resolve_config_needs_dns (self->config))
		dns_window_open (self, &via);
	wgks_resolve_endpoints_async (self->config, &via, self->cancellable, endpoints_resolved_cb, step_new (self));
	return TRUE;
}

static gboolean
real_connect (NMVpnServicePlugin *plugin, NMConnection *connection, GError **error)
{
	return start_connect (NM_WGKS_SERVICE (plugin), connection, error);
}

static gboolean
real_connect_interactive (NMVpnServicePlugin *plugin, NMConnection *connection,
                          GVariant *details, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
	g_autoptr (GPtrArray) missing = s_vpn ? wgks_config_missing_secrets (s_vpn) : NULL;

	if (missing && missing->len > 0) {
		wgks_log_info ("asking for the missing secret \"%s\"", (const char *) missing->pdata[0]);
		g_ptr_array_add (missing, NULL);
		nm_vpn_service_plugin_secrets_required (plugin, _("A WireGuard key is needed to connect."),
		                                        (const char **) missing->pdata);
		return TRUE;
	}
	return start_connect (NM_WGKS_SERVICE (plugin), connection, error);
}

static gboolean
real_new_secrets (NMVpnServicePlugin *plugin, NMConnection *connection, GError **error)
{
	return start_connect (NM_WGKS_SERVICE (plugin), connection, error);
}

static gboolean
real_need_secrets (NMVpnServicePlugin *plugin, NMConnection *connection,
                   const char **setting_name, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
	g_autoptr (GPtrArray) missing = NULL;

	if (!s_vpn) {
		g_set_error_literal (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
		                     _("Could not process the request because the VPN connection settings were invalid."));
		return FALSE;
	}
	missing = wgks_config_missing_secrets (s_vpn);
	if (missing->len == 0)
		return FALSE;
	wgks_log_info ("secret \"%s\" is missing", (const char *) missing->pdata[0]);
	*setting_name = NM_SETTING_VPN_SETTING_NAME;
	return TRUE;
}

/* NetworkManager calls Disconnect for a user's "down", but also after a
 * failure, after its own connect timeout, when the profile was deleted, and
 * libnm calls it when NetworkManager left the bus. Only the first lifts the
 * kill switch, and only NetworkManager's own reason says which it is; when
 * in doubt, keep blocking. */
static gboolean
disconnect_is_from_user (NMWgksService *self)
{
	if (self->failed) {
		wgks_log_info ("disconnect after a failure: the kill switch stays");
		return FALSE;
	}
	if (self->ifname && !wgks_rtnl_link_is_up (self->ifname)) {
		wgks_log_info ("disconnect after %s went down: the kill switch stays", self->ifname);
		return FALSE;
	}
	return wgks_disconnect_origin_is_user (self->origin);
}

static gboolean
real_disconnect (NMVpnServicePlugin *plugin, GError **error)
{
	NMWgksService *self = NM_WGKS_SERVICE (plugin);

	if (self->ifname)
		wgks_log_notice ("disconnecting %s", self->ifname);
	self->user_disconnect = disconnect_is_from_user (self);
	teardown (self);
	return TRUE;
}

static void
nm_wgks_service_init (NMWgksService *self)
{
	self->state = WGKS_SERVICE_STATE_DISCONNECTED;
	self->killswitch = wgks_killswitch_new ();
	/* Before any Connect: NetworkManager's signals about our connection
	 * may come before it calls us. */
	self->origin = wgks_disconnect_origin_new ();
}

static void
dispose (GObject *object)
{
	NMWgksService *self = NM_WGKS_SERVICE (object);

	teardown (self);
	clear_source (&self->release_id);
	g_clear_pointer (&self->origin, wgks_disconnect_origin_free);
	g_clear_pointer (&self->killswitch, wgks_killswitch_free);
	G_OBJECT_CLASS (nm_wgks_service_parent_class)->dispose (object);
}

static void
nm_wgks_service_class_init (NMWgksServiceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	NMVpnServicePluginClass *plugin_class = NM_VPN_SERVICE_PLUGIN_CLASS (klass);

	object_class->dispose = dispose;
	plugin_class->connect = real_connect;
	plugin_class->connect_interactive = real_connect_interactive;
	plugin_class->new_secrets = real_new_secrets;
	plugin_class->need_secrets = real_need_secrets;
	plugin_class->disconnect = real_disconnect;
}

NMWgksService *
nm_wgks_service_new (const char *bus_name, gboolean watch_peer, GError **error)
{
	return g_initable_new (NM_TYPE_WGKS_SERVICE, NULL, error,
	                       NM_VPN_SERVICE_PLUGIN_DBUS_SERVICE_NAME, bus_name,
	                       NM_VPN_SERVICE_PLUGIN_DBUS_WATCH_PEER, watch_peer,
	                       NULL);
}
