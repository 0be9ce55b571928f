/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device front end: backend choice (kernel, else wireguard-go) and the
 * operations common to both. */
#include "config.h"

#include "wgks-device-private.h"

#include <string.h>

#include "wgks-log.h"
#include "wgks-rtnl.h"

G_DEFINE_QUARK (wgks-device-error-quark, wgks_device_error)

static gboolean
force_userspace (void)
{
	return g_strcmp0 (g_getenv ("WGKS_FORCE_USERSPACE"), "1") == 0;
}

WgksDevice *
wgks_device_new (const char *ifname, WgksDeviceLostFunc lost_func, gpointer lost_data)
{
	WgksDevice *device = g_new0 (WgksDevice, 1);

	device->ifname = g_strdup (ifname);
	device->lost_func = lost_func;
	device->lost_data = lost_data;
	if (force_userspace ())
		wgks_device_uapi_init (device);
	else
		wgks_device_netlink_init (device);
	return device;
}

static void
switch_backend (WgksDevice *device, void (*init) (WgksDevice *))
{
	device->ops->free_priv (device->priv);
	device->priv = NULL;
	init (device);
}

static void
created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (GTask) task = user_data;
	WgksDevice *device;
	GError *error = NULL;

	/* Cancelled means the owner may already have freed the device. */
	if (g_task_return_error_if_cancelled (task))
		return;
	device = g_task_get_task_data (task);
	if (g_task_propagate_boolean (G_TASK (result), &error)) {
		wgks_log_info ("created WireGuard interface %s (%s)", device->ifname, device->ops->name);
		g_task_return_boolean (task, TRUE);
		return;
	}
	if (g_error_matches (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_NOT_SUPPORTED)
	    && device->ops->create_async != NULL && strcmp (device->ops->name, "kernel") == 0) {
		GCancellable *cancellable = g_task_get_cancellable (task);

		wgks_log_info ("no WireGuard in the kernel (%s): using wireguard-go", error->message);
		g_error_free (error);
		switch_backend (device, wgks_device_uapi_init);
		device->ops->create_async (device, cancellable, created_cb, g_steal_pointer (&task));
		return;
	}
	g_task_return_error (task, error);
}

void
wgks_device_create_async (WgksDevice *device, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new (NULL, cancellable, callback, user_data);

	g_task_set_task_data (task, device, NULL);
	if (force_userspace ())
		wgks_log_info ("WGKS_FORCE_USERSPACE=1: using wireguard-go");
	device->ops->create_async (device, cancellable, created_cb, task);
}

gboolean
wgks_device_create_finish (WgksDevice *device, GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
wgks_device_set (WgksDevice *device, const WgksDeviceSettings *settings, GError **error)
{
	return device->ops->set (device, settings, error);
}

gboolean
wgks_device_set_up (WgksDevice *device, guint32 mtu, GError **error)
{
	return wgks_rtnl_link_set_up (device->ifname, mtu, error);
}

GArray *
wgks_device_get_peers (WgksDevice *device, GError **error)
{
	return device->ops->get_peers (device, error);
}

const char *
wgks_device_get_backend (WgksDevice *device)
{
	return device->ops->name;
}

void
wgks_device_destroy (WgksDevice *device)
{
	if (device)
		device->ops->destroy (device);
}

void
wgks_device_free (WgksDevice *device)
{
	if (!device)
		return;
	device->ops->destroy (device);
	device->ops->free_priv (device->priv);
	g_free (device->ifname);
	g_free (device);
}

void
wgks_device_lost (WgksDevice *device, const char *why)
{
	WgksDeviceLostFunc func = device->lost_func;

	device->lost_func = NULL;
	if (func)
		func (device, why, device->lost_data);
}

void
wgks_device_remove_stale (const char *ifname)
{
	g_autoptr (GError) error = NULL;
	gboolean existed = FALSE;

	if (!wgks_rtnl_link_del (ifname, &existed, &error))
		wgks_log_warn ("cannot remove a leftover interface: %s", error->message);
	else if (existed)
		wgks_log_notice ("removed leftover interface %s of an earlier run", ifname);
	wgks_device_uapi_remove_stale_socket (ifname);
}

void
wgks_device_settings_clear (WgksDeviceSettings *settings)
{
	if (settings->peers) {
		wgks_memzero (settings->peers, settings->n_peers * sizeof *settings->peers);
		g_free (settings->peers);
	}
	wgks_memzero (settings, sizeof *settings);
}

GHashTable *
wgks_peer_stats_index (GArray *stats)
{
	GHashTable *index = g_hash_table_new (wgks_key_hash, wgks_key_hash_equal);
	guint i;

	for (i = 0; stats && i < stats->len; i++) {
		WgksPeerStats *s = &g_array_index (stats, WgksPeerStats, i);

		g_hash_table_insert (index, &s->public_key, s);
	}
	return index;
}
