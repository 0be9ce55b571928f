/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wgks-editor-peer.h"

#include <glib/gi18n-lib.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "nm-wgks-editor.h"
#include "nm-wgks-editor-fields.h"
#include "nm-wgks-gtk-compat.h"
#include "nm-wgks-service-defines.h"

static GtkWidget *
get_widget (GtkBuilder *builder, const char *id)
{
	GtkWidget *widget = GTK_WIDGET (gtk_builder_get_object (builder, id));

	g_assert (widget);
	return widget;
}

static const char *
peer_data (NMSettingVpn *s_vpn, guint index, const char *suffix)
{
	g_autofree char *key = wgks_peer_key (index, suffix);

	return s_vpn ? nm_setting_vpn_get_data_item (s_vpn, key) : NULL;
}

/* "All traffic" only when the peer routes exactly the two default routes:
 * anything else is shown as written so that saving changes nothing. */
static gboolean
is_full_tunnel (const char *allowed_ips)
{
	g_autoptr (GPtrArray) prefixes = g_ptr_array_new_with_free_func (g_free);

	if (!wgks_field_parse_prefixes ("", allowed_ips, FALSE, prefixes, NULL))
		return FALSE;
	return wgks_field_prefixes_are_full_tunnel (prefixes);
}

static void
load_peer (WgksPeerView *view, NMSettingVpn *s_vpn, guint index)
{
	g_autofree char *psk_key = wgks_peer_key (index, NM_WGKS_PEER_PRESHARED_KEY);
	const char *allowed_ips = peer_data (s_vpn, index, NM_WGKS_PEER_ALLOWED_IPS);
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;

	wgks_entry_set_text (view->public_key, peer_data (s_vpn, index, NM_WGKS_PEER_PUBLIC_KEY));
	wgks_entry_set_text (view->endpoint, peer_data (s_vpn, index, NM_WGKS_PEER_ENDPOINT));
	wgks_entry_set_text (view->keepalive, peer_data (s_vpn, index, NM_WGKS_PEER_KEEPALIVE));
	if (allowed_ips && !is_full_tunnel (allowed_ips)) {
		wgks_toggle_set_active (view->split_tunnel, TRUE);
		wgks_entry_set_text (view->allowed_ips, allowed_ips);
	}
	if (s_vpn) {
		wgks_entry_set_text (view->preshared_key, nm_setting_vpn_get_secret (s_vpn, psk_key));
		nm_setting_get_secret_flags (NM_SETTING (s_vpn), psk_key, &flags, NULL);
	}
	nma_utils_setup_password_storage (view->preshared_key, flags, NULL, NULL, FALSE, FALSE);
}

static void
tunnel_mode_toggled (GtkWidget *button, WgksPeerView *view)
{
	gboolean split = wgks_toggle_get_active (view->split_tunnel);

	gtk_widget_set_sensitive (view->allowed_ips, split);
	if (button && split && !gtk_widget_has_focus (view->allowed_ips) && !*wgks_entry_get_text (view->allowed_ips))
		gtk_widget_grab_focus (view->allowed_ips);
}

static void
describe_options (GtkBuilder *builder)
{
	static const char *const pairs[][2] = {
		{ "peer_full_tunnel_radio", "peer_full_tunnel_hint" },
		{ "peer_split_tunnel_radio", "peer_split_tunnel_hint" },
		{ "peer_keepalive_entry", "peer_keepalive_hint" },
	};

	wgks_accessible_describe_ids (builder, pairs, G_N_ELEMENTS (pairs));
}

WgksPeerView *
wgks_peer_view_new (NMSettingVpn *s_vpn, guint index, GError **error)
{
	g_autoptr (WgksPeerView) view = g_new0 (WgksPeerView, 1);

	view->builder = wgks_editor_builder_new ("nm-wgks-peer.ui", error);
	if (!view->builder)
		return NULL;
	view->root = g_object_ref_sink (get_widget (view->builder, "peer_frame"));
	view->title = get_widget (view->builder, "peer_title_label");
	view->remove_button = get_widget (view->builder, "peer_remove_button");
	view->public_key = get_widget (view->builder, "peer_public_key_entry");
	view->preshared_key = get_widget (view->builder, "peer_preshared_key_entry");
	view->endpoint = get_widget (view->builder, "peer_endpoint_entry");
	view->full_tunnel = get_widget (view->builder, "peer_full_tunnel_radio");
	view->split_tunnel = get_widget (view->builder, "peer_split_tunnel_radio");
	view->allowed_ips = get_widget (view->builder, "peer_allowed_ips_entry");
	view->keepalive = get_widget (view->builder, "peer_keepalive_entry");

	/* The radio button is the label of the networks entry. */
	wgks_accessible_label_by (view->allowed_ips, view->split_tunnel);
	describe_options (view->builder);
	load_peer (view, s_vpn, index);
	tunnel_mode_toggled (NULL, view);
	g_signal_connect (view->split_tunnel, "toggled", G_CALLBACK (tunnel_mode_toggled), view);
	wgks_peer_view_set_index (view, index);
	return g_steal_pointer (&view);
}

void
wgks_peer_view_free (WgksPeerView *view)
{
	if (!view)
		return;
	g_signal_handlers_disconnect_by_data (view->split_tunnel, view);
	g_clear_object (&view->root);
	g_clear_object (&view->builder);
	g_free (view);
}

void
wgks_peer_view_connect_changed (WgksPeerView *view, GCallback callback, gpointer user_data)
{
	GtkWidget *entries[] = { view->public_key, view->preshared_key, view->endpoint,
	                         view->allowed_ips, view->keepalive };
	guint i;

	for (i = 0; i < G_N_ELEMENTS (entries); i++)
		g_signal_connect_object (entries[i], "changed", callback, user_data, G_CONNECT_SWAPPED);
	g_signal_connect_object (view->split_tunnel, "toggled", callback, user_data, G_CONNECT_SWAPPED);
}

void
wgks_peer_view_set_index (WgksPeerView *view, guint index)
{
	g_autofree char *title = g_strdup_printf (_("Peer %u"), index + 1);

	gtk_label_set_text (GTK_LABEL (view->title), title);
}

NMSettingSecretFlags
wgks_peer_view_get_psk_flags (WgksPeerView *view)
{
	return nma_utils_menu_to_secret_flags (view->preshared_key);
}

static void
read_keys (WgksPeerView *view, guint n, WgksPeer *peer, GError **first)
{
	g_autofree char *pub_label = g_strdup_printf (_("Peer %u public key"), n);
	g_autofree char *psk_label = g_strdup_printf (_("Peer %u preshared key"), n);
	GError *e = NULL;
	gboolean present;

	wgks_field_parse_key (pub_label, wgks_entry_get_text (view->public_key), TRUE, &peer->public_key,
	                      &present, &e);
	wgks_editor_check_field (first, view->public_key, &e);
	wgks_field_parse_key (psk_label, wgks_entry_get_text (view->preshared_key), FALSE,
	                      &peer->preshared_key, &peer->has_preshared_key, &e);
	wgks_editor_check_field (first, view->preshared_key, &e);
}

static void
read_routes (WgksPeerView *view, guint n, WgksPeer *peer, GError **first)
{
	g_autofree char *label = g_strdup_printf (_("Peer %u networks"), n);
	const char *text = wgks_toggle_get_active (view->split_tunnel) ? wgks_entry_get_text (view->allowed_ips)
	                                                               : WGKS_FIELD_FULL_TUNNEL_IPS;
	GError *e = NULL;

	if (wgks_field_parse_prefixes (label, text, FALSE, peer->allowed_ips, &e) && peer->allowed_ips->len == 0)
		g_set_error (&e, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("%s: enter the networks to reach through the VPN, such as 10.0.0.0/24"), label);
	wgks_editor_check_field (first, view->allowed_ips, &e);
}

WgksPeer *
wgks_peer_view_read (WgksPeerView *view, guint index, GError **error)
{
	g_autoptr (WgksPeer) peer = wgks_peer_new ();
	g_autofree char *ep_label = g_strdup_printf (_("Peer %u endpoint"), index + 1);
	g_autofree char *ka_label = g_strdup_printf (_("Peer %u keepalive"), index + 1);
	GError *first = NULL, *e = NULL;
	guint64 keepalive = 0;

	read_keys (view, index + 1, peer, &first);
	wgks_field_parse_endpoint (ep_label, wgks_entry_get_text (view->endpoint), &peer->endpoint_host,
	                           &peer->endpoint_port, &e);
	wgks_editor_check_field (&first, view->endpoint, &e);
	read_routes (view, index + 1, peer, &first);
	wgks_field_parse_number (ka_label, wgks_entry_get_text (view->keepalive), 0, 65535, &keepalive, &e);
	wgks_editor_check_field (&first, view->keepalive, &e);
	peer->persistent_keepalive = (guint16) keepalive;

	if (first) {
		g_propagate_error (error, first);
		return NULL;
	}
	return g_steal_pointer (&peer);
}
