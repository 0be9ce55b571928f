/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's lookups of endpoint names: the kill switch's window that
 * lets them reach the uplink's DNS servers, the check of the answers, and
 * re-resolving one endpoint while connected. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "nm-wgks-service-private.h"
#include "wgks-device-settings.h"
#include "wgks-log.h"

/* A name may resolve to where the tunnel's packets cannot go (a hostile or
 * broken DNS answer: loopback, the tunnel's own network). */
static const char *
resolved_address_problem (const WgksConfig *config, const WgksSockaddr *sa)
{
	if (sa->sa.sa_family == AF_INET6)
		return wgks_config_endpoint_address_problem (config, AF_INET6, sa->in6.sin6_addr.s6_addr);
	return wgks_config_endpoint_address_problem (config, AF_INET, (const guint8 *) &sa->in4.sin_addr.s_addr);
}

gboolean
nm_wgks_service_check_resolved (const WgksConfig *config, GArray *endpoints, GError **error)
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

/* While endpoint names are resolved, the kill switch lets the service's own
 * marked queries reach the uplink's DNS servers; the last lookup to end
 * closes that again. WRITE: at once; else the caller's next table, written
 * right away, has the window (one table write less on the way to a
 * connection). */
void
nm_wgks_service_dns_window_open (NMWgksService *self, WgksResolveVia *via, gboolean write)
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
	if (!write)
		wgks_killswitch_note_resolvers (self->killswitch, self->dns_servers);
	else if (self->dns_servers->len && !wgks_killswitch_set_resolvers (self->killswitch, self->dns_servers, &error))
		wgks_log_warn ("kill switch: cannot let the endpoint lookups through: %s", error->message);
	if (write)
		nm_wgks_service_schedule_release (self);
	via->servers = self->dns_servers;
	via->fwmark = wgks_config_effective_fwmark (self->config);
}

void
nm_wgks_service_dns_window_close (NMWgksService *self, gboolean write)
{
	g_autoptr (GError) error = NULL;

	if (self->dns_lookups == 0 || --self->dns_lookups > 0)
		return;
	if (!write)
		wgks_killswitch_note_resolvers (self->killswitch, NULL);
	else if (!wgks_killswitch_set_resolvers (self->killswitch, NULL, &error))
		wgks_log_warn ("kill switch: %s", error->message);
	if (write)
		nm_wgks_service_schedule_release (self);
	g_clear_pointer (&self->dns_servers, g_ptr_array_unref);
}

static void
reresolved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (WgksServiceStep) step = user_data;
	NMWgksService *self = step->self;
	g_autoptr (GError) error = NULL;
	WgksDeviceSettings settings;
	WgksSockaddr addr;
	WgksEndpoint *ep;
	const char *why;
	gboolean ok;

	if (nm_wgks_service_step_is_stale (step))
		return;
	nm_wgks_service_dns_window_close (self, TRUE);
	self->watch[step->endpoint].resolving = FALSE;
	ep = nm_wgks_service_endpoint (self, step->endpoint);
	if (!wgks_resolve_one_finish (result, &addr, &error)) {
		wgks_log_warn ("re-resolving the endpoint of peer %u: %s", ep->peer_index, error->message);
		if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			nm_wgks_service_watch_roam_retry (self);
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
	if (!nm_wgks_service_enter_state (self, self->state, &error)) {
		wgks_log_warn ("%s", error->message);
		g_clear_error (&error);
	}
	wgks_device_settings_endpoint (&settings, self->config, ep);
	ok = wgks_device_set (self->device, &settings, &error);
	wgks_device_settings_clear (&settings);
	if (!ok)
		wgks_log_warn ("updating the endpoint of peer %u: %s", ep->peer_index, error->message);
}

void
nm_wgks_service_reresolve (NMWgksService *self, guint i)
{
	WgksEndpoint *ep = nm_wgks_service_endpoint (self, i);
	const WgksPeer *peer = nm_wgks_service_endpoint_peer (self, i);
	WgksResolveVia via;
	WgksServiceStep *step;

	/* Literal addresses never change. */
	if (!wgks_resolve_needs_dns (ep->host))
		return;
	self->watch[i].resolving = TRUE;
	self->watch[i].last_resolve = g_get_monotonic_time ();
	wgks_log_info ("re-resolving endpoint %s of peer %u", ep->host, ep->peer_index);
	step = nm_wgks_service_step_new (self);
	step->endpoint = i;
	nm_wgks_service_dns_window_open (self, &via, TRUE);
	wgks_resolve_one_async (ep->host, peer->endpoint_port, &via, self->cancellable, reresolved_cb, step);
}
