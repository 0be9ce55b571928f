/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-uapi.h"

#include <arpa/inet.h>
#include <string.h>

void
wgks_uapi_reply_free (WgksUapiReply *reply)
{
	if (!reply)
		return;
	g_array_unref (reply->peers);
	g_free (reply);
}

void
wgks_uapi_request_free (GString *request)
{
	if (!request)
		return;
	wgks_memzero (request->str, request->allocated_len);
	g_string_free (request, TRUE);
}

static void
append_endpoint (GString *s, const WgksSockaddr *ep)
{
	char buf[INET6_ADDRSTRLEN];

	if (ep->sa.sa_family == AF_INET6) {
		inet_ntop (AF_INET6, &ep->in6.sin6_addr, buf, sizeof buf);
		g_string_append_printf (s, "endpoint=[%s]:%u\n", buf, ntohs (ep->in6.sin6_port));
	} else {
		inet_ntop (AF_INET, &ep->in4.sin_addr, buf, sizeof buf);
		g_string_append_printf (s, "endpoint=%s:%u\n", buf, ntohs (ep->in4.sin_port));
	}
}

static void
append_peer (GString *s, const WgksDevicePeer *peer)
{
	guint i;

	wgks_key_append_line (s, "public_key=", &peer->public_key, WGKS_KEY_HEX);
	if (peer->update_only)
		g_string_append (s, "update_only=true\n");
	if (peer->has_preshared_key)
		wgks_key_append_line (s, "preshared_key=", &peer->preshared_key, WGKS_KEY_HEX);
	if (peer->has_endpoint)
		append_endpoint (s, &peer->endpoint);
	if (peer->set_keepalive)
		g_string_append_printf (s, "persistent_keepalive_interval=%u\n", peer->keepalive);
	if (peer->replace_allowed_ips)
		g_string_append (s, "replace_allowed_ips=true\n");
	for (i = 0; peer->allowed_ips && i < peer->allowed_ips->len; i++) {
		g_autofree char *p = wgks_prefix_to_string (peer->allowed_ips->pdata[i]);

		g_string_append_printf (s, "allowed_ip=%s\n", p);
	}
}

GString *
wgks_uapi_build_set (const WgksDeviceSettings *settings)
{
	/* Pre-size so that no reallocation leaves key copies behind. */
	GString *s = g_string_sized_new (256 + settings->n_peers * 512);
	guint i;

	g_string_append (s, "set=1\n");
	if (settings->has_private_key)
		wgks_key_append_line (s, "private_key=", &settings->private_key, WGKS_KEY_HEX);
	if (settings->set_listen_port)
		g_string_append_printf (s, "listen_port=%u\n", settings->listen_port);
	if (settings->set_fwmark)
		g_string_append_printf (s, "fwmark=%u\n", settings->fwmark);
	if (settings->replace_peers)
		g_string_append (s, "replace_peers=true\n");
	for (i = 0; i < settings->n_peers; i++)
		append_peer (s, &settings->peers[i]);
	g_string_append_c (s, '\n');
	return s;
}

gboolean
wgks_uapi_reply_is_complete (const char *text, gsize len)
{
	return (len == 1 && text[0] == '\n') || (len >= 2 && text[len - 1] == '\n' && text[len - 2] == '\n');
}

static gboolean
protocol_error (GError **error, guint line, const char *what)
{
	g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL,
	             "malformed reply from wireguard-go, line %u: %s", line, what);
	return FALSE;
}

static gboolean
parse_number (const char *value, guint64 max, guint64 *out)
{
	return g_ascii_string_to_unsigned (value, 10, 0, max, out, NULL);
}

typedef struct {
	WgksUapiReply *reply;
	WgksPeerStats *peer;   /* current peer block, NULL before the first */
	gboolean       has_errno;
	guint          line;
} ParseState;

static gboolean
is_peer_key (const char *key)
{
	static const char *const keys[] = {
		"preshared_key", "protocol_version", "endpoint", "last_handshake_time_sec",
		"last_handshake_time_nsec", "tx_bytes", "rx_bytes", "persistent_keepalive_interval",
		"allowed_ip", NULL,
	};

	return g_strv_contains (keys, key);
}

static gboolean
parse_peer_line (ParseState *st, const char *key, const char *value, GError **error)
{
	guint64 n;

	if (!is_peer_key (key))
		return TRUE;    /* a newer wireguard-go: ignore what we do not know */
	if (!st->peer)
		return protocol_error (error, st->line, "peer field before any public_key");
	if (strcmp (key, "last_handshake_time_sec") == 0) {
		if (!parse_number (value, G_MAXINT64, &n))
			return protocol_error (error, st->line, "bad last_handshake_time_sec");
		st->peer->last_handshake_sec = (gint64) n;
	} else if (strcmp (key, "rx_bytes") == 0) {
		if (!parse_number (value, G_MAXUINT64, &st->peer->rx_bytes))
			return protocol_error (error, st->line, "bad rx_bytes");
	} else if (strcmp (key, "tx_bytes") == 0) {
		if (!parse_number (value, G_MAXUINT64, &st->peer->tx_bytes))
			return protocol_error (error, st->line, "bad tx_bytes");
	} else if (strcmp (key, "last_handshake_time_nsec") == 0
	           || strcmp (key, "persistent_keepalive_interval") == 0
	           || strcmp (key, "protocol_version") == 0) {
		if (!parse_number (value, G_MAXUINT64, &n))
			return protocol_error (error, st->line, "bad number");
	}
	/* endpoint, allowed_ip, preshared_key: not needed. */
	return TRUE;
}

static gboolean
parse_line (ParseState *st, const char *key, const char *value, GError **error)
{
	guint64 n;

	if (st->has_errno)
		return protocol_error (error, st->line, "data after errno");
	if (strcmp (key, "errno") == 0) {
		if (!parse_number (value, G_MAXINT, &n))
			return protocol_error (error, st->line, "bad errno");
		st->reply->errno_value = (int) n;
		st->has_errno = TRUE;
	} else if (strcmp (key, "public_key") == 0) {
		WgksPeerStats peer = { { { 0 } } };

		if (!wgks_key_from_hex (value, &peer.public_key))
			return protocol_error (error, st->line, "bad public_key");
		g_array_append_val (st->reply->peers, peer);
		st->peer = &g_array_index (st->reply->peers, WgksPeerStats, st->reply->peers->len - 1);
	} else if (strcmp (key, "private_key") == 0) {
		if (st->peer)
			return protocol_error (error, st->line, "private_key inside a peer");
	} else if (strcmp (key, "listen_port") == 0) {
		if (st->peer || !parse_number (value, G_MAXUINT16, &n))
			return protocol_error (error, st->line, "bad listen_port");
		st->reply->listen_port = (guint16) n;
	} else if (strcmp (key, "fwmark") == 0) {
		if (st->peer || !parse_number (value, G_MAXUINT32, &n))
			return protocol_error (error, st->line, "bad fwmark");
		st->reply->fwmark = (guint32) n;
	} else {
		return parse_peer_line (st, key, value, error);
	}
	return TRUE;
}

WgksUapiReply *
wgks_uapi_parse_reply (const char *text, gsize len, GError **error)
{
	g_autoptr (WgksUapiReply) reply = g_new0 (WgksUapiReply, 1);
	ParseState st = { reply, NULL, FALSE, 0 };
	gsize pos = 0;

	reply->peers = g_array_new (FALSE, TRUE, sizeof (WgksPeerStats));
	if (len > WGKS_UAPI_MAX_REPLY) {
		protocol_error (error, 0, "reply too large");
		return NULL;
	}
	if (!wgks_uapi_reply_is_complete (text, len)) {
		protocol_error (error, 0, "reply truncated (no final empty line)");
		return NULL;
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr (line, '\n', len - pos);
		gsize line_len = (gsize) (nl - line);
		g_autofree char *copy = NULL;
		char *eq;
		gboolean ok;

		st.line++;
		pos += line_len + 1;
		if (line_len == 0)
			break;          /* the empty line ends the reply */
		if (memchr (line, '\0', line_len))
			return protocol_error (error, st.line, "NUL byte"), NULL;
		copy = g_strndup (line, line_len);
		eq = strchr (copy, '=');
		if (!eq || eq == copy)
			return protocol_error (error, st.line, "not key=value"), NULL;
		*eq = '\0';
		ok = parse_line (&st, copy, eq + 1, error);
		wgks_memzero (copy, line_len);
		if (!ok)
			return NULL;
	}
	if (pos != len) {
		protocol_error (error, st.line, "data after the final empty line");
		return NULL;
	}
	if (!st.has_errno) {
		protocol_error (error, st.line, "no errno");
		return NULL;
	}
	return g_steal_pointer (&reply);
}
