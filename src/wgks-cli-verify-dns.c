/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch verify, its DNS checks: NetworkManager's DNS mode, the
 * tunnel link's share of DNS, a query the tunnel's DNS must answer, a query
 * to each uplink's DNS that must not be answered, and what systemd-resolved
 * does about DNS over TLS on the tunnel's link (also for status). */
#include "config.h"

#include <glib/gi18n.h>
#include <net/if.h>
#include <string.h>

#include "nm-wgks-service-defines.h"
#include "wgks-cli-verify-dns.h"
#include "wgks-cli.h"

/* The dns-over-tls key of the active connection NAME, "no" when unset. */
WgksDnsOverTls
wgks_cli_active_dns_over_tls (NMClient *client, const char *name)
{
	const GPtrArray *active = nm_client_get_active_connections (client);
	WgksDnsOverTls dot = WGKS_DNS_OVER_TLS_NO;
	guint i;

	for (i = 0; name && active && i < active->len; i++) {
		NMActiveConnection *ac = active->pdata[i];
		NMRemoteConnection *rc = nm_active_connection_get_connection (ac);
		NMSettingVpn *s_vpn = rc ? nm_connection_get_setting_vpn (NM_CONNECTION (rc)) : NULL;

		if (s_vpn && g_strcmp0 (nm_active_connection_get_id (ac), name) == 0
		    && g_strcmp0 (nm_setting_vpn_get_service_type (s_vpn), NM_WGKS_SERVICE_TYPE) == 0)
			wgks_dns_over_tls_from_string (nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_OVER_TLS), &dot);
	}
	return dot;
}

/* A string property of systemd-resolved's object PATH, NULL on error. */
static char *
resolved_get_string (GDBusConnection *bus, const char *path, const char *iface, const char *name)
{
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GVariant) value = NULL;

	reply = g_dbus_connection_call_sync (bus, "org.freedesktop.resolve1", path, "org.freedesktop.DBus.Properties",
	                                     "Get", g_variant_new ("(ss)", iface, name), G_VARIANT_TYPE ("(v)"),
	                                     G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
	if (!reply)
		return NULL;
	g_variant_get (reply, "(v)", &value);
	return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_dup_string (value, NULL) : NULL;
}

/* What resolved does on link IDX: its own DNSOverTLS, else the global one. */
static char *
resolved_link_dot_mode (GDBusConnection *bus, unsigned idx)
{
	g_autoptr (GVariant) link = NULL;
	const char *path;
	char *mode;

	link = g_dbus_connection_call_sync (bus, "org.freedesktop.resolve1", "/org/freedesktop/resolve1",
	                                    "org.freedesktop.resolve1.Manager", "GetLink", g_variant_new ("(i)", (gint32) idx),
	                                    G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
	if (!link)
		return NULL;
	g_variant_get (link, "(&o)", &path);
	mode = resolved_get_string (bus, path, "org.freedesktop.resolve1.Link", "DNSOverTLS");
	if (mode && !*mode) {
		g_free (mode);
		mode = resolved_get_string (bus, "/org/freedesktop/resolve1", "org.freedesktop.resolve1.Manager",
		                            "DNSOverTLS");
	}
	return mode;
}

static gboolean
dot_mode_satisfies (WgksDnsOverTls want, const char *mode)
{
	return strcmp (mode, "yes") == 0 || (want == WGKS_DNS_OVER_TLS_OPPORTUNISTIC && strcmp (mode, "opportunistic") == 0);
}

/* The mode the profile asks for is not proof: the service sets it on the
 * tunnel's link, NetworkManager may reset it. Asks resolved what it does on
 * the tunnel link. NetworkManager resets the link on every DNS push and the
 * service puts the mode back within a second, so only a mode that stays
 * wrong for WGKS_DOT_GRACE_MS is a problem. */
#define WGKS_DOT_GRACE_MS 3000
#define WGKS_DOT_RETRY_MS 250

char *
wgks_cli_resolved_dns_over_tls_problem (WgksDnsOverTls want, const char *ifname)
{
	g_autoptr (GDBusConnection) bus = NULL;
	g_autofree char *mode = NULL;
	unsigned idx, waited;

	if (want == WGKS_DNS_OVER_TLS_NO || !ifname || !(idx = if_nametoindex (ifname)))
		return NULL;
	bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
	for (waited = 0; bus; waited += WGKS_DOT_RETRY_MS) {
		g_free (mode);
		mode = resolved_link_dot_mode (bus, idx);
		if (!mode || dot_mode_satisfies (want, mode) || waited >= WGKS_DOT_GRACE_MS)
			break;
		g_usleep (WGKS_DOT_RETRY_MS * 1000);
	}
	if (!mode)
		return g_strdup_printf (_("systemd-resolved cannot say what it does on %s"), ifname);
	if (dot_mode_satisfies (want, mode))
		return NULL;
	return g_strdup_printf (_("systemd-resolved uses DNSOverTLS=%s on %s: the service's setting is not in "
	                          "effect (see its log)"),
	                        *mode ? mode : "no", ifname);
}

static void
report (gboolean pass, guint *passed, guint *failed, const char *what, const char *detail)
{
	g_print ("%s  %-10s %s\n", pass ? "PASS" : "FAIL", what, detail);
	pass ? (*passed)++ : (*failed)++;
}

static char *
dns_target (const char *server)
{
	return strchr (server, ':') ? g_strdup_printf ("[%s]:53", server) : g_strdup_printf ("%s:53", server);
}

/* A server the probe can address without a scope: not link-local. */
static const char *
first_routable (const char *const *servers)
{
	for (; servers && *servers; servers++)
		if (!g_str_has_prefix (*servers, "fe80:"))
			return *servers;
	return NULL;
}

static void
verify_dns_routing (NMDnsEntry *tunnel, gboolean split, const char *ifname, guint *passed, guint *failed)
{
	const char *const *domains = tunnel ? nm_dns_entry_get_domains (tunnel) : NULL;
	g_autofree char *list = domains ? g_strjoinv (", ", (char **) domains) : g_strdup ("");
	g_autofree char *detail = NULL;

	if (!tunnel || !first_routable (nm_dns_entry_get_nameservers (tunnel))) {
		detail = g_strdup_printf (_("%s holds no DNS server in NetworkManager's DNS configuration"), ifname);
		report (FALSE, passed, failed, "dns-link", detail);
	} else if (!split) {
		/* NetworkManager shows "~." as a negative priority: no other link answers. */
		detail = g_strdup_printf (_("%s holds ~. (every name; dns-priority %d)"), ifname,
		                          nm_dns_entry_get_priority (tunnel));
		if (nm_dns_entry_get_priority (tunnel) >= 0) {
			g_free (detail);
			detail = g_strdup_printf (_("%s does not hold ~.: dns-priority %d lets other links' resolvers "
			                            "answer too"), ifname, nm_dns_entry_get_priority (tunnel));
		}
		report (nm_dns_entry_get_priority (tunnel) < 0, passed, failed, "dns-link", detail);
	} else {
		detail = g_strdup_printf (_("%s holds the profile's domains: %s"), ifname, *list ? list : _("none"));
		report (*list != '\0', passed, failed, "dns-link", detail);
	}
}

/* With dns=systemd-resolved NetworkManager leaves resolv.conf to resolved
 * (rc-manager "unmanaged" when it is resolved's symlink); DNS is still
 * NetworkManager's if resolv.conf's first server is resolved's stub. */
static gboolean
resolv_conf_is_resolved_stub (void)
{
	g_autofree char *text = NULL;
	g_auto (GStrv) lines = NULL;
	char **l;

	if (!g_file_get_contents ("/etc/resolv.conf", &text, NULL, NULL))
		return FALSE;
	lines = g_strsplit (text, "\n", -1);
	for (l = lines; *l; l++) {
		g_auto (GStrv) words = g_strsplit_set (g_strstrip (*l), " \t", -1);

		if (g_strv_length (words) >= 2 && strcmp (words[0], "nameserver") == 0)
			return strcmp (words[1], "127.0.0.53") == 0;
	}
	return FALSE;
}

/* NetworkManager's DNS mode, the tunnel link's share of DNS, a query the
 * tunnel's DNS must answer, a query to each uplink's DNS that must not be. */
void
wgks_cli_verify_dns (const WgksStatus *status, gboolean split, guint *passed, guint *failed)
{
	g_autoptr (NMClient) client = wgks_cli_nm_client ();
	const char *mode, *rc, *server;
	gboolean resolved_stub = FALSE;
	WgksDnsOverTls dot;
	const GPtrArray *entries;
	NMDnsEntry *tunnel = NULL;
	g_autofree char *detail = NULL;
	g_autofree char *problem = NULL;
	g_autofree char *target = NULL;
	guint i;

	if (!client || !nm_client_get_nm_running (client)) {
		report (FALSE, passed, failed, "dns-mode", _("NetworkManager cannot be asked"));
		return;
	}
	mode = nm_client_get_dns_mode (client);
	rc = nm_client_get_dns_rc_manager (client);
	if (g_strcmp0 (mode, "systemd-resolved") == 0 && g_strcmp0 (rc, "unmanaged") == 0) {
		resolved_stub = resolv_conf_is_resolved_stub ();
		detail = g_strdup_printf (resolved_stub ? _("NetworkManager dns=%s rc-manager=%s, /etc/resolv.conf names "
		                                            "systemd-resolved's stub 127.0.0.53")
		                                        : _("NetworkManager dns=%s rc-manager=%s, but /etc/resolv.conf does "
		                                            "not name systemd-resolved's stub 127.0.0.53"),
		                          mode, rc);
	} else {
		detail = g_strdup_printf ("NetworkManager dns=%s rc-manager=%s", mode ? mode : "?", rc ? rc : "?");
	}
	report (mode && rc && strcmp (mode, "none") != 0 && (strcmp (rc, "unmanaged") != 0 || resolved_stub), passed,
	        failed, "dns-mode", detail);
	dot = wgks_cli_active_dns_over_tls (client, status->connection);
	problem = wgks_dns_over_tls_problem (dot, mode);
	if (!problem)
		problem = wgks_cli_resolved_dns_over_tls_problem (dot, status->ifname);
	if (problem)
		report (FALSE, passed, failed, "dns-tls", problem);

	entries = nm_client_get_dns_configuration (client);
	for (i = 0; entries && i < entries->len; i++)
		if (g_strcmp0 (nm_dns_entry_get_interface (entries->pdata[i]), status->ifname) == 0)
			tunnel = entries->pdata[i];
	verify_dns_routing (tunnel, split, status->ifname, passed, failed);

	server = tunnel ? first_routable (nm_dns_entry_get_nameservers (tunnel)) : NULL;
	if (server) {
		target = dns_target (server);
		g_clear_pointer (&detail, g_free);
		detail = g_strdup_printf (_("the tunnel's DNS %s answers"), target);
		report (wgks_cli_probe_leaks (NULL, target, TRUE), passed, failed, "dns-tunnel", detail);
	}
	for (i = 0; entries && i < entries->len; i++) {
		NMDnsEntry *e = entries->pdata[i];
		const char *iface = nm_dns_entry_get_interface (e);
		gboolean answered;

		server = first_routable (nm_dns_entry_get_nameservers (e));
		if (e == tunnel || nm_dns_entry_get_vpn (e) || !iface || !server)
			continue;
		g_clear_pointer (&target, g_free);
		g_clear_pointer (&detail, g_free);
		target = dns_target (server);
		answered = wgks_cli_probe_leaks (iface, target, TRUE);
		if (split && answered)
			detail = g_strdup_printf (_("%s's DNS %s answers (split tunnel: other names go there)"), iface, target);
		else
			detail = g_strdup_printf (answered ? _("%s's DNS %s answers") : _("%s's DNS %s is refused"),
			                          iface, target);
		report (!answered || split, passed, failed, "dns-uplink", detail);
	}
}
