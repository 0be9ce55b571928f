/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The editor under test, opened on a connection, and what the editor tests
 * do with its widgets and the connections it saves. */
#include "config.h"

#include <string.h>

#include "editor-fixture.h"
#include "editor-test-utils.h"
#include "wgks-key.h"

NMVpnEditorPlugin *ed_plugin;

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
	f->editor = nm_vpn_editor_plugin_get_editor (ed_plugin, connection, &error);
	g_assert_no_error (error);
	g_assert_nonnull (f->editor);
	f->root = GTK_WIDGET (nm_vpn_editor_get_widget (f->editor));
	g_assert_true (GTK_IS_WIDGET (f->root));
	g_object_ref_sink (f->root);
	g_signal_connect (f->editor, "changed", G_CALLBACK (count_changed), f);
}

void
ed_fixture_new (Fixture *f, gconstpointer data)
{
	fixture_open (f, wgks_test_new_connection ());
}

void
ed_fixture_office (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	NMConnection *connection = wgks_test_import (ed_plugin, "office.conf", &error);

	g_assert_no_error (error);
	fixture_open (f, connection);
}

void
ed_fixture_seed (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	NMConnection *connection = wgks_test_import (ed_plugin, "seed.conf", &error);

	g_assert_no_error (error);
	fixture_open (f, connection);
}

void
ed_fixture_close (Fixture *f, gconstpointer data)
{
	if (f->editor)
		g_signal_handlers_disconnect_by_data (f->editor, f);
	g_clear_object (&f->editor);
	g_object_unref (f->root);
	g_object_unref (f->connection);
}

GtkWidget *
ed_w (Fixture *f, const char *id, guint nth)
{
	return wgks_test_find (f->root, id, nth);
}

const char *
ed_text (Fixture *f, const char *id, guint nth)
{
	return gtk_editable_get_text (GTK_EDITABLE (ed_w (f, id, nth)));
}

void
ed_type (Fixture *f, const char *id, guint nth, const char *value)
{
	guint before = f->changed;

	gtk_editable_set_text (GTK_EDITABLE (ed_w (f, id, nth)), value);
	g_assert_cmpuint (f->changed, >, before);
}

void
ed_set_active (Fixture *f, const char *id, guint nth, gboolean active)
{
	gtk_check_button_set_active (GTK_CHECK_BUTTON (ed_w (f, id, nth)), active);
}

gboolean
ed_is_active (Fixture *f, const char *id, guint nth)
{
	return gtk_check_button_get_active (GTK_CHECK_BUTTON (ed_w (f, id, nth)));
}

void
ed_click (Fixture *f, const char *id, guint nth)
{
	g_signal_emit_by_name (ed_w (f, id, nth), "clicked");
}

guint
ed_n_peers (Fixture *f)
{
	g_autoptr (GPtrArray) frames = wgks_test_find_all (f->root, "peer_frame");

	return frames->len;
}

NMConnection *
ed_update_ok (Fixture *f)
{
	g_autoptr (GError) error = NULL;
	NMConnection *out = nm_simple_connection_new_clone (f->connection);

	g_assert_true (nm_vpn_editor_update_connection (f->editor, out, &error));
	g_assert_no_error (error);
	return out;
}

void
ed_update_fails (Fixture *f, const char *field)
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

GHashTable *
ed_data_of (NMConnection *c, gboolean secrets)
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
void
ed_assert_exactly (GHashTable *actual, const char *const *expected)
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

void
ed_assert_tables_equal (GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init (&iter, a);
	while (g_hash_table_iter_next (&iter, &key, &value))
		g_assert_cmpstr (g_hash_table_lookup (b, key), ==, value);
	g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
}

char *
ed_public_of (const char *private_b64)
{
	WgksKey priv, pub;
	char b64[WGKS_KEY_B64_LEN + 1];

	g_assert_true (wgks_key_from_base64 (private_b64, &priv));
	wgks_key_public_from_private (&priv, &pub);
	wgks_key_to_base64 (&pub, b64);
	return g_strdup (b64);
}

/* Peer row I shows what S_VPN holds for peer I: public key, endpoint,
 * keepalive and preshared key. */
void
ed_assert_peer_keys (Fixture *f, NMSettingVpn *s_vpn, guint i)
{
	g_autofree char *k_pub = g_strdup_printf ("peer.%u.public-key", i);
	g_autofree char *k_ep = g_strdup_printf ("peer.%u.endpoint", i);
	g_autofree char *k_ka = g_strdup_printf ("peer.%u.persistent-keepalive", i);
	g_autofree char *k_psk = g_strdup_printf ("peer.%u.preshared-key", i);
	const char *v;

	g_assert_cmpstr (ed_text (f, "peer_public_key_entry", i), ==, nm_setting_vpn_get_data_item (s_vpn, k_pub));
	v = nm_setting_vpn_get_data_item (s_vpn, k_ep);
	g_assert_cmpstr (ed_text (f, "peer_endpoint_entry", i), ==, v ? v : "");
	v = nm_setting_vpn_get_data_item (s_vpn, k_ka);
	g_assert_cmpstr (ed_text (f, "peer_keepalive_entry", i), ==, v ? v : "");
	v = nm_setting_vpn_get_secret (s_vpn, k_psk);
	g_assert_cmpstr (ed_text (f, "peer_preshared_key_entry", i), ==, v ? v : "");
}


/* The ipv4/ipv6 settings follow the tunnel as the wg-quick importer sets
 * them (shared/wgks-config.c, wgks_config_apply_ip_settings). */
void
ed_assert_ip (NMConnection *c, gboolean full, gboolean owns_dns, guint32 table)
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
void
ed_update_in_place (Fixture *f, NMConnection *c)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (nm_vpn_editor_update_connection (f->editor, c, &error));
	g_assert_no_error (error);
}
