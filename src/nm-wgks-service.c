/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NMWgksService: connect resolves the endpoints, creates and configures
 * the WireGuard device, reports the generic config, waits for the first
 * handshake and then reports the IP configs; disconnect lifts the kill
 * switch only for the user. The handshakes and the netlink watches are in
 * nm-wgks-service-watch.c, the endpoint lookups in nm-wgks-service-resolve.c. */
#include "config.h"

#include "nm-wgks-service-private.h"

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
#include "wgks-nft.h"
#include "wgks-ifname.h"
#include "wgks-ip-config.h"
#include "wgks-log.h"
#include "wgks-owner.h"
#include "wgks-resolve.h"
#include "wgks-killswitch.h"
#include "wgks-rtnl.h"
#include "wgks-state.h"

#define OWNER_WAIT_MS        3000  /* for a previous service that is still shutting down */
#define RELEASE_AFTER_S      5     /* a quiet moment after a burst of table writes */

G_DEFINE_TYPE (NMWgksService, nm_wgks_service, NM_TYPE_VPN_SERVICE_PLUGIN)

WgksServiceStep *
nm_wgks_service_step_new (NMWgksService *self)
{
	WgksServiceStep *step = g_new0 (WgksServiceStep, 1);

	step->self = g_object_ref (self);
	step->cancellable = g_object_ref (self->cancellable);
	return step;
}

void
nm_wgks_service_step_free (WgksServiceStep *step)
{
	g_object_unref (step->self);
	g_object_unref (step->cancellable);
	g_free (step);
}

gboolean
nm_wgks_service_step_is_stale (WgksServiceStep *step)
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
	wgks_nft_release ();
	return G_SOURCE_REMOVE;
}

/* From the main loop's own frame, not from a callback's deeper one: the
 * stack pages below it are given back too. */
void
nm_wgks_service_release_soon (NMWgksService *self)
{
	if (!self->release_id)
		self->release_id = g_idle_add (release_memory, self);
}

/* Idle between state changes, the service keeps no libnftables context
 * and no allocator slack: its private memory is then that of an idle
 * NetworkManager VPN service. One timer per burst, never periodic. */
void
nm_wgks_service_schedule_release (NMWgksService *self)
{
	clear_source (&self->release_id);
	self->release_id = g_timeout_add_seconds (RELEASE_AFTER_S, release_memory, self);
}

gboolean
nm_wgks_service_enter_state (NMWgksService *self, WgksServiceState state, GError **error)
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
	nm_wgks_service_schedule_release (self);
	return wgks_state_changed (self->killswitch, &change, error);
}

void
nm_wgks_service_fail (NMWgksService *self, NMVpnPluginFailure reason, const char *fmt, ...)
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
	self->device_created = FALSE;
	if (had_something && self->state != WGKS_SERVICE_STATE_DISCONNECTED
	    && !nm_wgks_service_enter_state (self, WGKS_SERVICE_STATE_DISCONNECTED, &error))
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

WgksEndpoint *
nm_wgks_service_endpoint (NMWgksService *self, guint i)
{
	return &g_array_index (self->endpoints, WgksEndpoint, i);
}

const WgksPeer *
nm_wgks_service_endpoint_peer (NMWgksService *self, guint i)
{
	return self->config->peers->pdata[nm_wgks_service_endpoint (self, i)->peer_index];
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
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG, _("the tunnel has no IPv4 or IPv6 address"));
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

void
nm_wgks_service_connected (NMWgksService *self, guint endpoint, GHashTable *index)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *ep = wgks_sockaddr_to_string (&nm_wgks_service_endpoint (self, endpoint)->address);

	clear_source (&self->timeout_id);
	wgks_log_notice ("handshake with peer %u at %s completed: tunnel %s is up",
	                 nm_wgks_service_endpoint (self, endpoint)->peer_index, ep, self->ifname);
	restore_keepalive (self);
	if (!nm_wgks_service_enter_state (self, WGKS_SERVICE_STATE_CONNECTED, &error)) {
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	if (!report_ip_config (self))
		return;
	g_clear_pointer (&self->resolved_dot, wgks_resolved_dot_stop);
	self->resolved_dot = wgks_resolved_dot_start (self->ifname, self->config->dns_over_tls);
	nm_wgks_service_watch_connected (self, index);
}

/* ---------------------------------------------------------------------------
 * Connecting: the device
 * ------------------------------------------------------------------------- */

static const WgksSockaddr *
gateway_address (NMWgksService *self)
{
	/* The first peer with an endpoint: NetworkManager routes it via the uplink. */
	return &nm_wgks_service_endpoint (self, 0)->address;
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

/* The device and the endpoints come in either order: the device is
 * configured once both are there, after the table allows the endpoints. */
static void
configure_when_ready (NMWgksService *self)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) config = NULL;

	if (!self->device_created || !self->endpoints)
		return;
	if (!configure_device (self, &error)) {
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
		                      _("cannot configure the WireGuard interface %s: %s"), self->ifname, error->message);
		return;
	}
	wgks_log_info ("configured %s (%s); waiting up to %u s for a handshake", self->ifname,
	               wgks_device_get_backend (self->device), self->handshake_timeout_s);
	config = g_variant_ref_sink (wgks_ip_config_generic (self->config, self->ifname, gateway_address (self)));
	nm_vpn_service_plugin_set_config (NM_VPN_SERVICE_PLUGIN (self), config);
	nm_wgks_service_watch_first_handshake (self);
}

static void
device_created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (WgksServiceStep) step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;

	if (nm_wgks_service_step_is_stale (step))
		return;
	if (!wgks_device_create_finish (self->device, result, &error)) {
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
		                      _("cannot create the WireGuard interface %s: %s"), self->ifname, error->message);
		return;
	}
	self->device_created = TRUE;
	configure_when_ready (self);
}

static gboolean
device_lost_idle (gpointer user_data)
{
	NMWgksService *self = user_data;

	self->lost_idle_id = 0;
	nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, _("the WireGuard tunnel %s stopped"),
	                      self->ifname);
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
	g_autoptr (WgksServiceStep) step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;
	GArray *endpoints = wgks_resolve_endpoints_finish (result, &error);

	if (nm_wgks_service_step_is_stale (step)) {
		g_clear_pointer (&endpoints, g_array_unref);
		return;
	}
	if (!endpoints || !nm_wgks_service_check_resolved (self->config, endpoints, &error)) {
		nm_wgks_service_dns_window_close (self, TRUE);
		g_clear_pointer (&endpoints, g_array_unref);
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	self->endpoints = endpoints;
	self->watch = g_new0 (WgksEndpointWatch, endpoints->len);
	/* Same state, now with endpoints and without the lookups' window: one
	 * table allows the endpoints and closes it. */
	nm_wgks_service_dns_window_close (self, FALSE);
	if (!nm_wgks_service_enter_state (self, WGKS_SERVICE_STATE_CONNECTING, &error)) {
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return;
	}
	configure_when_ready (self);
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
start_connect_idle (gpointer user_data)
{
	WgksServiceStep *step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;
	WgksResolveVia via = { 0 };

	if (nm_wgks_service_step_is_stale (step))
		return G_SOURCE_REMOVE;
	warn_dns_over_tls (self->config);
	/* Only names need DNS: with IP literals alone, no query and no hole.
	 * Opened first, so that the first table already has the window. */
	if (wgks_resolve_config_needs_dns (self->config))
		nm_wgks_service_dns_window_open (self, &via, FALSE);
	if (!nm_wgks_service_enter_state (self, WGKS_SERVICE_STATE_CONNECTING, &error)) {
		nm_wgks_service_fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, "%s", error->message);
		return G_SOURCE_REMOVE;
	}
	/* From the first table on: a flush while connecting must not wait for
	 * the handshake to be undone. */
	nm_wgks_service_watch_netlink (self);
	/* The device starts while the endpoints are looked up (wireguard-go
	 * takes a few milliseconds): without a peer it sends nothing. */
	wgks_device_remove_stale (self->ifname);
	self->device = wgks_device_new (self->ifname, device_lost, self);
	wgks_device_create_async (self->device, self->cancellable, device_created_cb, nm_wgks_service_step_new (self));
	wgks_resolve_endpoints_async (self->config, &via, self->cancellable, endpoints_resolved_cb,
	                              nm_wgks_service_step_new (self));
	return G_SOURCE_REMOVE;
}

static gboolean
start_connect (NMWgksService *self, NMConnection *connection, GError **error)
{
	g_autoptr (GError) local = NULL;
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
	/* NetworkManager gives up on Connect after 10 s, and installing the
	 * table can take seconds on a loaded machine: the answer goes first,
	 * the rest follows from the main loop; a failure there is reported as
	 * any later one. Nothing of ours touches the network in between. */
	g_idle_add_full (G_PRIORITY_DEFAULT, start_connect_idle, nm_wgks_service_step_new (self),
	                 (GDestroyNotify) nm_wgks_service_step_free);
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

/* NetworkManager starts the service to connect: libnftables and its
 * helper process are made ready while the service waits for the Connect
 * call, not after it. Released like any burst if none comes. */
static gboolean
prepare_firewall (gpointer user_data)
{
	NMWgksService *self = user_data;

	self->prepare_id = 0;
	wgks_nft_prepare ();
	nm_wgks_service_schedule_release (self);
	return G_SOURCE_REMOVE;
}

static void
nm_wgks_service_init (NMWgksService *self)
{
	self->state = WGKS_SERVICE_STATE_DISCONNECTED;
	self->killswitch = wgks_killswitch_new ();
	self->prepare_id = g_idle_add_full (G_PRIORITY_LOW, prepare_firewall, self, NULL);
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
	clear_source (&self->prepare_id);
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
