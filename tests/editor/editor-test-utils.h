/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the editor tests and the screenshot tool share: the plugin loaded as
 * GNOME Settings loads it, and widgets found by their GtkBuilder ids. */
#ifndef EDITOR_TEST_UTILS_H
#define EDITOR_TEST_UTILS_H

#include <NetworkManager.h>
#include <gtk/gtk.h>

/* tests/data/NAME in the source tree */
char              *wgks_test_data_file (const char *name);
NMVpnEditorPlugin *wgks_test_load_plugin (GError **error);
NMConnection      *wgks_test_new_connection (void);
NMConnection      *wgks_test_import (NMVpnEditorPlugin *plugin, const char *data_file, GError **error);

/* Every widget under @root built from the GtkBuilder id @id, in tree order
 * (so the Nth match of a peer's widget belongs to peer N). */
GPtrArray *wgks_test_find_all (GtkWidget *root, const char *id);
GtkWidget *wgks_test_find (GtkWidget *root, const char *id, guint nth);

#endif
