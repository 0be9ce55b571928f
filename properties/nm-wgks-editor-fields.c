/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wgks-editor-fields.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <string.h>

static gboolean
field_error (GError **error, WgksConfigError code, const char *label, const char *item, const char *why)
{
	if (item)
		g_set_error (error, WGKS_CONFIG_ERROR, code, _("%s: “%s”: %s"), label, item, why);
	else
		g_set_error (error, WGKS_CONFIG_ERROR, code, _("%s: %s"), label, why);
	return FALSE;
}

char **
wgks_field_split (const char *text)
{
	g_auto (GStrv) parts = g_strsplit_set (text ? text : "", ", \t\r\n", -1);
	GPtrArray *out = g_ptr_array_new ();
	guint i;

	for (i = 0; parts[i]; i++)
		if (*parts[i])
			g_ptr_array_add (out, g_strdup (parts[i]));
	g_ptr_array_add (out, NULL);
	return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
is_blank (const char *text)
{
	for (; text && *text; text++)
		if (!g_ascii_isspace (*text))
			return FALSE;
	return TRUE;
}

gboolean
wgks_field_parse_key (const char *label, const char *text, gboolean required, WgksKey *out,
                      gboolean *present, GError **error)
{
	g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));
	gboolean ok;

	*present = FALSE;
	if (!*stripped) {
		if (required)
			return field_error (error, WGKS_CONFIG_ERROR_MISSING, label, NULL, _("required"));
		return TRUE;
	}
	ok = wgks_key_from_base64 (stripped, out);
	wgks_memzero (stripped, strlen (stripped));
	/* The key itself never goes into a message: it may be a secret. */
	if (!ok)
		return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, NULL,
		                    _("not a WireGuard key (44 characters of base64 ending in “=”)"));
	*present = TRUE;
	return TRUE;
}

gboolean
wgks_field_parse_prefixes (const char *label, const char *text, gboolean required, GPtrArray *into,
                           GError **error)
{
	g_auto (GStrv) items = wgks_field_split (text);
	guint i;

	if (!items[0] && required)
		return field_error (error, WGKS_CONFIG_ERROR_MISSING, label, NULL,
		                    _("enter at least one address with its prefix length, such as 10.0.0.2/24"));
	for (i = 0; items[i]; i++) {
		WgksPrefix prefix;
		const char *why;

		if (!wgks_prefix_parse (items[i], &prefix, &why))
			return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, items[i], why);
		g_ptr_array_add (into, wgks_prefix_dup (&prefix));
	}
	return TRUE;
}

gboolean
wgks_field_parse_dns (const char *label, const char *text, GPtrArray *into, GError **error)
{
	g_auto (GStrv) items = wgks_field_split (text);
	guint i;

	for (i = 0; items[i]; i++) {
		char buf[INET6_ADDRSTRLEN];
		guint8 addr[16];
		int family;

		if (!wgks_ip_parse (items[i], &family, addr))
			return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, items[i],
			                    _("not an IPv4 or IPv6 address"));
		inet_ntop (family, addr, buf, sizeof buf);
		g_ptr_array_add (into, g_strdup (buf));
	}
	return TRUE;
}

gboolean
wgks_field_parse_domains (const char *label, const char *text, GPtrArray *into, GError **error)
{
	g_auto (GStrv) items = wgks_field_split (text);
	guint i;

	for (i = 0; items[i]; i++) {
		const char *name = items[i][0] == '~' ? items[i] + 1 : items[i];
		int family;
		guint8 addr[16];

		if (wgks_ip_parse (items[i], &family, addr))
			return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, items[i],
			                    _("an address: put DNS servers in the DNS servers field"));
		if (strcmp (name, ".") != 0 && !wgks_hostname_is_valid (name))
			return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, items[i],
			                    _("not a DNS domain"));
		g_ptr_array_add (into, g_strdup (items[i]));
	}
	return TRUE;
}

gboolean
wgks_field_parse_number (const char *label, const char *text, guint64 min, guint64 max, guint64 *out,
                         GError **error)
{
	g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));
	g_autofree char *why = NULL;

	*out = 0;
	if (!*stripped)
		return TRUE;
	if (wgks_uint_parse (stripped, min, max, out))
		return TRUE;
	why = g_strdup_printf (_("must be a number from %llu to %llu"),
	                       (unsigned long long) min, (unsigned long long) max);
	return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, stripped, why);
}

gboolean
wgks_field_parse_endpoint (const char *label, const char *text, char **host, guint16 *port,
                           GError **error)
{
	g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));
	const char *why;

	*host = NULL;
	*port = 0;
	if (is_blank (stripped))
		return TRUE;
	if (!wgks_endpoint_parse (stripped, host, port, &why))
		return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, stripped, why);
	return TRUE;
}

gboolean
wgks_field_prefixes_are_full_tunnel (GPtrArray *prefixes)
{
	gboolean v4 = FALSE, v6 = FALSE;
	guint i;

	if (prefixes->len != 2)
		return FALSE;
	for (i = 0; i < prefixes->len; i++) {
		const WgksPrefix *p = prefixes->pdata[i];

		if (!wgks_prefix_is_default (p))
			return FALSE;
		if (p->family == AF_INET)
			v4 = TRUE;
		else
			v6 = TRUE;
	}
	return v4 && v6;
}
