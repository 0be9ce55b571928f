/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel WireGuard backend: rtnetlink for the link, generic netlink
 * family "wireguard" for its configuration. */
#include "config.h"

#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "wgks-device-private.h"
#include "wgks-log.h"
#include "wgks-rtnl.h"
#include "wgks-wg-genl.h"

typedef struct {
	guint16 family_id;
} NetlinkPriv;

static int
family_cb (const struct nlmsghdr *nlh, void *data)
{
	wgks_genl_parse_family_id (nlh, data);
	return MNL_CB_OK;
}

/* ERROR, or WGKS_DEVICE_ERROR_NOT_SUPPORTED if it is CODE of G_IO_ERROR: the
 * kernel lacks WireGuard, and wgks-device.c falls back to wireguard-go. */
static GError *
not_supported_if (GError *error, GIOErrorEnum code)
{
	GError *replaced;

	if (!g_error_matches (error, G_IO_ERROR, code))
		return error;
	replaced = g_error_new_literal (WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_NOT_SUPPORTED, error->message);
	g_error_free (error);
	return replaced;
}

static gboolean
resolve_family (NetlinkPriv *priv, GError **error)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = wgks_genl_build_getfamily (buf, WG_GENL_NAME);
	GError *local = NULL;

	if (priv->family_id)
		return TRUE;
	if (!wgks_nl_transact (NETLINK_GENERIC, nlh, family_cb, &priv->family_id,
	                       "looking up the generic netlink family \"" WG_GENL_NAME "\"", &local)) {
		/* no such family: the kernel has no WireGuard */
		g_propagate_error (error, not_supported_if (local, G_IO_ERROR_NOT_FOUND));
		return FALSE;
	}
	if (!priv->family_id) {
		g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL,
		             "the kernel did not report the id of the \"" WG_GENL_NAME "\" netlink family");
		return FALSE;
	}
	return TRUE;
}

static void
netlink_create_async (WgksDevice *device, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
	GError *error = NULL;
	gboolean existed;

	if (!wgks_rtnl_link_add (device->ifname, "wireguard", &error)) {
		/* no link kind "wireguard" */
		g_task_return_error (task, not_supported_if (error, G_IO_ERROR_NOT_SUPPORTED));
		return;
	}
	device->created = TRUE;
	if (!resolve_family (device->priv, &error)) {
		wgks_rtnl_link_del (device->ifname, &existed, NULL);
		device->created = FALSE;
		g_task_return_error (task, error);
		return;
	}
	g_task_return_boolean (task, TRUE);
}

static gboolean
netlink_set (WgksDevice *device, const WgksDeviceSettings *settings, GError **error)
{
	NetlinkPriv *priv = device->priv;
	g_autoptr (GPtrArray) msgs = NULL;
	guint i;

	if (!resolve_family (priv, error))
		return FALSE;
	msgs = wgks_wg_genl_build_set (priv->family_id, device->ifname, settings, MNL_SOCKET_BUFFER_SIZE, error);
	if (!msgs)
		return FALSE;
	for (i = 0; i < msgs->len; i++) {
		GByteArray *msg = msgs->pdata[i];

		if (!wgks_nl_transact (NETLINK_GENERIC, (struct nlmsghdr *) msg->data, NULL, NULL,
		                       "configuring the WireGuard device", error))
			return FALSE;
	}
	return TRUE;
}

typedef struct {
	GArray *stats;
	GError *error;
} GetData;

static int
get_cb (const struct nlmsghdr *nlh, void *data)
{
	GetData *get = data;

	if (!get->error)
		wgks_wg_genl_parse_get (nlh, get->stats, &get->error);
	return MNL_CB_OK;
}

static GArray *
netlink_get_peers (WgksDevice *device, GError **error)
{
	NetlinkPriv *priv = device->priv;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	g_autoptr (GArray) stats = g_array_new (FALSE, TRUE, sizeof (WgksPeerStats));
	GetData get = { stats, NULL };

	if (!resolve_family (priv, error))
		return NULL;
	if (!wgks_nl_transact (NETLINK_GENERIC, wgks_wg_genl_build_get (buf, priv->family_id, device->ifname),
	                       get_cb, &get, "reading the WireGuard device", error))
		return NULL;
	if (get.error) {
		g_propagate_error (error, get.error);
		return NULL;
	}
	return g_steal_pointer (&stats);
}

static void
netlink_destroy (WgksDevice *device)
{
	g_autoptr (GError) error = NULL;
	gboolean existed;

	if (!device->created)
		return;
	device->created = FALSE;
	if (!wgks_rtnl_link_del (device->ifname, &existed, &error))
		wgks_log_warn ("%s", error->message);
	else if (existed)
		wgks_log_info ("removed WireGuard interface %s", device->ifname);
}

/* NetlinkPriv holds no pointers. */
#define netlink_free_priv g_free

static const WgksDeviceOps netlink_ops = WGKS_DEVICE_OPS_INIT ("kernel", netlink);

void
wgks_device_netlink_init (WgksDevice *device)
{
	device->ops = &netlink_ops;
	device->priv = g_new0 (NetlinkPriv, 1);
}
