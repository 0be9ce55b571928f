/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's watch over the tunnel: the handshakes read while
 * connecting and, once connected, when one of them would go stale (the
 * schedule is wgks-watch.c's); stale endpoints re-resolved; the netlink
 * watches on routes, links and nftables (the tunnel set down, the uplink,
 * the tamper watch). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nm-wgks-service-private.h"
#include "wgks-firewall.h"
#include "wgks-log.h"
#include "wgks-nl-watch.h"
#include "wgks-poll.h"
#include "wgks-rtnl.h"
#include "wgks-watch.h"

#define CONNECT_POLL_MIN_MS  2     /* a handshake takes milliseconds: poll often at first, */
#define CONNECT_POLL_MAX_MS  200   /* then back off while an unreachable server is retried */
#define MAX_STATS_FAILURES   3
#define ROAM_SETTLE_MS       1000  /* after a new uplink, before its DNS servers are asked */
#define ROAM_RETRIES         4     /* then 2, 4, 8 and 16 s more */

static char *
peer_public_b64 (const WgksPeer *peer)
{
	char b64[WGKS_KEY_B64_LEN + 1];

	wgks_key_to_base64 (&peer->public_key, b64);
	return g_strdup (b64);
}

/* ---------------------------------------------------------------------------
 * Connecting: waiting for the first handshake
 * ------------------------------------------------------------------------- */

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
		const WgksPeerStats *ps = g_hash_table_lookup (index, &nm_wgks_service_endpoint_peer (self, i)->public_key);

		if (ps && ps->last_handshake_sec > 0) {
			self->poll_id = 0;
			nm_wgks_service_connected (self, i, index);
			return G_SOURCE_REMOVE;
		}
	}
	return wgks_poll_back_off (&self->poll_id, &self->connect_poll_ms, CONNECT_POLL_MAX_MS, connect_poll, self);
}

static gboolean
handshake_timeout (gpointer user_data)
{
	NMWgksService *self = user_data;
	guint i;

	self->timeout_id = 0;
	for (i = 0; i < self->endpoints->len; i++) {
		g_autofree char *pub = peer_public_b64 (nm_wgks_service_endpoint_peer (self, i));
		g_autofree char *ep = wgks_sockaddr_to_string (&nm_wgks_service_endpoint (self, i)->address);

		wgks_log_err ("no handshake with peer %s at %s within %u s: wrong server key, or endpoint unreachable",
		              pub, ep, self->handshake_timeout_s);
	}
	nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
	                      _("WireGuard handshake timed out after %u s"), self->handshake_timeout_s);
	return G_SOURCE_REMOVE;
}

void
nm_wgks_service_watch_first_handshake (NMWgksService *self)
{
	self->timeout_id = g_timeout_add_seconds (self->handshake_timeout_s, handshake_timeout, self);
	self->connect_poll_ms = CONNECT_POLL_MIN_MS;
	self->poll_id = g_timeout_add (self->connect_poll_ms, connect_poll, self);
}

/* ---------------------------------------------------------------------------
 * Watching handshakes after "connected"
 * ------------------------------------------------------------------------- */

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
	if (!nm_wgks_service_enter_state (self, state, &error))
		wgks_log_warn ("%s", error->message);
}

static void
watch_endpoint (NMWgksService *self, guint i, GHashTable *stats, gint64 now_s)
{
	const WgksPeer *peer = nm_wgks_service_endpoint_peer (self, i);
	const WgksPeerStats *ps = g_hash_table_lookup (stats, &peer->public_key);
	WgksEndpointWatch *w = &self->watch[i];
	gint64 now_mono = g_get_monotonic_time ();

	if (peer_is_fresh (ps, now_s, WGKS_REJECT_AFTER_TIME_S)) {
		if (w->warned_stale)
			wgks_log_notice ("peer %u handshakes again", nm_wgks_service_endpoint (self, i)->peer_index);
		w->warned_stale = FALSE;
	} else if (!w->warned_stale) {
		g_autofree char *pub = peer_public_b64 (peer);
		g_autofree char *ep = wgks_sockaddr_to_string (&nm_wgks_service_endpoint (self, i)->address);

		wgks_log_warn ("no handshake with peer %s at %s for more than %d s; keeping the tunnel",
		               pub, ep, WGKS_REJECT_AFTER_TIME_S);
		w->warned_stale = TRUE;
	}
	if (!peer_is_fresh (ps, now_s, WGKS_RERESOLVE_AFTER_S) && !w->resolving
	    && now_mono - w->last_resolve > WGKS_RERESOLVE_MIN_GAP_S * G_USEC_PER_SEC)
		nm_wgks_service_reresolve (self, i);
}

static gboolean watch_poll (gpointer user_data);

static guint
watch_delay_s (NMWgksService *self, GHashTable *index, gint64 now_s)
{
	g_autofree gint64 *last = g_new0 (gint64, self->endpoints->len);
	guint i;

	for (i = 0; index && i < self->endpoints->len; i++) {
		const WgksPeerStats *ps = g_hash_table_lookup (index, &nm_wgks_service_endpoint_peer (self, i)->public_key);

		last[i] = ps ? ps->last_handshake_sec : 0;
	}
	return wgks_watch_delay_s (last, self->endpoints->len, now_s, self->tamper_id && self->route_watch_id);
}

static void
watch_schedule (NMWgksService *self, guint delay_s)
{
	g_clear_handle_id (&self->poll_id, g_source_remove);
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
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
		                      _("the WireGuard interface %s is gone or does not answer"), self->ifname);
		return G_SOURCE_REMOVE;
	}
	stats = wgks_device_get_peers (self->device, &error);
	if (!stats) {
		wgks_log_warn ("cannot read the tunnel's status: %s", error->message);
		if (++self->stats_failures >= MAX_STATS_FAILURES) {
			nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
			                      _("the WireGuard interface %s is gone or does not answer"), self->ifname);
			return G_SOURCE_REMOVE;
		}
		watch_schedule (self, WGKS_WATCH_POLL_S);
		return G_SOURCE_REMOVE;
	}
	self->stats_failures = 0;
	index = wgks_peer_stats_index (stats);
	for (i = 0; i < self->endpoints->len; i++) {
		const WgksPeerStats *ps = g_hash_table_lookup (index, &nm_wgks_service_endpoint_peer (self, i)->public_key);

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
	nm_wgks_service_release_soon (self);
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
			nm_wgks_service_reresolve (self, i);
	return G_SOURCE_REMOVE;
}

static void
check_uplink (NMWgksService *self)
{
	if (wgks_killswitch_check_uplink (self->killswitch) && wgks_killswitch_uplink_ok (self->killswitch) && !self->roam_id
	    && wgks_resolve_config_needs_dns (self->config)) {
		self->roam_retries = 0;
		self->roam_id = g_timeout_add (ROAM_SETTLE_MS, roam_reresolve, self);
	}
}

void
nm_wgks_service_watch_roam_retry (NMWgksService *self)
{
	if (self->roam_id || self->roam_retries >= ROAM_RETRIES)
		return;
	self->roam_retries++;
	wgks_log_info ("re-resolving the endpoints again in %u s (%u of %u)", 1u << self->roam_retries,
	               self->roam_retries, ROAM_RETRIES);
	self->roam_id = g_timeout_add_seconds (1u << self->roam_retries, roam_reresolve, self);
}

static gboolean
routes_changed (gpointer user_data)
{
	NMWgksService *self = user_data;

	/* The tunnel set down or removed: the watch fails the connection, from
	 * the main loop rather than from inside this watch. */
	if ((self->state == WGKS_SERVICE_STATE_CONNECTED || self->state == WGKS_SERVICE_STATE_TUNNEL_LOST)
	    && self->ifname && !wgks_rtnl_link_is_up (self->ifname)) {
		g_clear_handle_id (&self->poll_id, g_source_remove);
		self->poll_id = g_idle_add (watch_poll, self);
		return G_SOURCE_CONTINUE;
	}
	check_uplink (self);
	nm_wgks_service_schedule_release (self);
	return G_SOURCE_CONTINUE;
}

static gboolean
nftables_changed (gpointer user_data)
{
	NMWgksService *self = user_data;

	wgks_killswitch_check_tamper (self->killswitch);
	nm_wgks_service_schedule_release (self);
	return G_SOURCE_CONTINUE;
}

/* The tamper and uplink watches: at once on every nftables, route or link
 * change (a watch that cannot be opened falls back to a 5 s poll). */
void
nm_wgks_service_watch_netlink (NMWgksService *self)
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

void
nm_wgks_service_watch_connected (NMWgksService *self, GHashTable *index)
{
	guint i;

	for (i = 0; i < self->endpoints->len; i++)
		self->watch[i].last_resolve = g_get_monotonic_time ();
	watch_schedule (self, watch_delay_s (self, index, g_get_real_time () / G_USEC_PER_SEC));
}
