/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lockdown file: whether lockdown is on and what its blocking table lets
 * through, kept across reboots for the boot unit and the CLI. */
#include "config.h"

#include "wgks-lockdown.h"

#include <arpa/inet.h>

#include "nm-wgks-service-defines.h"
#include "wgks-statefile.h"

#define GROUP_LOCKDOWN "lockdown"

void
wgks_lockdown_free (WgksLockdown *lockdown)
{
	if (!lockdown)
		return;
	g_free (lockdown->connection);
	if (lockdown->endpoints)
		g_array_unref (lockdown->endpoints);
	g_free (lockdown);
}

static gboolean
parse_endpoint (const char *text, WgksFirewallEndpoint *ep)
{
	g_autofree char *host = NULL;
	const char *why;

	if (!wgks_endpoint_parse (text, &host, &ep->port, &why))
		return FALSE;
	return wgks_ip_parse (host, &ep->family, ep->addr);
}

static char *
endpoint_to_string (const WgksFirewallEndpoint *ep)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop (ep->family, ep->addr, buf, sizeof buf);
	return wgks_endpoint_to_string (buf, ep->port);
}

WgksLockdown *
wgks_lockdown_load (gboolean *exists, GError **error)
{
	g_autofree char *path = wgks_lockdown_path ();
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (WgksLockdown) l = g_new0 (WgksLockdown, 1);
	g_auto (GStrv) endpoints = NULL;
	GError *local = NULL;
	guint i;

	*exists = g_file_test (path, G_FILE_TEST_EXISTS);
	l->endpoints = g_array_new (FALSE, TRUE, sizeof (WgksFirewallEndpoint));
	if (!*exists)
		return g_steal_pointer (&l);
	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error)) {
		g_prefix_error (error, "%s: ", path);
		return NULL;
	}
	l->enabled = g_key_file_get_boolean (kf, GROUP_LOCKDOWN, "enabled", &local);
	if (local) {
		g_propagate_prefixed_error (error, local, "%s: ", path);
		return NULL;
	}
	l->connection = g_key_file_get_string (kf, GROUP_LOCKDOWN, "connection", NULL);
	l->fwmark = (guint32) g_key_file_get_uint64 (kf, GROUP_LOCKDOWN, "fwmark", NULL);
	l->allow_lan = g_key_file_get_boolean (kf, GROUP_LOCKDOWN, "allow-lan", NULL);
	endpoints = g_key_file_get_string_list (kf, GROUP_LOCKDOWN, "endpoints", NULL, NULL);
	for (i = 0; endpoints && endpoints[i]; i++) {
		WgksFirewallEndpoint ep = { 0 };

		if (!parse_endpoint (endpoints[i], &ep)) {
			g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			             "%s: invalid endpoint \"%s\"", path, endpoints[i]);
			return NULL;
		}
		g_array_append_val (l->endpoints, ep);
	}
	if (!l->fwmark)
		l->fwmark = WGKS_DEFAULT_FWMARK;
	return g_steal_pointer (&l);
}

gboolean
wgks_lockdown_is_on (void)
{
	g_autoptr (WgksLockdown) lockdown = NULL;
	gboolean exists;

	lockdown = wgks_lockdown_load (&exists, NULL);
	return !lockdown || lockdown->enabled;
}

gboolean
wgks_lockdown_save (const WgksLockdown *l, GError **error)
{
	g_autofree char *path = wgks_lockdown_path ();
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GPtrArray) eps = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *data = NULL;
	guint i;

	g_key_file_set_boolean (kf, GROUP_LOCKDOWN, "enabled", l->enabled);
	if (l->connection)
		g_key_file_set_string (kf, GROUP_LOCKDOWN, "connection", l->connection);
	g_key_file_set_uint64 (kf, GROUP_LOCKDOWN, "fwmark", l->fwmark);
	g_key_file_set_boolean (kf, GROUP_LOCKDOWN, "allow-lan", l->allow_lan);
	for (i = 0; l->endpoints && i < l->endpoints->len; i++)
		g_ptr_array_add (eps, endpoint_to_string (&g_array_index (l->endpoints, WgksFirewallEndpoint, i)));
	g_key_file_set_string_list (kf, GROUP_LOCKDOWN, "endpoints", (const char *const *) eps->pdata, eps->len);
	data = g_key_file_to_data (kf, NULL, NULL);
	return wgks_statefile_write (path, data, error);
}

void
wgks_lockdown_to_spec (const WgksLockdown *l, WgksFirewallSpec *spec)
{
	*spec = (WgksFirewallSpec) {
		.state = WGKS_FIREWALL_BLOCKED,
		.fwmark = l ? l->fwmark : WGKS_DEFAULT_FWMARK,
		.endpoints = l ? l->endpoints : NULL,
		.allow_lan = l ? l->allow_lan : FALSE,
		.dns_leak_protection = TRUE,
	};
}
