/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built editor plugin, loaded through its .name file as nmcli does. */
#include "config.h"

#include <NetworkManager.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"
#include "test-utils.h"

static NMVpnEditorPlugin *plugin;

static NMConnection *
import_data (const char *name, GError **error)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);

	return nm_vpn_editor_plugin_import (plugin, path, error);
}

static NMConnection *
import_ok (const char *name)
{
	g_autoptr (GError) error = NULL;
	NMConnection *c = import_data (name, &error);

	g_assert_no_error (error);
	g_assert_nonnull (c);
	g_assert_true (nm_connection_verify (c, NULL));
	return c;
}

static void
test_load (void)
{
	g_autofree char *name = NULL, *service = NULL;

	g_object_get (plugin, NM_VPN_EDITOR_PLUGIN_NAME, &name, NM_VPN_EDITOR_PLUGIN_SERVICE, &service, NULL);
	g_assert_cmpstr (service, ==, NM_WGKS_SERVICE_TYPE);
	g_assert_nonnull (name);
	g_assert_cmpint (nm_vpn_editor_plugin_get_capabilities (plugin), ==,
	                 NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT
	                     | NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6);
}

static void
assert_secret_flags_none (NMSettingVpn *s_vpn, const char *secret)
{
	NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NOT_SAVED;

	g_assert_true (nm_setting_get_secret_flags (NM_SETTING (s_vpn), secret, &flags, NULL));
	g_assert_cmpint (flags, ==, NM_SETTING_SECRET_FLAG_NONE);
}

static void
test_import_seed (void)
{
	g_autoptr (NMConnection) c = import_ok ("seed.conf");
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (c);
	NMSettingIPConfig *s_ip4 = nm_connection_get_setting_ip4_config (c);
	NMSettingIPConfig *s_ip6 = nm_connection_get_setting_ip6_config (c);

	g_assert_cmpstr (nm_connection_get_id (c), ==, "seed");
	g_assert_cmpstr (nm_setting_vpn_get_service_type (s_vpn), ==, NM_WGKS_SERVICE_TYPE);
	g_assert_true (nm_setting_vpn_get_persistent (s_vpn));
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "address"), ==, "10.0.0.2/24");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "dns"), ==, "1.1.1.1");
	g_assert_null (nm_setting_vpn_get_data_item (s_vpn, "dns-search"));
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "kill-switch"), ==, "on");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "allow-lan"), ==, "no");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "dns-leak-protection"), ==, "yes");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "peer.0.public-key"), ==,
	                 "1d34UvthIUj8aSK1gihG9laPrUnjkRk/9bel4ufeH34=");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "peer.0.endpoint"), ==, "vpn.example.com:51820");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "peer.0.allowed-ips"), ==, "0.0.0.0/0, ::/0");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "peer.0.persistent-keepalive"), ==, "25");
	/* The private key is a system-owned secret, never data. */
	g_assert_null (nm_setting_vpn_get_data_item (s_vpn, "private-key"));
	g_assert_cmpstr (nm_setting_vpn_get_secret (s_vpn, "private-key"), ==,
	                 "ADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWsE=");
	assert_secret_flags_none (s_vpn, "private-key");
	g_assert_cmpuint (nm_setting_vpn_get_num_data_items (s_vpn), ==, 10);
	g_assert_cmpuint (nm_setting_vpn_get_num_secrets (s_vpn), ==, 1);

	/* Full tunnel: the VPN owns DNS for every name. */
	g_assert_false (nm_setting_ip_config_get_never_default (s_ip4));
	g_assert_false (nm_setting_ip_config_get_never_default (s_ip6));
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip4), <, 0);
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip6), <, 0);
	g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (s_ip4), ==, 1);
	g_assert_cmpstr (nm_setting_ip_config_get_dns_search (s_ip4, 0), ==, "~.");
}

static void
test_import_office (void)
{
	g_autoptr (NMConnection) c = import_ok ("office.conf");
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (c);
	NMSettingIPConfig *s_ip4 = nm_connection_get_setting_ip4_config (c);
	NMSettingIPConfig *s_ip6 = nm_connection_get_setting_ip6_config (c);

	g_assert_cmpstr (nm_connection_get_id (c), ==, "office");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "address"), ==,
	                 "10.10.0.5/24, fd00:10::5/64, 2001:db8:10::5/64");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "dns"), ==, "10.10.0.1, fd00:10::1");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "dns-search"), ==, "company.internal, ~corp.example");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "mtu"), ==, "1380");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "listen-port"), ==, "51821");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "fwmark"), ==, "4660");
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "peer.0.allowed-ips"), ==,
	                 "10.10.0.0/24, 10.20.0.0/16, fd00:10::/64");
	g_assert_null (nm_setting_vpn_get_data_item (s_vpn, "peer.0.persistent-keepalive"));
	g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "peer.1.endpoint"), ==, "[2001:db8::1]:443");
	g_assert_null (nm_setting_vpn_get_data_item (s_vpn, "peer.2.endpoint"));
	g_assert_cmpstr (nm_setting_vpn_get_secret (s_vpn, "peer.0.preshared-key"), ==,
	                 "0Mm097w9XfgJwuFDg16eYLR4xZA57iPr6p8M5BbujHs=");
	g_assert_null (nm_setting_vpn_get_secret (s_vpn, "peer.1.preshared-key"));
	g_assert_cmpstr (nm_setting_vpn_get_secret (s_vpn, "peer.2.preshared-key"), ==,
	                 "77QHSfqEmq38L3e9mqvHtMdAuZ5JQz/naREMZHNspn0=");
	assert_secret_flags_none (s_vpn, "peer.0.preshared-key");
	assert_secret_flags_none (s_vpn, "peer.2.preshared-key");
	g_assert_null (nm_setting_vpn_get_data_item (s_vpn, "peer.0.preshared-key"));

	/* Split tunnel: the uplink keeps the default route and DNS. */
	g_assert_true (nm_setting_ip_config_get_never_default (s_ip4));
	g_assert_true (nm_setting_ip_config_get_never_default (s_ip6));
	g_assert_cmpint (nm_setting_ip_config_get_dns_priority (s_ip4), ==, 0);
	g_assert_cmpuint (nm_setting_ip_config_get_num_dns_searches (s_ip4), ==, 0);
	g_assert_cmpuint (nm_setting_ip_config_get_route_table (s_ip4), ==, 1234);
	g_assert_cmpuint (nm_setting_ip_config_get_route_table (s_ip6), ==, 1234);
}

static char *
export_to_temp (NMConnection *c)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("wgks-export-XXXXXX", &error);
	g_autofree char *name = nm_vpn_editor_plugin_get_suggested_filename (plugin, c);
	char *path;

	g_assert_no_error (error);
	path = g_build_filename (dir, name, NULL);
	g_assert_true (nm_vpn_editor_plugin_export (plugin, path, c, &error));
	g_assert_no_error (error);
	return path;
}

static void
remove_temp (const char *path)
{
	g_autofree char *dir = g_path_get_dirname (path);

	g_unlink (path);
	g_rmdir (dir);
}

static void
round_trip (const char *name)
{
	g_autoptr (NMConnection) c = import_ok (name);
	g_autoptr (NMConnection) back = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = NULL;
	NMSettingConnection *s_con;
	GStatBuf st;

	nm_setting_vpn_add_data_item (nm_connection_get_setting_vpn (c), "kill-switch", "lockdown");
	nm_setting_vpn_add_data_item (nm_connection_get_setting_vpn (c), "allow-lan", "yes");
	path = export_to_temp (c);
	g_assert_cmpint (g_stat (path, &st), ==, 0);
	g_assert_cmpint (st.st_mode & 0777, ==, 0600);
	back = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_assert_no_error (error);
	remove_temp (path);

	s_con = nm_connection_get_setting_connection (back);
	g_object_set (s_con,
	              NM_SETTING_CONNECTION_ID, nm_connection_get_id (c),
	              NM_SETTING_CONNECTION_UUID, nm_connection_get_uuid (c),
	              NULL);
	g_assert_true (nm_connection_compare (c, back, NM_SETTING_COMPARE_FLAG_EXACT));
}

static void
test_round_trip_seed (void)
{
	round_trip ("seed.conf");
}

static void
test_round_trip_office (void)
{
	round_trip ("office.conf");
}

static void
test_export_without_secrets (void)
{
	g_autoptr (NMConnection) c = import_ok ("seed.conf");
	g_autoptr (NMConnection) back = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;

	nm_connection_clear_secrets (c);
	path = export_to_temp (c);
	g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
	g_assert_null (strstr (text, "PrivateKey ="));
	back = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_assert_null (back);
	g_assert_nonnull (strstr (error->message, "has no PrivateKey"));
	remove_temp (path);
}

static void
test_import_errors (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;
	g_autoptr (NMConnection) c = NULL, c2 = NULL;
	g_autofree char *dir = g_dir_make_tmp ("wgks-bad-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "broken.conf", NULL);

	g_assert_true (g_file_set_contents (path,
	                                    "[Interface]\nPrivateKey = ADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWsE=\n"
	                                    "Address = 10.0.0.2/24\n\n[Peer]\nPublicKey = 1d34UvthIUj8aSK1gihG9laPrUnjkRk/9bel4ufeH34=\n"
	                                    "Endpoint = vpn.example.com\n", -1, NULL));
	c = nm_vpn_editor_plugin_import (plugin, path, &error);
	g_assert_null (c);
	g_assert_cmpstr (error->message, ==, "broken.conf:7: Endpoint \"vpn.example.com\": missing :port");
	g_unlink (path);
	g_rmdir (dir);
	c2 = import_data ("does-not-exist.conf", &error2);
	g_assert_null (c2);
	g_assert_nonnull (error2);
}

/* What `nmcli connection import … file F` calls: a FIFO or a symlink to
 * /dev/zero is refused at once with the file's name, never read. */
static void
test_import_not_regular (void)
{
	g_autofree char *dir = g_dir_make_tmp ("wgks-bad-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename (dir, "fifo.conf", NULL);
	g_autofree char *zero = g_build_filename (dir, "zero.conf", NULL);
	const char *paths[] = { fifo, zero };
	const char *expected[] = { "fifo.conf: not a regular file (a FIFO)",
	                           "zero.conf: not a regular file (a character device)" };
	guint i;

	g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
	g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);
	for (i = 0; i < G_N_ELEMENTS (paths); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (NMConnection) c = NULL;
		gint64 t0 = g_get_monotonic_time ();

		c = nm_vpn_editor_plugin_import (plugin, paths[i], &error);
		g_assert_null (c);
		g_assert_nonnull (error);
		g_assert_cmpstr (error->message, ==, expected[i]);
		g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
	}
	g_unlink (zero);
	g_unlink (fifo);
	g_rmdir (dir);
}

static void
test_suggested_filename (void)
{
	g_autoptr (NMConnection) c = import_ok ("seed.conf");
	g_autofree char *name = NULL;

	g_object_set (nm_connection_get_setting_connection (c), NM_SETTING_CONNECTION_ID,
	              "My VPN/../home", NULL);
	name = nm_vpn_editor_plugin_get_suggested_filename (plugin, c);
	/* wg-quick needs an interface name: at most 15 characters, no '/'. */
	g_assert_cmpstr (name, ==, "My_VPN_.._home.conf");
}

int
main (int argc, char **argv)
{
	g_autoptr (NMVpnPluginInfo) info = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *name_file = NULL;

	wgks_test_init (&argc, &argv);
	name_file = g_test_build_filename (G_TEST_BUILT, "nm-wireguard-killswitch-service.name", NULL);
	info = nm_vpn_plugin_info_new_from_file (name_file, &error);
	g_assert_no_error (error);
	plugin = nm_vpn_plugin_info_load_editor_plugin (info, &error);
	g_assert_no_error (error);
	g_assert_nonnull (plugin);

	g_test_add_func ("/plugin/load", test_load);
	g_test_add_func ("/plugin/import-seed", test_import_seed);
	g_test_add_func ("/plugin/import-office", test_import_office);
	g_test_add_func ("/plugin/round-trip-seed", test_round_trip_seed);
	g_test_add_func ("/plugin/round-trip-office", test_round_trip_office);
	g_test_add_func ("/plugin/export-without-secrets", test_export_without_secrets);
	g_test_add_func ("/plugin/import-errors", test_import_errors);
	g_test_add_func ("/plugin/import-not-regular", test_import_not_regular);
	g_test_add_func ("/plugin/suggested-filename", test_suggested_filename);
	return g_test_run ();
}
