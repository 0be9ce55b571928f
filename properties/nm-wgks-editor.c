/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wgks-editor.h"

#include <glib/gi18n-lib.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "nm-wgks-editor-fields.h"
#include "nm-wgks-editor-peer.h"
#include "nm-wgks-editor-plugin.h"
#include "nm-wgks-editor-private.h"
#include "nm-wgks-gtk-compat.h"
#include "nm-wgks-service-defines.h"
#include "wgks-dns-mode.h"
#include "wgks-wgquick.h"


static void nm_wgks_editor_interface_init (NMVpnEditorInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NMWgksEditor, nm_wgks_editor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NM_TYPE_VPN_EDITOR, nm_wgks_editor_interface_init))

/* The exported factory must match what the plugin core expects. */
static const NMWgksEditorFactory factory_signature_check G_GNUC_UNUSED = nm_wgks_editor_new;

GtkBuilder *
wgks_editor_builder_new (const char *ui_name, GError **error)
{
	g_autoptr (GtkBuilder) builder = gtk_builder_new ();
	g_autofree char *path = g_strconcat (WGKS_EDITOR_RESOURCE_PATH, ui_name, NULL);

	gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
	if (!gtk_builder_add_from_resource (builder, path, error))
		return NULL;
	return g_steal_pointer (&builder);
}

gboolean
wgks_editor_check_field (GError **first, GtkWidget *entry, GError **field_error)
{
	GError *error = g_steal_pointer (field_error);
	/* A field that is merely empty is not marked: a new connection would start all red. */
	gboolean invalid = error && !g_error_matches (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING);

	wgks_widget_set_css_class (entry, "error", invalid);
	gtk_widget_set_tooltip_text (entry, error ? error->message : NULL);
	if (!error)
		return TRUE;
	if (!*first)
		*first = error;
	else
		g_error_free (error);
	return FALSE;
}

static GtkWidget *
get_widget (NMWgksEditor *self, const char *id)
{
	GtkWidget *widget = GTK_WIDGET (gtk_builder_get_object (self->builder, id));

	g_assert (widget);
	return widget;
}

/* ---------------------------------------------------------------------------
 * From the widgets to a WgksConfig
 * ------------------------------------------------------------------------- */

static NMSettingSecretFlags
private_key_flags (NMWgksEditor *self)
{
	return nma_utils_menu_to_secret_flags (self->private_key);
}

static void
read_interface (NMWgksEditor *self, WgksConfig *config, GError **first)
{
	gboolean ask = private_key_flags (self) & NM_SETTING_SECRET_FLAG_NOT_SAVED;
	GError *e = NULL;
	guint64 n;

	wgks_field_parse_prefixes (_("Addresses"), wgks_entry_get_text (self->address), TRUE,
	                           config->addresses, &e);
	wgks_editor_check_field (first, self->address, &e);
	/* "Ask every time": the key is entered when connecting, not here. */
	wgks_field_parse_key (_("Private key"), wgks_entry_get_text (self->private_key), !ask,
	                      &config->private_key, &config->has_private_key, &e);
	wgks_editor_check_field (first, self->private_key, &e);
	wgks_field_parse_number (_("Listen port"), wgks_entry_get_text (self->listen_port), 0, 65535, &n, &e);
	if (wgks_editor_check_field (first, self->listen_port, &e))
		config->listen_port = (guint16) n;
	wgks_field_parse_number (_("MTU"), wgks_entry_get_text (self->mtu), 576, 65535, &n, &e);
	if (wgks_editor_check_field (first, self->mtu, &e))
		config->mtu = (guint32) n;
	wgks_field_parse_dns (_("DNS servers"), wgks_entry_get_text (self->dns), config->dns_servers, &e);
	wgks_editor_check_field (first, self->dns, &e);
	wgks_field_parse_domains (_("Search domains"), wgks_entry_get_text (self->dns_search),
	                          config->dns_domains, &e);
	wgks_editor_check_field (first, self->dns_search, &e);
}

/* RADIOS: one per value of an enum, in its order. The active one's value,
 * FALLBACK when none is. */
static guint
radio_group_value (GtkWidget *const *radios, guint n, guint fallback)
{
	guint i;

	for (i = 0; i < n; i++)
		if (wgks_toggle_get_active (radios[i]))
			return i;
	return fallback;
}

static void
read_protection (NMWgksEditor *self, WgksConfig *config)
{
	GtkWidget *const kill_switch[] = { self->kill_switch_off, self->kill_switch_on, self->kill_switch_lockdown };
	GtkWidget *const dot[] = { self->dns_over_tls_no, self->dns_over_tls_opportunistic, self->dns_over_tls_yes };

	G_STATIC_ASSERT (WGKS_KILL_SWITCH_OFF == 0 && WGKS_KILL_SWITCH_ON == 1 && WGKS_KILL_SWITCH_LOCKDOWN == 2);
	G_STATIC_ASSERT (WGKS_DNS_OVER_TLS_NO == 0 && WGKS_DNS_OVER_TLS_OPPORTUNISTIC == 1 && WGKS_DNS_OVER_TLS_YES == 2);
	config->kill_switch = radio_group_value (kill_switch, G_N_ELEMENTS (kill_switch), WGKS_KILL_SWITCH_ON);
	config->allow_lan = wgks_toggle_get_active (self->allow_lan);
	config->dns_leak_protection = wgks_toggle_get_active (self->dns_leak);
	config->dns_over_tls = radio_group_value (dot, G_N_ELEMENTS (dot), WGKS_DNS_OVER_TLS_NO);
}

/* What wgks_config_validate() would refuse, said about the fields concerned. */
static void
check_peer_keys (NMWgksEditor *self, WgksConfig *config, GError **first)
{
	WgksKey own_public;
	guint i, j;

	if (config->has_private_key)
		wgks_key_public_from_private (&config->private_key, &own_public);
	for (i = 0; i < config->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];
		WgksPeerView *view = self->peers->pdata[i];
		GError *e = NULL;

		if (config->has_private_key && wgks_key_equal (&peer->public_key, &own_public))
			g_set_error (&e, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
			             _("Peer %u public key: this is this computer’s own public key"), i + 1);
		for (j = 0; j < i && !e; j++)
			if (wgks_key_equal (&peer->public_key, &((WgksPeer *) config->peers->pdata[j])->public_key))
				g_set_error (&e, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_INVALID,
				             _("Peer %u public key: the same as peer %u’s"), i + 1, j + 1);
		if (e)
			wgks_editor_check_field (first, view->public_key, &e);
	}
}

static void
read_peers (NMWgksEditor *self, WgksConfig *config, GError **first)
{
	guint i;

	for (i = 0; i < self->peers->len; i++) {
		GError *e = NULL;
		WgksPeer *peer = wgks_peer_view_read (self->peers->pdata[i], i, &e);

		if (peer)
			g_ptr_array_add (config->peers, peer);
		else if (!*first)
			*first = e;
		else
			g_error_free (e);
	}
	if (*first)
		return;
	if (self->peers->len == 0)
		g_set_error (first, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING,
		             _("Peers: add the VPN server you connect to"));
	else
		check_peer_keys (self, config, first);
}

static WgksConfig *
build_config (NMWgksEditor *self, GError **error)
{
	g_autoptr (WgksConfig) config = wgks_config_new ();
	GError *first = NULL;

	read_interface (self, config, &first);
	read_peers (self, config, &first);
	read_protection (self, config);
	if (!first)
		wgks_config_validate (config, FALSE, &first);
	if (first) {
		g_propagate_error (error, first);
		return NULL;
	}
	return g_steal_pointer (&config);
}

static void
show_validation (NMWgksEditor *self, const GError *error)
{
	gboolean missing = error && g_error_matches (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_MISSING);

	gtk_label_set_text (GTK_LABEL (self->validation_label), error ? error->message : "");
	gtk_widget_set_visible (self->validation_label, error != NULL);
	wgks_widget_set_css_class (self->validation_label, "error", error && !missing);
	wgks_widget_set_css_class (self->validation_label, "dim-label", missing);
}

static void
revalidate (NMWgksEditor *self)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) config = build_config (self, &error);

	show_validation (self, error);
}

void
wgks_editor_field_changed (NMWgksEditor *self)
{
	revalidate (self);
	g_signal_emit_by_name (self, "changed");
}

/* ---------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------- */

static void
update_public_key (NMWgksEditor *self)
{
	g_autofree char *text = g_strstrip (g_strdup (wgks_entry_get_text (self->private_key)));
	char b64[WGKS_KEY_B64_LEN + 1] = "";
	WgksKey private_key, public_key;

	if (wgks_key_from_base64 (text, &private_key)) {
		wgks_key_public_from_private (&private_key, &public_key);
		wgks_key_to_base64 (&public_key, b64);
		wgks_memzero (&private_key, sizeof private_key);
	}
	wgks_memzero (text, strlen (text));
	wgks_entry_set_text (self->public_key, b64);
}

static void
private_key_changed (NMWgksEditor *self)
{
	update_public_key (self);
	wgks_editor_field_changed (self);
}

static void
generate_clicked (NMWgksEditor *self)
{
	g_autoptr (GError) error = NULL;
	char b64[WGKS_KEY_B64_LEN + 1];
	WgksKey key;

	if (!wgks_key_generate_private (&key, &error)) {
		show_validation (self, error);
		return;
	}
	/* A generated key must be kept somewhere: "ask every time" would lose it. */
	if (private_key_flags (self) & NM_SETTING_SECRET_FLAG_NOT_SAVED)
		nma_utils_update_password_storage (self->private_key, NM_SETTING_SECRET_FLAG_NONE, NULL, NULL);
	wgks_key_to_base64 (&key, b64);
	wgks_entry_set_text (self->private_key, b64);
	wgks_memzero (&key, sizeof key);
	wgks_memzero (b64, sizeof b64);
}

static void
copy_clicked (NMWgksEditor *self)
{
	const char *text = wgks_entry_get_text (self->public_key);

	if (*text)
		wgks_clipboard_set_text (self->public_key, text);
}

static void
show_key_toggled (NMWgksEditor *self)
{
	gtk_entry_set_visibility (GTK_ENTRY (self->private_key), wgks_toggle_get_active (self->private_key_show));
}

/* ---------------------------------------------------------------------------
 * Peers
 * ------------------------------------------------------------------------- */

static void remove_peer_clicked (GtkWidget *button, NMWgksEditor *self);

static gboolean
add_peer (NMWgksEditor *self, NMSettingVpn *s_vpn, guint index, GError **error)
{
	WgksPeerView *view = wgks_peer_view_new (s_vpn, index, error);

	if (!view)
		return FALSE;
	wgks_peer_view_set_index (view, self->peers->len);
	wgks_peer_view_connect_changed (view, G_CALLBACK (wgks_editor_field_changed), self);
	g_signal_connect_object (view->remove_button, "clicked", G_CALLBACK (remove_peer_clicked), self, 0);
	gtk_box_append (GTK_BOX (self->peers_box), view->root);
	g_ptr_array_add (self->peers, view);
	return TRUE;
}

static void
add_peer_clicked (NMWgksEditor *self)
{
	g_autoptr (GError) error = NULL;
	WgksPeerView *view;

	if (!add_peer (self, NULL, 0, &error)) {
		show_validation (self, error);
		return;
	}
	view = self->peers->pdata[self->peers->len - 1];
	gtk_widget_grab_focus (view->public_key);
	wgks_editor_field_changed (self);
}

static void
remove_peer_clicked (GtkWidget *button, NMWgksEditor *self)
{
	guint i;

	for (i = 0; i < self->peers->len; i++) {
		WgksPeerView *view = self->peers->pdata[i];

		if (view->remove_button == button) {
			gtk_box_remove (GTK_BOX (self->peers_box), view->root);
			g_ptr_array_remove_index (self->peers, i);
			break;
		}
	}
	for (i = 0; i < self->peers->len; i++)
		wgks_peer_view_set_index (self->peers->pdata[i], i);
	wgks_editor_field_changed (self);
}

static guint
count_peers (NMSettingVpn *s_vpn)
{
	guint n = 0;

	while (n < NM_WGKS_MAX_PEERS) {
		g_autofree char *key = wgks_peer_key (n, NM_WGKS_PEER_PUBLIC_KEY);

		if (!nm_setting_vpn_get_data_item (s_vpn, key))
			break;
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------------------
 * From the connection to the widgets
 * ------------------------------------------------------------------------- */

/* @setup: the first load, which adds the storage menu to the key's entry. */
void
wgks_editor_load_interface (NMWgksEditor *self, NMSettingVpn *s_vpn, gboolean setup)
{
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;

	if (s_vpn)
		nm_setting_get_secret_flags (NM_SETTING (s_vpn), NM_WGKS_SECRET_PRIVATE_KEY, &flags, NULL);
	/* Before the text: "ask every time" would clear it. */
	if (setup)
		nma_utils_setup_password_storage (self->private_key, flags, NULL, NULL, FALSE, FALSE);
	else
		nma_utils_update_password_storage (self->private_key, flags, NULL, NULL);
	if (s_vpn) {
		wgks_entry_set_text (self->address, nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_ADDRESS));
		wgks_entry_set_text (self->private_key, nm_setting_vpn_get_secret (s_vpn, NM_WGKS_SECRET_PRIVATE_KEY));
		wgks_entry_set_text (self->listen_port, nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_LISTEN_PORT));
		wgks_entry_set_text (self->mtu, nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_MTU));
		wgks_entry_set_text (self->dns, nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS));
		wgks_entry_set_text (self->dns_search, nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_SEARCH));
	}
	update_public_key (self);
}

void
wgks_editor_load_protection (NMWgksEditor *self, NMSettingVpn *s_vpn)
{
	WgksKillSwitch mode = WGKS_KILL_SWITCH_ON;
	WgksDnsOverTls dot = WGKS_DNS_OVER_TLS_NO;
	const char *allow_lan = s_vpn ? nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_ALLOW_LAN) : NULL;
	const char *dns_leak = s_vpn ? nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_LEAK_PROTECTION) : NULL;

	if (s_vpn)
		wgks_kill_switch_from_string (nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_KILL_SWITCH), &mode);
	wgks_toggle_set_active (mode == WGKS_KILL_SWITCH_OFF ? self->kill_switch_off
	                        : mode == WGKS_KILL_SWITCH_LOCKDOWN ? self->kill_switch_lockdown
	                        : self->kill_switch_on, TRUE);
	wgks_toggle_set_active (self->allow_lan, g_strcmp0 (allow_lan, "yes") == 0);
	wgks_toggle_set_active (self->dns_leak, g_strcmp0 (dns_leak, "no") != 0);
	if (s_vpn)
		wgks_dns_over_tls_from_string (nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_DNS_OVER_TLS), &dot);
	wgks_toggle_set_active (dot == WGKS_DNS_OVER_TLS_YES ? self->dns_over_tls_yes
	                        : dot == WGKS_DNS_OVER_TLS_OPPORTUNISTIC ? self->dns_over_tls_opportunistic
	                        : self->dns_over_tls_no, TRUE);
}

/* The hint names the DNS mode of this machine when it cannot encrypt. */
static void
describe_dns_over_tls (NMWgksEditor *self)
{
	g_autofree char *mode = wgks_nm_dns_mode (NULL);
	g_autofree char *text = NULL;

	if (!mode || wgks_dns_mode_does_tls (mode))
		return;
	text = g_strdup_printf (_("Encrypts the queries to the VPN’s DNS servers (TCP port 853). This computer’s "
	                          "NetworkManager uses the DNS mode “%s”, which cannot do this: only systemd-resolved "
	                          "can. With this setting the queries stay unencrypted, inside the tunnel."), mode);
	gtk_label_set_text (GTK_LABEL (get_widget (self, "dns_over_tls_hint")), text);
}

gboolean
wgks_editor_load_peers (NMWgksEditor *self, NMSettingVpn *s_vpn, GError **error)
{
	guint n = s_vpn ? count_peers (s_vpn) : 0;
	guint i;

	/* A tunnel needs a peer: a new connection starts with an empty one. */
	if (n == 0)
		return add_peer (self, NULL, 0, error);
	for (i = 0; i < n; i++)
		if (!add_peer (self, s_vpn, i, error))
			return FALSE;
	return TRUE;
}

static void
get_widgets (NMWgksEditor *self)
{
	self->validation_label = get_widget (self, "validation_label");
	self->import_status = get_widget (self, "import_status_label");
	self->address = get_widget (self, "address_entry");
	self->private_key = get_widget (self, "private_key_entry");
	self->private_key_show = get_widget (self, "private_key_show_check");
	self->public_key = get_widget (self, "public_key_entry");
	self->listen_port = get_widget (self, "listen_port_entry");
	self->mtu = get_widget (self, "mtu_entry");
	self->dns = get_widget (self, "dns_entry");
	self->dns_search = get_widget (self, "dns_search_entry");
	self->peers_box = get_widget (self, "peers_box");
	self->kill_switch_off = get_widget (self, "kill_switch_off_radio");
	self->kill_switch_on = get_widget (self, "kill_switch_on_radio");
	self->kill_switch_lockdown = get_widget (self, "kill_switch_lockdown_radio");
	self->allow_lan = get_widget (self, "allow_lan_check");
	self->dns_leak = get_widget (self, "dns_leak_check");
	self->dns_over_tls_no = get_widget (self, "dns_over_tls_no_radio");
	self->dns_over_tls_opportunistic = get_widget (self, "dns_over_tls_opportunistic_radio");
	self->dns_over_tls_yes = get_widget (self, "dns_over_tls_yes_radio");
}

static void
describe_options (NMWgksEditor *self)
{
	static const char *const pairs[][2] = {
		{ "address_entry", "address_hint" },
		{ "public_key_entry", "public_key_hint" },
		{ "dns_search_entry", "dns_search_hint" },
		{ "kill_switch_off_radio", "kill_switch_off_hint" },
		{ "kill_switch_on_radio", "kill_switch_on_hint" },
		{ "kill_switch_lockdown_radio", "kill_switch_lockdown_hint" },
		{ "allow_lan_check", "allow_lan_hint" },
		{ "dns_leak_check", "dns_leak_hint" },
		{ "import_button", "import_hint" },
		{ "dns_over_tls_yes_radio", "dns_over_tls_hint" },
	};

	wgks_accessible_describe_ids (self->builder, pairs, G_N_ELEMENTS (pairs));
}

static void
connect_swapped (gpointer instance, const char *signal, GCallback callback, NMWgksEditor *self)
{
	/* Disconnected when the editor goes: the host may keep the widgets longer. */
	g_signal_connect_object (instance, signal, callback, self, G_CONNECT_SWAPPED);
}


static void
connect_signals (NMWgksEditor *self)
{
	GtkWidget *entries[] = { self->address, self->listen_port, self->mtu, self->dns, self->dns_search };
	GtkWidget *toggles[] = { self->kill_switch_off, self->kill_switch_on, self->kill_switch_lockdown,
	                         self->allow_lan, self->dns_leak, self->dns_over_tls_no,
	                         self->dns_over_tls_opportunistic, self->dns_over_tls_yes };
	guint i;

	for (i = 0; i < G_N_ELEMENTS (entries); i++)
		connect_swapped (entries[i], "changed", G_CALLBACK (wgks_editor_field_changed), self);
	for (i = 0; i < G_N_ELEMENTS (toggles); i++)
		connect_swapped (toggles[i], "toggled", G_CALLBACK (wgks_editor_field_changed), self);
	connect_swapped (self->private_key, "changed", G_CALLBACK (private_key_changed), self);
	connect_swapped (self->private_key_show, "toggled", G_CALLBACK (show_key_toggled), self);
	connect_swapped (get_widget (self, "generate_button"), "clicked", G_CALLBACK (generate_clicked), self);
	connect_swapped (get_widget (self, "public_key_copy_button"), "clicked", G_CALLBACK (copy_clicked), self);
	connect_swapped (get_widget (self, "add_peer_button"), "clicked", G_CALLBACK (add_peer_clicked), self);
	connect_swapped (get_widget (self, "import_button"), "clicked", G_CALLBACK (wgks_editor_import_clicked), self);
}

static gboolean
load (NMWgksEditor *self, NMConnection *connection, GError **error)
{
	NMSettingVpn *s_vpn = connection ? nm_connection_get_setting_vpn (connection) : NULL;

	self->builder = wgks_editor_builder_new ("nm-wgks-editor.ui", error);
	if (!self->builder)
		return FALSE;
	self->widget = g_object_ref_sink (wgks_editor_scrollable (get_widget (self, "wgks_editor")));
	get_widgets (self);
	describe_options (self);
	describe_dns_over_tls (self);
	if (s_vpn)
		self->original = NM_SETTING_VPN (nm_setting_duplicate (NM_SETTING (s_vpn)));
	wgks_editor_load_interface (self, s_vpn, TRUE);
	wgks_editor_load_protection (self, s_vpn);
	if (!wgks_editor_load_peers (self, s_vpn, error))
		return FALSE;
	connect_signals (self);
	wgks_editor_import_add_actions (self);
	revalidate (self);
	return TRUE;
}

/* ---------------------------------------------------------------------------
 * NMVpnEditor
 * ------------------------------------------------------------------------- */

static GObject *
get_widget_iface (NMVpnEditor *editor)
{
	g_return_val_if_fail (NM_IS_WGKS_EDITOR (editor), NULL);

	return G_OBJECT (NM_WGKS_EDITOR (editor)->widget);
}

/* A fresh setting, so that exactly the documented keys are written; the
 * properties of the setting itself and the keys not shown are kept. */
static NMSettingVpn *
new_setting (NMWgksEditor *self, NMConnection *connection)
{
	NMSettingVpn *current = nm_connection_get_setting_vpn (connection);
	/* After an import, the file's settings replace the connection's. */
	NMSettingVpn *old = current && !self->imported ? current : self->original;
	NMSettingVpn *s_vpn = NM_SETTING_VPN (nm_setting_vpn_new ());
	static const char *const kept_keys[] = { NM_WGKS_KEY_FWMARK, NM_WGKS_KEY_TABLE };
	guint i;

	g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WGKS_SERVICE_TYPE,
	              NM_SETTING_VPN_PERSISTENT, old ? nm_setting_vpn_get_persistent (old) : TRUE, NULL);
	if (old)
		g_object_set (s_vpn, NM_SETTING_VPN_USER_NAME, nm_setting_vpn_get_user_name (old),
		              NM_SETTING_VPN_TIMEOUT, nm_setting_vpn_get_timeout (old), NULL);
	for (i = 0; self->original && i < G_N_ELEMENTS (kept_keys); i++) {
		const char *v = nm_setting_vpn_get_data_item (self->original, kept_keys[i]);

		if (v)
			nm_setting_vpn_add_data_item (s_vpn, kept_keys[i], v);
	}
	return s_vpn;
}

static void
set_secret_flags (NMWgksEditor *self, const WgksConfig *config, NMSettingVpn *s_vpn)
{
	NMSettingSecretFlags flags = private_key_flags (self);
	guint i;

	nm_setting_set_secret_flags (NM_SETTING (s_vpn), NM_WGKS_SECRET_PRIVATE_KEY, flags, NULL);
	for (i = 0; i < self->peers->len; i++) {
		const WgksPeer *peer = config->peers->pdata[i];
		g_autofree char *psk_key = wgks_peer_key (i, NM_WGKS_PEER_PRESHARED_KEY);

		flags = wgks_peer_view_get_psk_flags (self->peers->pdata[i]);
		/* An empty preshared key means none, unless it is asked for when connecting. */
		if (peer->has_preshared_key || (flags & NM_SETTING_SECRET_FLAG_NOT_SAVED))
			nm_setting_set_secret_flags (NM_SETTING (s_vpn), psk_key, flags, NULL);
	}
}

static void
set_route_tables (NMConnection *connection, guint32 table)
{
	NMSettingIPConfig *s_ip[] = { nm_connection_get_setting_ip4_config (connection),
	                              nm_connection_get_setting_ip6_config (connection) };
	guint i;

	for (i = 0; i < G_N_ELEMENTS (s_ip); i++)
		if (s_ip[i])
			g_object_set (s_ip[i], NM_SETTING_IP_CONFIG_ROUTE_TABLE, table, NULL);
}

static gboolean
update_connection (NMVpnEditor *editor, NMConnection *connection, GError **error)
{
	NMWgksEditor *self;
	g_autoptr (GError) local = NULL;
	g_autoptr (WgksConfig) config = NULL;
	NMSettingVpn *s_vpn;

	g_return_val_if_fail (NM_IS_WGKS_EDITOR (editor), FALSE);
	g_return_val_if_fail (NM_IS_CONNECTION (connection), FALSE);
	g_return_val_if_fail (!error || !*error, FALSE);

	self = NM_WGKS_EDITOR (editor);
	config = build_config (self, &local);
	show_validation (self, local);
	if (!config) {
		g_set_error_literal (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY,
		                     local->message);
		return FALSE;
	}
	s_vpn = new_setting (self, connection);
	wgks_config_to_setting (config, s_vpn);
	set_secret_flags (self, config, s_vpn);
	nm_connection_add_setting (connection, NM_SETTING (s_vpn));
	/* The editor does not show the table key; the one kept from the
	 * connection decides whether the tunnel routes at all. */
	if (g_strcmp0 (nm_setting_vpn_get_data_item (s_vpn, NM_WGKS_KEY_TABLE), "off") == 0)
		config->table = WGKS_TABLE_OFF;
	/* The imported file's table (its "Table = N", a full tunnel's own, or
	 * none), not shown either, replaces the one the connection had. */
	if (self->imported) {
		set_route_tables (connection, self->import_route_table);
		config->route_table = self->import_route_table;
	}
	wgks_config_apply_ip_settings (config, connection);
	return TRUE;
}

static void
nm_wgks_editor_interface_init (NMVpnEditorInterface *iface)
{
	iface->get_widget = get_widget_iface;
	iface->update_connection = update_connection;
}

static void
nm_wgks_editor_init (NMWgksEditor *self)
{
	self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) wgks_peer_view_free);
}

static void
dispose (GObject *object)
{
	NMWgksEditor *self = NM_WGKS_EDITOR (object);

	wgks_editor_import_close_chooser (self);
	g_ptr_array_set_size (self->peers, 0);
	/* The host may keep the widget; its actions point to this editor. */
	if (self->widget)
		gtk_widget_insert_action_group (self->widget, WGKS_EDITOR_ACTIONS, NULL);
	g_clear_object (&self->widget);
	g_clear_object (&self->builder);
	g_clear_object (&self->original);
	G_OBJECT_CLASS (nm_wgks_editor_parent_class)->dispose (object);
}

static void
finalize (GObject *object)
{
	g_ptr_array_unref (NM_WGKS_EDITOR (object)->peers);
	G_OBJECT_CLASS (nm_wgks_editor_parent_class)->finalize (object);
}

static void
nm_wgks_editor_class_init (NMWgksEditorClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = dispose;
	object_class->finalize = finalize;
}

NMVpnEditor *
nm_wgks_editor_new (NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
	g_autoptr (NMWgksEditor) self = NULL;

	g_return_val_if_fail (NM_IS_VPN_EDITOR_PLUGIN (plugin), NULL);
	g_return_val_if_fail (NM_IS_CONNECTION (connection), NULL);
	g_return_val_if_fail (!error || !*error, NULL);

	self = g_object_new (NM_TYPE_WGKS_EDITOR, NULL);
	if (!load (self, connection, error))
		return NULL;
	return NM_VPN_EDITOR (g_steal_pointer (&self));
}
