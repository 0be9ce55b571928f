/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The widgets of one peer in the editor's list of peers. */
#ifndef NM_WGKS_EDITOR_PEER_H
#define NM_WGKS_EDITOR_PEER_H

#include <NetworkManager.h>
#include <gtk/gtk.h>

#include "wgks-config.h"

typedef struct {
	GtkBuilder *builder;
	GtkWidget  *root;
	GtkWidget  *title;
	GtkWidget  *remove_button;
	GtkWidget  *public_key;
	GtkWidget  *preshared_key;
	GtkWidget  *endpoint;
	GtkWidget  *full_tunnel;
	GtkWidget  *split_tunnel;
	GtkWidget  *allowed_ips;
	GtkWidget  *keepalive;
} WgksPeerView;

/* @s_vpn may be NULL, or hold no peer @index: then the view starts empty. */
WgksPeerView *wgks_peer_view_new  (NMSettingVpn *s_vpn, guint index, GError **error);
void          wgks_peer_view_free (WgksPeerView *view);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgksPeerView, wgks_peer_view_free)

void wgks_peer_view_connect_changed (WgksPeerView *view, GCallback callback, gpointer user_data);
void wgks_peer_view_set_index       (WgksPeerView *view, guint index);

NMSettingSecretFlags wgks_peer_view_get_psk_flags (WgksPeerView *view);

/* Parses every field, marking the invalid ones; NULL and the first error if any is. */
WgksPeer *wgks_peer_view_read (WgksPeerView *view, guint index, GError **error);

#endif
