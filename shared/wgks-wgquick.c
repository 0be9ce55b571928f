/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-wgquick.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"

typedef enum {
	SECTION_NONE,
	SECTION_INTERFACE,
	SECTION_PEER,
} Section;

/* One parse: where we are, for error messages, and what each section has seen. */
typedef struct {
	const char *filename;
	guint       line;
	Section     section;
	WgksConfig *config;
	WgksPeer   *peer;         /* the [Peer] being filled, owned by config */
	GHashTable *seen;         /* keys seen once in the current section */
	GPtrArray  *warnings;
	gboolean    has_interface;
	gboolean    warned_hooks;
} Parser;

static gboolean
fail (Parser *p, GError **error, WgksConfigError code, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Parser *p, GError **error, WgksConfigError code, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_set_error (error, WGKS_CONFIG_ERROR, code, "%s:%u: %s", p->filename, p->line, msg);
	return FALSE;
}

static void
warn (Parser *p, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
warn (Parser *p, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (!p->warnings)
		return;
	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_ptr_array_add (p->warnings, g_strdup_printf ("%s:%u: %s", p->filename, p->line, msg));
}

/* Errors from the shared value parsers get the file and line in front. */
static gboolean
fail_prefixed (Parser *p, GError **error, GError *inner)
{
	g_prefix_error (&inner, "%s:%u: ", p->filename, p->line);
	g_propagate_error (error, inner);
	return FALSE;
}

static gboolean
check_once (Parser *p, const char *key, GError **error)
{
	if (g_hash_table_contains (p->seen, key))
		return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("%s is given twice in this section"), key);
	g_hash_table_add (p->seen, g_strdup (key));
	return TRUE;
}

/* KEY, once in its section, into OUT; *HAS once it is read. */
static gboolean
parse_secret_key (Parser *p, const char *key, const char *value, WgksKey *out, gboolean *has, GError **error)
{
	if (!check_once (p, key, error))
		return FALSE;
	if (!wgks_key_from_base64 (value, out))
		return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("%s is not 32 bytes of base64"), key);
	*has = TRUE;
	return TRUE;
}

static gboolean
parse_interface_key (Parser *p, const char *key, const char *value, GError **error)
{
	WgksConfig *c = p->config;
	GError *inner = NULL;
	guint64 n;

	if (g_ascii_strcasecmp (key, "Address") == 0) {
		if (!wgks_config_add_prefixes (c->addresses, value, "Address", &inner))
			return fail_prefixed (p, error, inner);
	} else if (g_ascii_strcasecmp (key, "DNS") == 0) {
		if (!wgks_config_add_dns (c, value, TRUE, TRUE, "DNS", &inner))
			return fail_prefixed (p, error, inner);
	} else if (g_ascii_strcasecmp (key, "PrivateKey") == 0) {
		if (!parse_secret_key (p, "PrivateKey", value, &c->private_key, &c->has_private_key, error))
			return FALSE;
	} else if (g_ascii_strcasecmp (key, "ListenPort") == 0) {
		if (!check_once (p, "ListenPort", error))
			return FALSE;
		if (!wgks_port_parse (value, TRUE, &c->listen_port))
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("ListenPort \"%s\" is not a port number (0 to 65535)"), value);
	} else if (g_ascii_strcasecmp (key, "MTU") == 0) {
		if (!check_once (p, "MTU", error))
			return FALSE;
		if (!wgks_uint_parse (value, 576, 65535, &n))
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("MTU \"%s\" is not a number from 576 to 65535"), value);
		c->mtu = (guint32) n;
	} else if (g_ascii_strcasecmp (key, "FwMark") == 0) {
		if (!check_once (p, "FwMark", error))
			return FALSE;
		if (g_ascii_strcasecmp (value, "off") == 0)
			c->fwmark = 0;
		else if (g_str_has_prefix (value, "0x")
		             ? g_ascii_string_to_unsigned (value + 2, 16, 0, G_MAXUINT32, &n, NULL)
		             : g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &n, NULL))
			c->fwmark = (guint32) n;
		else
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("FwMark \"%s\" is not \"off\" or a 32-bit number"), value);
	} else if (g_ascii_strcasecmp (key, "Table") == 0) {
		if (!check_once (p, "Table", error))
			return FALSE;
		if (g_ascii_strcasecmp (value, "auto") == 0)
			c->table = WGKS_TABLE_AUTO;
		else if (g_ascii_strcasecmp (value, "off") == 0)
			c->table = WGKS_TABLE_OFF;
		else if (wgks_uint_parse (value, 1, G_MAXUINT32, &n))
			c->route_table = (guint32) n;
		else
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("Table \"%s\" is not \"auto\", \"off\" or a table number"), value);
	} else if (g_ascii_strcasecmp (key, "PreUp") == 0 || g_ascii_strcasecmp (key, "PostUp") == 0
	           || g_ascii_strcasecmp (key, "PreDown") == 0 || g_ascii_strcasecmp (key, "PostDown") == 0) {
		if (!p->warned_hooks)
			warn (p, _("%s and the other wg-quick hooks are not run: the plugin's own kill switch "
			      "(kill-switch=%s) replaces iptables rules in hooks"), key,
			      wgks_kill_switch_to_string (c->kill_switch));
		p->warned_hooks = TRUE;
	} else if (g_ascii_strcasecmp (key, "SaveConfig") == 0) {
		warn (p, _("SaveConfig is ignored: NetworkManager keeps the configuration"));
	} else {
		return fail (p, error, WGKS_CONFIG_ERROR_UNKNOWN_KEY,
		             _("unknown key \"%s\" in [Interface]"), key);
	}
	return TRUE;
}

static gboolean
parse_peer_key (Parser *p, const char *key, const char *value, GError **error)
{
	WgksPeer *peer = p->peer;
	GError *inner = NULL;
	const char *why;

	if (g_ascii_strcasecmp (key, "PublicKey") == 0) {
		if (!check_once (p, "PublicKey", error))
			return FALSE;
		if (!wgks_key_from_base64 (value, &peer->public_key))
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("PublicKey \"%s\" is not 32 bytes of base64"), value);
	} else if (g_ascii_strcasecmp (key, "PresharedKey") == 0) {
		if (!parse_secret_key (p, "PresharedKey", value, &peer->preshared_key, &peer->has_preshared_key, error))
			return FALSE;
	} else if (g_ascii_strcasecmp (key, "AllowedIPs") == 0) {
		if (!wgks_config_add_prefixes (peer->allowed_ips, value, "AllowedIPs", &inner))
			return fail_prefixed (p, error, inner);
	} else if (g_ascii_strcasecmp (key, "Endpoint") == 0) {
		if (!check_once (p, "Endpoint", error))
			return FALSE;
		if (!wgks_endpoint_parse (value, &peer->endpoint_host, &peer->endpoint_port, &why))
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("Endpoint \"%s\": %s"), value, why);
	} else if (g_ascii_strcasecmp (key, "PersistentKeepalive") == 0) {
		if (!check_once (p, "PersistentKeepalive", error))
			return FALSE;
		if (g_ascii_strcasecmp (value, "off") == 0)
			peer->persistent_keepalive = 0;
		else if (!wgks_port_parse (value, TRUE, &peer->persistent_keepalive))
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("PersistentKeepalive \"%s\" is not \"off\" or 0 to 65535 seconds"), value);
	} else {
		return fail (p, error, WGKS_CONFIG_ERROR_UNKNOWN_KEY, _("unknown key \"%s\" in [Peer]"), key);
	}
	return TRUE;
}

static gboolean
finish_section (Parser *p, GError **error)
{
	if (p->section == SECTION_PEER && !g_hash_table_contains (p->seen, "PublicKey"))
		return fail (p, error, WGKS_CONFIG_ERROR_MISSING,
		             _("the [Peer] section before this line has no PublicKey"));
	g_hash_table_remove_all (p->seen);
	return TRUE;
}

static gboolean
start_section (Parser *p, const char *name, GError **error)
{
	if (!finish_section (p, error))
		return FALSE;
	if (g_ascii_strcasecmp (name, "[Interface]") == 0) {
		if (p->has_interface)
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("a second [Interface] section"));
		p->has_interface = TRUE;
		p->section = SECTION_INTERFACE;
	} else if (g_ascii_strcasecmp (name, "[Peer]") == 0) {
		if (p->config->peers->len >= NM_WGKS_MAX_PEERS)
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("more than %d peers"), NM_WGKS_MAX_PEERS);
		p->peer = wgks_peer_new ();
		g_ptr_array_add (p->config->peers, p->peer);
		p->section = SECTION_PEER;
	} else {
		return fail (p, error, WGKS_CONFIG_ERROR_UNKNOWN_KEY,
		             _("unknown section %s (expected [Interface] or [Peer])"), name);
	}
	return TRUE;
}

/* "# wireguard-killswitch: kill-switch=on allow-lan=no dns-leak-protection=yes",
 * written by the exporter so that these settings survive a round trip. */
static gboolean
parse_settings_comment (Parser *p, const char *text, GError **error)
{
	g_auto (GStrv) items = g_strsplit_set (text, " \t", -1);
	guint i;

	for (i = 0; items[i]; i++) {
		const char *eq = strchr (items[i], '=');
		g_autofree char *key = NULL;
		const char *value;

		if (!*items[i])
			continue;
		if (!eq)
			return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
			             _("expected key=value in the wireguard-killswitch comment, got \"%s\""), items[i]);
		key = g_strndup (items[i], (gsize) (eq - items[i]));
		value = eq + 1;
		if (strcmp (key, NM_WGKS_KEY_KILL_SWITCH) == 0
		    && wgks_kill_switch_from_string (value, &p->config->kill_switch))
			continue;
		if (strcmp (key, NM_WGKS_KEY_ALLOW_LAN) == 0 && (!strcmp (value, "yes") || !strcmp (value, "no"))) {
			p->config->allow_lan = strcmp (value, "yes") == 0;
			continue;
		}
		if (strcmp (key, NM_WGKS_KEY_DNS_LEAK_PROTECTION) == 0
		    && (!strcmp (value, "yes") || !strcmp (value, "no"))) {
			p->config->dns_leak_protection = strcmp (value, "yes") == 0;
			continue;
		}
		if (strcmp (key, NM_WGKS_KEY_DNS_OVER_TLS) == 0
		    && wgks_dns_over_tls_from_string (value, &p->config->dns_over_tls))
			continue;
		return fail (p, error, WGKS_CONFIG_ERROR_INVALID,
		             _("unknown setting \"%s\" in the wireguard-killswitch comment"), items[i]);
	}
	return TRUE;
}

static gboolean
parse_line (Parser *p, char *line, GError **error)
{
	char *hash, *eq, *key, *value;

	g_strstrip (line);
	if (g_str_has_prefix (line, WGKS_WGQUICK_SETTINGS_COMMENT))
		return parse_settings_comment (p, line + strlen (WGKS_WGQUICK_SETTINGS_COMMENT), error);
	hash = strchr (line, '#');
	if (hash)
		*hash = '\0';
	g_strstrip (line);
	if (!*line)
		return TRUE;
	if (line[0] == '[')
		return start_section (p, line, error);
	eq = strchr (line, '=');
	if (!eq)
		return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("expected \"Key = Value\" or a [Section]"));
	*eq = '\0';
	key = g_strstrip (line);
	value = g_strstrip (eq + 1);
	if (!*key)
		return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("a line with no key before \"=\""));
	switch (p->section) {
	case SECTION_INTERFACE:
		return parse_interface_key (p, key, value, error);
	case SECTION_PEER:
		return parse_peer_key (p, key, value, error);
	case SECTION_NONE:
	default:
		return fail (p, error, WGKS_CONFIG_ERROR_INVALID, _("key \"%s\" outside of a section"), key);
	}
}

static gboolean
check_text (const char *data, gsize len, const char *filename, GError **error)
{
	if (len > WGKS_WGQUICK_MAX_SIZE) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_NOT_TEXT,
		             _("%s: file is too large (%lld bytes, at most %d)"),
		             filename, (long long) len, WGKS_WGQUICK_MAX_SIZE);
		return FALSE;
	}
	if (memchr (data, '\0', len) || !g_utf8_validate (data, (gssize) len, NULL)) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_NOT_TEXT,
		             _("%s: not a text file (binary data or invalid UTF-8)"), filename);
		return FALSE;
	}
	return TRUE;
}

WgksConfig *
wgks_wgquick_parse (const char *data, gsize len, const char *filename, GPtrArray *warnings, GError **error)
{
	g_autoptr (WgksConfig) config = wgks_config_new ();
	g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *copy = NULL;
	g_auto (GStrv) lines = NULL;
	g_autoptr (GError) inner = NULL;
	Parser p = {
		.filename = filename, .config = config, .seen = seen, .warnings = warnings,
	};
	guint i;

	/* Windows editors write a UTF-8 byte-order mark at the start. */
	if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (!check_text (data, len, filename, error))
		return NULL;
	copy = g_strndup (data, len);
	lines = wgks_split_char (copy, '\n');
	wgks_memzero (copy, len);
	for (i = 0; lines[i]; i++) {
		gboolean ok;

		p.line = i + 1;
		ok = parse_line (&p, lines[i], error);
		wgks_memzero (lines[i], strlen (lines[i]));
		if (!ok)
			goto wipe_rest;
	}
	if (!finish_section (&p, error))
		return NULL;
	p.line = i ? i : 1;
	if (!p.has_interface) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("%s: no [Interface] section"), filename);
		return NULL;
	}
	if (!config->has_private_key) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("%s: [Interface] has no PrivateKey"), filename);
		return NULL;
	}
	if (wgks_config_is_any_full_tunnel (config) && config->table == WGKS_TABLE_AUTO && !config->route_table)
		config->route_table = WGKS_DEFAULT_ROUTE_TABLE;
	if (!wgks_config_validate (config, TRUE, &inner)) {
		g_set_error (error, WGKS_CONFIG_ERROR, inner->code, "%s: %s", filename, inner->message);
		return NULL;
	}
	return g_steal_pointer (&config);

wipe_rest:
	for (; lines[i]; i++)
		wgks_memzero (lines[i], strlen (lines[i]));
	return NULL;
}

static const char *
file_kind (mode_t mode)
{
	if (S_ISDIR (mode))
		return _("a directory");
	if (S_ISFIFO (mode))
		return _("a FIFO");
	if (S_ISCHR (mode))
		return _("a character device");
	if (S_ISBLK (mode))
		return _("a block device");
	if (S_ISSOCK (mode))
		return _("a socket");
	return _("not a regular file");
}

static gboolean
set_errno_error (GError **error, int err, const char *what, const char *display)
{
	g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: %s: %s", display, what,
	             g_strerror (err));
	return FALSE;
}

/* STAT_RESULT and ST: what stat() or fstat() returned and filled in. */
static gboolean
check_regular (int stat_result, const struct stat *st, const char *display, GError **error)
{
	if (stat_result < 0)
		return set_errno_error (error, errno, _("cannot open"), display);
	if (!S_ISREG (st->st_mode)) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_NOT_TEXT,
		             _("%s: not a regular file (%s)"), display, file_kind (st->st_mode));
		return FALSE;
	}
	if (st->st_size > WGKS_WGQUICK_MAX_SIZE) {
		g_set_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_NOT_TEXT,
		             _("%s: file is too large (%lld bytes, at most %d)"),
		             display, (long long) st->st_size, WGKS_WGQUICK_MAX_SIZE);
		return FALSE;
	}
	return TRUE;
}

/* Reads at most WGKS_WGQUICK_MAX_SIZE + 1 bytes into buf, so that a file
 * that grew after fstat() is still caught as too large. */
static gboolean
read_bounded (int fd, char *buf, gsize *len, const char *display, GError **error)
{
	gsize got = 0;
	ssize_t n;

	while (got < WGKS_WGQUICK_MAX_SIZE + 1) {
		n = read (fd, buf + got, WGKS_WGQUICK_MAX_SIZE + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_errno_error (error, errno, _("cannot read"), display);
		if (n == 0)
			break;
		got += (gsize) n;
	}
	*len = got;
	return TRUE;
}

/* Only a regular file is read. A FIFO, a device such as /dev/zero (also
 * behind a symlink) or a directory is refused before anything blocks or
 * reads without end: stat() refuses it without opening it (opening some
 * devices has side effects), and fstat() on the opened descriptor closes
 * the race with a file swapped in between. O_NONBLOCK keeps the open of a
 * FIFO swapped in from blocking. */
WgksConfig *
wgks_wgquick_read_file (const char *path, GPtrArray *warnings, GError **error)
{
	g_autofree char *data = NULL;
	g_autofree char *display = g_path_get_basename (path);
	WgksConfig *config = NULL;
	struct stat st;
	gsize len = 0;
	int fd;

	if (!check_regular (stat (path, &st), &st, display, error))
		return NULL;
	fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		set_errno_error (error, errno, _("cannot open"), display);
		return NULL;
	}
	if (!check_regular (fstat (fd, &st), &st, display, error))
		goto out;
	data = g_malloc (WGKS_WGQUICK_MAX_SIZE + 1);
	if (read_bounded (fd, data, &len, display, error))
		config = wgks_wgquick_parse (data, len, display, warnings, error);
	wgks_memzero (data, len);
out:
	close (fd);
	return config;
}

char *
wgks_wgquick_name_from_path (const char *path)
{
	g_autofree char *base = g_path_get_basename (path);

	if (g_str_has_suffix (base, ".conf"))
		base[strlen (base) - 5] = '\0';
	return g_steal_pointer (&base);
}

NMConnection *
wgks_wgquick_import (const char *path, GPtrArray *warnings, GError **error)
{
	g_autoptr (WgksConfig) config = wgks_wgquick_read_file (path, warnings, error);
	g_autofree char *id = NULL;

	if (!config)
		return NULL;
	id = wgks_wgquick_name_from_path (path);
	return wgks_config_to_connection (config, id, error);
}

static void
append_list (GString *out, const char *key, GPtrArray *prefixes)
{
	guint i;

	if (!prefixes->len)
		return;
	g_string_append_printf (out, "%s = ", key);
	for (i = 0; i < prefixes->len; i++) {
		g_autofree char *p = wgks_prefix_to_string (prefixes->pdata[i]);

		g_string_append_printf (out, "%s%s", i ? ", " : "", p);
	}
	g_string_append_c (out, '\n');
}

static void
append_dns (GString *out, const WgksConfig *config)
{
	guint i;

	if (!config->dns_servers->len && !config->dns_domains->len)
		return;
	g_string_append (out, "DNS = ");
	for (i = 0; i < config->dns_servers->len; i++)
		g_string_append_printf (out, "%s%s", i ? ", " : "", (char *) config->dns_servers->pdata[i]);
	for (i = 0; i < config->dns_domains->len; i++)
		g_string_append_printf (out, "%s%s", (i || config->dns_servers->len) ? ", " : "",
		                        (char *) config->dns_domains->pdata[i]);
	g_string_append_c (out, '\n');
}

/* The result holds secrets when the config does: callers wipe it. */
char *
wgks_wgquick_write (const WgksConfig *config)
{
	GString *out = g_string_sized_new (512);
	guint i;

	g_string_append_printf (out, "%s %s=%s %s=%s %s=%s\n", WGKS_WGQUICK_SETTINGS_COMMENT,
	                        NM_WGKS_KEY_KILL_SWITCH, wgks_kill_switch_to_string (config->kill_switch),
	                        NM_WGKS_KEY_ALLOW_LAN, config->allow_lan ? "yes" : "no",
	                        NM_WGKS_KEY_DNS_LEAK_PROTECTION, config->dns_leak_protection ? "yes" : "no");
	if (config->dns_over_tls != WGKS_DNS_OVER_TLS_NO) {
		g_string_truncate (out, out->len - 1);
		g_string_append_printf (out, " %s=%s\n", NM_WGKS_KEY_DNS_OVER_TLS,
		                        wgks_dns_over_tls_to_string (config->dns_over_tls));
	}
	g_string_append (out, "[Interface]\n");
	if (config->has_private_key)
		wgks_key_append_line (out, "PrivateKey = ", &config->private_key, WGKS_KEY_BASE64);
	else
		g_string_append (out, "# PrivateKey: kept in NetworkManager's secret storage, not exported\n");
	append_list (out, "Address", config->addresses);
	append_dns (out, config);
	if (config->mtu)
		g_string_append_printf (out, "MTU = %u\n", config->mtu);
	if (config->listen_port)
		g_string_append_printf (out, "ListenPort = %u\n", config->listen_port);
	if (config->fwmark)
		g_string_append_printf (out, "FwMark = 0x%x\n", config->fwmark);
	if (config->table == WGKS_TABLE_OFF)
		g_string_append (out, "Table = off\n");
	else if (config->route_table
	         && !(config->route_table == WGKS_DEFAULT_ROUTE_TABLE && wgks_config_is_any_full_tunnel (config)))
		g_string_append_printf (out, "Table = %u\n", config->route_table);

	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];

		g_string_append (out, "\n[Peer]\n");
		wgks_key_append_line (out, "PublicKey = ", &peer->public_key, WGKS_KEY_BASE64);
		if (peer->has_preshared_key)
			wgks_key_append_line (out, "PresharedKey = ", &peer->preshared_key, WGKS_KEY_BASE64);
		append_list (out, "AllowedIPs", peer->allowed_ips);
		if (peer->endpoint_host) {
			g_autofree char *ep = wgks_endpoint_to_string (peer->endpoint_host, peer->endpoint_port);

			g_string_append_printf (out, "Endpoint = %s\n", ep);
		}
		if (peer->persistent_keepalive)
			g_string_append_printf (out, "PersistentKeepalive = %u\n", peer->persistent_keepalive);
	}
	return g_string_free (out, FALSE);
}
