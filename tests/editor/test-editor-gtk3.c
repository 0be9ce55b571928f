/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GTK 3 editor (nm-connection-editor's), loaded through the same .name
 * file from a GTK 3 process: it shows an imported connection, saves it
 * unchanged and refuses an invalid field. Runs under Xvfb (test-editor-gtk3.sh). */
#include "config.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>
#include <string.h>

static NMVpnEditorPlugin *plugin;

typedef struct {
	const char *id;
	GtkWidget  *found;
} Search;

static void
search_widget (GtkWidget *widget, gpointer user_data)
{
	Search *s = user_data;

	if (s->found)
		return;
	if (g_strcmp0 (gtk_buildable_get_name (GTK_BUILDABLE (widget)), s->id) == 0)
		s->found = widget;
	else if (GTK_IS_CONTAINER (widget))
		gtk_container_forall (GTK_CONTAINER (widget), search_widget, s);
}

static GtkWidget *
find (GtkWidget *root, const char *id)
{
	Search s = { id, NULL };

	search_widget (root, &s);
	g_assert_nonnull (s.found);
	return s.found;
}

static void
add_item (const char *key, const char *value, gpointer table)
{
	g_hash_table_insert (table, g_strdup (key), g_strdup (value));
}

static void
assert_same_data (NMSettingVpn *a, NMSettingVpn *b)
{
	g_autoptr (GHashTable) ta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr (GHashTable) tb = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer key, value;

	nm_setting_vpn_foreach_data_item (a, add_item, ta);
	nm_setting_vpn_foreach_secret (a, add_item, ta);
	nm_setting_vpn_foreach_data_item (b, add_item, tb);
	nm_setting_vpn_foreach_secret (b, add_item, tb);
	g_hash_table_iter_init (&iter, ta);
	while (g_hash_table_iter_next (&iter, &key, &value))
		g_assert_cmpstr (g_hash_table_lookup (tb, key), ==, value);
	g_assert_cmpuint (g_hash_table_size (ta), ==, g_hash_table_size (tb));
}

static void
test_imported (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "office.conf", NULL);
	g_autoptr (NMConnection) connection = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_autoptr (NMVpnEditor) editor = NULL;
	g_autoptr (NMConnection) out = NULL;
	GtkWidget *root, *endpoint;

	g_assert_no_error (error);
	editor = nm_vpn_editor_plugin_get_editor (plugin, connection, &error);
	g_assert_no_error (error);
	root = GTK_WIDGET (nm_vpn_editor_get_widget (editor));
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (find (root, "address_entry"))), ==,
	                 "10.10.0.5/24, fd00:10::5/64, 2001:db8:10::5/64");
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (find (root, "peer_endpoint_entry"))), ==,
	                 "203.0.113.10:51820");
	g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (find (root, "kill_switch_on_radio"))));

	out = nm_simple_connection_new_clone (connection);
	g_assert_true (nm_vpn_editor_update_connection (editor, out, &error));
	g_assert_no_error (error);
	assert_same_data (nm_connection_get_setting_vpn (connection), nm_connection_get_setting_vpn (out));

	endpoint = find (root, "peer_endpoint_entry");
	gtk_entry_set_text (GTK_ENTRY (endpoint), "vpn.example.com");
	g_assert_false (nm_vpn_editor_update_connection (editor, out, &error));
	g_assert_nonnull (strstr (error->message, "Peer 1 endpoint"));
	g_assert_true (gtk_style_context_has_class (gtk_widget_get_style_context (endpoint), "error"));
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *name_file = NULL;
	g_autoptr (NMVpnPluginInfo) info = NULL;
	int ret;

	gtk_test_init (&argc, &argv, NULL);
	name_file = g_test_build_filename (G_TEST_BUILT, "nm-wireguard-killswitch-service.name", NULL);
	info = nm_vpn_plugin_info_new_from_file (name_file, &error);
	g_assert_no_error (error);
	plugin = nm_vpn_plugin_info_load_editor_plugin (info, &error);
	g_assert_no_error (error);
	g_test_add_func ("/editor-gtk3/imported", test_imported);
	ret = g_test_run ();
	return ret;
}
