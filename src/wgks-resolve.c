/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <NetworkManager.h>
#include <string.h>
#include <sys/socket.h>

#include "wgks-firewall.h"
#include "wgks-log.h"

G_STATIC_ASSERT (WGKS_RESOLVE_TIMEOUT_S < WGKS_FIREWALL_RESOLVER_TIMEOUT_S);

/* Per try and server; two tries. A lookup as a whole is bounded by
 * WGKS_RESOLVE_TIMEOUT_S. */
#define TRY_TIMEOUT_MS 5000
#define TRIES          2

/* ---------------------------------------------------------------------------
 * One lookup: a c-ares channel of its own, driven by the GLib main loop
 * ------------------------------------------------------------------------- */

typedef struct {
	GTask        *task;          /* borrowed: the task owns this */
	ares_channel  channel;
	GHashTable   *watches;       /* fd -> GSource*, what c-ares waits on */
	GSource      *timer;         /* c-ares' retry timer */
	GSource      *deadline;
	GSource      *finish;        /* ends the lookup outside any c-ares callback */
	GCancellable *cancellable;
	gulong        cancel_id;
	char         *host;
	char         *servers;       /* for messages */
	guint16       port;
	guint32       fwmark;
	int           status;        /* ARES_* once answered */
	gboolean      done;
	gboolean      timed_out;
	WgksSockaddr  address;
} Lookup;

static void
source_destroy_unref (gpointer source)
{
	g_source_destroy (source);
	g_source_unref (source);
}

static void
lookup_free (gpointer data)
{
	Lookup *l = data;

	if (l->cancel_id)
		g_cancellable_disconnect (l->cancellable, l->cancel_id);
	g_clear_object (&l->cancellable);
	/* c-ares closes its sockets here and tells sock_state_cb. */
	if (l->channel)
		ares_destroy (l->channel);
	g_clear_pointer (&l->watches, g_hash_table_unref);
	g_clear_pointer (&l->timer, source_destroy_unref);
	g_clear_pointer (&l->deadline, source_destroy_unref);
	g_clear_pointer (&l->finish, source_destroy_unref);
	g_free (l->host);
	g_free (l->servers);
	g_free (l);
}

static gboolean
finish_cb (gpointer user_data)
{
	Lookup *l = user_data;
	GTask *task = l->task;
	g_autofree char *addr = NULL;

	g_clear_pointer (&l->finish, g_source_unref);
	if (l->status == ARES_SUCCESS) {
		addr = wgks_sockaddr_to_string (&l->address);
		wgks_log_info ("endpoint %s resolved to %s (DNS servers: %s)", l->host, addr, l->servers);
		g_task_return_pointer (task, g_memdup2 (&l->address, sizeof l->address), g_free);
	} else if (g_task_return_error_if_cancelled (task)) {
		/* nothing more to say */
	} else if (l->timed_out) {
		g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
		                         _("cannot resolve endpoint host \"%s\" through %s: no answer within %d s"),
		                         l->host, l->servers, WGKS_RESOLVE_TIMEOUT_S);
	} else {
		g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		                         _("cannot resolve endpoint host \"%s\" through %s: %s"), l->host, l->servers,
		                         ares_strerror (l->status));
	}
	g_object_unref (task);
	return G_SOURCE_REMOVE;
}

static void
schedule_finish (Lookup *l)
{
	if (l->finish)
		return;
	l->finish = g_idle_source_new ();
	g_source_set_callback (l->finish, finish_cb, l, NULL);
	g_source_attach (l->finish, g_main_context_get_thread_default ());
}

static void
addrinfo_cb (void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	Lookup *l = arg;

	if (l->done) {
		ares_freeaddrinfo (res);
		return;
	}
	l->done = TRUE;
	l->status = status;
	if (status == ARES_SUCCESS && (!res || !res->nodes))
		l->status = ARES_ENODATA;
	if (l->status == ARES_SUCCESS) {
		const struct ares_addrinfo_node *n = res->nodes;

		memcpy (&l->address, n->ai_addr, MIN ((gsize) n->ai_addrlen, sizeof l->address));
		if (n->ai_family == AF_INET6)
			l->address.in6.sin6_port = htons (l->port);
		else
			l->address.in4.sin_port = htons (l->port);
	}
	ares_freeaddrinfo (res);
	schedule_finish (l);
}

static void rearm_timer (Lookup *l);

static gboolean
fd_ready (gint fd, GIOCondition condition, gpointer user_data)
{
	Lookup *l = user_data;

	ares_process_fd (l->channel, condition & (G_IO_IN | G_IO_HUP | G_IO_ERR) ? fd : ARES_SOCKET_BAD,
	                 condition & G_IO_OUT ? fd : ARES_SOCKET_BAD);
	rearm_timer (l);
	return G_SOURCE_CONTINUE;
}

static gboolean
timer_cb (gpointer user_data)
{
	Lookup *l = user_data;

	g_clear_pointer (&l->timer, g_source_unref);
	ares_process_fd (l->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm_timer (l);
	return G_SOURCE_REMOVE;
}

static void
rearm_timer (Lookup *l)
{
	struct timeval tv;

	g_clear_pointer (&l->timer, source_destroy_unref);
	if (l->done || !ares_timeout (l->channel, NULL, &tv))
		return;
	l->timer = g_timeout_source_new ((guint) (tv.tv_sec * 1000 + tv.tv_usec / 1000) + 1);
	g_source_set_callback (l->timer, timer_cb, l, NULL);
	g_source_attach (l->timer, g_main_context_get_thread_default ());
}

/* c-ares opens and closes its sockets as it goes: watch what it waits on. */
static void
sock_state_cb (void *data, ares_socket_t fd, int readable, int writable)
{
	Lookup *l = data;
	GSource *source;

	if (!l->watches)
		return;
	g_hash_table_remove (l->watches, GINT_TO_POINTER (fd));
	if (!readable && !writable)
		return;
	source = g_unix_fd_source_new (fd, (readable ? G_IO_IN | G_IO_HUP | G_IO_ERR : 0) | (writable ? G_IO_OUT : 0));
	g_source_set_callback (source, G_SOURCE_FUNC (fd_ready), l, NULL);
	g_source_attach (source, g_main_context_get_thread_default ());
	g_hash_table_insert (l->watches, GINT_TO_POINTER (fd), source);
}

/* Every socket c-ares opens carries the tunnel's mark: the kill switch lets
 * these queries, and only these, reach the uplink's DNS servers, and the
 * tunnel's routing rules send them around the tunnel. */
static int
mark_socket (ares_socket_t fd, int type, void *data)
{
	Lookup *l = data;
	guint32 mark = l->fwmark;

	if (setsockopt (fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
		wgks_log_warn ("resolving %s: cannot mark the DNS socket: %s", l->host, g_strerror (errno));
		return -1;
	}
	return 0;
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
	Lookup *l = user_data;

	/* c-ares calls addrinfo_cb from here; the lookup ends in finish_cb. */
	if (!l->done)
		ares_cancel (l->channel);
}

static gboolean
deadline_cb (gpointer user_data)
{
	Lookup *l = user_data;

	g_clear_pointer (&l->deadline, g_source_unref);
	if (!l->done) {
		l->timed_out = TRUE;
		ares_cancel (l->channel);
	}
	return G_SOURCE_REMOVE;
}

static gboolean
lookup_start (Lookup *l, GPtrArray *servers, GError **error)
{
	static gsize initialized;
	struct ares_options opts = { 0 };
	struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC };
	g_autofree char *csv = NULL;
	int status;

	if (g_once_init_enter (&initialized)) {
		ares_library_init (ARES_LIB_INIT_ALL);
		g_once_init_leave (&initialized, 1);
	}
	opts.flags = ARES_FLAG_NOSEARCH;
	opts.timeout = TRY_TIMEOUT_MS;
	opts.tries = TRIES;
	opts.lookups = (char *) "fb";
	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = l;
	status = ares_init_options (&l->channel, &opts,
	                            ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS
	                                | ARES_OPT_SOCK_STATE_CB);
	if (status != ARES_SUCCESS) {
		l->channel = NULL;
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("cannot resolve endpoint host \"%s\": c-ares: %s"),
		             l->host, ares_strerror (status));
		return FALSE;
	}
	/* Never the servers c-ares read from resolv.conf (a local stub there
	 * would forward our query unmarked): only the uplink's. */
	ares_set_servers (l->channel, NULL);
	if (servers && servers->len) {
		g_ptr_array_add (servers, NULL);
		csv = g_strjoinv (",", (char **) servers->pdata);
		g_ptr_array_remove_index (servers, servers->len - 1);
		status = ares_set_servers_ports_csv (l->channel, csv);
		if (status != ARES_SUCCESS) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
			             _("cannot resolve endpoint host \"%s\": bad DNS server list \"%s\": %s"), l->host, csv,
			             ares_strerror (status));
			return FALSE;
		}
	}
	ares_set_socket_callback (l->channel, mark_socket, l);
	l->deadline = g_timeout_source_new_seconds (WGKS_RESOLVE_TIMEOUT_S);
	g_source_set_callback (l->deadline, deadline_cb, l, NULL);
	g_source_attach (l->deadline, g_main_context_get_thread_default ());
	ares_getaddrinfo (l->channel, l->host, NULL, &hints, addrinfo_cb, l);
	rearm_timer (l);
	if (l->cancellable)
		l->cancel_id = g_cancellable_connect (l->cancellable, G_CALLBACK (cancelled_cb), l, NULL);
	return TRUE;
}

static gboolean
literal_to_sockaddr (const char *host, guint16 port, WgksSockaddr *out)
{
	guint8 addr[16];
	int family;

	if (!wgks_ip_parse (host, &family, addr))
		return FALSE;
	memset (out, 0, sizeof *out);
	if (family == AF_INET6) {
		out->in6.sin6_family = AF_INET6;
		memcpy (&out->in6.sin6_addr, addr, 16);
		out->in6.sin6_port = htons (port);
	} else {
		out->in4.sin_family = AF_INET;
		memcpy (&out->in4.sin_addr, addr, 4);
		out->in4.sin_port = htons (port);
	}
	return TRUE;
}

void
wgks_resolve_one_async (const char *host, guint16 port, const WgksResolveVia *via, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new (NULL, cancellable, callback, user_data);
	g_autoptr (GError) error = NULL;
	WgksSockaddr literal;
	Lookup *l;

	if (literal_to_sockaddr (host, port, &literal)) {
		g_task_return_pointer (task, g_memdup2 (&literal, sizeof literal), g_free);
		g_object_unref (task);
		return;
	}
	l = g_new0 (Lookup, 1);
	l->task = task;
	l->host = g_strdup (host);
	l->port = port;
	l->fwmark = via->fwmark;
	l->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
	l->watches = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, source_destroy_unref);
	if (via->servers && via->servers->len) {
		g_ptr_array_add (via->servers, NULL);
		l->servers = g_strjoinv (", ", (char **) via->servers->pdata);
		g_ptr_array_remove_index (via->servers, via->servers->len - 1);
	} else {
		l->servers = g_strdup (_("no DNS server (none known for the uplink)"));
	}
	g_task_set_task_data (task, l, lookup_free);
	if (!lookup_start (l, via->servers, &error)) {
		g_task_return_error (task, g_steal_pointer (&error));
		g_object_unref (task);
	}
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

/* ---------------------------------------------------------------------------
 * All endpoints of a connection
 * ------------------------------------------------------------------------- */

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
wgks_resolve_endpoints_async (const WgksConfig *config, const WgksResolveVia *via, GCancellable *cancellable,
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
		wgks_resolve_one_async (peer->endpoint_host, peer->endpoint_port, via, cancellable, one_cb, slot);
	}
}

GArray *
wgks_resolve_endpoints_finish (GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
wgks_resolve_needs_dns (const char *host)
{
	guint8 addr[16];
	int family;

	return host && !wgks_ip_parse (host, &family, addr);
}

gboolean
wgks_resolve_config_needs_dns (const WgksConfig *config)
{
	guint i;

	for (i = 0; i < config->peers->len; i++)
		if (wgks_resolve_needs_dns (((const WgksPeer *) config->peers->pdata[i])->endpoint_host))
			return TRUE;
	return FALSE;
}

/* ---------------------------------------------------------------------------
 * The uplink's DNS servers
 * ------------------------------------------------------------------------- */

static gboolean
is_loopback_or_local (int family, const guint8 *a)
{
	static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const guint8 zero[16] = { 0 };

	if (family == AF_INET)
		return a[0] == 127 || a[0] == 0;
	if (memcmp (a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return TRUE;                                  /* :: and ::1 */
	if (memcmp (a, mapped, 12) == 0)
		return a[12] == 127 || a[12] == 0;
	/* link-local: needs an interface scope that the firewall's sets lack */
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static void
add_server (GPtrArray *out, const char *text, const WgksConfig *config)
{
	g_autofree char *plain = g_strndup (text, strcspn (text, "%"));
	char buf[INET6_ADDRSTRLEN];
	guint8 addr[16], other[16];
	int family, other_family;
	guint i;

	if (!wgks_ip_parse (plain, &family, addr) || is_loopback_or_local (family, addr))
		return;
	for (i = 0; config && i < config->dns_servers->len; i++)
		if (wgks_ip_parse (config->dns_servers->pdata[i], &other_family, other) && other_family == family
		    && memcmp (addr, other, family == AF_INET ? 4 : 16) == 0)
			return;
	inet_ntop (family, addr, buf, sizeof buf);
	for (i = 0; i < out->len; i++)
		if (strcmp (out->pdata[i], buf) == 0)
			return;
	g_ptr_array_add (out, g_strdup (buf));
}

void
wgks_uplink_dns_parse_resolv_conf (const char *text, const WgksConfig *config, GPtrArray *out)
{
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	guint i;

	for (i = 0; lines[i]; i++) {
		g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);

		if (g_strv_length (f) >= 2 && strcmp (f[0], "nameserver") == 0)
			add_server (out, f[1], config);
	}
}

#define NM_DBUS_NAME "org.freedesktop.NetworkManager"

/* Properties of NetworkManager's object PATH, interface IFACE (NULL on any
 * error, or for the object path "/": no such object). */
static GVariant *
nm_properties (GDBusConnection *bus, const char *path, const char *iface)
{
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GError) error = NULL;

	if (!path || !g_variant_is_object_path (path) || strcmp (path, "/") == 0)
		return NULL;
	reply = g_dbus_connection_call_sync (bus, NM_DBUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
	                                     g_variant_new ("(s)", iface), G_VARIANT_TYPE ("(a{sv})"),
	                                     G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error);
	if (!reply) {
		wgks_log_info ("asking NetworkManager for the uplink's DNS servers: %s: %s", path, error->message);
		return NULL;
	}
	return g_variant_get_child_value (reply, 0);
}

static void
add_ip4_config (GPtrArray *out, GDBusConnection *bus, const char *path, const WgksConfig *config)
{
	g_autoptr (GVariant) props = nm_properties (bus, path, NM_DBUS_NAME ".IP4Config");
	g_autoptr (GVariant) data = NULL;
	g_autoptr (GVariant) legacy = NULL;

	if (!props)
		return;
	data = g_variant_lookup_value (props, "NameserverData", G_VARIANT_TYPE ("aa{sv}"));
	if (data) {
		GVariantIter iter;
		GVariant *entry;

		g_variant_iter_init (&iter, data);
		while ((entry = g_variant_iter_next_value (&iter))) {
			const char *address;

			if (g_variant_lookup (entry, "address", "&s", &address))
				add_server (out, address, config);
			g_variant_unref (entry);
		}
		return;
	}
	/* NetworkManager before 1.14: addresses in network byte order */
	legacy = g_variant_lookup_value (props, "Nameservers", G_VARIANT_TYPE ("au"));
	if (legacy) {
		gsize n, i;
		const guint32 *a = g_variant_get_fixed_array (legacy, &n, sizeof (guint32));

		for (i = 0; i < n; i++) {
			char text[INET_ADDRSTRLEN];

			if (inet_ntop (AF_INET, &a[i], text, sizeof text))
				add_server (out, text, config);
		}
	}
}

static void
add_ip6_config (GPtrArray *out, GDBusConnection *bus, const char *path, const WgksConfig *config)
{
	g_autoptr (GVariant) props = nm_properties (bus, path, NM_DBUS_NAME ".IP6Config");
	g_autoptr (GVariant) servers = NULL;
	GVariantIter iter;
	GVariant *entry;

	if (!props)
		return;
	servers = g_variant_lookup_value (props, "Nameservers", G_VARIANT_TYPE ("aay"));
	if (!servers)
		return;
	g_variant_iter_init (&iter, servers);
	while ((entry = g_variant_iter_next_value (&iter))) {
		gsize n;
		const guint8 *a = g_variant_get_fixed_array (entry, &n, 1);
		char text[INET6_ADDRSTRLEN];

		if (n == 16 && inet_ntop (AF_INET6, a, text, sizeof text))
			add_server (out, text, config);
		g_variant_unref (entry);
	}
}

/* The active connections that are not VPNs (ours included), the ones with
 * the default route first. Plain D-Bus calls, not an NMClient: a client
 * would load and cache every object of NetworkManager, and register libnm's
 * object types for good, for a few properties. */
static void
servers_from_nm (GPtrArray *out, const WgksConfig *config)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
	g_autoptr (GVariant) manager = NULL;
	g_autoptr (GPtrArray) acs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
	g_autofree const char **paths = NULL;
	int pass;
	guint i;

	if (!bus) {
		wgks_log_info ("asking NetworkManager for the uplink's DNS servers: %s", error->message);
		return;
	}
	manager = nm_properties (bus, "/org/freedesktop/NetworkManager", NM_DBUS_NAME);
	if (!manager || !g_variant_lookup (manager, "ActiveConnections", "^a&o", &paths))
		return;
	for (i = 0; paths[i]; i++) {
		GVariant *ac = nm_properties (bus, paths[i], NM_DBUS_NAME ".Connection.Active");

		if (ac)
			g_ptr_array_add (acs, ac);
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < acs->len; i++) {
			GVariant *ac = acs->pdata[i];
			gboolean vpn = FALSE, def4 = FALSE, def6 = FALSE;
			guint32 state = 0;
			const char *ip4 = NULL, *ip6 = NULL;

			g_variant_lookup (ac, "Vpn", "b", &vpn);
			g_variant_lookup (ac, "State", "u", &state);
			g_variant_lookup (ac, "Default", "b", &def4);
			g_variant_lookup (ac, "Default6", "b", &def6);
			if (vpn || state != NM_ACTIVE_CONNECTION_STATE_ACTIVATED || (def4 || def6) != (pass == 0))
				continue;
			g_variant_lookup (ac, "Ip4Config", "&o", &ip4);
			g_variant_lookup (ac, "Ip6Config", "&o", &ip6);
			add_ip4_config (out, bus, ip4, config);
			add_ip6_config (out, bus, ip6, config);
		}
}

/* Where the upstream servers are written when resolv.conf names a local
 * stub: NetworkManager's copy for dns=dnsmasq and dns=systemd-resolved,
 * then resolved's own list; resolv.conf last (loopback entries dropped). */
static const char *const resolv_files[] = {
	"/run/NetworkManager/no-stub-resolv.conf",
	"/run/systemd/resolve/resolv.conf",
	"/etc/resolv.conf",
	NULL,
};

GPtrArray *
wgks_uplink_dns_servers (const WgksConfig *config)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	guint i;

	servers_from_nm (out, config);
	if (out->len) {
		g_autofree char *s = NULL;

		g_ptr_array_add (out, NULL);
		s = g_strjoinv (", ", (char **) out->pdata);
		g_ptr_array_remove_index (out, out->len - 1);
		wgks_log_info ("uplink DNS servers from NetworkManager: %s", s);
		return out;
	}
	for (i = 0; resolv_files[i]; i++) {
		g_autofree char *text = NULL;

		if (!g_file_get_contents (resolv_files[i], &text, NULL, NULL))
			continue;
		wgks_uplink_dns_parse_resolv_conf (text, config, out);
		if (out->len) {
			wgks_log_info ("uplink DNS servers from %s", resolv_files[i]);
			return out;
		}
	}
	return out;
}
