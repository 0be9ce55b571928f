/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GTK 4 editor, loaded as GNOME Settings loads it: .name file, editor
 * plugin, nm_vpn_editor_plugin_get_editor(). Fields are filled by their
 * GtkBuilder ids; the connection written must hold exactly the documented
 * keys. Runs under Xvfb (test-editor.sh). */
#include "config.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "editor-test-utils.h"
#include "nm-wgks-service-defines.h"
#include "wgks-config.h"
#include "wgks-key.h"
#include "wgks-wgquick.h"
#include "test-utils.h"

#define PRIVATE_KEY "wqZQM/Upo/JoUnUIZQUl6wuXyZ0aiNk2OrqAETkeMFs="
#define PEER0_KEY   "SrO3pWvLEwbZu0rF15x7+axEzF3iuM0vR5lu1fH+pIk="
#define PEER1_KEY   "tBXVoN4w7n9uh7N7RvsyfjZb+gAV5jo1DH4z/EvGuhY="
#define WGKS_FIELD_FULL_TUNNEL_IPS_TEST "0.0.0.0/0, ::/0"
#define PSK         "0Mm097w9XfgJwuFDg16eYLR4xZA57iPr6p8M5BbujHs="

static NMVpnEditorPlugin *plugin;

typedef struct {
	NMConnection *connection;
	NMVpnEditor  *editor;
	GtkWidget    *root;
	guint         changed;
} Fixture;

static void
count_changed (NMVpnEditor *editor, Fixture *f)
{
	f->changed++;
}

static void
fixture_open (Fixture *f, NMConnection *connection)
{
	g_autoptr (GError) error = NULL;

	f->connection = connection;
	f->editor = nm_vpn_editor_plugin_get_editor (plugin, connection, &error);
	g_assert_no_error (error);
	g_assert_nonnull (f->editor);
	f->root = GTK_WIDGET (nm_vpn_editor_get_widget (f->editor));
	g_assert_true (GTK_IS_WIDGET (f->root));
	g_object_ref_sink (f->root);
	g_signal_connect (f->editor, "changed", G_CALLBACK (count_changed), f);
}

static void
fixture_new (Fixture *f, gconstpointer data)
{
	fixture_open (f, wgks_test_new_connection ());
}

static void
fixture_office (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	NMConnection *connection = wgks_test_import (plugin, "office.conf", &error);

	g_assert_no_error (error);
	fixture_open (f, connection);
}

static void
fixture_seed (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	NMConnection *connection = wgks_test_import (plugin, "seed.conf", &error);

	g_assert_no_error (error);
	fixture_open (f, connection);
}

static void
fixture_close (Fixture *f, gconstpointer data)
{
	if (f->editor)
		g_signal_handlers_disconnect_by_data (f->editor, f);
	g_clear_object (&f->editor);
	g_object_unref (f->root);
	g_object_unref (f->connection);
}

static GtkWidget *
w (Fixture *f, const char *id, guint nth)
{
	return wgks_test_find (f->root, id, nth);
}

static const char *
text (Fixture *f, const char *id, guint nth)
{
	return gtk_editable_get_text (GTK_EDITABLE (w (f, id, nth)));
}

static void
type (Fixture *f, const char *id, guint nth, const char *value)
{
	guint before = f->changed;

	gtk_editable_set_text (GTK_EDITABLE (w (f, id, nth)), value);
	g_assert_cmpuint (f->changed, >, before);
}

static void
set_active (Fixture *f, const char *id, guint nth, gboolean active)
{
	gtk_check_button_set_active (GTK_CHECK_BUTTON (w (f, id, nth)), active);
}

static gboolean
is_active (Fixture *f, const char *id, guint nth)
{
	return gtk_check_button_get_active (GTK_CHECK_BUTTON (w (f, id, nth)));
}

static void
click (Fixture *f, const char *id, guint nth)
{
	g_signal_emit_by_name (w (f, id, nth), "clicked");
}

static guint
n_peers (Fixture *f)
{
	g_autoptr (GPtrArray) frames = wgks_test_find_all (f->root, "peer_frame");

	return frames->len;
}

static NMConnection *
update_ok (Fixture *f)
{
	g_autoptr (GError) error = NULL;
	NMConnection *out = nm_simple_connection_new_clone (f->connection);

	g_assert_true (nm_vpn_editor_update_connection (f->editor, out, &error));
	g_assert_no_error (error);
	return out;
}

static void
update_fails (Fixture *f, const char *field)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) out = nm_simple_connection_new_clone (f->connection);

	g_assert_false (nm_vpn_editor_update_connection (f->editor, out, &error));
	g_assert_nonnull (error);
	if (!strstr (error->message, field))
		g_error ("error “%s” does not name the field “%s”", error->message, field);
}

/* ------------------------------------------------------------------------- */

static void
add_item (const char *key, const char *value, gpointer user_data)
{
	g_hash_table_insert (user_data, g_strdup (key), g_strdup (value));
}

static GHashTable *
data_of (NMConnection *c, gboolean secrets)
{
	GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (c);

	g_assert_nonnull (s_vpn);
	if (secrets)
		nm_setting_vpn_foreach_secret (s_vpn, add_item, table);
	else
		nm_setting_vpn_foreach_data_item (s_vpn, add_item, table);
	return table;
}

/* @expected: key, value, key, value, ..., NULL */
static void
assert_exactly (GHashTable *actual, const char *const *expected)
{
	guint i, n = 0;

	for (i = 0; expected[i]; i += 2, n++) {
		const char *v = g_hash_table_lookup (actual, expected[i]);

		if (g_strcmp0 (v, expected[i + 1]) != 0)
			g_error ("key “%s”: expected “%s”, got “%s”", expected[i], expected[i + 1], v ? v : "(none)");
	}
	if (g_hash_table_size (actual) != n) {
		GHashTableIter iter;
		gpointer key;

		g_hash_table_iter_init (&iter, actual);
		while (g_hash_table_iter_next (&iter, &key, NULL))
			if (!g_strv_contains (expected, key))
				g_error ("unexpected key “%s”", (const char *) key);
	}
}

static void
assert_tables_equal (GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init (&iter, a);
	while (g_hash_table_iter_next (&iter, &key, &value))
		g_assert_cmpstr (g_hash_table_lookup (b, key), ==, value);
	g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
}

static char *
public_of (const char *private_b64)
{
	WgksKey priv, pub;
	char b64[WGKS_KEY_B64_LEN + 1];

	g_assert_true (wgks_key_from_base64 (private_b64, &priv));
	wgks_key_public_from_private (&priv, &pub);
	wgks_key_to_base64 (&pub, b64);
	return g_strdup (b64);
}

/* ------------------------------------------------------------------------- */

static void
test_new_defaults (Fixture *f, gconstpointer data)
{
	g_assert_cmpuint (n_peers (f), ==, 1);
	g_assert_true (is_active (f, "peer_full_tunnel_radio", 0));
	g_assert_false (gtk_widget_get_sensitive (w (f, "peer_allowed_ips_entry", 0)));
	g_assert_true (is_active (f, "kill_switch_on_radio", 0));
	g_assert_false (is_active (f, "allow_lan_check", 0));
	g_assert_true (is_active (f, "dns_leak_check", 0));
	g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (w (f, "private_key_entry", 0))));
	g_assert_cmpstr (text (f, "public_key_entry", 0), ==, "");
	/* Empty required fields block saving but are not marked red. */
	update_fails (f, "Addresses");
	g_assert_false (gtk_widget_has_css_class (w (f, "address_entry", 0), "error"));
	g_assert_true (gtk_widget_get_visible (w (f, "validation_label", 0)));
}

static void
test_generate_and_show (Fixture *f, gconstpointer data)
{
	g_autofree char *expected = NULL;
	const char *priv;

	click (f, "generate_button", 0);
	priv = text (f, "private_key_entry", 0);
	g_assert_cmpuint (strlen (priv), ==, WGKS_KEY_B64_LEN);
	expected = public_of (priv);
	g_assert_cmpstr (text (f, "public_key_entry", 0), ==, expected);
	g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (w (f, "public_key_entry", 0))));

	set_active (f, "private_key_show_check", 0, TRUE);
	g_assert_true (gtk_entry_get_visibility (GTK_ENTRY (w (f, "private_key_entry", 0))));
	set_active (f, "private_key_show_check", 0, FALSE);
	g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (w (f, "private_key_entry", 0))));

	/* An invalid private key shows no public key. */
	type (f, "private_key_entry", 0, "nope");
	g_assert_cmpstr (text (f, "public_key_entry", 0), ==, "");
}

static void
fill_all (Fixture *f)
{
	type (f, "address_entry", 0, "10.0.0.2/24, fd00::2/64");
	type (f, "private_key_entry", 0, PRIVATE_KEY);
	type (f, "listen_port_entry", 0, "51820");
	type (f, "mtu_entry", 0, "1420");
	type (f, "dns_entry", 0, "10.0.0.1");
	type (f, "dns_search_entry", 0, "example.internal ~corp.example");
	/* Stored for this user only: an agent-owned secret. */
	nma_utils_update_password_storage (w (f, "private_key_entry", 0), NM_SETTING_SECRET_FLAG_AGENT_OWNED,
	                                   NULL, NULL);

	type (f, "peer_public_key_entry", 0, PEER0_KEY);
	type (f, "peer_preshared_key_entry", 0, PSK);
	type (f, "peer_endpoint_entry", 0, "vpn.example.com:51820");

	click (f, "add_peer_button", 0);
	g_assert_cmpuint (n_peers (f), ==, 2);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (w (f, "peer_title_label", 1))), ==, "Peer 2");
	type (f, "peer_public_key_entry", 1, PEER1_KEY);
	type (f, "peer_endpoint_entry", 1, "[2001:db8::1]:443");
	set_active (f, "peer_split_tunnel_radio", 1, TRUE);
	g_assert_true (gtk_widget_get_sensitive (w (f, "peer_allowed_ips_entry", 1)));
	type (f, "peer_allowed_ips_entry", 1, "10.20.0.0/16, 192.168.50.0/24");
	type (f, "peer_keepalive_entry", 1, "25");
	/* Preshared key asked for at every connection. */
	nma_utils_update_password_storage (w (f, "peer_preshared_key_entry", 1), NM_SETTING_SECRET_FLAG_NOT_SAVED,
	                                   NULL, NULL);

	set_active (f, "kill_switch_lockdown_radio", 0, TRUE);
	set_active (f, "allow_lan_check", 0, TRUE);
	set_active (f, "dns_leak_check", 0, FALSE);
	set_active (f, "dns_over_tls_yes_radio", 0, TRUE);
}

static void
test_fill_everything (Fixture *f, gconstpointer data)
{
	static const char *const expected_data[] = {
		"address", "10.0.0.2/24, fd00::2/64",
		"dns", "10.0.0.1",
		"dns-search", "example.internal, ~corp.example",
		"mtu", "1420",
		"listen-port", "51820",
		"kill-switch", "lockdown",
		"allow-lan", "yes",
		"dns-leak-protection", "no",
		"dns-over-tls", "yes",
		"private-key-flags", "1",
		"peer.0.public-key", PEER0_KEY,
		"peer.0.endpoint", "vpn.example.com:51820",
		"peer.0.allowed-ips", "0.0.0.0/0, ::/0",
		"peer.0.preshared-key-flags", "0",
		"peer.1.public-key", PEER1_KEY,
		"peer.1.endpoint", "[2001:db8::1]:443",
		"peer.1.allowed-ips", "10.20.0.0/16, 192.168.50.0/24",
		"peer.1.persistent-keepalive", "25",
		"peer.1.preshared-key-flags", "2",
		NULL,
	};
	static const char *const expected_secrets[] = {
		"private-key", PRIVATE_KEY,
		"peer.0.preshared-key", PSK,
		NULL,
	};
	g_autofree char *public_key = public_of (PRIVATE_KEY);
	g_autoptr (NMConnection) out = NULL;
	g_autoptr (GHashTable) d = NULL, s = NULL;

	fill_all (f);
	g_assert_cmpstr (text (f, "public_key_entry", 0), ==, public_key);
	g_assert_false (gtk_widget_get_visible (w (f, "validation_label", 0)));
	out = update_ok (f);
	d = data_of (out, FALSE);
	s = data_of (out, TRUE);
	assert_exactly (d, expected_data);
	assert_exactly (s, expected_secrets);
	g_assert_true (nm_connection_verify (out, NULL));
	/* what NetworkManager applies to the VPN's DNS */
	g_assert_cmpint (nm_setting_connection_get_dns_over_tls (nm_connection_get_setting_connection (out)), ==,
	                 NM_SETTING_CONNECTION_DNS_OVER_TLS_YES);
}

typedef struct {
	const char *id;
	guint       nth;
	const char *bad;
	const char *field;
} InvalidCase;

static void
test_invalid_fields (Fixture *f, gconstpointer data)
{
	static const InvalidCase cases[] = {
		{ "private_key_entry", 0, "AAAA", "Private key" },
		{ "private_key_entry", 0, PRIVATE_KEY "x", "Private key" },
		{ "address_entry", 0, "10.0.0.300/24", "Addresses" },
		{ "address_entry", 0, "10.0.0.2/33", "Addresses" },
		{ "listen_port_entry", 0, "70000", "Listen port" },
		{ "mtu_entry", 0, "100", "MTU" },
		{ "dns_entry", 0, "dns.example", "DNS servers" },
		{ "dns_search_entry", 0, "bad..domain", "Search domains" },
		{ "peer_public_key_entry", 0, "not a key", "Peer 1 public key" },
		{ "peer_public_key_entry", 1, PEER0_KEY, "Peer 2 public key" },
		{ "peer_preshared_key_entry", 0, "short=", "Peer 1 preshared key" },
		{ "peer_endpoint_entry", 0, "vpn.example.com", "Peer 1 endpoint" },
		{ "peer_endpoint_entry", 1, "2001:db8::1:443", "Peer 2 endpoint" },
		{ "peer_allowed_ips_entry", 1, "10.20.0.0/16, 300.1.1.1/8", "Peer 2 networks" },
		{ "peer_keepalive_entry", 1, "-1", "Peer 2 keepalive" },
		{ "peer_keepalive_entry", 1, "65536", "Peer 2 keepalive" },
	};
	guint i;

	fill_all (f);
	g_object_unref (update_ok (f));
	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		const InvalidCase *c = &cases[i];
		GtkWidget *entry = w (f, c->id, c->nth);
		g_autofree char *good = g_strdup (text (f, c->id, c->nth));

		type (f, c->id, c->nth, c->bad);
		update_fails (f, c->field);
		g_assert_true (gtk_widget_has_css_class (entry, "error"));
		g_assert_nonnull (gtk_widget_get_tooltip_text (entry));
		g_assert_true (gtk_widget_get_visible (w (f, "validation_label", 0)));

		type (f, c->id, c->nth, good);
		g_assert_false (gtk_widget_has_css_class (entry, "error"));
		g_object_unref (update_ok (f));
	}
	/* Split tunnel without networks */
	type (f, "peer_allowed_ips_entry", 1, "");
	update_fails (f, "Peer 2 networks");
}

static void
test_remove_peer (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;

	fill_all (f);
	click (f, "add_peer_button", 0);
	g_assert_cmpuint (n_peers (f), ==, 3);
	update_fails (f, "Peer 3 public key");
	click (f, "peer_remove_button", 0);
	g_assert_cmpuint (n_peers (f), ==, 2);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (w (f, "peer_title_label", 0))), ==, "Peer 1");
	g_assert_cmpstr (text (f, "peer_public_key_entry", 0), ==, PEER1_KEY);
	update_fails (f, "Peer 2 public key");
	click (f, "peer_remove_button", 1);
	out = update_ok (f);
	g_assert_cmpstr (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "peer.0.public-key"), ==,
	                 PEER1_KEY);
	g_assert_null (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "peer.1.public-key"));
	click (f, "peer_remove_button", 0);
	update_fails (f, "Peers");
}

static void
test_ask_every_time (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;
	NMSettingVpn *s_vpn;

	fill_all (f);
	nma_utils_update_password_storage (w (f, "private_key_entry", 0), NM_SETTING_SECRET_FLAG_NOT_SAVED, NULL, NULL);
	/* Nothing to validate here: the key is asked for when connecting. */
	g_assert_cmpstr (text (f, "private_key_entry", 0), ==, "");
	out = update_ok (f);
	s_vpn = nm_connection_get_setting_vpn (out);
	g_assert_null (nm_setting_vpn_get_secret (s_vpn, "private-key"));
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "private-key-flags"), ==, "2");
}

static void
assert_peer_shows (Fixture *f, NMSettingVpn *s_vpn, guint i)
{
	g_autofree char *k_pub = g_strdup_printf ("peer.%u.public-key", i);
	g_autofree char *k_ep = g_strdup_printf ("peer.%u.endpoint", i);
	g_autofree char *k_ips = g_strdup_printf ("peer.%u.allowed-ips", i);
	g_autofree char *k_ka = g_strdup_printf ("peer.%u.persistent-keepalive", i);
	g_autofree char *k_psk = g_strdup_printf ("peer.%u.preshared-key", i);
	const char *v;

	g_assert_cmpstr (text (f, "peer_public_key_entry", i), ==, nm_setting_vpn_get_data_item (s_vpn, k_pub));
	v = nm_setting_vpn_get_data_item (s_vpn, k_ep);
	g_assert_cmpstr (text (f, "peer_endpoint_entry", i), ==, v ? v : "");
	v = nm_setting_vpn_get_data_item (s_vpn, k_ka);
	g_assert_cmpstr (text (f, "peer_keepalive_entry", i), ==, v ? v : "");
	v = nm_setting_vpn_get_secret (s_vpn, k_psk);
	g_assert_cmpstr (text (f, "peer_preshared_key_entry", i), ==, v ? v : "");
	/* office.conf is a split tunnel */
	g_assert_true (is_active (f, "peer_split_tunnel_radio", i));
	g_assert_cmpstr (text (f, "peer_allowed_ips_entry", i), ==, nm_setting_vpn_get_data_item (s_vpn, k_ips));
}

static void
test_open_imported (Fixture *f, gconstpointer data)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (f->connection);
	g_autofree char *public_key = public_of (PRIVATE_KEY);
	g_autoptr (NMConnection) out = NULL;
	g_autoptr (GHashTable) d0 = NULL, d1 = NULL, s0 = NULL, s1 = NULL;
	guint i;

	g_assert_cmpstr (text (f, "address_entry", 0), ==, "10.10.0.5/24, fd00:10::5/64, 2001:db8:10::5/64");
	g_assert_cmpstr (text (f, "private_key_entry", 0), ==, PRIVATE_KEY);
	g_assert_cmpstr (text (f, "public_key_entry", 0), ==, public_key);
	g_assert_cmpstr (text (f, "listen_port_entry", 0), ==, "51821");
	g_assert_cmpstr (text (f, "mtu_entry", 0), ==, "1380");
	g_assert_cmpstr (text (f, "dns_entry", 0), ==, "10.10.0.1, fd00:10::1");
	g_assert_cmpstr (text (f, "dns_search_entry", 0), ==, "company.internal, ~corp.example");
	g_assert_true (is_active (f, "kill_switch_on_radio", 0));
	g_assert_false (is_active (f, "allow_lan_check", 0));
	g_assert_true (is_active (f, "dns_leak_check", 0));
	g_assert_cmpuint (n_peers (f), ==, 3);
	for (i = 0; i < 3; i++)
		assert_peer_shows (f, s_vpn, i);
	g_assert_cmpstr (text (f, "peer_endpoint_entry", 1), ==, "[2001:db8::1]:443");
	g_assert_cmpstr (text (f, "peer_preshared_key_entry", 2), ==, "77QHSfqEmq38L3e9mqvHtMdAuZ5JQz/naREMZHNspn0=");
	g_assert_false (gtk_widget_get_visible (w (f, "validation_label", 0)));

	/* Saving without a change changes nothing, not even the keys the editor does not show. */
	out = update_ok (f);
	d0 = data_of (f->connection, FALSE);
	d1 = data_of (out, FALSE);
	s0 = data_of (f->connection, TRUE);
	s1 = data_of (out, TRUE);
	g_assert_cmpstr (g_hash_table_lookup (d1, "fwmark"), ==, "4660");
	assert_tables_equal (d0, d1);
	assert_tables_equal (s0, s1);
	g_assert_true (nm_setting_vpn_get_persistent (nm_connection_get_setting_vpn (out)));
}

/* The ipv4/ipv6 settings follow the tunnel as the wg-quick importer sets
 * them (shared/wgks-config.c, wgks_config_apply_ip_settings). */
static void
assert_ip (NMConnection *c, gboolean full, gboolean owns_dns, guint32 table)
{
	NMSettingIPConfig *s_ip[] = { nm_connection_get_setting_ip4_config (c), nm_connection_get_setting_ip6_config (c) };
	guint i, j, n_routing;

	for (i = 0; i < G_N_ELEMENTS (s_ip); i++) {
		g_assert_nonnull (s_ip[i]);
		g_assert_cmpint (nm_setting_ip_config_get_never_default (s_ip[i]), ==, !full);
		g_assert_cmpuint (nm_setting_ip_config_get_route_table (s_ip[i]), ==, table);
		g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip[i]), ==, owns_dns ? -50 : 0);
		for (j = 0, n_routing = 0; j < nm_setting_ip_config_get_num_dns_searches (s_ip[i]); j++)
			n_routing += strcmp (nm_setting_ip_config_get_dns_search (s_ip[i], j), "~.") == 0;
		g_assert_cmpuint (n_routing, ==, owns_dns ? 1 : 0);
	}
	g_assert_true (nm_connection_verify (c, NULL));
}

/* Saves into @c itself, as nm-connection-editor does on every Apply. */
static void
update_in_place (Fixture *f, NMConnection *c)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (nm_vpn_editor_update_connection (f->editor, c, &error));
	g_assert_no_error (error);
}

static void
test_new_ip_settings (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;
	g_autoptr (NMConnection) own_table = NULL;
	NMSettingIPConfig *s_ip4;

	/* Peer 1 routes everything: full tunnel, DNS leak protection off. */
	fill_all (f);
	out = update_ok (f);
	assert_ip (out, TRUE, FALSE, WGKS_DEFAULT_ROUTE_TABLE);

	/* DNS leak protection on: the tunnel owns DNS; saving twice adds "~." once. */
	set_active (f, "dns_leak_check", 0, TRUE);
	update_in_place (f, out);
	assert_ip (out, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
	update_in_place (f, out);
	assert_ip (out, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
	/* Other search domains the user added in the IPv4 tab stay. */
	nm_setting_ip_config_add_dns_search (nm_connection_get_setting_ip4_config (out), "lan.example");

	/* Only these networks: split tunnel, DNS back to the uplink. */
	set_active (f, "peer_split_tunnel_radio", 0, TRUE);
	type (f, "peer_allowed_ips_entry", 0, "10.0.0.0/24");
	update_in_place (f, out);
	s_ip4 = nm_connection_get_setting_ip4_config (out);
	g_assert_true (nm_setting_ip_config_get_never_default (s_ip4));
	g_assert_true (nm_setting_ip_config_get_never_default (nm_connection_get_setting_ip6_config (out)));
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip4), ==, 0);
	g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (s_ip4), ==, 1);
	g_assert_cmpstr (nm_setting_ip_config_get_dns_search (s_ip4, 0), ==, "lan.example");
	g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (nm_connection_get_setting_ip6_config (out)), ==, 0);

	/* Back to a full tunnel: a table and a DNS priority the user chose stay. */
	set_active (f, "peer_full_tunnel_radio", 0, TRUE);
	own_table = nm_simple_connection_new_clone (f->connection);
	s_ip4 = NM_SETTING_IP_CONFIG (nm_setting_ip4_config_new ());
	g_object_set (s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO,
	              NM_SETTING_IP_CONFIG_ROUTE_TABLE, 100, NM_SETTING_IP_CONFIG_DNS_PRIORITY, -200, NULL);
	nm_connection_add_setting (own_table, NM_SETTING (s_ip4));
	update_in_place (f, own_table);
	g_assert_false (nm_setting_ip_config_get_never_default (s_ip4));
	g_assert_cmpuint (nm_setting_ip_config_get_route_table (s_ip4), ==, 100);
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip4), ==, -200);
	g_assert_cmpuint (nm_setting_ip_config_get_route_table (nm_connection_get_setting_ip6_config (own_table)), ==, 100);
	g_assert_true (nm_connection_verify (own_table, NULL));
}

static void
test_imported_ip_settings (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;

	/* office.conf: split tunnel with Table = 1234, as imported. */
	assert_ip (f->connection, FALSE, FALSE, 1234);
	out = update_ok (f);
	assert_ip (out, FALSE, FALSE, 1234);

	/* One peer takes all traffic: full tunnel through the user's table. */
	set_active (f, "peer_full_tunnel_radio", 1, TRUE);
	update_in_place (f, out);
	assert_ip (out, TRUE, TRUE, 1234);

	/* No DNS leak protection: the uplink's DNS stays usable. */
	set_active (f, "dns_leak_check", 0, FALSE);
	update_in_place (f, out);
	assert_ip (out, TRUE, FALSE, 1234);

	/* Every peer split again. */
	set_active (f, "dns_leak_check", 0, TRUE);
	set_active (f, "peer_split_tunnel_radio", 1, TRUE);
	type (f, "peer_allowed_ips_entry", 1, "192.168.50.0/24");
	update_in_place (f, out);
	assert_ip (out, FALSE, FALSE, 1234);
}


/* ------------------------------------------------------------------------- */
/* "Import wg-quick file…": the editor's action, compared with what
 * "nmcli connection import type wireguard-killswitch" makes of the same
 * file (nmcli calls nm_vpn_editor_plugin_import()). */

typedef struct {
	const char        *file;
	const char *const *warnings; /* what the status line must name */
} ImportCase;

static const char *const no_warnings[] = { NULL };
static const char *const hook_warnings[] = { "PostUp", "not run", NULL };
static const char *const hook_save_warnings[] = { "PostUp", "not run", "SaveConfig", NULL };

static const ImportCase import_cases[] = {
	{ "seed.conf", hook_warnings },           /* full tunnel, host name endpoint, PostUp/PreDown */
	{ "office.conf", no_warnings },           /* split tunnel, 3 peers, PSKs, FwMark, Table = N */
	{ "full-tunnel-psk.conf", no_warnings },  /* full tunnel, PSK, lockdown from the settings comment */
	{ "split-table-off.conf", hook_save_warnings }, /* Table = off, PostUp/PostDown, SaveConfig */
};

static void
import_action (Fixture *f, const char *path)
{
	guint before = f->changed;

	g_assert_true (gtk_widget_activate_action (f->root, "wgks-editor.import-file", "s", path));
	g_assert_cmpuint (f->changed, >, before);
}

static NMSettingSecretFlags
storage_of (Fixture *f, const char *id, guint nth)
{
	return nma_utils_menu_to_secret_flags (w (f, id, nth));
}

static void
assert_peer_matches (Fixture *f, NMSettingVpn *s_vpn, guint i)
{
	g_autofree char *k_pub = g_strdup_printf ("peer.%u.public-key", i);
	g_autofree char *k_ep = g_strdup_printf ("peer.%u.endpoint", i);
	g_autofree char *k_ips = g_strdup_printf ("peer.%u.allowed-ips", i);
	g_autofree char *k_ka = g_strdup_printf ("peer.%u.persistent-keepalive", i);
	g_autofree char *k_psk = g_strdup_printf ("peer.%u.preshared-key", i);
	const char *ips = nm_setting_vpn_get_data_item (s_vpn, k_ips);
	const char *v;
	gboolean full = g_strcmp0 (ips, WGKS_FIELD_FULL_TUNNEL_IPS_TEST) == 0;

	g_assert_cmpstr (text (f, "peer_public_key_entry", i), ==, nm_setting_vpn_get_data_item (s_vpn, k_pub));
	v = nm_setting_vpn_get_data_item (s_vpn, k_ep);
	g_assert_cmpstr (text (f, "peer_endpoint_entry", i), ==, v ? v : "");
	v = nm_setting_vpn_get_data_item (s_vpn, k_ka);
	g_assert_cmpstr (text (f, "peer_keepalive_entry", i), ==, v ? v : "");
	v = nm_setting_vpn_get_secret (s_vpn, k_psk);
	g_assert_cmpstr (text (f, "peer_preshared_key_entry", i), ==, v ? v : "");
	/* Stored by NetworkManager, as nmcli's import stores it. */
	g_assert_cmpint (storage_of (f, "peer_preshared_key_entry", i), ==, NM_SETTING_SECRET_FLAG_NONE);
	g_assert_cmpint (is_active (f, "peer_full_tunnel_radio", i), ==, full);
	g_assert_cmpint (is_active (f, "peer_split_tunnel_radio", i), ==, !full);
	if (!full)
		g_assert_cmpstr (text (f, "peer_allowed_ips_entry", i), ==, ips);
}

/* Every field shows what the reference connection holds. */
static void
assert_editor_shows (Fixture *f, NMConnection *reference)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (reference);
	const char *private_key = nm_setting_vpn_get_secret (s_vpn, "private-key");
	g_autofree char *public_key = public_of (private_key);
	const char *mode = nm_setting_vpn_get_data_item (s_vpn, "kill-switch");
	static const char *const entries[][2] = {
		{ "address_entry", "address" },         { "listen_port_entry", "listen-port" },
		{ "mtu_entry", "mtu" },                 { "dns_entry", "dns" },
		{ "dns_search_entry", "dns-search" },
	};
	guint i, n = 0;

	for (i = 0; i < G_N_ELEMENTS (entries); i++) {
		const char *v = nm_setting_vpn_get_data_item (s_vpn, entries[i][1]);

		g_assert_cmpstr (text (f, entries[i][0], 0), ==, v ? v : "");
	}
	g_assert_cmpstr (text (f, "private_key_entry", 0), ==, private_key);
	g_assert_cmpstr (text (f, "public_key_entry", 0), ==, public_key);
	g_assert_cmpint (storage_of (f, "private_key_entry", 0), ==, NM_SETTING_SECRET_FLAG_NONE);
	g_assert_cmpint (is_active (f, "kill_switch_off_radio", 0), ==, g_str_equal (mode, "off"));
	g_assert_cmpint (is_active (f, "kill_switch_on_radio", 0), ==, g_str_equal (mode, "on"));
	g_assert_cmpint (is_active (f, "kill_switch_lockdown_radio", 0), ==, g_str_equal (mode, "lockdown"));
	g_assert_cmpint (is_active (f, "allow_lan_check", 0), ==,
	                 g_str_equal (nm_setting_vpn_get_data_item (s_vpn, "allow-lan"), "yes"));
	g_assert_cmpint (is_active (f, "dns_leak_check", 0), ==,
	                 g_str_equal (nm_setting_vpn_get_data_item (s_vpn, "dns-leak-protection"), "yes"));
	for (;; n++) {
		g_autofree char *key = g_strdup_printf ("peer.%u.public-key", n);

		if (!nm_setting_vpn_get_data_item (s_vpn, key))
			break;
	}
	g_assert_cmpuint (n, >, 0);
	g_assert_cmpuint (n_peers (f), ==, n);
	for (i = 0; i < n; i++)
		assert_peer_matches (f, s_vpn, i);
	g_assert_false (gtk_widget_get_visible (w (f, "validation_label", 0)));
}

/* What the editor saves equals nmcli's import: vpn.data, vpn.secrets (so
 * also the secret flags), persistence and the ipv4/ipv6 settings. */
static void
assert_saves_as (Fixture *f, NMConnection *reference)
{
	g_autoptr (NMConnection) out = update_ok (f);
	g_autoptr (GHashTable) d0 = data_of (reference, FALSE);
	g_autoptr (GHashTable) d1 = data_of (out, FALSE);
	g_autoptr (GHashTable) s0 = data_of (reference, TRUE);
	g_autoptr (GHashTable) s1 = data_of (out, TRUE);

	assert_tables_equal (d0, d1);
	assert_tables_equal (s0, s1);
	g_assert_true (nm_setting_vpn_get_persistent (nm_connection_get_setting_vpn (out)));
	wgks_test_assert_same_ip (reference, out);
	g_assert_true (nm_connection_verify (out, NULL));
}

static void
assert_status_names (Fixture *f, const char *file, const char *const *warnings)
{
	GtkWidget *label = w (f, "import_status_label", 0);
	const char *shown = gtk_label_get_text (GTK_LABEL (label));
	guint i;

	g_assert_true (gtk_widget_get_visible (label));
	g_assert_nonnull (strstr (shown, file));
	g_assert_false (gtk_widget_has_css_class (label, "error"));
	g_assert_cmpint (gtk_widget_has_css_class (label, "warning"), ==, warnings[0] != NULL);
	if (!warnings[0])
		g_assert_null (strstr (shown, "Warnings"));
	for (i = 0; warnings[i]; i++)
		if (!strstr (shown, warnings[i]))
			g_error ("the import status “%s” does not say “%s”", shown, warnings[i]);
}

static void
test_import_fixture (Fixture *f, gconstpointer data)
{
	const ImportCase *c = data;
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", c->file, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (WgksConfig) config = wgks_wgquick_read_file (path, warnings, &error);
	guint i;

	g_assert_no_error (error);
	g_assert_nonnull (reference);
	g_assert_false (gtk_widget_get_visible (w (f, "import_status_label", 0)));
	/* Whatever the storage was, the import's own applies. */
	nma_utils_update_password_storage (w (f, "private_key_entry", 0), NM_SETTING_SECRET_FLAG_NOT_SAVED, NULL, NULL);
	import_action (f, path);
	assert_editor_shows (f, reference);
	assert_status_names (f, c->file, c->warnings);
	/* Every warning the importer gives is shown, with its line. */
	for (i = 0; i < warnings->len; i++)
		g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (w (f, "import_status_label", 0))),
		                          warnings->pdata[i]));
	assert_saves_as (f, reference);
}

/* An import into a connection that has settings replaces all of them,
 * keys the editor does not show (fwmark, table) included. */
static void
test_import_over_existing (Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "seed.conf", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_autoptr (NMConnection) out = NULL;

	g_assert_no_error (error);
	g_assert_cmpuint (n_peers (f), ==, 3);
	import_action (f, path);
	g_assert_cmpuint (n_peers (f), ==, 1);
	assert_editor_shows (f, reference);
	out = update_ok (f);
	g_assert_null (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "fwmark"));
	g_assert_null (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "peer.1.public-key"));
	assert_saves_as (f, reference);
	/* The full tunnel of seed.conf takes the default route through its own table. */
	assert_ip (out, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
}

/* A split tunnel imported over a full tunnel leaves the full tunnel's own
 * route table (saved in the connection's IP settings): its routes would
 * go to a table nothing looks up. */
static void
test_import_split_over_full (Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "split-table-off.conf", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_autoptr (NMConnection) out = NULL;

	g_assert_no_error (error);
	assert_ip (f->connection, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
	import_action (f, path);
	assert_editor_shows (f, reference);
	assert_saves_as (f, reference);
	/* As nm-connection-editor saves: into the connection it opened. */
	out = nm_simple_connection_new_clone (f->connection);
	update_in_place (f, out);
	assert_ip (out, FALSE, FALSE, 0);
}

/* The host may keep the widget after the editor is gone: the action must go too. */
static void
test_import_after_editor_gone (Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "seed.conf", NULL);

	g_signal_handlers_disconnect_by_data (f->editor, f);
	g_clear_object (&f->editor);
	g_assert_false (gtk_widget_activate_action (f->root, "wgks-editor.import-file", "s", path));
}

/* A file the importer refuses changes no field and says why, with the line. */
static void
test_import_refused (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("wgks-editor-XXXXXX", &error);
	g_autofree char *path = NULL;
	g_autoptr (NMConnection) before = NULL, after = NULL;
	g_autoptr (GHashTable) d0 = NULL, d1 = NULL;
	GtkWidget *label = w (f, "import_status_label", 0);

	g_assert_no_error (error);
	path = g_build_filename (dir, "broken.conf", NULL);
	g_assert_true (g_file_set_contents (path, "[Interface]\nPrivateKey = nope\n", -1, &error));
	before = update_ok (f);
	g_assert_true (gtk_widget_activate_action (f->root, "wgks-editor.import-file", "s", path));
	g_assert_true (gtk_widget_get_visible (label));
	g_assert_true (gtk_widget_has_css_class (label, "error"));
	g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "broken.conf:2"));
	g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "PrivateKey"));
	after = update_ok (f);
	d0 = data_of (before, FALSE);
	d1 = data_of (after, FALSE);
	assert_tables_equal (d0, d1);
	g_assert_cmpuint (n_peers (f), ==, 3);
	g_unlink (path);
	g_rmdir (dir);
}

/* Every entry and option is reachable by a mnemonic and carries a label for screen readers. */
static void
test_labels (Fixture *f, gconstpointer data)
{
	static const char *const entries[] = {
		"address_entry", "private_key_entry", "public_key_entry", "listen_port_entry", "mtu_entry",
		"dns_entry", "dns_search_entry", "peer_public_key_entry", "peer_preshared_key_entry",
		"peer_endpoint_entry", "peer_keepalive_entry",
	};
	static const char *const buttons[] = {
		"private_key_show_check", "generate_button", "public_key_copy_button", "add_peer_button",
		"kill_switch_off_radio", "kill_switch_on_radio", "kill_switch_lockdown_radio",
		"allow_lan_check", "dns_leak_check", "peer_full_tunnel_radio", "peer_split_tunnel_radio",
		"import_button",
		"dns_over_tls_no_radio", "dns_over_tls_opportunistic_radio", "dns_over_tls_yes_radio",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (entries); i++) {
		GList *labels = gtk_widget_list_mnemonic_labels (w (f, entries[i], 0));

		if (!labels)
			g_error ("%s has no mnemonic label", entries[i]);
		g_assert_nonnull (strchr (gtk_label_get_label (labels->data), '_'));
		g_list_free (labels);
	}
	for (i = 0; i < G_N_ELEMENTS (buttons); i++) {
		GtkWidget *b = w (f, buttons[i], 0);
		const char *label = GTK_IS_BUTTON (b) ? gtk_button_get_label (GTK_BUTTON (b))
		                                      : gtk_check_button_get_label (GTK_CHECK_BUTTON (b));

		g_assert_nonnull (label);
		if (!strchr (label, '_'))
			g_error ("%s (“%s”) has no mnemonic", buttons[i], label);
	}
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	guint i;
	int ret;

	wgks_test_set_dirs ();
	gtk_test_init (&argc, &argv, NULL);
	plugin = wgks_test_load_plugin (&error);
	g_assert_no_error (error);

	g_test_add ("/editor/new/defaults", Fixture, NULL, fixture_new, test_new_defaults, fixture_close);
	g_test_add ("/editor/new/generate-and-show-key", Fixture, NULL, fixture_new, test_generate_and_show,
	            fixture_close);
	g_test_add ("/editor/new/fill-everything", Fixture, NULL, fixture_new, test_fill_everything, fixture_close);
	g_test_add ("/editor/new/invalid-fields", Fixture, NULL, fixture_new, test_invalid_fields, fixture_close);
	g_test_add ("/editor/new/remove-peer", Fixture, NULL, fixture_new, test_remove_peer, fixture_close);
	g_test_add ("/editor/new/ask-every-time", Fixture, NULL, fixture_new, test_ask_every_time, fixture_close);
	g_test_add ("/editor/new/labels", Fixture, NULL, fixture_new, test_labels, fixture_close);
	g_test_add ("/editor/imported/shows-everything", Fixture, NULL, fixture_office, test_open_imported,
	            fixture_close);
	g_test_add ("/editor/new/ip-settings", Fixture, NULL, fixture_new, test_new_ip_settings, fixture_close);
	g_test_add ("/editor/imported/ip-settings", Fixture, NULL, fixture_office, test_imported_ip_settings,
	            fixture_close);
	for (i = 0; i < G_N_ELEMENTS (import_cases); i++) {
		g_autofree char *name = g_strdup_printf ("/editor/import/%s", import_cases[i].file);

		g_test_add (name, Fixture, &import_cases[i], fixture_new, test_import_fixture, fixture_close);
	}
	g_test_add ("/editor/import/over-existing", Fixture, NULL, fixture_office, test_import_over_existing,
	            fixture_close);
	g_test_add ("/editor/import/split-over-full", Fixture, NULL, fixture_seed, test_import_split_over_full,
	            fixture_close);
	g_test_add ("/editor/import/after-editor-gone", Fixture, NULL, fixture_new, test_import_after_editor_gone,
	            fixture_close);
	g_test_add ("/editor/import/refused", Fixture, NULL, fixture_office, test_import_refused, fixture_close);
	ret = g_test_run ();
	g_object_unref (plugin);
	return ret;
}
