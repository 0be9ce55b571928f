/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-state.h"

#include "wgks-killswitch.h"
#include "wgks-log.h"

const char *
wgks_service_state_to_string (WgksServiceState state)
{
	switch (state) {
	case WGKS_SERVICE_STATE_DISCONNECTED:
		return "disconnected";
	case WGKS_SERVICE_STATE_CONNECTING:
		return "connecting";
	case WGKS_SERVICE_STATE_CONNECTED:
		return "connected";
	case WGKS_SERVICE_STATE_TUNNEL_LOST:
		return "tunnel-lost";
	}
	return "unknown";
}

gboolean
wgks_state_changed (WgksKillswitch *ks, const WgksStateChange *change, GError **error)
{
	if (change->old_state == change->new_state)
		wgks_log_info ("state %s: %u endpoint(s) updated",
		               wgks_service_state_to_string (change->new_state), change->n_endpoints);
	else
		wgks_log_info ("state %s -> %s%s%s",
		               wgks_service_state_to_string (change->old_state),
		               wgks_service_state_to_string (change->new_state),
		               change->ifname ? " on " : "", change->ifname ? change->ifname : "");
	return wgks_killswitch_update (ks, change, error);
}
