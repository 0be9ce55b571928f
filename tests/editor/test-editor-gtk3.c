/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GTK 3 editor (nm-connection-editor's), loaded through the same .name
 * file from a GTK 3 process: it shows an imported connection, saves it
 * unchanged and refuses an invalid field; its "Import wg-quick file…"
 * action saves what nmcli's import makes. Runs under Xvfb (test-editor-gtk3.sh). */
#include "config.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "test-utils.h"

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

typedef struct {
	const char *id;
	guint       count;
} Count;

static void
count_widget (GtkWidget *widget, gpointer user_data)
{
	Count *c = user_data;

	if (g_strcmp0 (gtk_buildable_get_name (GTK_BUILDABLE (widget)), c->id) == 0)
		c->count++;
	if (GTK_IS_CONTAINER (widget))
		gtk_container_forall (GTK_CONTAINER (widget), count_widget, c);
}

static guint
count (GtkWidget *root, const char *id)
{
	Count c = { id, 0 };

	count_widget (root, &c);
	return c.count;
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


typedef struct {
	const char        *file;
	guint              n_peers;
	const char *const *warnings;
} ImportCase;

static const char *const no_warnings[] = { NULL };
static const char *const hook_warnings[] = { "PostUp", "not run", NULL };
static const char *const hook_save_warnings[] = { "PostUp", "not run", "SaveConfig", NULL };

static const ImportCase import_cases[] = {
	{ "seed.conf", 1, hook_warnings },
	{ "office.conf", 3, no_warnings },
	{ "full-tunnel-psk.conf", 1, no_warnings },
	{ "split-table-off.conf", 1, hook_save_warnings },
};

/* A new connection, as nm-connection-editor makes one before the VPN page. */
static NMConnection *
new_connection (void)
{
	NMConnection *connection = nm_simple_connection_new ();
	NMSetting *s_con = nm_setting_connection_new ();
	NMSetting *s_vpn = nm_setting_vpn_new ();
	g_autofree char *uuid = nm_utils_uuid_generate ();

	g_object_set (s_con, NM_SETTING_CONNECTION_ID, "VPN connection 1", NM_SETTING_CONNECTION_UUID, uuid,
	              NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
	g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, "org.freedesktop.NetworkManager.wireguard-killswitch", NULL);
	nm_connection_add_setting (connection, s_con);
	nm_connection_add_setting (connection, s_vpn);
	return connection;
}

static void
test_import (gconstpointer data)
{
	const ImportCase *c = data;
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", c->file, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_autoptr (NMConnection) connection = new_connection ();
	g_autoptr (NMVpnEditor) editor = NULL;
	NMSettingVpn *s_ref;
	GtkWidget *root, *status;
	GActionGroup *actions;
	const char *shown;
	guint i;

	g_assert_no_error (error);
	s_ref = nm_connection_get_setting_vpn (reference);
	editor = nm_vpn_editor_plugin_get_editor (plugin, connection, &error);
	g_assert_no_error (error);
	root = GTK_WIDGET (nm_vpn_editor_get_widget (editor));
	g_object_ref_sink (root);
	status = find (root, "import_status_label");
	g_assert_false (gtk_widget_get_visible (status));
	g_assert_nonnull (strchr (gtk_button_get_label (GTK_BUTTON (find (root, "import_button"))), '_'));

	actions = gtk_widget_get_action_group (root, "wgks-editor");
	g_assert_nonnull (actions);
	g_action_group_activate_action (actions, "import-file", g_variant_new_string (path));

	g_assert_cmpuint (count (root, "peer_frame"), ==, c->n_peers);
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (find (root, "address_entry"))), ==,
	                 nm_setting_vpn_get_data_item (s_ref, "address"));
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (find (root, "private_key_entry"))), ==,
	                 nm_setting_vpn_get_secret (s_ref, "private-key"));
	g_assert_cmpint (nma_utils_menu_to_secret_flags (find (root, "private_key_entry")), ==,
	                 NM_SETTING_SECRET_FLAG_NONE);
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (find (root, "peer_public_key_entry"))), ==,
	                 nm_setting_vpn_get_data_item (s_ref, "peer.0.public-key"));
	g_assert_false (gtk_widget_get_visible (find (root, "validation_label")));

	g_assert_true (gtk_widget_get_visible (status));
	shown = gtk_label_get_text (GTK_LABEL (status));
	g_assert_nonnull (strstr (shown, c->file));
	g_assert_cmpint (gtk_style_context_has_class (gtk_widget_get_style_context (status), "warning"), ==,
	                 c->warnings[0] != NULL);
	for (i = 0; c->warnings[i]; i++)
		if (!strstr (shown, c->warnings[i]))
			g_error ("the import status “%s” does not say “%s”", shown, c->warnings[i]);

	/* nm-connection-editor saves into its own connection. */
	g_assert_true (nm_vpn_editor_update_connection (editor, connection, &error));
	g_assert_no_error (error);
	assert_same_data (s_ref, nm_connection_get_setting_vpn (connection));
	g_assert_true (nm_setting_vpn_get_persistent (nm_connection_get_setting_vpn (connection)));
	wgks_test_assert_same_ip (reference, connection);
	g_object_unref (root);
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *name_file = NULL;
	g_autoptr (NMVpnPluginInfo) info = NULL;
	guint i;
	int ret;

	wgks_test_set_dirs ();
	gtk_test_init (&argc, &argv, NULL);
	name_file = g_test_build_filename (G_TEST_BUILT, "nm-wireguard-killswitch-service.name", NULL);
	info = nm_vpn_plugin_info_new_from_file (name_file, &error);
	g_assert_no_error (error);
	plugin = nm_vpn_plugin_info_load_editor_plugin (info, &error);
	g_assert_no_error (error);
	g_test_add_func ("/editor-gtk3/imported", test_imported);
	for (i = 0; i < G_N_ELEMENTS (import_cases); i++) {
		g_autofree char *name = g_strdup_printf ("/editor-gtk3/import/%s", import_cases[i].file);

		g_test_add_data_func (name, &import_cases[i], test_import);
	}
	ret = g_test_run ();
	return ret;
}
