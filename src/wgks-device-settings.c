/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-device-settings.h"

static const WgksEndpoint *
endpoint_of (const WgksEndpoint *endpoints, guint n, guint peer_index)
{
	guint i;

	for (i = 0; i < n; i++)
		if (endpoints[i].peer_index == peer_index)
			return &endpoints[i];
	return NULL;
}

void
wgks_device_settings_full (WgksDeviceSettings *out, const WgksConfig *config,
                           const WgksEndpoint *endpoints, guint n_endpoints,
                           gboolean boost_keepalive)
{
	guint i;

	*out = (WgksDeviceSettings) { 0 };
	out->has_private_key = config->has_private_key;
	out->private_key = config->private_key;
	out->set_listen_port = TRUE;
	out->listen_port = config->listen_port;
	out->set_fwmark = TRUE;
	out->fwmark = wgks_config_effective_fwmark (config);
	out->replace_peers = TRUE;
	out->n_peers = config->peers->len;
	out->peers = g_new0 (WgksDevicePeer, out->n_peers);
	for (i = 0; i < out->n_peers; i++) {
		const WgksPeer *peer = config->peers->pdata[i];
		const WgksEndpoint *ep = endpoint_of (endpoints, n_endpoints, i);
		WgksDevicePeer *dp = &out->peers[i];

		dp->public_key = peer->public_key;
		dp->has_preshared_key = peer->has_preshared_key;
		dp->preshared_key = peer->preshared_key;
		dp->has_endpoint = ep != NULL;
		if (ep)
			dp->endpoint = ep->address;
		dp->set_keepalive = TRUE;
		dp->keepalive = peer->persistent_keepalive;
		if (boost_keepalive && ep && !dp->keepalive)
			dp->keepalive = WGKS_CONNECT_KEEPALIVE;
		dp->replace_allowed_ips = TRUE;
		dp->allowed_ips = peer->allowed_ips;
	}
}

void
wgks_device_settings_keepalive (WgksDeviceSettings *out, const WgksConfig *config)
{
	guint i;

	*out = (WgksDeviceSettings) { 0 };
	out->n_peers = config->peers->len;
	out->peers = g_new0 (WgksDevicePeer, out->n_peers);
	for (i = 0; i < out->n_peers; i++) {
		const WgksPeer *peer = config->peers->pdata[i];

		out->peers[i].public_key = peer->public_key;
		out->peers[i].update_only = TRUE;
		out->peers[i].set_keepalive = TRUE;
		out->peers[i].keepalive = peer->persistent_keepalive;
	}
}

void
wgks_device_settings_endpoint (WgksDeviceSettings *out, const WgksConfig *config,
                               const WgksEndpoint *endpoint)
{
	const WgksPeer *peer = config->peers->pdata[endpoint->peer_index];

	*out = (WgksDeviceSettings) { 0 };
	out->n_peers = 1;
	out->peers = g_new0 (WgksDevicePeer, 1);
	out->peers[0].public_key = peer->public_key;
	out->peers[0].update_only = TRUE;
	out->peers[0].has_endpoint = TRUE;
	out->peers[0].endpoint = endpoint->address;
}
