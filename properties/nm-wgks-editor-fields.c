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

/* One item of a list field: the element to add, or NULL and *WHY. */
typedef gpointer (*WgksFieldItemFunc) (const char *item, const char **why);

/* MISSING: the message when the field is empty and must not be. */
static gboolean
parse_items (const char *label, const char *text, const char *missing, WgksFieldItemFunc parse, GPtrArray *into,
             GError **error)
{
	g_auto (GStrv) items = wgks_field_split (text);
	guint i;

	if (!items[0] && missing)
		return field_error (error, WGKS_CONFIG_ERROR_MISSING, label, NULL, missing);
	for (i = 0; items[i]; i++) {
		const char *why = NULL;
		gpointer element = parse (items[i], &why);

		if (!element)
			return field_error (error, WGKS_CONFIG_ERROR_INVALID, label, items[i], why);
		g_ptr_array_add (into, element);
	}
	return TRUE;
}

static gpointer
prefix_item (const char *item, const char **why)
{
	WgksPrefix prefix;

	return wgks_prefix_parse (item, &prefix, why) ? wgks_prefix_dup (&prefix) : NULL;
}

gboolean
wgks_field_parse_prefixes (const char *label, const char *text, gboolean required, GPtrArray *into,
                           GError **error)
{
	return parse_items (label, text,
	                    required ? _("enter at least one address with its prefix length, such as 10.0.0.2/24") : NULL,
	                    prefix_item, into, error);
}

static gpointer
dns_item (const char *item, const char **why)
{
	char buf[INET6_ADDRSTRLEN];
	guint8 addr[16];
	int family;

	if (!wgks_ip_parse (item, &family, addr)) {
		*why = _("not an IPv4 or IPv6 address");
		return NULL;
	}
	inet_ntop (family, addr, buf, sizeof buf);
	return g_strdup (buf);
}

gboolean
wgks_field_parse_dns (const char *label, const char *text, GPtrArray *into, GError **error)
{
	return parse_items (label, text, NULL, dns_item, into, error);
}

static gpointer
domain_item (const char *item, const char **why)
{
	const char *name = item[0] == '~' ? item + 1 : item;
	int family;
	guint8 addr[16];

	if (wgks_ip_parse (item, &family, addr))
		*why = _("an address: put DNS servers in the DNS servers field");
	else if (strcmp (name, ".") != 0 && !wgks_hostname_is_valid (name))
		*why = _("not a DNS domain");
	else
		return g_strdup (item);
	return NULL;
}

gboolean
wgks_field_parse_domains (const char *label, const char *text, GPtrArray *into, GError **error)
{
	return parse_items (label, text, NULL, domain_item, into, error);
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
