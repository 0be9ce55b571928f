/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The few calls that differ between GTK 3 (nm-connection-editor) and GTK 4
 * (GNOME Settings): the editor's sources are compiled once for each. */
#ifndef NM_WGKS_GTK_COMPAT_H
#define NM_WGKS_GTK_COMPAT_H

#include <gtk/gtk.h>

#if !GTK_CHECK_VERSION(4, 0, 0)
/* GTK 3 spellings of the GTK 4 calls, as NetworkManager's VPN plugins write
 * them. GTK 3's check and radio buttons are GtkToggleButton subclasses. */
#define gtk_editable_get_text(editable)              gtk_entry_get_text (GTK_ENTRY (editable))
#define gtk_editable_set_text(editable, text)        gtk_entry_set_text (GTK_ENTRY (editable), (text))
#define gtk_check_button_get_active(button)          gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button))
#define gtk_check_button_set_active(button, active)  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), (active))
#define gtk_box_append(box, child)                   gtk_container_add (GTK_CONTAINER (box), (child))
#define gtk_box_remove(box, child)                   gtk_container_remove (GTK_CONTAINER (box), (child))
#define gtk_widget_add_css_class(widget, name) \
	gtk_style_context_add_class (gtk_widget_get_style_context (widget), (name))
#define gtk_widget_remove_css_class(widget, name) \
	gtk_style_context_remove_class (gtk_widget_get_style_context (widget), (name))
#endif

static inline const char *
wgks_entry_get_text (GtkWidget *entry)
{
	return gtk_editable_get_text (GTK_EDITABLE (entry));
}

static inline void
wgks_entry_set_text (GtkWidget *entry, const char *text)
{
	gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
}

/* Check and radio buttons */
static inline gboolean
wgks_toggle_get_active (GtkWidget *button)
{
	return gtk_check_button_get_active (GTK_CHECK_BUTTON (button));
}

static inline void
wgks_toggle_set_active (GtkWidget *button, gboolean active)
{
	gtk_check_button_set_active (GTK_CHECK_BUTTON (button), active);
}

static inline void
wgks_widget_set_css_class (GtkWidget *widget, const char *css_class, gboolean on)
{
	if (on)
		gtk_widget_add_css_class (widget, css_class);
	else
		gtk_widget_remove_css_class (widget, css_class);
}

static inline void
wgks_clipboard_set_text (GtkWidget *widget, const char *text)
{
#if GTK_CHECK_VERSION(4, 0, 0)
	gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
#else
	gtk_clipboard_set_text (gtk_widget_get_clipboard (widget, GDK_SELECTION_CLIPBOARD), text, -1);
#endif
}

/* Relates @widget and @other for screen readers: @other describes @widget
 * (read after its name) or, with @describe FALSE, labels it. */
static inline void
wgks_accessible_relate (GtkWidget *widget, GtkWidget *other, gboolean describe)
{
#if GTK_CHECK_VERSION(4, 0, 0)
	gtk_accessible_update_relation (GTK_ACCESSIBLE (widget),
	                                describe ? GTK_ACCESSIBLE_RELATION_DESCRIBED_BY
	                                         : GTK_ACCESSIBLE_RELATION_LABELLED_BY,
	                                other, NULL, -1);
#else
	AtkObject *a = gtk_widget_get_accessible (widget);
	AtkObject *o = gtk_widget_get_accessible (other);

	if (a && o) {
		atk_object_add_relationship (a, describe ? ATK_RELATION_DESCRIBED_BY : ATK_RELATION_LABELLED_BY, o);
		atk_object_add_relationship (o, describe ? ATK_RELATION_DESCRIPTION_FOR : ATK_RELATION_LABEL_FOR, a);
	}
#endif
}

static inline void
wgks_accessible_describe (GtkWidget *widget, GtkWidget *description)
{
	wgks_accessible_relate (widget, description, TRUE);
}

static inline void
wgks_accessible_label_by (GtkWidget *widget, GtkWidget *label)
{
	wgks_accessible_relate (widget, label, FALSE);
}

/* For each of the N pairs of ids in BUILDER: the widget PAIRS[i][0] is
 * described by PAIRS[i][1] (a hint below it). */
static inline void
wgks_accessible_describe_ids (GtkBuilder *builder, const char *const (*pairs)[2], gsize n)
{
	gsize i;

	for (i = 0; i < n; i++) {
		GObject *widget = gtk_builder_get_object (builder, pairs[i][0]);
		GObject *description = gtk_builder_get_object (builder, pairs[i][1]);

		g_assert (widget && description);
		wgks_accessible_describe (GTK_WIDGET (widget), GTK_WIDGET (description));
	}
}

/* GNOME Settings before 46 puts the VPN page in its dialog unscrolled: the
 * editor scrolls itself there, or the dialog grows taller than the screen.
 * nm-connection-editor scrolls its pages. */
static inline GtkWidget *
wgks_editor_scrollable (GtkWidget *content)
{
#if GTK_CHECK_VERSION(4, 0, 0)
	GtkWidget *scrolled = gtk_scrolled_window_new ();

	gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
	gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 300);
	gtk_widget_set_vexpand (scrolled, TRUE);
	gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), content);
	return scrolled;
#else
	return content;
#endif
}

static inline GtkWindow *
wgks_widget_get_window (GtkWidget *widget)
{
#if GTK_CHECK_VERSION(4, 0, 0)
	GtkRoot *root = gtk_widget_get_root (widget);
#else
	GtkWidget *root = gtk_widget_get_toplevel (widget);
#endif

	return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* GtkFileChooserNative: the file portal when there is one (GNOME Settings
 * in a sandbox), GTK's own dialog otherwise. GTK 4.10 deprecated it for
 * GtkFileDialog, which Debian 12's GTK 4.8 does not have. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static inline GtkNativeDialog *
wgks_file_chooser_new (GtkWidget *parent, const char *title, const char *accept_label,
                       const char *filter_name, const char *pattern, const char *all_files_name)
{
	GtkFileChooserNative *chooser;
	GtkFileFilter *filter;

	chooser = gtk_file_chooser_native_new (title, wgks_widget_get_window (parent), GTK_FILE_CHOOSER_ACTION_OPEN,
	                                       accept_label, NULL);
	gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
	filter = gtk_file_filter_new ();
	gtk_file_filter_set_name (filter, filter_name);
	gtk_file_filter_add_pattern (filter, pattern);
	gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
	filter = gtk_file_filter_new ();
	gtk_file_filter_set_name (filter, all_files_name);
	gtk_file_filter_add_pattern (filter, "*");
	gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
	return GTK_NATIVE_DIALOG (chooser);
}

static inline char *
wgks_file_chooser_get_path (GtkNativeDialog *chooser)
{
	g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

	return file ? g_file_get_path (file) : NULL;
}
G_GNUC_END_IGNORE_DEPRECATIONS

#endif
