/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-disconnect-origin.h"

#include <NetworkManager.h>
#include <string.h>

#include "wgks-log.h"

#define MAX_IGNORED_LOGGED 10 /* a flood of fake signals must not flood the log */

struct _WgksDisconnectOrigin {
	GDBusConnection *bus;
	guint            vpn_state_sub;
	guint            nm_owner_sub;
	char            *uuid;            /* of the connection, to match NetworkManager's signals */
	char            *nm_owner;        /* NetworkManager's unique bus name, NULL while it is gone */
	GHashTable      *ac_uuids;        /* active connection path -> connection UUID, of nm_owner */
	char            *ac_path;         /* our active connection, once a signal named it */
	guint            ignored_signals; /* fake VpnStateChanged, logged up to MAX_IGNORED_LOGGED */
	guint32          nm_reason;       /* NMActiveConnectionStateReason of NM's last "down" */
	gboolean         nm_reason_known;
};

/* The UUID of an active connection object, asked once per object. */
static const char *
active_connection_uuid (WgksDisconnectOrigin *self, const char *path)
{
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GVariant) value = NULL;
	const char *uuid = g_hash_table_lookup (self->ac_uuids, path);

	if (uuid)
		return uuid;
	reply = g_dbus_connection_call_sync (self->bus, "org.freedesktop.NetworkManager", path,
	                                     "org.freedesktop.DBus.Properties", "Get",
	                                     g_variant_new ("(ss)", "org.freedesktop.NetworkManager.Connection.Active",
	                                                    "Uuid"),
	                                     G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 3000, NULL, NULL);
	if (!reply)
		return NULL;
	g_variant_get (reply, "(v)", &value);
	if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
		return NULL;
	uuid = g_variant_get_string (value, NULL);
	g_hash_table_insert (self->ac_uuids, g_strdup (path), g_strdup (uuid));
	return g_hash_table_lookup (self->ac_uuids, path);
}

/* Whether a signal's active connection is ours. Its UUID is asked on every
 * state change of every VPN, also before our Connect (NetworkManager is
 * then preparing it), so that it is known long before the "disconnected":
 * by then NetworkManager may have removed the object, and a question
 * unanswered would leave the user's disconnect without its reason. Once
 * known, the path alone decides, without asking. */
static gboolean
is_our_active_connection (WgksDisconnectOrigin *self, const char *path)
{
	const char *uuid;

	if (self->ac_path)
		return strcmp (path, self->ac_path) == 0;
	uuid = active_connection_uuid (self, path);
	if (!uuid) {
		if (self->uuid)
			wgks_log_warn ("NetworkManager did not say which connection %s is", path);
		return FALSE;
	}
	if (!self->uuid || strcmp (uuid, self->uuid) != 0)
		return FALSE;
	self->ac_path = g_strdup (path);
	return TRUE;
}

/* NetworkManager tells every client why a VPN goes down (VpnStateChanged),
 * and it does so before it calls our Disconnect, on the same bus
 * connection: remember the reason for our connection. */
static void
vpn_state_changed (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                   const char *signal, GVariant *params, gpointer user_data)
{
	WgksDisconnectOrigin *self = user_data;
	guint32 state, reason;

	/* Anyone on the bus can send a signal with NetworkManager's interface,
	 * also straight to us; only NetworkManager itself says why a VPN went
	 * down. */
	if (g_strcmp0 (sender, self->nm_owner) != 0) {
		if (self->ignored_signals++ < MAX_IGNORED_LOGGED)
			wgks_log_warn ("ignoring VpnStateChanged from %s, which is not NetworkManager (%s)",
			               sender ? sender : "(unknown)", self->nm_owner ? self->nm_owner : "not on the bus");
		return;
	}
	if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(uu)")))
		return;
	g_variant_get (params, "(uu)", &state, &reason);
	if (!is_our_active_connection (self, path))
		return;
	if (state == NM_VPN_CONNECTION_STATE_DISCONNECTED || state == NM_VPN_CONNECTION_STATE_FAILED) {
		wgks_log_info ("NetworkManager: VPN %s, reason %u",
		               state == NM_VPN_CONNECTION_STATE_FAILED ? "failed" : "disconnected", reason);
		self->nm_reason = reason;
		self->nm_reason_known = TRUE;
	}
}

/* NetworkManager's unique name, followed through NameOwnerChanged. A new
 * NetworkManager numbers its active connections from the start again: the
 * paths learnt from the previous one, and the reason it gave, mean nothing
 * to the new one. */
static void
nm_owner_changed (WgksDisconnectOrigin *self, const char *owner)
{
	if (g_strcmp0 (owner, self->nm_owner) == 0)
		return;
	wgks_log_debug ("NetworkManager is %s on the bus", owner ? owner : "not");
	g_free (self->nm_owner);
	self->nm_owner = g_strdup (owner);
	g_hash_table_remove_all (self->ac_uuids);
	g_clear_pointer (&self->ac_path, g_free);
	self->nm_reason_known = FALSE;
}

/* Our own subscription, not g_bus_watch_name(): its callbacks run in the
 * order the signals came, so a VpnStateChanged from a new NetworkManager is
 * never judged against the old name. */
static void
name_owner_changed (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                    const char *signal, GVariant *params, gpointer user_data)
{
	const char *name, *old_owner, *new_owner;

	if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(sss)")))
		return;
	g_variant_get (params, "(&s&s&s)", &name, &old_owner, &new_owner);
	if (strcmp (name, NM_DBUS_SERVICE) == 0)
		nm_owner_changed (user_data, *new_owner ? new_owner : NULL);
}

static char *
get_nm_owner (GDBusConnection *bus)
{
	g_autoptr (GVariant) reply = NULL;
	char *owner = NULL;

	reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
	                                     "org.freedesktop.DBus", "GetNameOwner",
	                                     g_variant_new ("(s)", NM_DBUS_SERVICE), G_VARIANT_TYPE ("(s)"),
	                                     G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	if (reply)
		g_variant_get (reply, "(s)", &owner);
	return owner;
}

WgksDisconnectOrigin *
wgks_disconnect_origin_new (void)
{
	WgksDisconnectOrigin *self = g_new0 (WgksDisconnectOrigin, 1);
	g_autofree char *owner = NULL;

	self->ac_uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	self->bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
	if (!self->bus)
		return self;
	/* first the subscription, then the question: no change is missed */
	self->nm_owner_sub = g_dbus_connection_signal_subscribe (
		self->bus, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
		"/org/freedesktop/DBus", NM_DBUS_SERVICE, G_DBUS_SIGNAL_FLAGS_NONE, name_owner_changed, self, NULL);
	owner = get_nm_owner (self->bus);
	nm_owner_changed (self, owner);
	/* From any sender: vpn_state_changed() itself checks it, the same
	 * with every GLib (older ones let a signal sent straight to us
	 * pass a well-known sender name) */
	self->vpn_state_sub = g_dbus_connection_signal_subscribe (
		self->bus, NULL, "org.freedesktop.NetworkManager.VPN.Connection",
		"VpnStateChanged", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, vpn_state_changed, self, NULL);
	return self;
}

void
wgks_disconnect_origin_free (WgksDisconnectOrigin *self)
{
	if (!self)
		return;
	if (self->bus && self->vpn_state_sub)
		g_dbus_connection_signal_unsubscribe (self->bus, self->vpn_state_sub);
	if (self->bus && self->nm_owner_sub)
		g_dbus_connection_signal_unsubscribe (self->bus, self->nm_owner_sub);
	g_clear_object (&self->bus);
	g_free (self->uuid);
	g_free (self->nm_owner);
	g_free (self->ac_path);
	g_hash_table_unref (self->ac_uuids);
	g_free (self);
}

void
wgks_disconnect_origin_follow (WgksDisconnectOrigin *self, const char *uuid)
{
	g_free (self->uuid);
	self->uuid = g_strdup (uuid);
	if (!uuid) {
		g_clear_pointer (&self->ac_path, g_free);
		self->nm_reason_known = FALSE;
	}
}

gboolean
wgks_disconnect_origin_is_user (WgksDisconnectOrigin *self)
{
	/* followed in the order of the bus's messages: when NetworkManager
	 * left, we know it before libnm calls us for that */
	if (!self->nm_owner) {
		wgks_log_info ("NetworkManager is gone: the kill switch stays");
		return FALSE;
	}
	if (!self->nm_reason_known) {
		wgks_log_info ("disconnect without a reason from NetworkManager: the kill switch stays");
		return FALSE;
	}
	if (self->nm_reason != NM_ACTIVE_CONNECTION_STATE_REASON_USER_DISCONNECTED) {
		wgks_log_info ("disconnect for NetworkManager's reason %u, not the user's: the kill switch stays",
		               self->nm_reason);
		return FALSE;
	}
	return TRUE;
}
