/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The editor's import of a wg-quick file, as "nmcli connection import" does it:
 * the Import button and the "wgks-editor.import-file" action. */
#include "config.h"

#include "nm-wgks-editor.h"

#include <glib/gi18n-lib.h>

#include "nm-wgks-editor-peer.h"
#include "nm-wgks-editor-private.h"
#include "nm-wgks-gtk-compat.h"
#include "wgks-wgquick.h"


static void
show_import_status (NMWgksEditor *self, const char *path, GPtrArray *warnings, const GError *error)
{
	g_autofree char *name = g_path_get_basename (path);
	g_autoptr (GString) text = g_string_new (NULL);
	guint i;

	if (error)
		g_string_printf (text, _("Nothing was imported from “%s”: %s"), name, error->message);
	else if (!warnings || warnings->len == 0)
		g_string_printf (text, _("Imported “%s”. Check the fields, then save."), name);
	else
		g_string_printf (text, _("Imported “%s”. Check the fields, then save. Warnings:"), name);
	for (i = 0; !error && warnings && i < warnings->len; i++)
		g_string_append_printf (text, "\n• %s", (const char *) warnings->pdata[i]);
	gtk_label_set_text (GTK_LABEL (self->import_status), text->str);
	gtk_widget_set_visible (self->import_status, TRUE);
	wgks_widget_set_css_class (self->import_status, "error", error != NULL);
	wgks_widget_set_css_class (self->import_status, "warning", !error && warnings && warnings->len > 0);
}

static void
remove_all_peers (NMWgksEditor *self)
{
	guint i;

	for (i = 0; i < self->peers->len; i++)
		gtk_box_remove (GTK_BOX (self->peers_box), ((WgksPeerView *) self->peers->pdata[i])->root);
	g_ptr_array_set_size (self->peers, 0);
}

/* Every field, secrets and their storage included, is replaced by what the
 * file holds; the host's connection is changed only when it saves. */
static void
import_file (NMWgksEditor *self, const char *path)
{
	g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	g_autoptr (NMConnection) imported = wgks_wgquick_import (path, warnings, &error);
	NMSettingVpn *s_vpn;

	if (!imported) {
		show_import_status (self, path, NULL, error);
		return;
	}
	s_vpn = nm_connection_get_setting_vpn (imported);
	g_clear_object (&self->original);
	self->original = NM_SETTING_VPN (nm_setting_duplicate (NM_SETTING (s_vpn)));
	self->imported = TRUE;
	self->import_route_table = nm_setting_ip_config_get_route_table (nm_connection_get_setting_ip4_config (imported));
	wgks_editor_load_interface (self, s_vpn, FALSE);
	wgks_editor_load_protection (self, s_vpn);
	remove_all_peers (self);
	if (!wgks_editor_load_peers (self, s_vpn, &error)) {
		show_import_status (self, path, NULL, error);
		return;
	}
	show_import_status (self, path, warnings, NULL);
	wgks_editor_field_changed (self);
}

static void
import_file_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	import_file (user_data, g_variant_get_string (parameter, NULL));
}

void
wgks_editor_import_close_chooser (NMWgksEditor *self)
{
	if (!self->chooser)
		return;
	g_signal_handlers_disconnect_by_data (self->chooser, self);
	gtk_native_dialog_destroy (self->chooser);
	g_clear_object (&self->chooser);
}

static void
chooser_response (GtkNativeDialog *chooser, int response, NMWgksEditor *self)
{
	g_autofree char *path = response == GTK_RESPONSE_ACCEPT ? wgks_file_chooser_get_path (chooser) : NULL;

	wgks_editor_import_close_chooser (self);
	if (path)
		import_file (self, path);
}

void
wgks_editor_import_clicked (NMWgksEditor *self)
{
	wgks_editor_import_close_chooser (self);
	self->chooser = wgks_file_chooser_new (self->widget, _("Import a WireGuard configuration file"), _("_Import"),
	                                       _("WireGuard configuration (*.conf)"), "*.conf", _("All files"));
	g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response), self);
	gtk_native_dialog_show (self->chooser);
}

/* "wgks-editor.import-file" (a path): the Import button's work, without the file dialog. */
void
wgks_editor_import_add_actions (NMWgksEditor *self)
{
	static const GActionEntry entries[] = {
		{ .name = "import-file", .activate = import_file_activated, .parameter_type = "s" },
	};
	g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();

	g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), self);
	gtk_widget_insert_action_group (self->widget, WGKS_EDITOR_ACTIONS, G_ACTION_GROUP (group));
}
