/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the editor's files (nm-wgks-editor.c, nm-wgks-editor-import.c) share;
 * nothing else includes it. */
#ifndef NM_WGKS_EDITOR_PRIVATE_H
#define NM_WGKS_EDITOR_PRIVATE_H

#include "nm-wgks-editor.h"

#define WGKS_EDITOR_ACTIONS "wgks-editor"

struct _NMWgksEditor {
	GObject       parent;
	GtkBuilder   *builder;
	GtkWidget    *widget;
	GPtrArray    *peers;        /* WgksPeerView* */
	NMSettingVpn *original;     /* keys the editor does not show survive a save */
	gboolean      imported;     /* original comes from "Import wg-quick file…" */
	guint32       import_route_table;
	GtkNativeDialog *chooser;

	GtkWidget *validation_label;
	GtkWidget *import_status;
	GtkWidget *address;
	GtkWidget *private_key;
	GtkWidget *private_key_show;
	GtkWidget *public_key;
	GtkWidget *listen_port;
	GtkWidget *mtu;
	GtkWidget *dns;
	GtkWidget *dns_search;
	GtkWidget *peers_box;
	GtkWidget *kill_switch_off;
	GtkWidget *kill_switch_on;
	GtkWidget *kill_switch_lockdown;
	GtkWidget *allow_lan;
	GtkWidget *dns_leak;
	GtkWidget *dns_over_tls_no;
	GtkWidget *dns_over_tls_opportunistic;
	GtkWidget *dns_over_tls_yes;
};

/* From the connection to the widgets (nm-wgks-editor.c) */
void     wgks_editor_load_interface (NMWgksEditor *self, NMSettingVpn *s_vpn, gboolean setup);
void     wgks_editor_load_protection (NMWgksEditor *self, NMSettingVpn *s_vpn);
gboolean wgks_editor_load_peers (NMWgksEditor *self, NMSettingVpn *s_vpn, GError **error);
/* Revalidates and tells the host that the connection changed. */
void     wgks_editor_field_changed (NMWgksEditor *self);

/* Import of a wg-quick file (nm-wgks-editor-import.c) */
void wgks_editor_import_clicked (NMWgksEditor *self);
void wgks_editor_import_add_actions (NMWgksEditor *self);
void wgks_editor_import_close_chooser (NMWgksEditor *self);

#endif
