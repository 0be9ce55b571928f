/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-quick parser and writer, without libnm's plugin machinery. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nm-wgks-service-defines.h"
#include "wgks-wgquick.h"
#include "test-utils.h"

#define SEED_PRIVATE "ADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWsE="
#define SEED_PEER    "1d34UvthIUj8aSK1gihG9laPrUnjkRk/9bel4ufeH34="
#define PEER_KEY     "SrO3pWvLEwbZu0rF15x7+axEzF3iuM0vR5lu1fH+pIk="

static WgksConfig *
read_data_file (const char *name, GPtrArray *warnings)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
	g_autoptr (GError) error = NULL;
	WgksConfig *config = wgks_wgquick_read_file (path, warnings, &error);

	g_assert_no_error (error);
	g_assert_nonnull (config);
	return config;
}

static char *
key_b64 (const WgksKey *key)
{
	char buf[WGKS_KEY_B64_LEN + 1];

	wgks_key_to_base64 (key, buf);
	return g_strdup (buf);
}

static char *
prefix_str (GPtrArray *prefixes, guint i)
{
	g_assert_cmpuint (i, <, prefixes->len);
	return wgks_prefix_to_string (prefixes->pdata[i]);
}

static void
assert_prefix (GPtrArray *prefixes, guint i, const char *expected)
{
	g_autofree char *s = prefix_str (prefixes, i);

	g_assert_cmpstr (s, ==, expected);
}

static void
test_seed (void)
{
	g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (WgksConfig) c = read_data_file ("seed.conf", warnings);
	g_autofree char *priv = key_b64 (&c->private_key);
	g_autofree char *pub = NULL;
	WgksPeer *peer;

	g_assert_true (c->has_private_key);
	g_assert_cmpstr (priv, ==, SEED_PRIVATE);
	g_assert_cmpuint (c->addresses->len, ==, 1);
	assert_prefix (c->addresses, 0, "10.0.0.2/24");
	g_assert_cmpuint (c->dns_servers->len, ==, 1);
	g_assert_cmpstr (c->dns_servers->pdata[0], ==, "1.1.1.1");
	g_assert_cmpuint (c->dns_domains->len, ==, 0);
	g_assert_cmpint (c->kill_switch, ==, WGKS_KILL_SWITCH_ON);
	g_assert_false (c->allow_lan);
	g_assert_true (c->dns_leak_protection);

	g_assert_cmpuint (c->peers->len, ==, 1);
	peer = c->peers->pdata[0];
	pub = key_b64 (&peer->public_key);
	g_assert_cmpstr (pub, ==, SEED_PEER);
	g_assert_cmpstr (peer->endpoint_host, ==, "vpn.example.com");
	g_assert_cmpuint (peer->endpoint_port, ==, 51820);
	g_assert_cmpuint (peer->allowed_ips->len, ==, 2);
	assert_prefix (peer->allowed_ips, 0, "0.0.0.0/0");
	assert_prefix (peer->allowed_ips, 1, "::/0");
	g_assert_cmpuint (peer->persistent_keepalive, ==, 25);
	g_assert_true (wgks_config_is_full_tunnel (c, AF_INET));
	g_assert_true (wgks_config_is_full_tunnel (c, AF_INET6));

	/* The hooks are not run, and the user is told why, once. */
	g_assert_cmpuint (warnings->len, ==, 1);
	g_assert_true (g_str_has_prefix (warnings->pdata[0], "seed.conf:7: PostUp"));
	g_assert_nonnull (strstr (warnings->pdata[0], "kill switch"));
}

static void
test_office (void)
{
	g_autoptr (WgksConfig) c = read_data_file ("office.conf", NULL);
	WgksPeer *a, *b, *roam;

	g_assert_cmpuint (c->addresses->len, ==, 3);
	assert_prefix (c->addresses, 0, "10.10.0.5/24");
	assert_prefix (c->addresses, 1, "fd00:10::5/64");
	assert_prefix (c->addresses, 2, "2001:db8:10::5/64");
	g_assert_cmpuint (c->dns_servers->len, ==, 2);
	g_assert_cmpstr (c->dns_servers->pdata[0], ==, "10.10.0.1");
	g_assert_cmpstr (c->dns_servers->pdata[1], ==, "fd00:10::1");
	g_assert_cmpuint (c->dns_domains->len, ==, 2);
	g_assert_cmpstr (c->dns_domains->pdata[0], ==, "company.internal");
	g_assert_cmpstr (c->dns_domains->pdata[1], ==, "~corp.example");
	g_assert_cmpuint (c->mtu, ==, 1380);
	g_assert_cmpuint (c->listen_port, ==, 51821);
	g_assert_cmpuint (c->fwmark, ==, 0x1234);
	g_assert_cmpuint (c->route_table, ==, 1234);
	g_assert_false (wgks_config_is_full_tunnel (c, AF_INET));
	g_assert_false (wgks_config_is_full_tunnel (c, AF_INET6));

	g_assert_cmpuint (c->peers->len, ==, 3);
	a = c->peers->pdata[0];
	b = c->peers->pdata[1];
	roam = c->peers->pdata[2];
	g_assert_true (a->has_preshared_key);
	g_assert_cmpstr (a->endpoint_host, ==, "203.0.113.10");
	g_assert_cmpuint (a->allowed_ips->len, ==, 3);
	assert_prefix (a->allowed_ips, 2, "fd00:10::/64");
	g_assert_cmpuint (a->persistent_keepalive, ==, 0);
	g_assert_false (b->has_preshared_key);
	g_assert_cmpstr (b->endpoint_host, ==, "2001:db8::1");
	g_assert_cmpuint (b->endpoint_port, ==, 443);
	g_assert_null (roam->endpoint_host);
	g_assert_true (roam->has_preshared_key);
}

static void
test_write_round_trip (void)
{
	g_autoptr (WgksConfig) c = read_data_file ("office.conf", NULL);
	g_autoptr (WgksConfig) again = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *text2 = NULL;

	c->kill_switch = WGKS_KILL_SWITCH_LOCKDOWN;
	c->allow_lan = TRUE;
	c->dns_leak_protection = FALSE;
	c->dns_over_tls = WGKS_DNS_OVER_TLS_YES;
	text = wgks_wgquick_write (c);
	g_assert_nonnull (strstr (text, "# wireguard-killswitch: kill-switch=lockdown allow-lan=yes "
	                                "dns-leak-protection=no dns-over-tls=yes\n[Interface]\n"));
	again = wgks_wgquick_parse (text, strlen (text), "export.conf", NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpint (again->kill_switch, ==, WGKS_KILL_SWITCH_LOCKDOWN);
	g_assert_true (again->allow_lan);
	g_assert_false (again->dns_leak_protection);
	g_assert_cmpint (again->dns_over_tls, ==, WGKS_DNS_OVER_TLS_YES);
	text2 = wgks_wgquick_write (again);
	g_assert_cmpstr (text, ==, text2);
}

typedef struct {
	const char *name;
	const char *text;
	const char *message;   /* the whole error message must contain this */
} BadInput;

#define IFACE "[Interface]\nPrivateKey = " SEED_PRIVATE "\nAddress = 10.0.0.2/24\n"
#define PEER  "[Peer]\nPublicKey = " PEER_KEY "\n"

static const BadInput bad_inputs[] = {
	{ "unknown-section", IFACE PEER "[Peers]\n", "bad.conf:6: unknown section [Peers]" },
	{ "unknown-key", IFACE "Foo = bar\n" PEER, "bad.conf:4: unknown key \"Foo\" in [Interface]" },
	{ "unknown-peer-key", IFACE PEER "Color = blue\n", "bad.conf:6: unknown key \"Color\" in [Peer]" },
	{ "private-key-short", "[Interface]\nPrivateKey = c2VjcmV0\n", "bad.conf:2: PrivateKey is not 32 bytes of base64" },
	{ "private-key-33", "[Interface]\nPrivateKey = AADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWsE\n",
	  "bad.conf:2: PrivateKey is not 32 bytes of base64" },
	{ "public-key-bad", IFACE "[Peer]\nPublicKey = not-a-key\n",
	  "bad.conf:5: PublicKey \"not-a-key\" is not 32 bytes of base64" },
	{ "psk-bad", IFACE PEER "PresharedKey = !!!!\n", "bad.conf:6: PresharedKey is not 32 bytes of base64" },
	{ "address-bad", "[Interface]\nPrivateKey = " SEED_PRIVATE "\nAddress = 10.0.0.300/24\n" PEER,
	  "bad.conf:3: invalid value \"10.0.0.300/24\" for key \"Address\": not an IPv4 or IPv6 address" },
	{ "address-plen", "[Interface]\nPrivateKey = " SEED_PRIVATE "\nAddress = fd00::1/129\n" PEER,
	  "bad.conf:3: invalid value \"fd00::1/129\" for key \"Address\": prefix length must be 0 to 128" },
	{ "allowed-ips-bad", IFACE PEER "AllowedIPs = 10.0.0.0/8, 10.0.0.0/33\n",
	  "bad.conf:6: invalid value \"10.0.0.0/33\" for key \"AllowedIPs\": prefix length must be 0 to 32" },
	{ "allowed-ips-word", IFACE PEER "AllowedIPs = everything\n",
	  "bad.conf:6: invalid value \"everything\" for key \"AllowedIPs\"" },
	{ "listen-port-range", IFACE "ListenPort = 70000\n" PEER,
	  "bad.conf:4: ListenPort \"70000\" is not a port number (0 to 65535)" },
	{ "endpoint-port-range", IFACE PEER "Endpoint = 192.0.2.1:65536\n",
	  "bad.conf:6: Endpoint \"192.0.2.1:65536\": port must be a number from 1 to 65535" },
	{ "endpoint-no-port", IFACE PEER "Endpoint = vpn.example.com\n",
	  "bad.conf:6: Endpoint \"vpn.example.com\": missing :port" },
	{ "endpoint-v6-brackets", IFACE PEER "Endpoint = 2001:db8::1:51820\n",
	  "bad.conf:6: Endpoint \"2001:db8::1:51820\": an IPv6 address must be written as [address]:port" },
	{ "mtu-range", IFACE "MTU = 70\n" PEER, "bad.conf:4: MTU \"70\" is not a number from 576 to 65535" },
	{ "keepalive-range", IFACE PEER "PersistentKeepalive = 99999\n",
	  "bad.conf:6: PersistentKeepalive \"99999\" is not \"off\" or 0 to 65535 seconds" },
	{ "dns-bad", IFACE "DNS = 10.0.0.1, bad..domain\n" PEER,
	  "bad.conf:4: invalid value \"bad..domain\" for key \"DNS\": not an IP address or DNS domain" },
	{ "table-name", IFACE "Table = main\n" PEER,
	  "bad.conf:4: Table \"main\" is not \"auto\", \"off\" or a table number" },
	{ "no-interface", PEER "AllowedIPs = 0.0.0.0/0\n", "bad.conf: no [Interface] section" },
	{ "empty", "", "bad.conf: no [Interface] section" },
	{ "no-private-key", "[Interface]\nAddress = 10.0.0.2/24\n" PEER, "bad.conf: [Interface] has no PrivateKey" },
	{ "peer-no-public-key", IFACE "[Peer]\nEndpoint = 192.0.2.1:51820\n[Peer]\nPublicKey = " SEED_PEER "\n",
	  "bad.conf:6: the [Peer] section before this line has no PublicKey" },
	{ "last-peer-no-public-key", IFACE PEER "[Peer]\nAllowedIPs = 10.0.0.0/8\n",
	  "the [Peer] section before this line has no PublicKey" },
	{ "no-peer", IFACE, "bad.conf: no peer" },
	{ "no-address", "[Interface]\nPrivateKey = " SEED_PRIVATE "\n" PEER, "bad.conf: no tunnel address" },
	{ "duplicate-key", IFACE "PrivateKey = " SEED_PRIVATE "\n" PEER, "bad.conf:4: PrivateKey is given twice" },
	{ "duplicate-interface", IFACE "[Interface]\n" PEER, "bad.conf:4: a second [Interface] section" },
	{ "duplicate-peer", IFACE PEER PEER, "bad.conf: peers 0 and 1 have the same public key" },
	{ "no-equals", IFACE "Address 10.0.0.3/24\n" PEER, "bad.conf:4: expected \"Key = Value\" or a [Section]" },
	{ "outside-section", "Address = 10.0.0.2/24\n" IFACE PEER, "bad.conf:1: key \"Address\" outside of a section" },
	{ "settings-comment-dot", "# wireguard-killswitch: dns-over-tls=strict\n" IFACE PEER,
	  "unknown setting \"dns-over-tls=strict\"" },
	{ "settings-comment", "# wireguard-killswitch: kill-switch=maybe\n" IFACE PEER,
	  "bad.conf:1: unknown setting \"kill-switch=maybe\"" },
};

static void
test_bad_input (gconstpointer data)
{
	const BadInput *bad = data;
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = wgks_wgquick_parse (bad->text, strlen (bad->text), "bad.conf", NULL, &error);

	g_assert_null (c);
	g_assert_error (error, WGKS_CONFIG_ERROR, error->code);
	if (!strstr (error->message, bad->message))
		g_error ("%s: expected \"%s\", got \"%s\"", bad->name, bad->message, error->message);
	/* Errors never echo a secret. */
	g_assert_null (strstr (error->message, SEED_PRIVATE));
	g_assert_null (strstr (error->message, "c2VjcmV0"));
}

static void
test_not_text (void)
{
	static const char binary[] = "[Interface]\nPrivateKey = \0\x01\x02";
	static const char latin1[] = "[Interface]\n# caf\xe9\n";
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;
	g_autoptr (GError) error3 = NULL;
	g_autofree char *huge = g_malloc (WGKS_WGQUICK_MAX_SIZE + 2);
	g_autoptr (WgksConfig) c1 = NULL, c2 = NULL, c3 = NULL;

	c1 = wgks_wgquick_parse (binary, sizeof binary - 1, "bin.conf", NULL, &error);
	g_assert_null (c1);
	g_assert_cmpstr (error->message, ==, "bin.conf: not a text file (binary data or invalid UTF-8)");
	c2 = wgks_wgquick_parse (latin1, sizeof latin1 - 1, "l1.conf", NULL, &error2);
	g_assert_null (c2);
	g_assert_error (error2, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_NOT_TEXT);
	memset (huge, '#', WGKS_WGQUICK_MAX_SIZE + 1);
	huge[WGKS_WGQUICK_MAX_SIZE + 1] = '\0';
	c3 = wgks_wgquick_parse (huge, WGKS_WGQUICK_MAX_SIZE + 1, "huge.conf", NULL, &error3);
	g_assert_null (c3);
	g_assert_true (g_str_has_prefix (error3->message, "huge.conf: file is too large"));
}

static void
test_file_errors (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = wgks_wgquick_read_file ("/nonexistent/wg0.conf", NULL, &error);

	g_assert_null (c);
	g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* A file that is not a regular one is refused at once, never read: a FIFO
 * would block the importer and /dev/zero would feed it without end. */
static void
assert_refused (const char *path, const char *expected)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;
	gint64 t0 = g_get_monotonic_time ();

	c = wgks_wgquick_read_file (path, NULL, &error);
	g_assert_null (c);
	g_assert_error (error, WGKS_CONFIG_ERROR, WGKS_CONFIG_ERROR_NOT_TEXT);
	g_assert_cmpstr (error->message, ==, expected);
	g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
}

static void
test_not_regular (void)
{
	g_autofree char *dir = g_dir_make_tmp ("wgks-wgquick-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename (dir, "fifo.conf", NULL);
	g_autofree char *zero = g_build_filename (dir, "zero.conf", NULL);
	g_autofree char *urandom = g_build_filename (dir, "urandom.conf", NULL);
	g_autofree char *sub = g_build_filename (dir, "dir.conf", NULL);
	g_autofree char *good = g_build_filename (dir, "good.conf", NULL);
	g_autofree char *seed = g_test_build_filename (G_TEST_DIST, "data", "seed.conf", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) c = NULL;

	g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
	g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);
	g_assert_cmpint (symlink ("/dev/urandom", urandom), ==, 0);
	g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
	assert_refused (fifo, "fifo.conf: not a regular file (a FIFO)");
	assert_refused (zero, "zero.conf: not a regular file (a character device)");
	assert_refused (urandom, "urandom.conf: not a regular file (a character device)");
	assert_refused (sub, "dir.conf: not a regular file (a directory)");
	assert_refused ("/dev/null", "null: not a regular file (a character device)");

	/* a symlink to a regular file is still read */
	g_assert_cmpint (symlink (seed, good), ==, 0);
	c = wgks_wgquick_read_file (good, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (c);
	g_assert_cmpuint (c->peers->len, ==, 1);

	g_unlink (good);
	g_rmdir (sub);
	g_unlink (urandom);
	g_unlink (zero);
	g_unlink (fifo);
	g_rmdir (dir);
}

/* Windows editors start a UTF-8 file with a byte-order mark. */
static void
test_bom (void)
{
	static const char text[] = "\xEF\xBB\xBF[Interface]\nPrivateKey = " SEED_PRIVATE "\n"
	                           "Address = 10.0.0.2/24\n\n[Peer]\nPublicKey = " SEED_PEER "\n"
	                           "AllowedIPs = 0.0.0.0/0\n";
	static const char bom_only_in_middle[] = "[Interface]\n\xEF\xBB\xBFPrivateKey = " SEED_PRIVATE "\n";
	g_autofree char *dir = g_dir_make_tmp ("wgks-wgquick-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "bom.conf", NULL);
	g_autoptr (GError) error = NULL, error2 = NULL;
	g_autoptr (WgksConfig) c = NULL, c2 = NULL;

	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	c = wgks_wgquick_read_file (path, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (c);
	g_assert_true (c->has_private_key);
	g_assert_cmpuint (c->peers->len, ==, 1);
	/* only at the very start: anywhere else it is part of a key */
	c2 = wgks_wgquick_parse (bom_only_in_middle, sizeof bom_only_in_middle - 1, "mid.conf", NULL, &error2);
	g_assert_null (c2);
	g_assert_nonnull (error2);
	g_assert_true (g_str_has_prefix (error2->message, "mid.conf:2: "));
	g_unlink (path);
	g_rmdir (dir);
}

/* Mutated copies of valid files: every outcome is a full config or a clean
 * error naming the file, never a crash or a half-filled result. */
static void
test_mutations (void)
{
	g_autofree char *seed_path = g_test_build_filename (G_TEST_DIST, "data", "office.conf", NULL);
	g_autofree char *orig = NULL;
	gsize orig_len;
	guint i, ok = 0, failed = 0;
	GRand *rand = g_rand_new_with_seed (20261124);

	g_assert_true (g_file_get_contents (seed_path, &orig, &orig_len, NULL));
	for (i = 0; i < 20000; i++) {
		g_autofree char *buf = g_malloc (orig_len + 64);
		g_autoptr (GError) error = NULL;
		g_autoptr (WgksConfig) c = NULL;
		gsize len = orig_len;
		guint n, m;

		memcpy (buf, orig, orig_len);
		for (n = g_rand_int_range (rand, 1, 6); n > 0; n--) {
			guint pos = g_rand_int_range (rand, 0, (gint32) MAX (len, 1));

			switch (g_rand_int_range (rand, 0, 5)) {
			case 0: /* flip a byte */
				buf[pos] = (char) g_rand_int_range (rand, 0, 256);
				break;
			case 1: /* truncate */
				len = pos;
				break;
			case 2: /* printable character */
				buf[pos] = (char) g_rand_int_range (rand, 32, 127);
				break;
			case 3: /* insert a structural character */
				if (len < orig_len + 60) {
					static const char structural[] = "[]=#,/:\n ";
					memmove (buf + pos + 1, buf + pos, len - pos);
					buf[pos] = structural[g_rand_int_range (rand, 0, sizeof structural - 1)];
					len++;
				}
				break;
			default: /* delete a run */
				m = (guint) g_rand_int_range (rand, 1, 40);
				m = MIN (m, (guint) (len - pos));
				memmove (buf + pos, buf + pos + m, len - pos - m);
				len -= m;
				break;
			}
		}
		c = wgks_wgquick_parse (buf, len, "fuzz.conf", NULL, &error);
		if (c) {
			g_autoptr (NMConnection) connection = NULL;
			g_autoptr (GError) error2 = NULL;

			g_assert_no_error (error);
			g_assert_true (c->has_private_key);
			g_assert_cmpuint (c->peers->len, >, 0);
			connection = wgks_config_to_connection (c, "fuzz", &error2);
			g_assert_no_error (error2);
			g_assert_nonnull (connection);
			ok++;
		} else {
			g_assert_nonnull (error);
			g_assert_true (g_str_has_prefix (error->message, "fuzz.conf"));
			failed++;
		}
	}
	g_rand_free (rand);
	g_test_message ("mutations: %u imported, %u rejected", ok, failed);
	g_assert_cmpuint (ok, >, 0);
	g_assert_cmpuint (failed, >, 0);
}

static void
test_keys (void)
{
	WgksKey k, pub;
	char hex[WGKS_KEY_HEX_LEN + 1], b64[WGKS_KEY_B64_LEN + 1];

	g_assert_true (wgks_key_from_base64 (SEED_PRIVATE, &k));
	wgks_key_to_base64 (&k, b64);
	g_assert_cmpstr (b64, ==, SEED_PRIVATE);
	wgks_key_to_hex (&k, hex);
	g_assert_cmpuint (strlen (hex), ==, 64);
	g_assert_true (wgks_key_from_hex (hex, &pub));
	g_assert_true (wgks_key_equal (&k, &pub));
	/* Non-canonical: the last character carries bits beyond 32 bytes. */
	g_assert_false (wgks_key_from_base64 ("ADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWsF=", &k));
	g_assert_false (wgks_key_from_base64 ("ADRYooXVk2jOPr3GhpKrWrRskyEMYw1S+rf9KhfAWs==", &k));
	/* RFC 7748 section 6.1 test vector (Alice). */
	g_assert_true (wgks_key_from_hex ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", &k));
	wgks_key_public_from_private (&k, &pub);
	wgks_key_to_hex (&pub, hex);
	g_assert_cmpstr (hex, ==, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
}

/* The reference: GLib's base64 and a plain hex reading, each character
 * judged on its own. */
static gboolean
ref_b64_char (int c)
{
	return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* Every byte value at every position of a valid key's text: accepted
 * exactly when it is a base64 character there (the last character also
 * needs its 2 padding bits 0, the 44th must be '='), and then decoded as
 * GLib decodes it; when refused, nothing is left in the output. */
static void
test_key_base64_every_byte (void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	guint pos;
	int c;

	for (pos = 0; pos < WGKS_KEY_B64_LEN; pos++) {
		for (c = 1; c < 256; c++) {
			char text[] = SEED_PRIVATE;
			gboolean want;
			WgksKey k;

			text[pos] = (char) c;
			if (pos == 43)
				want = c == '=';
			else if (pos == 42)
				want = ref_b64_char (c) && (strchr (alphabet, c) - alphabet) % 4 == 0;
			else
				want = ref_b64_char (c);
			memset (&k, 0xaa, sizeof k);
			if (!want) {
				if (wgks_key_from_base64 (text, &k))
					g_error ("byte 0x%02x at position %u was accepted", c, pos);
				g_assert_true (wgks_key_is_zero (&k));
			} else {
				gsize len = 0;
				g_autofree guint8 *ref = g_base64_decode (text, &len);
				char back[WGKS_KEY_B64_LEN + 1];

				if (!wgks_key_from_base64 (text, &k))
					g_error ("byte 0x%02x ('%c') at position %u was refused", c, c, pos);
				g_assert_cmpuint (len, ==, WGKS_KEY_LEN);
				g_assert_cmpmem (k.bytes, WGKS_KEY_LEN, ref, len);
				wgks_key_to_base64 (&k, back);
				g_assert_cmpstr (back, ==, text);
			}
		}
	}
}

static void
test_key_hex_every_byte (void)
{
#define VALID_HEX "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
	guint pos;
	int c;

	for (pos = 0; pos < WGKS_KEY_HEX_LEN; pos++) {
		for (c = 1; c < 256; c++) {
			char text[] = VALID_HEX;
			WgksKey k;

			text[pos] = (char) c;
			memset (&k, 0xaa, sizeof k);
			if (!g_ascii_isxdigit (c)) {
				if (wgks_key_from_hex (text, &k))
					g_error ("byte 0x%02x at position %u was accepted", c, pos);
				g_assert_true (wgks_key_is_zero (&k));
			} else {
				char back[WGKS_KEY_HEX_LEN + 1];
				g_autofree char *lower = g_ascii_strdown (text, -1);
				guint i;

				if (!wgks_key_from_hex (text, &k))
					g_error ("byte 0x%02x ('%c') at position %u was refused", c, c, pos);
				for (i = 0; i < WGKS_KEY_LEN; i++)
					g_assert_cmpint (k.bytes[i], ==,
					                 g_ascii_xdigit_value (text[2 * i]) * 16
					                     + g_ascii_xdigit_value (text[2 * i + 1]));
				wgks_key_to_hex (&k, back);
				g_assert_cmpstr (back, ==, lower);
			}
		}
	}
	g_assert_false (wgks_key_from_hex ("77076d0a", NULL));
#undef VALID_HEX
}

/* Every byte value at every position of a key encodes as GLib and printf do. */
static void
test_key_encode_every_byte (void)
{
	guint pos;
	int c;

	for (pos = 0; pos < WGKS_KEY_LEN; pos++) {
		for (c = 0; c < 256; c++) {
			char b64[WGKS_KEY_B64_LEN + 1], hex[WGKS_KEY_HEX_LEN + 1], want_hex[3];
			g_autofree char *ref = NULL;
			WgksKey k;
			guint i;

			for (i = 0; i < WGKS_KEY_LEN; i++)
				k.bytes[i] = (guint8) (i * 37 + 11);
			k.bytes[pos] = (guint8) c;
			ref = g_base64_encode (k.bytes, WGKS_KEY_LEN);
			wgks_key_to_base64 (&k, b64);
			g_assert_cmpstr (b64, ==, ref);
			wgks_key_to_hex (&k, hex);
			g_snprintf (want_hex, sizeof want_hex, "%02x", c);
			g_assert_cmpmem (hex + 2 * pos, 2, want_hex, 2);
		}
	}
}

int
main (int argc, char **argv)
{
	guint i;

	wgks_test_init (&argc, &argv);
	g_test_add_func ("/wgquick/seed", test_seed);
	g_test_add_func ("/wgquick/office", test_office);
	g_test_add_func ("/wgquick/write-round-trip", test_write_round_trip);
	g_test_add_func ("/wgquick/not-text", test_not_text);
	g_test_add_func ("/wgquick/file-errors", test_file_errors);
	g_test_add_func ("/wgquick/not-regular", test_not_regular);
	g_test_add_func ("/wgquick/bom", test_bom);
	g_test_add_func ("/wgquick/mutations", test_mutations);
	g_test_add_func ("/wgquick/keys", test_keys);
	g_test_add_func ("/wgquick/keys/base64-every-byte", test_key_base64_every_byte);
	g_test_add_func ("/wgquick/keys/hex-every-byte", test_key_hex_every_byte);
	g_test_add_func ("/wgquick/keys/encode-every-byte", test_key_encode_every_byte);
	for (i = 0; i < G_N_ELEMENTS (bad_inputs); i++) {
		g_autofree char *path = g_strdup_printf ("/wgquick/bad/%s", bad_inputs[i].name);

		g_test_add_data_func (path, &bad_inputs[i], test_bad_input);
	}
	return g_test_run ();
}
