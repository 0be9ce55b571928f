/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-auth-window.h"

#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>

#include "wgks-auth-secrets.h"
#include "wgks-key.h"

typedef struct {
	GMainLoop *loop;
	GtkWidget *ok_button;
	GPtrArray *entries;     /* GtkWidget*, one per secret asked for */
	gboolean   accepted;
} AuthWindow;

static void
entry_changed (GtkEditable *editable, AuthWindow *w)
{
	gboolean all_valid = TRUE;
	guint i;

	for (i = 0; i < w->entries->len; i++) {
		GtkWidget *entry = w->entries->pdata[i];
		const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
		gboolean valid = wgks_auth_secret_value_is_valid (text);

		/* Marked only once something is typed: an empty field is not an error yet. */
		if (*text && !valid)
			gtk_widget_add_css_class (entry, "error");
		else
			gtk_widget_remove_css_class (entry, "error");
		gtk_widget_set_tooltip_text (entry, *text && !valid
		                                        ? _("Not a WireGuard key: 44 characters of base64 ending in “=”")
		                                        : NULL);
		all_valid = all_valid && valid;
	}
	gtk_widget_set_sensitive (w->ok_button, all_valid);
}

static void
finish (AuthWindow *w, gboolean accepted)
{
	w->accepted = accepted;
	g_main_loop_quit (w->loop);
}

static void
ok_clicked (GtkButton *button, AuthWindow *w)
{
	finish (w, TRUE);
}

static void
cancel_clicked (GtkButton *button, AuthWindow *w)
{
	finish (w, FALSE);
}

static gboolean
close_request (GtkWindow *window, AuthWindow *w)
{
	finish (w, FALSE);
	return TRUE;
}

static char *
mnemonic_label (const char *label)
{
	g_auto (GStrv) parts = g_strsplit (label, "_", -1);
	g_autofree char *escaped = g_strjoinv ("__", parts);

	return g_strconcat ("_", escaped, NULL);
}

static GtkWidget *
add_secret_row (GtkGrid *grid, int row, WgksAuthSecret *secret, AuthWindow *w)
{
	g_autofree char *text = mnemonic_label (secret->label);
	GtkWidget *label = gtk_label_new_with_mnemonic (text);
	GtkWidget *entry = gtk_password_entry_new ();

	gtk_label_set_xalign (GTK_LABEL (label), 1.0);
	gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
	gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
	g_object_set (entry, "activates-default", TRUE, "placeholder-text", _("base64, 44 characters"), NULL);
	gtk_widget_set_hexpand (entry, TRUE);
	gtk_widget_set_size_request (entry, 380, -1);
	if (secret->value)
		gtk_editable_set_text (GTK_EDITABLE (entry), secret->value);
	g_signal_connect (entry, "changed", G_CALLBACK (entry_changed), w);
	gtk_grid_attach (grid, label, 0, row, 1, 1);
	gtk_grid_attach (grid, entry, 1, row, 1, 1);
	return entry;
}

static GtkWidget *
build_buttons (GtkWindow *window, AuthWindow *w)
{
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
	GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

	w->ok_button = gtk_button_new_with_mnemonic (_("C_onnect"));
	gtk_widget_add_css_class (w->ok_button, "suggested-action");
	gtk_widget_set_halign (box, GTK_ALIGN_END);
	gtk_box_append (GTK_BOX (box), cancel);
	gtk_box_append (GTK_BOX (box), w->ok_button);
	gtk_window_set_default_widget (window, w->ok_button);
	g_signal_connect (cancel, "clicked", G_CALLBACK (cancel_clicked), w);
	g_signal_connect (w->ok_button, "clicked", G_CALLBACK (ok_clicked), w);
	return box;
}

gboolean
wgks_auth_window_run (const char *title, const char *prompt, GPtrArray *requests)
{
	AuthWindow w = { 0 };
	GtkWidget *window = gtk_window_new ();
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *message = gtk_label_new (prompt);
	GtkWidget *grid = gtk_grid_new ();
	guint i;
	int row = 0;

	w.loop = g_main_loop_new (NULL, FALSE);
	w.entries = g_ptr_array_new ();
	gtk_window_set_title (GTK_WINDOW (window), title);
	gtk_window_set_resizable (GTK_WINDOW (window), FALSE);
	g_object_set (box, "margin-start", 18, "margin-end", 18, "margin-top", 18, "margin-bottom", 18, NULL);
	gtk_label_set_wrap (GTK_LABEL (message), TRUE);
	gtk_label_set_max_width_chars (GTK_LABEL (message), 60);
	gtk_label_set_xalign (GTK_LABEL (message), 0.0);
	gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
	gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
	gtk_box_append (GTK_BOX (box), message);
	gtk_box_append (GTK_BOX (box), grid);
	gtk_box_append (GTK_BOX (box), build_buttons (GTK_WINDOW (window), &w));
	gtk_window_set_child (GTK_WINDOW (window), box);

	for (i = 0; i < requests->len; i++) {
		WgksAuthSecret *secret = requests->pdata[i];

		if (secret->should_ask)
			g_ptr_array_add (w.entries, add_secret_row (GTK_GRID (grid), row++, secret, &w));
	}
	entry_changed (NULL, &w);
	g_signal_connect (window, "close-request", G_CALLBACK (close_request), &w);
	gtk_window_present (GTK_WINDOW (window));
	g_main_loop_run (w.loop);

	if (w.accepted) {
		guint e = 0;

		for (i = 0; i < requests->len; i++) {
			WgksAuthSecret *secret = requests->pdata[i];

			if (!secret->should_ask)
				continue;
			wgks_str_wipe_free (secret->value);
			secret->value = g_strdup (gtk_editable_get_text (GTK_EDITABLE (w.entries->pdata[e++])));
		}
	}
	gtk_window_destroy (GTK_WINDOW (window));
	g_ptr_array_unref (w.entries);
	g_main_loop_unref (w.loop);
	return w.accepted;
}
