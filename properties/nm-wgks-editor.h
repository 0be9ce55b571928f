/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GTK editor of one connection (NMVpnEditor), built for GTK 3 and GTK 4. */
#ifndef NM_WGKS_EDITOR_H
#define NM_WGKS_EDITOR_H

#include <NetworkManager.h>
#include <gtk/gtk.h>

#define NM_TYPE_WGKS_EDITOR (nm_wgks_editor_get_type ())
G_DECLARE_FINAL_TYPE (NMWgksEditor, nm_wgks_editor, NM, WGKS_EDITOR, GObject)

#define WGKS_EDITOR_RESOURCE_PATH "/org/freedesktop/network-manager-wireguard-killswitch/"

/* The one symbol the library exports; the editor plugin core dlopens it. */
NMVpnEditor *nm_wgks_editor_new (NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error);

/* Marks @entry as invalid (CSS class "error", the reason as tooltip) when
 * @error says its text is malformed, and keeps the first error in @first.
 * Takes *@field_error (and clears it); returns whether it was NULL. */
gboolean wgks_editor_check_field (GError **first, GtkWidget *entry, GError **field_error);

GtkBuilder *wgks_editor_builder_new (const char *ui_name, GError **error);

#endif
