/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GTK 4 editor, loaded as GNOME Settings loads it: .name file, editor
 * plugin, nm_vpn_editor_plugin_get_editor(). Fields are filled by their
 * GtkBuilder ids; the connection written must hold exactly the documented
 * keys. Runs under Xvfb (test-editor.sh). */
#include "config.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "editor-fixture.h"
#include "editor-test-utils.h"
#include "nm-wgks-service-defines.h"
#include "wgks-config.h"
#include "wgks-key.h"
#include "test-utils.h"

#define PRIVATE_KEY "wqZQM/Upo/JoUnUIZQUl6wuXyZ0aiNk2OrqAETkeMFs="
#define PEER0_KEY   "SrO3pWvLEwbZu0rF15x7+axEzF3iuM0vR5lu1fH+pIk="
#define PEER1_KEY   "tBXVoN4w7n9uh7N7RvsyfjZb+gAV5jo1DH4z/EvGuhY="
#define PSK         "0Mm097w9XfgJwuFDg16eYLR4xZA57iPr6p8M5BbujHs="

/* ------------------------------------------------------------------------- */

static void
test_new_defaults (Fixture *f, gconstpointer data)
{
	g_assert_cmpuint (ed_n_peers (f), ==, 1);
	g_assert_true (ed_is_active (f, "peer_full_tunnel_radio", 0));
	g_assert_false (gtk_widget_get_sensitive (ed_w (f, "peer_allowed_ips_entry", 0)));
	g_assert_true (ed_is_active (f, "kill_switch_on_radio", 0));
	g_assert_false (ed_is_active (f, "allow_lan_check", 0));
	g_assert_true (ed_is_active (f, "dns_leak_check", 0));
	g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (ed_w (f, "private_key_entry", 0))));
	g_assert_cmpstr (ed_text (f, "public_key_entry", 0), ==, "");
	/* Empty required fields block saving but are not marked red. */
	ed_update_fails (f, "Addresses");
	g_assert_false (gtk_widget_has_css_class (ed_w (f, "address_entry", 0), "error"));
	g_assert_true (gtk_widget_get_visible (ed_w (f, "validation_label", 0)));
}

static void
test_generate_and_show (Fixture *f, gconstpointer data)
{
	g_autofree char *expected = NULL;
	const char *priv;

	ed_click (f, "generate_button", 0);
	priv = ed_text (f, "private_key_entry", 0);
	g_assert_cmpuint (strlen (priv), ==, WGKS_KEY_B64_LEN);
	expected = ed_public_of (priv);
	g_assert_cmpstr (ed_text (f, "public_key_entry", 0), ==, expected);
	g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (ed_w (f, "public_key_entry", 0))));

	ed_set_active (f, "private_key_show_check", 0, TRUE);
	g_assert_true (gtk_entry_get_visibility (GTK_ENTRY (ed_w (f, "private_key_entry", 0))));
	ed_set_active (f, "private_key_show_check", 0, FALSE);
	g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (ed_w (f, "private_key_entry", 0))));

	/* An invalid private key shows no public key. */
	ed_type (f, "private_key_entry", 0, "nope");
	g_assert_cmpstr (ed_text (f, "public_key_entry", 0), ==, "");
}

static void
fill_all (Fixture *f)
{
	ed_type (f, "address_entry", 0, "10.0.0.2/24, fd00::2/64");
	ed_type (f, "private_key_entry", 0, PRIVATE_KEY);
	ed_type (f, "listen_port_entry", 0, "51820");
	ed_type (f, "mtu_entry", 0, "1420");
	ed_type (f, "dns_entry", 0, "10.0.0.1");
	ed_type (f, "dns_search_entry", 0, "example.internal ~corp.example");
	/* Stored for this user only: an agent-owned secret. */
	nma_utils_update_password_storage (ed_w (f, "private_key_entry", 0), NM_SETTING_SECRET_FLAG_AGENT_OWNED,
	                                   NULL, NULL);

	ed_type (f, "peer_public_key_entry", 0, PEER0_KEY);
	ed_type (f, "peer_preshared_key_entry", 0, PSK);
	ed_type (f, "peer_endpoint_entry", 0, "vpn.example.com:51820");

	ed_click (f, "add_peer_button", 0);
	g_assert_cmpuint (ed_n_peers (f), ==, 2);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (ed_w (f, "peer_title_label", 1))), ==, "Peer 2");
	ed_type (f, "peer_public_key_entry", 1, PEER1_KEY);
	ed_type (f, "peer_endpoint_entry", 1, "[2001:db8::1]:443");
	ed_set_active (f, "peer_split_tunnel_radio", 1, TRUE);
	g_assert_true (gtk_widget_get_sensitive (ed_w (f, "peer_allowed_ips_entry", 1)));
	ed_type (f, "peer_allowed_ips_entry", 1, "10.20.0.0/16, 192.168.50.0/24");
	ed_type (f, "peer_keepalive_entry", 1, "25");
	/* Preshared key asked for at every connection. */
	nma_utils_update_password_storage (ed_w (f, "peer_preshared_key_entry", 1), NM_SETTING_SECRET_FLAG_NOT_SAVED,
	                                   NULL, NULL);

	ed_set_active (f, "kill_switch_lockdown_radio", 0, TRUE);
	ed_set_active (f, "allow_lan_check", 0, TRUE);
	ed_set_active (f, "dns_leak_check", 0, FALSE);
	ed_set_active (f, "dns_over_tls_yes_radio", 0, TRUE);
}

static void
test_fill_everything (Fixture *f, gconstpointer data)
{
	static const char *const expected_data[] = {
		"address", "10.0.0.2/24, fd00::2/64",
		"dns", "10.0.0.1",
		"dns-search", "example.internal, ~corp.example",
		"mtu", "1420",
		"listen-port", "51820",
		"kill-switch", "lockdown",
		"allow-lan", "yes",
		"dns-leak-protection", "no",
		"dns-over-tls", "yes",
		"private-key-flags", "1",
		"peer.0.public-key", PEER0_KEY,
		"peer.0.endpoint", "vpn.example.com:51820",
		"peer.0.allowed-ips", "0.0.0.0/0, ::/0",
		"peer.0.preshared-key-flags", "0",
		"peer.1.public-key", PEER1_KEY,
		"peer.1.endpoint", "[2001:db8::1]:443",
		"peer.1.allowed-ips", "10.20.0.0/16, 192.168.50.0/24",
		"peer.1.persistent-keepalive", "25",
		"peer.1.preshared-key-flags", "2",
		NULL,
	};
	static const char *const expected_secrets[] = {
		"private-key", PRIVATE_KEY,
		"peer.0.preshared-key", PSK,
		NULL,
	};
	g_autofree char *public_key = ed_public_of (PRIVATE_KEY);
	g_autoptr (NMConnection) out = NULL;
	g_autoptr (GHashTable) d = NULL, s = NULL;

	fill_all (f);
	g_assert_cmpstr (ed_text (f, "public_key_entry", 0), ==, public_key);
	g_assert_false (gtk_widget_get_visible (ed_w (f, "validation_label", 0)));
	out = ed_update_ok (f);
	d = ed_data_of (out, FALSE);
	s = ed_data_of (out, TRUE);
	ed_assert_exactly (d, expected_data);
	ed_assert_exactly (s, expected_secrets);
	g_assert_true (nm_connection_verify (out, NULL));
	/* what NetworkManager applies to the VPN's DNS */
	g_assert_cmpint (nm_setting_connection_get_dns_over_tls (nm_connection_get_setting_connection (out)), ==,
	                 NM_SETTING_CONNECTION_DNS_OVER_TLS_YES);
}

typedef struct {
	const char *id;
	guint       nth;
	const char *bad;
	const char *field;
} InvalidCase;

static void
test_invalid_fields (Fixture *f, gconstpointer data)
{
	static const InvalidCase cases[] = {
		{ "private_key_entry", 0, "AAAA", "Private key" },
		{ "private_key_entry", 0, PRIVATE_KEY "x", "Private key" },
		{ "address_entry", 0, "10.0.0.300/24", "Addresses" },
		{ "address_entry", 0, "10.0.0.2/33", "Addresses" },
		{ "listen_port_entry", 0, "70000", "Listen port" },
		{ "mtu_entry", 0, "100", "MTU" },
		{ "dns_entry", 0, "dns.example", "DNS servers" },
		{ "dns_search_entry", 0, "bad..domain", "Search domains" },
		{ "peer_public_key_entry", 0, "not a key", "Peer 1 public key" },
		{ "peer_public_key_entry", 1, PEER0_KEY, "Peer 2 public key" },
		{ "peer_preshared_key_entry", 0, "short=", "Peer 1 preshared key" },
		{ "peer_endpoint_entry", 0, "vpn.example.com", "Peer 1 endpoint" },
		{ "peer_endpoint_entry", 1, "2001:db8::1:443", "Peer 2 endpoint" },
		{ "peer_allowed_ips_entry", 1, "10.20.0.0/16, 300.1.1.1/8", "Peer 2 networks" },
		{ "peer_keepalive_entry", 1, "-1", "Peer 2 keepalive" },
		{ "peer_keepalive_entry", 1, "65536", "Peer 2 keepalive" },
	};
	guint i;

	fill_all (f);
	g_object_unref (ed_update_ok (f));
	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		const InvalidCase *c = &cases[i];
		GtkWidget *entry = ed_w (f, c->id, c->nth);
		g_autofree char *good = g_strdup (ed_text (f, c->id, c->nth));

		ed_type (f, c->id, c->nth, c->bad);
		ed_update_fails (f, c->field);
		g_assert_true (gtk_widget_has_css_class (entry, "error"));
		g_assert_nonnull (gtk_widget_get_tooltip_text (entry));
		g_assert_true (gtk_widget_get_visible (ed_w (f, "validation_label", 0)));

		ed_type (f, c->id, c->nth, good);
		g_assert_false (gtk_widget_has_css_class (entry, "error"));
		g_object_unref (ed_update_ok (f));
	}
	/* Split tunnel without networks */
	ed_type (f, "peer_allowed_ips_entry", 1, "");
	ed_update_fails (f, "Peer 2 networks");
}

static void
test_remove_peer (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;

	fill_all (f);
	ed_click (f, "add_peer_button", 0);
	g_assert_cmpuint (ed_n_peers (f), ==, 3);
	ed_update_fails (f, "Peer 3 public key");
	ed_click (f, "peer_remove_button", 0);
	g_assert_cmpuint (ed_n_peers (f), ==, 2);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (ed_w (f, "peer_title_label", 0))), ==, "Peer 1");
	g_assert_cmpstr (ed_text (f, "peer_public_key_entry", 0), ==, PEER1_KEY);
	ed_update_fails (f, "Peer 2 public key");
	ed_click (f, "peer_remove_button", 1);
	out = ed_update_ok (f);
	g_assert_cmpstr (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "peer.0.public-key"), ==,
	                 PEER1_KEY);
	g_assert_null (nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (out), "peer.1.public-key"));
	ed_click (f, "peer_remove_button", 0);
	ed_update_fails (f, "Peers");
}

static void
test_ask_every_time (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;
	NMSettingVpn *s_vpn;

	fill_all (f);
	nma_utils_update_password_storage (ed_w (f, "private_key_entry", 0), NM_SETTING_SECRET_FLAG_NOT_SAVED,
	                                   NULL, NULL);
	/* Nothing to validate here: the key is asked for when connecting. */
	g_assert_cmpstr (ed_text (f, "private_key_entry", 0), ==, "");
	out = ed_update_ok (f);
	s_vpn = nm_connection_get_setting_vpn (out);
	g_assert_null (nm_setting_vpn_get_secret (s_vpn, "private-key"));
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "private-key-flags"), ==, "2");
}

static void
assert_peer_shows (Fixture *f, NMSettingVpn *s_vpn, guint i)
{
	g_autofree char *k_ips = g_strdup_printf ("peer.%u.allowed-ips", i);

	ed_assert_peer_keys (f, s_vpn, i);
	/* office.conf is a split tunnel */
	g_assert_true (ed_is_active (f, "peer_split_tunnel_radio", i));
	g_assert_cmpstr (ed_text (f, "peer_allowed_ips_entry", i), ==, nm_setting_vpn_get_data_item (s_vpn, k_ips));
}

static void
test_open_imported (Fixture *f, gconstpointer data)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (f->connection);
	g_autofree char *public_key = ed_public_of (PRIVATE_KEY);
	g_autoptr (NMConnection) out = NULL;
	g_autoptr (GHashTable) d0 = NULL, d1 = NULL, s0 = NULL, s1 = NULL;
	guint i;

	g_assert_cmpstr (ed_text (f, "address_entry", 0), ==, "10.10.0.5/24, fd00:10::5/64, 2001:db8:10::5/64");
	g_assert_cmpstr (ed_text (f, "private_key_entry", 0), ==, PRIVATE_KEY);
	g_assert_cmpstr (ed_text (f, "public_key_entry", 0), ==, public_key);
	g_assert_cmpstr (ed_text (f, "listen_port_entry", 0), ==, "51821");
	g_assert_cmpstr (ed_text (f, "mtu_entry", 0), ==, "1380");
	g_assert_cmpstr (ed_text (f, "dns_entry", 0), ==, "10.10.0.1, fd00:10::1");
	g_assert_cmpstr (ed_text (f, "dns_search_entry", 0), ==, "company.internal, ~corp.example");
	g_assert_true (ed_is_active (f, "kill_switch_on_radio", 0));
	g_assert_false (ed_is_active (f, "allow_lan_check", 0));
	g_assert_true (ed_is_active (f, "dns_leak_check", 0));
	g_assert_cmpuint (ed_n_peers (f), ==, 3);
	for (i = 0; i < 3; i++)
		assert_peer_shows (f, s_vpn, i);
	g_assert_cmpstr (ed_text (f, "peer_endpoint_entry", 1), ==, "[2001:db8::1]:443");
	g_assert_cmpstr (ed_text (f, "peer_preshared_key_entry", 2), ==,
	                 "77QHSfqEmq38L3e9mqvHtMdAuZ5JQz/naREMZHNspn0=");
	g_assert_false (gtk_widget_get_visible (ed_w (f, "validation_label", 0)));

	/* Saving without a change changes nothing, not even the keys the editor does not show. */
	out = ed_update_ok (f);
	d0 = ed_data_of (f->connection, FALSE);
	d1 = ed_data_of (out, FALSE);
	s0 = ed_data_of (f->connection, TRUE);
	s1 = ed_data_of (out, TRUE);
	g_assert_cmpstr (g_hash_table_lookup (d1, "fwmark"), ==, "4660");
	ed_assert_tables_equal (d0, d1);
	ed_assert_tables_equal (s0, s1);
	g_assert_true (nm_setting_vpn_get_persistent (nm_connection_get_setting_vpn (out)));
}


static void
test_new_ip_settings (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;
	g_autoptr (NMConnection) own_table = NULL;
	NMSettingIPConfig *s_ip4;

	/* Peer 1 routes everything: full tunnel, DNS leak protection off. */
	fill_all (f);
	out = ed_update_ok (f);
	ed_assert_ip (out, TRUE, FALSE, WGKS_DEFAULT_ROUTE_TABLE);

	/* DNS leak protection on: the tunnel owns DNS; saving twice adds "~." once. */
	ed_set_active (f, "dns_leak_check", 0, TRUE);
	ed_update_in_place (f, out);
	ed_assert_ip (out, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
	ed_update_in_place (f, out);
	ed_assert_ip (out, TRUE, TRUE, WGKS_DEFAULT_ROUTE_TABLE);
	/* Other search domains the user added in the IPv4 tab stay. */
	nm_setting_ip_config_add_dns_search (nm_connection_get_setting_ip4_config (out), "lan.example");

	/* Only these networks: split tunnel, DNS back to the uplink. */
	ed_set_active (f, "peer_split_tunnel_radio", 0, TRUE);
	ed_type (f, "peer_allowed_ips_entry", 0, "10.0.0.0/24");
	ed_update_in_place (f, out);
	s_ip4 = nm_connection_get_setting_ip4_config (out);
	g_assert_true (nm_setting_ip_config_get_never_default (s_ip4));
	g_assert_true (nm_setting_ip_config_get_never_default (nm_connection_get_setting_ip6_config (out)));
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip4), ==, 0);
	g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (s_ip4), ==, 1);
	g_assert_cmpstr (nm_setting_ip_config_get_dns_search (s_ip4, 0), ==, "lan.example");
	g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (nm_connection_get_setting_ip6_config (out)), ==, 0);

	/* Back to a full tunnel: a table and a DNS priority the user chose stay. */
	ed_set_active (f, "peer_full_tunnel_radio", 0, TRUE);
	own_table = nm_simple_connection_new_clone (f->connection);
	s_ip4 = NM_SETTING_IP_CONFIG (nm_setting_ip4_config_new ());
	g_object_set (s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO,
	              NM_SETTING_IP_CONFIG_ROUTE_TABLE, 100, NM_SETTING_IP_CONFIG_DNS_PRIORITY, -200, NULL);
	nm_connection_add_setting (own_table, NM_SETTING (s_ip4));
	ed_update_in_place (f, own_table);
	g_assert_false (nm_setting_ip_config_get_never_default (s_ip4));
	g_assert_cmpuint (nm_setting_ip_config_get_route_table (s_ip4), ==, 100);
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip4), ==, -200);
	g_assert_cmpuint (nm_setting_ip_config_get_route_table (nm_connection_get_setting_ip6_config (own_table)), ==, 100);
	g_assert_true (nm_connection_verify (own_table, NULL));
}

static void
test_imported_ip_settings (Fixture *f, gconstpointer data)
{
	g_autoptr (NMConnection) out = NULL;

	/* office.conf: split tunnel with Table = 1234, as imported. */
	ed_assert_ip (f->connection, FALSE, FALSE, 1234);
	out = ed_update_ok (f);
	ed_assert_ip (out, FALSE, FALSE, 1234);

	/* One peer takes all traffic: full tunnel through the user's table. */
	ed_set_active (f, "peer_full_tunnel_radio", 1, TRUE);
	ed_update_in_place (f, out);
	ed_assert_ip (out, TRUE, TRUE, 1234);

	/* No DNS leak protection: the uplink's DNS stays usable. */
	ed_set_active (f, "dns_leak_check", 0, FALSE);
	ed_update_in_place (f, out);
	ed_assert_ip (out, TRUE, FALSE, 1234);

	/* Every peer split again. */
	ed_set_active (f, "dns_leak_check", 0, TRUE);
	ed_set_active (f, "peer_split_tunnel_radio", 1, TRUE);
	ed_type (f, "peer_allowed_ips_entry", 1, "192.168.50.0/24");
	ed_update_in_place (f, out);
	ed_assert_ip (out, FALSE, FALSE, 1234);
}


/* Every entry and option is reachable by a mnemonic and carries a label for screen readers. */
static void
test_labels (Fixture *f, gconstpointer data)
{
	static const char *const entries[] = {
		"address_entry", "private_key_entry", "public_key_entry", "listen_port_entry", "mtu_entry",
		"dns_entry", "dns_search_entry", "peer_public_key_entry", "peer_preshared_key_entry",
		"peer_endpoint_entry", "peer_keepalive_entry",
	};
	static const char *const buttons[] = {
		"private_key_show_check", "generate_button", "public_key_copy_button", "add_peer_button",
		"kill_switch_off_radio", "kill_switch_on_radio", "kill_switch_lockdown_radio",
		"allow_lan_check", "dns_leak_check", "peer_full_tunnel_radio", "peer_split_tunnel_radio",
		"import_button",
		"dns_over_tls_no_radio", "dns_over_tls_opportunistic_radio", "dns_over_tls_yes_radio",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (entries); i++) {
		GList *labels = gtk_widget_list_mnemonic_labels (ed_w (f, entries[i], 0));

		if (!labels)
			g_error ("%s has no mnemonic label", entries[i]);
		g_assert_nonnull (strchr (gtk_label_get_label (labels->data), '_'));
		g_list_free (labels);
	}
	for (i = 0; i < G_N_ELEMENTS (buttons); i++) {
		GtkWidget *b = ed_w (f, buttons[i], 0);
		const char *label = GTK_IS_BUTTON (b) ? gtk_button_get_label (GTK_BUTTON (b))
		                                      : gtk_check_button_get_label (GTK_CHECK_BUTTON (b));

		g_assert_nonnull (label);
		if (!strchr (label, '_'))
			g_error ("%s (“%s”) has no mnemonic", buttons[i], label);
	}
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	int ret;

	wgks_test_set_dirs ();
	gtk_test_init (&argc, &argv, NULL);
	ed_plugin = wgks_test_load_plugin (&error);
	g_assert_no_error (error);

	g_test_add ("/editor/new/defaults", Fixture, NULL, ed_fixture_new, test_new_defaults, ed_fixture_close);
	g_test_add ("/editor/new/generate-and-show-key", Fixture, NULL, ed_fixture_new, test_generate_and_show,
	            ed_fixture_close);
	g_test_add ("/editor/new/fill-everything", Fixture, NULL, ed_fixture_new, test_fill_everything,
	            ed_fixture_close);
	g_test_add ("/editor/new/invalid-fields", Fixture, NULL, ed_fixture_new, test_invalid_fields, ed_fixture_close);
	g_test_add ("/editor/new/remove-peer", Fixture, NULL, ed_fixture_new, test_remove_peer, ed_fixture_close);
	g_test_add ("/editor/new/ask-every-time", Fixture, NULL, ed_fixture_new, test_ask_every_time, ed_fixture_close);
	g_test_add ("/editor/new/labels", Fixture, NULL, ed_fixture_new, test_labels, ed_fixture_close);
	g_test_add ("/editor/imported/shows-everything", Fixture, NULL, ed_fixture_office, test_open_imported,
	            ed_fixture_close);
	g_test_add ("/editor/new/ip-settings", Fixture, NULL, ed_fixture_new, test_new_ip_settings, ed_fixture_close);
	g_test_add ("/editor/imported/ip-settings", Fixture, NULL, ed_fixture_office, test_imported_ip_settings,
	            ed_fixture_close);
	ed_add_import_tests ();
	ret = g_test_run ();
	g_object_unref (ed_plugin);
	return ret;
}
