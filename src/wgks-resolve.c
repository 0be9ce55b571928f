/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-resolve.h"

#include <glib/gi18n-lib.h>

#include "wgks-log.h"

typedef struct {
	char    *host;
	guint16  port;
} OneData;

static void
one_data_free (gpointer data)
{
	OneData *d = data;

	g_free (d->host);
	g_free (d);
}

static void
lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (GTask) task = user_data;
	OneData *d = g_task_get_task_data (task);
	g_autoptr (GError) error = NULL;
	g_autoptr (GSocketAddress) sa = NULL;
	WgksSockaddr *out;
	GList *addrs;

	addrs = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
	if (!addrs) {
		g_task_return_new_error (task, error->domain, error->code,
		                         _("cannot resolve endpoint host \"%s\": %s"), d->host, error->message);
		return;
	}
	out = g_new0 (WgksSockaddr, 1);
	sa = g_inet_socket_address_new (addrs->data, d->port);
	g_resolver_free_addresses (addrs);
	if (!g_socket_address_to_native (sa, out, sizeof *out, &error)) {
		g_free (out);
		g_task_return_error (task, g_steal_pointer (&error));
		return;
	}
	g_task_return_pointer (task, out, g_free);
}

void
wgks_resolve_one_async (const char *host, guint16 port, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GResolver) resolver = g_resolver_get_default ();
	GTask *task = g_task_new (NULL, cancellable, callback, user_data);
	OneData *d = g_new0 (OneData, 1);

	d->host = g_strdup (host);
	d->port = port;
	g_task_set_task_data (task, d, one_data_free);
	g_resolver_lookup_by_name_async (resolver, host, cancellable, lookup_cb, task);
}

gboolean
wgks_resolve_one_finish (GAsyncResult *result, WgksSockaddr *out, GError **error)
{
	g_autofree WgksSockaddr *addr = g_task_propagate_pointer (G_TASK (result), error);

	if (!addr)
		return FALSE;
	*out = *addr;
	return TRUE;
}

typedef struct {
	GArray *endpoints;  /* WgksEndpoint */
	guint   pending;
	GError *error;
} AllData;

static void
all_data_free (gpointer data)
{
	AllData *d = data;

	g_array_unref (d->endpoints);
	g_clear_error (&d->error);
	g_free (d);
}

typedef struct {
	GTask *task;
	guint  slot;
} AllSlot;

static void
one_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	AllSlot *slot = user_data;
	g_autoptr (GTask) task = slot->task;
	AllData *d = g_task_get_task_data (task);
	WgksEndpoint *ep = &g_array_index (d->endpoints, WgksEndpoint, slot->slot);
	GError *error = NULL;

	if (!wgks_resolve_one_finish (result, &ep->address, &error)) {
		if (!d->error)
			g_propagate_prefixed_error (&d->error, error, _("peer %u: "), ep->peer_index);
		else
			g_error_free (error);
	} else {
		g_autofree char *s = wgks_sockaddr_to_string (&ep->address);

		wgks_log_debug ("peer %u endpoint %s resolved to %s", ep->peer_index, ep->host, s);
	}
	g_free (slot);
	if (--d->pending > 0)
		return;
	if (d->error)
		g_task_return_error (task, g_steal_pointer (&d->error));
	else
		g_task_return_pointer (task, g_array_ref (d->endpoints), (GDestroyNotify) g_array_unref);
}

void
wgks_resolve_endpoints_async (const WgksConfig *config, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
	AllData *d = g_new0 (AllData, 1);
	guint i;

	d->endpoints = g_array_new (FALSE, TRUE, sizeof (WgksEndpoint));
	g_task_set_task_data (task, d, all_data_free);
	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];
		WgksEndpoint ep = { .host = peer->endpoint_host, .peer_index = i };

		if (peer->endpoint_host)
			g_array_append_val (d->endpoints, ep);
	}
	if (d->endpoints->len == 0) {
		g_task_return_pointer (task, g_array_ref (d->endpoints), (GDestroyNotify) g_array_unref);
		return;
	}
	d->pending = d->endpoints->len;
	for (i = 0; i < d->endpoints->len; i++) {
		const WgksEndpoint *ep = &g_array_index (d->endpoints, WgksEndpoint, i);
		const WgksPeer *peer = config->peers->pdata[ep->peer_index];
		AllSlot *slot = g_new0 (AllSlot, 1);

		slot->task = g_object_ref (task);
		slot->slot = i;
		wgks_resolve_one_async (peer->endpoint_host, peer->endpoint_port, cancellable, one_cb, slot);
	}
}

GArray *
wgks_resolve_endpoints_finish (GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer (G_TASK (result), error);
}
