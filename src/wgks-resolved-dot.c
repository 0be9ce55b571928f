/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-resolved-dot.h"

#include <gio/gio.h>
#include <net/if.h>
#include <string.h>

#include "wgks-dns-mode.h"
#include "wgks-log.h"

#define RESOLVE1          "org.freedesktop.resolve1"
#define RESOLVE1_PATH     "/org/freedesktop/resolve1"
#define RESOLVE1_MANAGER  "org.freedesktop.resolve1.Manager"
#define RESOLVE1_LINK     "org.freedesktop.resolve1.Link"
#define CALL_TIMEOUT_MS   2000
#define SOON_MS           250  /* after a signal, for NetworkManager's push to land */
#define POLL_S            1

struct _WgksResolvedDot {
	GDBusConnection *bus;
	GCancellable    *cancellable;
	char            *ifname;
	gint32           ifindex;
	char            *path;        /* resolved's object of the link */
	const char      *want;        /* "yes" or "opportunistic" */
	gboolean         strict;      /* dns-over-tls=yes: say when it is not in effect */
	guint            link_sub;
	guint            nm_dns_sub;
	guint            owner_sub;
	guint            poll_id;
	guint            soon_id;
	gboolean         busy;        /* a Get or a Set is under way */
	gboolean         again;       /* and a reason to look once more came meanwhile */
	guint            set_count;
	gboolean         in_effect;
	char            *last_error;  /* logged once, until another one comes */
};

static void check (WgksResolvedDot *self);

/* resolved names a link's object by its ifindex as a bus label: a leading
 * digit is escaped as _XX. */
static char *
link_path (gint32 ifindex)
{
	g_autofree char *index = g_strdup_printf ("%d", ifindex);

	return g_strdup_printf (RESOLVE1_PATH "/link/_%02x%s", index[0], index + 1);
}

static gboolean
mode_is_enough (const WgksResolvedDot *self, const char *mode)
{
	return strcmp (mode, "yes") == 0 || strcmp (mode, self->want) == 0;
}

static void
finish (WgksResolvedDot *self)
{
	self->busy = FALSE;
	if (self->again) {
		self->again = FALSE;
		check (self);
	}
}

static void
report_failure (WgksResolvedDot *self, const char *what, const GError *error)
{
	if (g_strcmp0 (error->message, self->last_error) == 0)
		return;
	g_free (self->last_error);
	self->last_error = g_strdup (error->message);
	wgks_log_warn ("DNS over TLS: %s for %s (ifindex %d): %s", what, self->ifname, self->ifindex, error->message);
	if (self->strict)
		wgks_log_warn ("DNS over TLS is NOT in effect on %s: systemd-resolved may send the tunnel's DNS "
		               "queries unencrypted (inside the tunnel)", self->ifname);
	self->in_effect = FALSE;
}

static void
set_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
	WgksResolvedDot *self = user_data;

	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (!reply) {
		report_failure (self, "systemd-resolved refused SetLinkDNSOverTLS", error);
	} else {
		self->set_count++;
		g_clear_pointer (&self->last_error, g_free);
		self->in_effect = TRUE;
		if (self->set_count == 1)
			wgks_log_notice ("DNS over TLS: set DNSOverTLS=%s on %s (ifindex %d) in systemd-resolved",
			                 self->want, self->ifname, self->ifindex);
		else
			wgks_log_notice ("DNS over TLS: set DNSOverTLS=%s on %s again (%u times so far)", self->want,
			                 self->ifname, self->set_count);
	}
	finish (self);
}

static void
set_mode (WgksResolvedDot *self, const char *found)
{
	if (self->set_count > 0)
		wgks_log_notice ("DNS over TLS: systemd-resolved has DNSOverTLS=%s on %s again (NetworkManager "
		                 "pushed the link's settings): setting %s again",
		                 *found ? found : "unset", self->ifname, self->want);
	g_dbus_connection_call (self->bus, RESOLVE1, RESOLVE1_PATH, RESOLVE1_MANAGER, "SetLinkDNSOverTLS",
	                        g_variant_new ("(is)", self->ifindex, self->want), NULL, G_DBUS_CALL_FLAGS_NONE,
	                        CALL_TIMEOUT_MS, self->cancellable, set_done, self);
}

static void
got_mode (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
	g_autoptr (GVariant) value = NULL;
	WgksResolvedDot *self = user_data;
	const char *mode;

	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (!reply) {
		/* Not yet known to resolved, or resolved restarting: ask again. */
		wgks_log_debug ("DNS over TLS: reading %s's DNSOverTLS: %s", self->ifname, error->message);
		if (!self->in_effect && self->set_count == 0)
			set_mode (self, "");
		else
			finish (self);
		return;
	}
	g_variant_get (reply, "(v)", &value);
	mode = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_get_string (value, NULL) : "";
	if (!mode_is_enough (self, mode)) {
		set_mode (self, mode);
		return;
	}
	if (!self->in_effect && self->set_count == 0)
		wgks_log_notice ("DNS over TLS: systemd-resolved already uses DNSOverTLS=%s on %s", mode, self->ifname);
	self->in_effect = TRUE;
	finish (self);
}

static void
check (WgksResolvedDot *self)
{
	if (self->busy) {
		self->again = TRUE;
		return;
	}
	self->busy = TRUE;
	g_dbus_connection_call (self->bus, RESOLVE1, self->path, "org.freedesktop.DBus.Properties", "Get",
	                        g_variant_new ("(ss)", RESOLVE1_LINK, "DNSOverTLS"), G_VARIANT_TYPE ("(v)"),
	                        G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable, got_mode, self);
}

static gboolean
poll_cb (gpointer user_data)
{
	check (user_data);
	return G_SOURCE_CONTINUE;
}

static gboolean
soon_cb (gpointer user_data)
{
	WgksResolvedDot *self = user_data;

	self->soon_id = 0;
	check (self);
	return G_SOURCE_REMOVE;
}

/* NetworkManager's DNS changed, resolved's link changed or resolved came
 * back: NetworkManager (re)pushes the link's settings, DNSOverTLS among
 * them. */
static void
pushed_cb (GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *signal,
           GVariant *params, gpointer user_data)
{
	WgksResolvedDot *self = user_data;

	if (!self->soon_id)
		self->soon_id = g_timeout_add (SOON_MS, soon_cb, self);
}

/* For opportunistic: a global DNSOverTLS=yes must not be weakened on the
 * tunnel's link. */
static const char *
wanted_mode (GDBusConnection *bus, WgksDnsOverTls want)
{
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GVariant) value = NULL;

	if (want == WGKS_DNS_OVER_TLS_YES)
		return "yes";
	reply = g_dbus_connection_call_sync (bus, RESOLVE1, RESOLVE1_PATH, "org.freedesktop.DBus.Properties", "Get",
	                                     g_variant_new ("(ss)", RESOLVE1_MANAGER, "DNSOverTLS"),
	                                     G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL,
	                                     NULL);
	if (reply) {
		g_variant_get (reply, "(v)", &value);
		if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
		    && strcmp (g_variant_get_string (value, NULL), "yes") == 0)
			return "yes";
	}
	return "opportunistic";
}

WgksResolvedDot *
wgks_resolved_dot_start (const char *ifname, WgksDnsOverTls want)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *mode = NULL;
	g_autoptr (GDBusConnection) bus = NULL;
	WgksResolvedDot *self;
	unsigned ifindex;

	if (want == WGKS_DNS_OVER_TLS_NO || !ifname)
		return NULL;
	mode = wgks_nm_dns_mode (&error);
	if (!wgks_dns_mode_does_tls (mode))
		return NULL;
	ifindex = if_nametoindex (ifname);
	bus = ifindex ? g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error) : NULL;
	if (!bus) {
		wgks_log_warn ("DNS over TLS: cannot set it on %s in systemd-resolved: %s", ifname,
		               ifindex ? error->message : "the link has no index");
		if (want == WGKS_DNS_OVER_TLS_YES)
			wgks_log_warn ("DNS over TLS is NOT in effect on %s", ifname);
		return NULL;
	}
	self = g_new0 (WgksResolvedDot, 1);
	self->bus = g_steal_pointer (&bus);
	self->cancellable = g_cancellable_new ();
	self->ifname = g_strdup (ifname);
	self->ifindex = (gint32) ifindex;
	self->path = link_path (self->ifindex);
	self->want = wanted_mode (self->bus, want);
	self->strict = want == WGKS_DNS_OVER_TLS_YES;
	/* resolved 252 announces no change of a link's properties; the
	 * subscription costs nothing, and the poll catches what no signal says */
	self->link_sub = g_dbus_connection_signal_subscribe (self->bus, RESOLVE1, "org.freedesktop.DBus.Properties",
	                                                     "PropertiesChanged", self->path, NULL,
	                                                     G_DBUS_SIGNAL_FLAGS_NONE, pushed_cb, self, NULL);
	self->nm_dns_sub = g_dbus_connection_signal_subscribe (
		self->bus, "org.freedesktop.NetworkManager", "org.freedesktop.DBus.Properties", "PropertiesChanged",
		"/org/freedesktop/NetworkManager/DnsManager", NULL, G_DBUS_SIGNAL_FLAGS_NONE, pushed_cb, self, NULL);
	self->owner_sub = g_dbus_connection_signal_subscribe (self->bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
	                                                      "NameOwnerChanged", "/org/freedesktop/DBus", RESOLVE1,
	                                                      G_DBUS_SIGNAL_FLAGS_NONE, pushed_cb, self, NULL);
	self->poll_id = g_timeout_add_seconds (POLL_S, poll_cb, self);
	wgks_log_info ("DNS over TLS: keeping DNSOverTLS=%s on %s in systemd-resolved (object %s)", self->want,
	               self->ifname, self->path);
	check (self);
	return self;
}

void
wgks_resolved_dot_stop (WgksResolvedDot *self)
{
	if (!self)
		return;
	g_cancellable_cancel (self->cancellable);
	g_clear_object (&self->cancellable);
	if (self->poll_id)
		g_source_remove (self->poll_id);
	if (self->soon_id)
		g_source_remove (self->soon_id);
	g_dbus_connection_signal_unsubscribe (self->bus, self->link_sub);
	g_dbus_connection_signal_unsubscribe (self->bus, self->nm_dns_sub);
	g_dbus_connection_signal_unsubscribe (self->bus, self->owner_sub);
	wgks_log_notice ("DNS over TLS: stopped keeping DNSOverTLS on %s in systemd-resolved (set %u times)",
	                 self->ifname, self->set_count);
	g_clear_object (&self->bus);
	g_free (self->ifname);
	g_free (self->path);
	g_free (self->last_error);
	g_free (self);
}
