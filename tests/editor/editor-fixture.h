/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the GTK 4 editor tests (test-editor.c, test-editor-import.c): the
 * editor opened on a connection, and its widgets found by their GtkBuilder ids. */
#ifndef EDITOR_FIXTURE_H
#define EDITOR_FIXTURE_H

#include <NetworkManager.h>
#include <gtk/gtk.h>

/* Loaded once by main() */
extern NMVpnEditorPlugin *ed_plugin;

typedef struct {
	NMConnection *connection;
	NMVpnEditor  *editor;
	GtkWidget    *root;
	guint         changed;
} Fixture;

void ed_fixture_new (Fixture *f, gconstpointer data);
void ed_fixture_office (Fixture *f, gconstpointer data);
void ed_fixture_seed (Fixture *f, gconstpointer data);
void ed_fixture_close (Fixture *f, gconstpointer data);
GtkWidget *ed_w (Fixture *f, const char *id, guint nth);
const char *ed_text (Fixture *f, const char *id, guint nth);
void ed_type (Fixture *f, const char *id, guint nth, const char *value);
void ed_set_active (Fixture *f, const char *id, guint nth, gboolean active);
gboolean ed_is_active (Fixture *f, const char *id, guint nth);
void ed_click (Fixture *f, const char *id, guint nth);
guint ed_n_peers (Fixture *f);
NMConnection *ed_update_ok (Fixture *f);
void ed_update_fails (Fixture *f, const char *field);
GHashTable *ed_data_of (NMConnection *c, gboolean secrets);
void ed_assert_exactly (GHashTable *actual, const char *const *expected);
void ed_assert_tables_equal (GHashTable *a, GHashTable *b);
char *ed_public_of (const char *private_b64);
void ed_assert_peer_keys (Fixture *f, NMSettingVpn *s_vpn, guint i);
void ed_assert_ip (NMConnection *c, gboolean full, gboolean owns_dns, guint32 table);
void ed_update_in_place (Fixture *f, NMConnection *c);

/* The tests of "Import wg-quick file…" (test-editor-import.c) */
void ed_add_import_tests (void);

#endif
