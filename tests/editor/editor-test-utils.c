/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "editor-test-utils.h"

#include "nm-wgks-service-defines.h"

/* Like g_test_build_filename(), also in the screenshot tool, which is no GLib
 * test; without the variable, the tree the test was built from. */
static char *
test_file (const char *env, const char *first, const char *second)
{
	const char *dir = g_getenv (env);

	if (!dir)
		dir = g_str_equal (env, "G_TEST_SRCDIR") ? WGKS_TEST_SRCDIR : WGKS_TEST_BUILDDIR;
	return g_build_filename (dir, first, second, NULL);
}

char *
wgks_test_data_file (const char *name)
{
	return test_file ("G_TEST_SRCDIR", "data", name);
}

NMVpnEditorPlugin *
wgks_test_load_plugin (GError **error)
{
	g_autofree char *name_file = test_file ("G_TEST_BUILDDIR", "nm-wireguard-killswitch-service.name", NULL);
	g_autoptr (NMVpnPluginInfo) info = nm_vpn_plugin_info_new_from_file (name_file, error);
	NMVpnEditorPlugin *plugin;

	if (!info)
		return NULL;
	plugin = nm_vpn_plugin_info_load_editor_plugin (info, error);
	return plugin ? g_object_ref (plugin) : NULL;
}

NMConnection *
wgks_test_new_connection (void)
{
	NMConnection *connection = nm_simple_connection_new ();
	NMSetting *s_con = nm_setting_connection_new ();
	NMSetting *s_vpn = nm_setting_vpn_new ();
	g_autofree char *uuid = nm_utils_uuid_generate ();

	g_object_set (s_con, NM_SETTING_CONNECTION_ID, "new", NM_SETTING_CONNECTION_UUID, uuid,
	              NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
	g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE, NULL);
	nm_connection_add_setting (connection, s_con);
	nm_connection_add_setting (connection, s_vpn);
	return connection;
}

NMConnection *
wgks_test_import (NMVpnEditorPlugin *plugin, const char *data_file, GError **error)
{
	g_autofree char *path = test_file ("G_TEST_SRCDIR", "data", data_file);

	return nm_vpn_editor_plugin_import (plugin, path, error);
}

static void
collect (GtkWidget *widget, const char *id, GPtrArray *out)
{
	GtkWidget *child;

	if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), id) == 0)
		g_ptr_array_add (out, widget);
	for (child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
		collect (child, id, out);
}

GPtrArray *
wgks_test_find_all (GtkWidget *root, const char *id)
{
	GPtrArray *out = g_ptr_array_new ();

	collect (root, id, out);
	return out;
}

GtkWidget *
wgks_test_find (GtkWidget *root, const char *id, guint nth)
{
	g_autoptr (GPtrArray) all = wgks_test_find_all (root, id);

	if (nth >= all->len)
		g_error ("no widget “%s” #%u in the editor (%u found)", id, nth, all->len);
	return all->pdata[nth];
}
