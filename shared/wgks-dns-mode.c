/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-dns-mode.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#define DNS_MANAGER_TIMEOUT_MS 2000

char *
wgks_nm_dns_mode (GError **error)
{
	g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GVariant) value = NULL;

	if (!bus)
		return NULL;
	reply = g_dbus_connection_call_sync (bus, "org.freedesktop.NetworkManager",
	                                     "/org/freedesktop/NetworkManager/DnsManager",
	                                     "org.freedesktop.DBus.Properties", "Get",
	                                     g_variant_new ("(ss)", "org.freedesktop.NetworkManager.DnsManager", "Mode"),
	                                     G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, DNS_MANAGER_TIMEOUT_MS,
	                                     NULL, error);
	if (!reply)
		return NULL;
	g_variant_get (reply, "(v)", &value);
	if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "DnsManager.Mode is not a string");
		return NULL;
	}
	return g_variant_dup_string (value, NULL);
}

gboolean
wgks_dns_mode_does_tls (const char *mode)
{
	return g_strcmp0 (mode, "systemd-resolved") == 0;
}

char *
wgks_dns_over_tls_problem (WgksDnsOverTls wanted, const char *mode)
{
	if (wanted == WGKS_DNS_OVER_TLS_NO || wgks_dns_mode_does_tls (mode))
		return NULL;
	if (!mode)
		return g_strdup_printf (_("dns-over-tls=%s: NetworkManager's DNS mode is unknown; only "
		                          "dns=systemd-resolved can do DNS over TLS"),
		                        wgks_dns_over_tls_to_string (wanted));
	/* TRANSLATORS: %2$s is NetworkManager's DNS mode, e.g. "default" or "dnsmasq" */
	return g_strdup_printf (_("dns-over-tls=%1$s is not applied: NetworkManager's DNS mode \"%2$s\" cannot do "
	                          "DNS over TLS (only dns=systemd-resolved can); queries go unencrypted to the "
	                          "tunnel's DNS servers, inside the tunnel"),
	                        wgks_dns_over_tls_to_string (wanted), mode);
}
