/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-ip.h"

#include <glib/gi18n-lib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

gboolean
wgks_ip_parse (const char *text, int *family, guint8 addr[16])
{
	memset (addr, 0, 16);
	if (!text)
		return FALSE;
	if (inet_pton (AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return TRUE;
	}
	if (inet_pton (AF_INET6, text, addr) == 1) {
		*family = AF_INET6;
		return TRUE;
	}
	return FALSE;
}

gboolean
wgks_uint_parse (const char *text, guint64 min, guint64 max, guint64 *out)
{
	guint64 v;

	if (!text || !*text)
		return FALSE;
	if (!g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
		return FALSE;
	*out = v;
	return TRUE;
}

gboolean
wgks_port_parse (const char *text, gboolean allow_zero, guint16 *out)
{
	guint64 v;

	if (!wgks_uint_parse (text, allow_zero ? 0 : 1, 65535, &v))
		return FALSE;
	*out = (guint16) v;
	return TRUE;
}

/* A prefix without "/N" is a host route (/32 or /128), as in wg-quick. */
gboolean
wgks_prefix_parse (const char *text, WgksPrefix *out, const char **why)
{
	g_autofree char *addr = NULL;
	const char *slash;
	guint64 plen;
	guint max;

	*why = NULL;
	if (!text || !*text) {
		*why = _("empty");
		return FALSE;
	}
	slash = strchr (text, '/');
	addr = slash ? g_strndup (text, (gsize) (slash - text)) : g_strdup (text);
	if (!wgks_ip_parse (addr, &out->family, out->addr)) {
		*why = _("not an IPv4 or IPv6 address");
		return FALSE;
	}
	max = out->family == AF_INET ? 32 : 128;
	if (!slash) {
		out->plen = max;
		return TRUE;
	}
	if (!wgks_uint_parse (slash + 1, 0, max, &plen)) {
		*why = out->family == AF_INET ? _("prefix length must be 0 to 32")
		                              : _("prefix length must be 0 to 128");
		return FALSE;
	}
	out->plen = (guint) plen;
	return TRUE;
}

char *
wgks_prefix_to_string (const WgksPrefix *prefix)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop (prefix->family, prefix->addr, buf, sizeof buf);
	return g_strdup_printf ("%s/%u", buf, prefix->plen);
}

gboolean
wgks_prefix_is_default (const WgksPrefix *prefix)
{
	return prefix->plen == 0;
}

gboolean
wgks_prefix_equal (const WgksPrefix *a, const WgksPrefix *b)
{
	return a->family == b->family && a->plen == b->plen
	       && memcmp (a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

WgksPrefix *
wgks_prefix_dup (const WgksPrefix *prefix)
{
	return g_memdup2 (prefix, sizeof *prefix);
}

void
wgks_prefix_mask (WgksPrefix *prefix)
{
	guint len = prefix->family == AF_INET ? 4 : 16;
	guint i;

	for (i = 0; i < len; i++) {
		guint bits = i * 8;

		if (bits >= prefix->plen)
			prefix->addr[i] = 0;
		else if (prefix->plen - bits < 8)
			prefix->addr[i] &= (guint8) (0xff << (8 - (prefix->plen - bits)));
	}
}

gboolean
wgks_prefix_contains (const WgksPrefix *net, int family, const guint8 *addr)
{
	WgksPrefix a = { .family = family, .plen = net->plen };
	WgksPrefix n = *net;

	if (family != net->family)
		return FALSE;
	memcpy (a.addr, addr, family == AF_INET ? 4 : 16);
	wgks_prefix_mask (&a);
	wgks_prefix_mask (&n);
	return wgks_prefix_equal (&a, &n);
}

/* RFC 1123 host names: labels of letters, digits and '-', at most 253 chars. */
gboolean
wgks_hostname_is_valid (const char *host)
{
	gsize label = 0, len = strlen (host);
	const char *p;

	if (len == 0 || len > 253)
		return FALSE;
	for (p = host; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return FALSE;
			label = 0;
			continue;
		}
		if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
			return FALSE;
		if (label == 0 && *p == '-')
			return FALSE;
		if (++label > 63)
			return FALSE;
	}
	return label > 0 || len > 1;
}

/* host:port, [v6]:port; the host is an IP address or a DNS name. */
gboolean
wgks_endpoint_parse (const char *text, char **host, guint16 *port, const char **why)
{
	g_autofree char *h = NULL;
	const char *colon;
	guint8 addr[16];
	int family;

	*why = NULL;
	if (!text || !*text) {
		*why = _("empty");
		return FALSE;
	}
	if (text[0] == '[') {
		const char *close = strchr (text, ']');

		if (!close) {
			*why = _("missing ']' after the IPv6 address");
			return FALSE;
		}
		h = g_strndup (text + 1, (gsize) (close - text - 1));
		if (!wgks_ip_parse (h, &family, addr) || family != AF_INET6) {
			*why = _("not an IPv6 address inside [ ]");
			return FALSE;
		}
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr (text, ':');
		if (colon && memchr (text, ':', (gsize) (colon - text))) {
			*why = _("an IPv6 address must be written as [address]:port");
			return FALSE;
		}
		h = colon ? g_strndup (text, (gsize) (colon - text)) : g_strdup (text);
		if (!wgks_ip_parse (h, &family, addr) && !wgks_hostname_is_valid (h)) {
			*why = _("not an IP address or host name");
			return FALSE;
		}
	}
	if (!colon) {
		*why = _("missing :port");
		return FALSE;
	}
	if (!wgks_port_parse (colon + 1, FALSE, port)) {
		*why = _("port must be a number from 1 to 65535");
		return FALSE;
	}
	*host = g_steal_pointer (&h);
	return TRUE;
}

char *
wgks_endpoint_to_string (const char *host, guint16 port)
{
	if (strchr (host, ':'))
		return g_strdup_printf ("[%s]:%u", host, port);
	return g_strdup_printf ("%s:%u", host, port);
}
