/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Renders the real GTK 4 editor in a window and saves it as PNG:
 *   editor-screenshot new|imported|invalid|import FILE.png
 * ("import": a new connection after "Import wg-quick file…" of seed.conf)
 * (see screenshots.sh, which runs it under Xvfb). */
#include "config.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>

#include "editor-test-utils.h"

static NMConnection *
connection_for (NMVpnEditorPlugin *plugin, const char *mode, GError **error)
{
	if (g_str_equal (mode, "new") || g_str_equal (mode, "import"))
		return wgks_test_new_connection ();
	return wgks_test_import (plugin, "office.conf", error);
}

/* What a person typing a server name without its port would see. */
static void
make_invalid (GtkWidget *editor)
{
	gtk_editable_set_text (GTK_EDITABLE (wgks_test_find (editor, "peer_endpoint_entry", 0)),
	                       "vpn.example.com");
}

static gboolean
quit_later (gpointer loop)
{
	g_main_loop_quit (loop);
	return G_SOURCE_REMOVE;
}

static void
run_main_loop (guint ms)
{
	g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

	g_timeout_add (ms, quit_later, loop);
	g_main_loop_run (loop);
}

static gboolean
save_png (GtkWidget *widget, const char *path, GError **error)
{
	g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
	g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
	g_autoptr (GskRenderNode) node = NULL;
	g_autoptr (GdkTexture) texture = NULL;
	int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
	graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);

	gdk_paintable_snapshot (paintable, snapshot, width, height);
	node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
	if (!node) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nothing was drawn");
		return FALSE;
	}
	texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
	                                       &bounds);
	if (!gdk_texture_save_to_png (texture, path)) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
		return FALSE;
	}
	return TRUE;
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (NMVpnEditorPlugin) plugin = NULL;
	g_autoptr (NMConnection) connection = NULL;
	g_autoptr (NMVpnEditor) editor = NULL;
	GtkWidget *window, *frame, *widget;

	if (argc != 3) {
		g_printerr ("usage: %s new|imported|invalid|import FILE.png\n", argv[0]);
		return 2;
	}
	gtk_init ();
	plugin = wgks_test_load_plugin (&error);
	if (plugin)
		connection = connection_for (plugin, argv[1], &error);
	if (connection)
		editor = nm_vpn_editor_plugin_get_editor (plugin, connection, &error);
	if (!editor) {
		g_printerr ("%s\n", error->message);
		return 1;
	}
	widget = GTK_WIDGET (nm_vpn_editor_get_widget (editor));
	if (g_str_equal (argv[1], "invalid"))
		make_invalid (widget);
	if (g_str_equal (argv[1], "import")) {
		g_autofree char *path = wgks_test_data_file ("seed.conf");

		gtk_widget_activate_action (widget, "wgks-editor.import-file", "s", path);
	}

	/* The window background, without decorations. */
	frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
	gtk_widget_add_css_class (frame, "background");
	gtk_widget_set_size_request (frame, 720, -1);
	gtk_box_append (GTK_BOX (frame), widget);
	window = gtk_window_new ();
	gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
	gtk_window_set_child (GTK_WINDOW (window), frame);
	gtk_window_present (GTK_WINDOW (window));
	run_main_loop (1500);

	if (!save_png (frame, argv[2], &error)) {
		g_printerr ("%s\n", error->message);
		return 1;
	}
	gtk_window_destroy (GTK_WINDOW (window));
	return 0;
}
