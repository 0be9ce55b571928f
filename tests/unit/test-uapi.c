/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UAPI text protocol (wireguard-go): request building and the strict
 * reply parser. Two real devices are tests/root/test-device. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "wgks-device-settings.h"
#include "wgks-device.h"
#include "wgks-uapi.h"
#include "test-utils.h"

#define PUB_HEX  "e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a"
#define PRIV_B64 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define PUB_B64  "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

static void
sockaddr6 (WgksSockaddr *out, const char *ip, guint16 port)
{
	memset (out, 0, sizeof *out);
	out->in6.sin6_family = AF_INET6;
	out->in6.sin6_port = htons (port);
	inet_pton (AF_INET6, ip, &out->in6.sin6_addr);
}

/* ------------------------------------------------------------------------- */

static void
test_build_set_full (void)
{
	g_autoptr (GPtrArray) ips = g_ptr_array_new_with_free_func (g_free);
	WgksDevicePeer peers[2] = { { { { 0 } } } };
	WgksDeviceSettings s = { 0 };
	char priv_hex[WGKS_KEY_HEX_LEN + 1], pub_hex[WGKS_KEY_HEX_LEN + 1];
	GString *req;
	g_autofree char *expected = NULL;

	g_ptr_array_add (ips, wgks_test_prefix ("0.0.0.0/0"));
	g_ptr_array_add (ips, wgks_test_prefix ("fd00::/64"));
	wgks_test_key_from_b64 (PRIV_B64, &s.private_key);
	s.has_private_key = TRUE;
	s.set_listen_port = TRUE;
	s.listen_port = 51820;
	s.set_fwmark = TRUE;
	s.fwmark = 0x1234;
	s.replace_peers = TRUE;
	wgks_test_key_from_b64 (PUB_B64, &peers[0].public_key);
	peers[0].has_preshared_key = TRUE;
	memset (peers[0].preshared_key.bytes, 0xab, WGKS_KEY_LEN);
	peers[0].has_endpoint = TRUE;
	wgks_test_sockaddr4 (&peers[0].endpoint, "203.0.113.1", 51820);
	peers[0].set_keepalive = TRUE;
	peers[0].keepalive = 25;
	peers[0].replace_allowed_ips = TRUE;
	peers[0].allowed_ips = ips;
	memset (peers[1].public_key.bytes, 0x11, WGKS_KEY_LEN);
	peers[1].update_only = TRUE;
	peers[1].has_endpoint = TRUE;
	sockaddr6 (&peers[1].endpoint, "2001:db8::1", 443);
	s.peers = peers;
	s.n_peers = 2;

	wgks_key_to_hex (&s.private_key, priv_hex);
	wgks_key_to_hex (&peers[0].public_key, pub_hex);
	expected = g_strdup_printf ("set=1\n"
	                            "private_key=%s\n"
	                            "listen_port=51820\n"
	                            "fwmark=4660\n"
	                            "replace_peers=true\n"
	                            "public_key=%s\n"
	                            "preshared_key=abababababababababababababababababababababababababababababababab\n"
	                            "endpoint=203.0.113.1:51820\n"
	                            "persistent_keepalive_interval=25\n"
	                            "replace_allowed_ips=true\n"
	                            "allowed_ip=0.0.0.0/0\n"
	                            "allowed_ip=fd00::/64\n"
	                            "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
	                            "update_only=true\n"
	                            "endpoint=[2001:db8::1]:443\n"
	                            "\n",
	                            priv_hex, pub_hex);
	req = wgks_uapi_build_set (&s);
	g_assert_cmpstr (req->str, ==, expected);
	wgks_uapi_request_free (req);
}

static void
test_build_set_empty (void)
{
	WgksDeviceSettings s = { 0 };
	GString *req = wgks_uapi_build_set (&s);

	g_assert_cmpstr (req->str, ==, "set=1\n\n");
	wgks_uapi_request_free (req);
}

/* ------------------------------------------------------------------------- */

static const char get_reply[] =
	"private_key=" "a8dac1d8a70a751f0f699fb14ba1cff7b79cf4fbd8f09f44c6e6a90d0369604f" "\n"
	"listen_port=12912\n"
	"fwmark=51820\n"
	"public_key=" PUB_HEX "\n"
	"preshared_key=188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52\n"
	"protocol_version=1\n"
	"endpoint=[abcd:23::33%2]:51820\n"
	"last_handshake_time_sec=1700000000\n"
	"last_handshake_time_nsec=123\n"
	"tx_bytes=38333\n"
	"rx_bytes=2224\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=192.168.4.4/32\n"
	"public_key=58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376\n"
	"endpoint=182.122.22.19:3233\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"persistent_keepalive_interval=111\n"
	"allowed_ip=192.168.4.6/32\n"
	"errno=0\n"
	"\n";

static void
test_parse_get (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksUapiReply) reply = wgks_uapi_parse_reply (get_reply, strlen (get_reply), &error);
	g_autoptr (GHashTable) index = NULL;
	const WgksPeerStats *p;
	WgksKey key;

	g_assert_no_error (error);
	g_assert_nonnull (reply);
	g_assert_cmpint (reply->errno_value, ==, 0);
	g_assert_cmpuint (reply->listen_port, ==, 12912);
	g_assert_cmpuint (reply->fwmark, ==, 51820);
	g_assert_cmpuint (reply->peers->len, ==, 2);
	g_assert_true (wgks_key_from_hex (PUB_HEX, &key));
	index = wgks_peer_stats_index (reply->peers);
	g_assert_cmpuint (g_hash_table_size (index), ==, 2);
	p = g_hash_table_lookup (index, &key);
	g_assert_nonnull (p);
	g_assert_true (p == &g_array_index (reply->peers, WgksPeerStats, 0));
	g_assert_cmpint (p->last_handshake_sec, ==, 1700000000);
	g_assert_cmpuint (p->tx_bytes, ==, 38333);
	g_assert_cmpuint (p->rx_bytes, ==, 2224);
	p = &g_array_index (reply->peers, WgksPeerStats, 1);
	g_assert_cmpint (p->last_handshake_sec, ==, 0);
	g_assert_true (g_hash_table_lookup (index, &p->public_key) == p);
	key.bytes[31] ^= 1;
	g_assert_null (g_hash_table_lookup (index, &key));
}

static void
test_parse_set_errno (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksUapiReply) ok = wgks_uapi_parse_reply ("errno=0\n\n", 9, &error);
	g_autoptr (WgksUapiReply) bad = NULL;

	g_assert_no_error (error);
	g_assert_cmpint (ok->errno_value, ==, 0);
	g_assert_cmpuint (ok->peers->len, ==, 0);
	bad = wgks_uapi_parse_reply ("errno=22\n\n", 10, &error);
	g_assert_no_error (error);
	g_assert_cmpint (bad->errno_value, ==, 22);
}

static void
test_parse_bad (void)
{
	static const char *const bad[] = {
		"",                                              /* nothing */
		"errno=0\n",                                     /* no final empty line */
		"errno=0",                                       /* truncated */
		"\n",                                            /* no errno */
		"listen_port=1\n\n",                             /* no errno */
		"errno=x\n\n",
		"errno=-1\n\n",
		"errno=0\nlisten_port=1\n\n",                    /* data after errno */
		"errno=0\n\nlisten_port=1\n",                    /* data after the end */
		"last_handshake_time_sec=1\nerrno=0\n\n",        /* peer field without peer */
		"public_key=zz\nerrno=0\n\n",
		"public_key=" PUB_HEX "\nlast_handshake_time_sec=-5\nerrno=0\n\n",
		"public_key=" PUB_HEX "\nrx_bytes=99999999999999999999999\nerrno=0\n\n",
		"public_key=" PUB_HEX "\nprivate_key=00\nerrno=0\n\n",
		"listen_port=65536\nerrno=0\n\n",
		"fwmark=4294967296\nerrno=0\n\n",
		"novalue\nerrno=0\n\n",
		"=1\nerrno=0\n\n",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (WgksUapiReply) reply = wgks_uapi_parse_reply (bad[i], strlen (bad[i]), &error);

		if (reply)
			g_error ("accepted bad reply #%u: \"%s\"", i, g_strescape (bad[i], NULL));
		g_assert_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL);
	}
}

static void
test_parse_nul (void)
{
	static const char with_nul[] = "listen_port=1\0\nerrno=0\n\n";
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksUapiReply) reply = wgks_uapi_parse_reply (with_nul, sizeof with_nul - 1, &error);

	g_assert_null (reply);
	g_assert_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL);
}

static void
test_parse_unknown_keys (void)
{
	static const char text[] = "some_future_key=1\npublic_key=" PUB_HEX "\nfuture_peer_key=x\nerrno=0\n\n";
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksUapiReply) reply = wgks_uapi_parse_reply (text, strlen (text), &error);

	g_assert_no_error (error);
	g_assert_cmpuint (reply->peers->len, ==, 1);
}

/* Every prefix of a valid reply and random mutations: no crash, and only
 * complete replies accepted. */
static void
test_parse_mutations (void)
{
	gsize len = strlen (get_reply), i;
	GRand *rand = g_rand_new_with_seed (4242);

	for (i = 0; i < len; i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (WgksUapiReply) reply = wgks_uapi_parse_reply (get_reply, i, &error);

		g_assert_null (reply);
		g_assert_nonnull (error);
	}
	for (i = 0; i < 5000; i++) {
		g_autofree char *copy = g_memdup2 (get_reply, len);
		g_autoptr (GError) error = NULL;
		g_autoptr (WgksUapiReply) reply = NULL;
		guint j, n = g_rand_int_range (rand, 1, 4);

		for (j = 0; j < n; j++)
			copy[g_rand_int_range (rand, 0, (gint32) len)] = (char) g_rand_int_range (rand, 0, 256);
		reply = wgks_uapi_parse_reply (copy, len, &error);
		g_assert_true ((reply == NULL) == (error != NULL));
	}
	g_rand_free (rand);
}

/* ------------------------------------------------------------------------- */
/* Live: two wireguard-go devices in this (private) network namespace. */

int
main (int argc, char **argv)
{
	wgks_test_init (&argc, &argv);
	g_test_add_func ("/uapi/build-set/full", test_build_set_full);
	g_test_add_func ("/uapi/build-set/empty", test_build_set_empty);
	g_test_add_func ("/uapi/parse/get", test_parse_get);
	g_test_add_func ("/uapi/parse/set-errno", test_parse_set_errno);
	g_test_add_func ("/uapi/parse/bad", test_parse_bad);
	g_test_add_func ("/uapi/parse/nul", test_parse_nul);
	g_test_add_func ("/uapi/parse/unknown-keys", test_parse_unknown_keys);
	g_test_add_func ("/uapi/parse/mutations", test_parse_mutations);
	return g_test_run ();
}
