/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "Import wg-quick file…": the editor's action, compared with what
 * "nmcli connection import type wireguard-killswitch" makes of the same
 * file (nmcli calls nm_vpn_editor_plugin_import()). */
#include "config.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "editor-fixture.h"
#include "wgks-config.h"
#include "wgks-wgquick.h"
#include "test-utils.h"

#define WGKS_FIELD_FULL_TUNNEL_IPS_TEST "0.0.0.0/0, ::/0"

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
	return nma_utils_menu_to_secret_flags (ed_w (f, id, nth));
}

static void
assert_peer_matches (Fixture *f, NMSettingVpn *s_vpn, guint i)
{
	g_autofree char *k_ips = g_strdup_printf ("peer.%u.allowed-ips", i);
	const char *ips = nm_setting_vpn_get_data_item (s_vpn, k_ips);
	gboolean full = g_strcmp0 (ips, WGKS_FIELD_FULL_TUNNEL_IPS_TEST) == 0;

	ed_assert_peer_keys (f, s_vpn, i);
	/* Stored by NetworkManager, as nmcli's import stores it. */
	g_assert_cmpint (storage_of (f, "peer_preshared_key_entry", i), ==, NM_SETTING_SECRET_FLAG_NONE);
	g_assert_cmpint (ed_is_active (f, "peer_full_tunnel_radio", i), ==, full);
	g_assert_cmpint (ed_is_active (f, "peer_split_tunnel_radio", i), ==, !full);
	if (!full)
		g_assert_cmpstr (ed_text (f, "peer_allowed_ips_entry", i), ==, ips);
}

/* Every field shows what the reference connection holds. */
static void
assert_editor_shows (Fixture *f, NMConnection *reference)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (reference);
	const char *private_key = nm_setting_vpn_get_secret (s_vpn, "private-key");
	g_autofree char *public_key = ed_public_of (private_key);
	const char *mode = nm_setting_vpn_get_data_item (s_vpn, "kill-switch");
	static const char *const entries[][2] = {
		{ "address_entry", "address" },         { "listen_port_entry", "listen-port" },
		{ "mtu_entry", "mtu" },                 { "dns_entry", "dns" },
		{ "dns_search_entry", "dns-search" },
	};
	guint i, n = 0;

	for (i = 0; i < G_N_ELEMENTS (entries); i++) {
		const char *v = nm_setting_vpn_get_data_item (s_vpn, entries[i][1]);

		g_assert_cmpstr (ed_text (f, entries[i][0], 0), ==, v ? v : "");
	}
	g_assert_cmpstr (ed_text (f, "private_key_entry", 0), ==, private_key);
	g_assert_cmpstr (ed_text (f, "public_key_entry", 0), ==, public_key);
	g_assert_cmpint (storage_of (f, "private_key_entry", 0), ==, NM_SETTING_SECRET_FLAG_NONE);
	g_assert_cmpint (ed_is_active (f, "kill_switch_off_radio", 0), ==, g_str_equal (mode, "off"));
	g_assert_cmpint (ed_is_active (f, "kill_switch_on_radio", 0), ==, g_str_equal (mode, "on"));
	g_assert_cmpint (ed_is_active (f, "kill_switch_lockdown_radio", 0), ==, g_str_equal (mode, "lockdown"));
	g_assert_cmpint (ed_is_active (f, "allow_lan_check", 0), ==,
	                 g_str_equal (nm_setting_vpn_get_data_item (s_vpn, "allow-lan"), "yes"));
	g_assert_cmpint (ed_is_active (f, "dns_leak_check", 0), ==,
	                 g_str_equal (nm_setting_vpn_get_data_item (s_vpn, "dns-leak-protection"), "yes"));
	for (;; n++) {
		g_autofree char *key = g_strdup_printf ("peer.%u.public-key", n);

		if (!nm_setting_vpn_get_data_item (s_vpn, key))
			break;
	}
	g_assert_cmpuint (n, >, 0);
	g_assert_cmpuint (ed_n_peers (f), ==, n);
	for (i = 0; i < n; i++)
		assert_peer_matches (f, s_vpn, i);
	g_assert_false (gtk_widget_get_visible (ed_w (f, "validation_label", 0)));
}

/* What the editor saves equals nmcli's import: vpn.data, vpn.secrets (so
 * also the secret flags), persistence and the ipv4/ipv6 settings. */
static void
assert_saves_as (Fixture *f, NMConnection *reference)
{
	g_autoptr (NMConnection) out = ed_update_ok (f);
	g_autoptr (GHashTable) d0 = ed_data_of (reference, FALSE);
	g_autoptr (GHashTable) d1 = ed_data_of (out, FALSE);
	g_autoptr (GHashTable) s0 = ed_data_of (reference, TRUE);
	g_autoptr (GHashTable) s1 = ed_data_of (out, TRUE);

	ed_assert_tables_equal (d0, d1);
	ed_assert_tables_equal (s0, s1);
	g_assert_true (nm_setting_vpn_get_persistent (nm_connection_get_setting_vpn (out)));
	wgks_test_assert_same_ip (reference, out);
	g_assert_true (nm_connection_verify (out, NULL));
}

static void
assert_status_names (Fixture *f, const char *file, const char *const *warnings)
{
	GtkWidget *label = ed_w (f, "import_status_label", 0);
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
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (ed_plugin, path, &error);
	g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (WgksConfig) config = wgks_wgquick_read_file (path, warnings, &error);
	guint i;

	g_assert_no_error (error);
	g_assert_nonnull (reference);
	g_assert_false (gtk_widget_get_visible (ed_w (f, "import_status_label", 0)));
	/* Whatever the storage was, the import's own applies. */
	nma_utils_update_password_storage (ed_w (f, "private_key_entry", 0), NM_SETTING_SECRET_FLAG_NOT_SAVED,
	                                   NULL, NULL);
	import_action (f, path);
	assert_editor_shows (f, reference);
	assert_status_names (f, c->file, c->warnings);
	/* Every warning the importer gives is shown, with its line. */
	for (i = 0; i < warnings->len; i++)
		g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (ed_w (f, "import_status_label", 0))),
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
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (ed_plugin, path, &error);
	g_autoptr (NMConnection) out = NULL;

	g_assert_no_error (error);
	g_assert_cmpuint (ed_n_peers (f), ==, 3);
	import_action (f, path);
	g_assert_cmpuint (ed_n_peers (f), ==, 1);
	assert_editor_shows (f, reference);
	out = ed_update_ok (f);
	g_assert_null (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "fwmark"));
	g_assert_null (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "peer.1.public-key"));
	assert_saves_as (f, reference);
	/* The full tunnel of seed.conf takes the default route through its own table. */
	ed_assert_ip (out, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
}

/* A split tunnel imported over a full tunnel leaves the full tunnel's own
 * route table (saved in the connection's IP settings): its routes would
 * go to a table nothing looks up. */
static void
test_import_split_over_full (Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "split-table-off.conf", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) reference = nm_vpn_editor_plugin_import (ed_plugin, path, &error);
	g_autoptr (NMConnection) out = NULL;

	g_assert_no_error (error);
	ed_assert_ip (f->connection, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
	import_action (f, path);
	assert_editor_shows (f, reference);
	assert_saves_as (f, reference);
	/* As nm-connection-editor saves: into the connection it opened. */
	out = nm_simple_connection_new_clone (f->connection);
	ed_update_in_place (f, out);
	ed_assert_ip (out, FALSE, FALSE, 0);
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
	GtkWidget *label = ed_w (f, "import_status_label", 0);

	g_assert_no_error (error);
	path = g_build_filename (dir, "broken.conf", NULL);
	g_assert_true (g_file_set_contents (path, "[Interface]\nPrivateKey = nope\n", -1, &error));
	before = ed_update_ok (f);
	g_assert_true (gtk_widget_activate_action (f->root, "wgks-editor.import-file", "s", path));
	g_assert_true (gtk_widget_get_visible (label));
	g_assert_true (gtk_widget_has_css_class (label, "error"));
	g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "broken.conf:2"));
	g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "PrivateKey"));
	after = ed_update_ok (f);
	d0 = ed_data_of (before, FALSE);
	d1 = ed_data_of (after, FALSE);
	ed_assert_tables_equal (d0, d1);
	g_assert_cmpuint (ed_n_peers (f), ==, 3);
	g_unlink (path);
	g_rmdir (dir);
}

void
ed_add_import_tests (void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS (import_cases); i++) {
		g_autofree char *name = g_strdup_printf ("/editor/import/%s", import_cases[i].file);

		g_test_add (name, Fixture, &import_cases[i], ed_fixture_new, test_import_fixture, ed_fixture_close);
	}
	g_test_add ("/editor/import/over-existing", Fixture, NULL, ed_fixture_office, test_import_over_existing,
	            ed_fixture_close);
	g_test_add ("/editor/import/split-over-full", Fixture, NULL, ed_fixture_seed, test_import_split_over_full,
	            ed_fixture_close);
	g_test_add ("/editor/import/after-editor-gone", Fixture, NULL, ed_fixture_new, test_import_after_editor_gone,
	            ed_fixture_close);
	g_test_add ("/editor/import/refused", Fixture, NULL, ed_fixture_office, test_import_refused, ed_fixture_close);
}
