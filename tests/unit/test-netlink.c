/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Messages the service builds: kernel WireGuard generic netlink
 * (WG_CMD_SET_DEVICE, split over several messages when large; the
 * WG_CMD_GET_DEVICE reply parser) and the GVariant configs for
 * NetworkManager. */
#include "config.h"

#include <NetworkManager.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <string.h>

#include "wgks-ifname.h"
#include "wgks-ip-config.h"
#include "wgks-wg-genl.h"
#include "test-utils.h"

#define FAMILY 0x1d

/* ------------------------------------------------------------------------- */
/* A decoded WG_CMD_SET_DEVICE message */

typedef struct {
	gboolean has_private_key;
	guint8   private_key[32];
	gboolean has_flags;
	guint32  flags;
	guint16  listen_port;
	char     ifname[16];
	GArray  *peers;    /* DecodedPeer */
} Decoded;

typedef struct {
	guint8   public_key[32];
	guint32  flags;
	gboolean has_endpoint;
	guint8   endpoint[sizeof (struct sockaddr_in6)];
	gsize    endpoint_len;
	gint     keepalive;   /* -1: absent */
	guint    n_ips;
	guint8   first_ip_family;
	guint8   first_ip_cidr;
} DecodedPeer;

static int
decode_ip (const struct nlattr *attr, void *data)
{
	DecodedPeer *p = data;
	struct nlattr *tb[WGALLOWEDIP_A_MAX + 1] = { NULL };
	const struct nlattr *a;

	mnl_attr_for_each_nested (a, attr)
		if (mnl_attr_get_type (a) <= WGALLOWEDIP_A_MAX)
			tb[mnl_attr_get_type (a)] = (struct nlattr *) a;
	g_assert_nonnull (tb[WGALLOWEDIP_A_FAMILY]);
	g_assert_nonnull (tb[WGALLOWEDIP_A_IPADDR]);
	g_assert_nonnull (tb[WGALLOWEDIP_A_CIDR_MASK]);
	if (p->n_ips++ == 0) {
		p->first_ip_family = (guint8) mnl_attr_get_u16 (tb[WGALLOWEDIP_A_FAMILY]);
		p->first_ip_cidr = mnl_attr_get_u8 (tb[WGALLOWEDIP_A_CIDR_MASK]);
	}
	g_assert_cmpuint (mnl_attr_get_payload_len (tb[WGALLOWEDIP_A_IPADDR]), ==,
	                  mnl_attr_get_u16 (tb[WGALLOWEDIP_A_FAMILY]) == AF_INET ? 4 : 16);
	return MNL_CB_OK;
}

static int
decode_peer_attr (const struct nlattr *attr, void *data)
{
	DecodedPeer *p = data;

	switch (mnl_attr_get_type (attr)) {
	case WGPEER_A_PUBLIC_KEY:
		memcpy (p->public_key, mnl_attr_get_payload (attr), 32);
		break;
	case WGPEER_A_FLAGS:
		p->flags = mnl_attr_get_u32 (attr);
		break;
	case WGPEER_A_ENDPOINT:
		p->has_endpoint = TRUE;
		p->endpoint_len = mnl_attr_get_payload_len (attr);
		memcpy (p->endpoint, mnl_attr_get_payload (attr), MIN (p->endpoint_len, sizeof p->endpoint));
		break;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		p->keepalive = mnl_attr_get_u16 (attr);
		break;
	case WGPEER_A_ALLOWEDIPS:
		return mnl_attr_parse_nested (attr, decode_ip, p);
	}
	return MNL_CB_OK;
}

static int
decode_peer (const struct nlattr *attr, void *data)
{
	Decoded *d = data;
	DecodedPeer p = { .keepalive = -1 };

	g_assert_cmpint (mnl_attr_parse_nested (attr, decode_peer_attr, &p), ==, MNL_CB_OK);
	g_array_append_val (d->peers, p);
	return MNL_CB_OK;
}

static int
decode_device_attr (const struct nlattr *attr, void *data)
{
	Decoded *d = data;

	switch (mnl_attr_get_type (attr)) {
	case WGDEVICE_A_IFNAME:
		g_strlcpy (d->ifname, mnl_attr_get_str (attr), sizeof d->ifname);
		break;
	case WGDEVICE_A_PRIVATE_KEY:
		d->has_private_key = TRUE;
		memcpy (d->private_key, mnl_attr_get_payload (attr), 32);
		break;
	case WGDEVICE_A_FLAGS:
		d->has_flags = TRUE;
		d->flags = mnl_attr_get_u32 (attr);
		break;
	case WGDEVICE_A_LISTEN_PORT:
		d->listen_port = mnl_attr_get_u16 (attr);
		break;
	case WGDEVICE_A_PEERS:
		return mnl_attr_parse_nested (attr, decode_peer, d);
	}
	return MNL_CB_OK;
}

static void
decode (GByteArray *msg, Decoded *d)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *) msg->data;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload (nlh);

	memset (d, 0, sizeof *d);
	d->peers = g_array_new (FALSE, TRUE, sizeof (DecodedPeer));
	g_assert_cmpuint (nlh->nlmsg_len, ==, msg->len);
	g_assert_true (mnl_nlmsg_ok (nlh, (int) msg->len));
	g_assert_cmpuint (nlh->nlmsg_type, ==, FAMILY);
	g_assert_true (nlh->nlmsg_flags & NLM_F_REQUEST);
	g_assert_true (nlh->nlmsg_flags & NLM_F_ACK);
	g_assert_cmpuint (genl->cmd, ==, WG_CMD_SET_DEVICE);
	g_assert_cmpuint (genl->version, ==, WG_GENL_VERSION);
	g_assert_cmpint (mnl_attr_parse (nlh, sizeof *genl, decode_device_attr, d), ==, MNL_CB_OK);
}

/* ------------------------------------------------------------------------- */

static void
make_settings (WgksDeviceSettings *s, guint n_peers, guint n_ips, GPtrArray *ips)
{
	guint i;

	for (i = 0; i < n_ips; i++) {
		g_autofree char *text = g_strdup_printf ("10.%u.%u.0/24", i / 256, i % 256);

		g_ptr_array_add (ips, wgks_test_prefix (text));
	}
	g_ptr_array_add (ips, wgks_test_prefix ("2001:db8::/32"));
	memset (s, 0, sizeof *s);
	s->has_private_key = TRUE;
	memset (s->private_key.bytes, 0x42, 32);
	s->set_listen_port = TRUE;
	s->listen_port = 51820;
	s->replace_peers = TRUE;
	s->n_peers = n_peers;
	s->peers = g_new0 (WgksDevicePeer, n_peers);
	for (i = 0; i < n_peers; i++) {
		WgksDevicePeer *p = &s->peers[i];

		memset (p->public_key.bytes, (int) i + 1, 32);
		p->has_endpoint = TRUE;
		p->endpoint.in4.sin_family = AF_INET;
		p->endpoint.in4.sin_port = htons (51820);
		p->endpoint.in4.sin_addr.s_addr = htonl (0xcb007101);
		p->set_keepalive = TRUE;
		p->keepalive = 25;
		p->replace_allowed_ips = TRUE;
		p->allowed_ips = ips;
	}
}

static void
test_set_single (void)
{
	g_autoptr (GPtrArray) ips = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) msgs = NULL;
	g_autoptr (GError) error = NULL;
	WgksDeviceSettings s;
	Decoded d;
	DecodedPeer *p;

	make_settings (&s, 1, 1, ips);
	msgs = wgks_wg_genl_build_set (FAMILY, "wgks123456", &s, MNL_SOCKET_BUFFER_SIZE, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (msgs->len, ==, 1);
	decode (msgs->pdata[0], &d);
	g_assert_cmpstr (d.ifname, ==, "wgks123456");
	g_assert_true (d.has_private_key);
	g_assert_cmpmem (d.private_key, 32, s.private_key.bytes, 32);
	g_assert_true (d.has_flags);
	g_assert_cmpuint (d.flags, ==, WGDEVICE_F_REPLACE_PEERS);
	g_assert_cmpuint (d.listen_port, ==, 51820);
	g_assert_cmpuint (d.peers->len, ==, 1);
	p = &g_array_index (d.peers, DecodedPeer, 0);
	g_assert_cmpmem (p->public_key, 32, s.peers[0].public_key.bytes, 32);
	g_assert_cmpuint (p->flags, ==, WGPEER_F_REPLACE_ALLOWEDIPS);
	g_assert_true (p->has_endpoint);
	g_assert_cmpuint (p->endpoint_len, ==, sizeof (struct sockaddr_in));
	g_assert_cmpint (p->keepalive, ==, 25);
	g_assert_cmpuint (p->n_ips, ==, 2);
	g_assert_cmpuint (p->first_ip_family, ==, AF_INET);
	g_assert_cmpuint (p->first_ip_cidr, ==, 24);
	g_array_unref (d.peers);
	wgks_device_settings_clear (&s);
}

/* Many peers with many allowed IPs: several messages, each within the
 * limit; only the first carries device fields; a peer continued in a
 * later message carries only its key and the rest of its IPs. */
static void
test_set_split (void)
{
	g_autoptr (GPtrArray) ips = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) msgs = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree guint *ips_per_peer = NULL;
	g_autofree guint *heads_per_peer = NULL;
	WgksDeviceSettings s;
	const gsize max = 1024;
	guint i, j, last_peer = 0;

	make_settings (&s, 7, 100, ips);
	ips_per_peer = g_new0 (guint, s.n_peers);
	heads_per_peer = g_new0 (guint, s.n_peers);
	msgs = wgks_wg_genl_build_set (FAMILY, "wgks123456", &s, max, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (msgs->len, >, 7);
	for (i = 0; i < msgs->len; i++) {
		GByteArray *msg = msgs->pdata[i];
		Decoded d;

		g_assert_cmpuint (msg->len, <=, max);
		decode (msg, &d);
		g_assert_true (d.has_private_key == (i == 0));
		g_assert_true (d.has_flags == (i == 0));
		for (j = 0; j < d.peers->len; j++) {
			DecodedPeer *p = &g_array_index (d.peers, DecodedPeer, j);
			guint idx = p->public_key[0] - 1;

			g_assert_cmpuint (idx, <, s.n_peers);
			g_assert_cmpuint (idx, >=, last_peer);   /* in order */
			last_peer = idx;
			ips_per_peer[idx] += p->n_ips;
			if (p->flags & WGPEER_F_REPLACE_ALLOWEDIPS) {
				heads_per_peer[idx]++;
				g_assert_true (p->has_endpoint);
				g_assert_cmpint (p->keepalive, ==, 25);
				g_assert_cmpuint (ips_per_peer[idx], ==, p->n_ips);  /* the first part */
			} else {
				g_assert_false (p->has_endpoint);
				g_assert_cmpint (p->keepalive, ==, -1);
			}
		}
		g_array_unref (d.peers);
	}
	for (i = 0; i < s.n_peers; i++) {
		g_assert_cmpuint (ips_per_peer[i], ==, ips->len);
		g_assert_cmpuint (heads_per_peer[i], ==, 1);
	}
	wgks_device_settings_clear (&s);
}

static void
test_set_too_small (void)
{
	g_autoptr (GPtrArray) ips = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	WgksDeviceSettings s;
	GPtrArray *msgs;

	make_settings (&s, 2, 1, ips);
	msgs = wgks_wg_genl_build_set (FAMILY, "wgks123456", &s, 120, &error);
	g_assert_null (msgs);
	g_assert_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_FAILED);
	wgks_device_settings_clear (&s);
}

static void
test_set_update_only (void)
{
	g_autoptr (GPtrArray) msgs = NULL;
	g_autoptr (GError) error = NULL;
	WgksDevicePeer peer = { { { 0 } } };
	WgksDeviceSettings s = { 0 };
	Decoded d;

	memset (peer.public_key.bytes, 7, 32);
	peer.update_only = TRUE;
	peer.has_endpoint = TRUE;
	peer.endpoint.in6.sin6_family = AF_INET6;
	peer.endpoint.in6.sin6_port = htons (443);
	s.peers = &peer;
	s.n_peers = 1;
	msgs = wgks_wg_genl_build_set (FAMILY, "wgks123456", &s, MNL_SOCKET_BUFFER_SIZE, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (msgs->len, ==, 1);
	decode (msgs->pdata[0], &d);
	g_assert_false (d.has_private_key);
	g_assert_false (d.has_flags);
	g_assert_cmpuint (d.peers->len, ==, 1);
	g_assert_cmpuint (g_array_index (d.peers, DecodedPeer, 0).flags, ==, WGPEER_F_UPDATE_ONLY);
	g_assert_cmpuint (g_array_index (d.peers, DecodedPeer, 0).endpoint_len, ==, sizeof (struct sockaddr_in6));
	g_assert_cmpuint (g_array_index (d.peers, DecodedPeer, 0).n_ips, ==, 0);
	g_array_unref (d.peers);
}

/* ------------------------------------------------------------------------- */

static void
put_reply_peer (struct nlmsghdr *nlh, guint8 key_byte, gint64 handshake, gboolean with_stats)
{
	struct nlattr *peer = mnl_attr_nest_start (nlh, 0);
	guint8 key[32];
	struct __kernel_timespec ts = { .tv_sec = handshake, .tv_nsec = 5 };

	memset (key, key_byte, 32);
	mnl_attr_put (nlh, WGPEER_A_PUBLIC_KEY, 32, key);
	if (with_stats) {
		mnl_attr_put (nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof ts, &ts);
		mnl_attr_put_u64 (nlh, WGPEER_A_RX_BYTES, 1000);
		mnl_attr_put_u64 (nlh, WGPEER_A_TX_BYTES, 2000);
	}
	mnl_attr_nest_end (nlh, peer);
}

static struct nlmsghdr *
reply_header (char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header (nlh, sizeof *genl);
	guint8 priv[32];

	nlh->nlmsg_type = FAMILY;
	genl->cmd = WG_CMD_GET_DEVICE;
	genl->version = 1;
	memset (priv, 0x55, 32);
	mnl_attr_put_strz (nlh, WGDEVICE_A_IFNAME, "wgks123456");
	mnl_attr_put (nlh, WGDEVICE_A_PRIVATE_KEY, 32, priv);
	return nlh;
}

static void
test_parse_get (void)
{
	char buf1[MNL_SOCKET_BUFFER_SIZE], buf2[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *m1 = reply_header (buf1), *m2 = reply_header (buf2);
	g_autoptr (GArray) stats = g_array_new (FALSE, TRUE, sizeof (WgksPeerStats));
	g_autoptr (GError) error = NULL;
	struct nlattr *peers;
	g_autoptr (GHashTable) index = NULL;
	const WgksPeerStats *p;
	WgksKey key;

	peers = mnl_attr_nest_start (m1, WGDEVICE_A_PEERS);
	put_reply_peer (m1, 1, 1700000000, TRUE);
	put_reply_peer (m1, 2, 0, TRUE);
	mnl_attr_nest_end (m1, peers);
	/* Peer 2 continued (allowed IPs only), then peer 3. */
	peers = mnl_attr_nest_start (m2, WGDEVICE_A_PEERS);
	put_reply_peer (m2, 2, 0, FALSE);
	put_reply_peer (m2, 3, 1700000100, TRUE);
	mnl_attr_nest_end (m2, peers);

	g_assert_true (wgks_wg_genl_parse_get (m1, stats, &error));
	g_assert_true (wgks_wg_genl_parse_get (m2, stats, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (stats->len, ==, 3);
	index = wgks_peer_stats_index (stats);
	memset (key.bytes, 1, 32);
	p = g_hash_table_lookup (index, &key);
	g_assert_nonnull (p);
	g_assert_cmpint (p->last_handshake_sec, ==, 1700000000);
	g_assert_cmpuint (p->rx_bytes, ==, 1000);
	memset (key.bytes, 3, 32);
	p = g_hash_table_lookup (index, &key);
	g_assert_nonnull (p);
	g_assert_cmpint (p->last_handshake_sec, ==, 1700000100);
}

static void
test_family (void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = wgks_genl_build_getfamily (buf, WG_GENL_NAME);
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload (req);
	struct nlmsghdr *reply;
	struct genlmsghdr *rgenl;
	guint16 id = 0;

	g_assert_cmpuint (req->nlmsg_type, ==, GENL_ID_CTRL);
	g_assert_cmpuint (genl->cmd, ==, CTRL_CMD_GETFAMILY);

	reply = mnl_nlmsg_put_header (buf);
	rgenl = mnl_nlmsg_put_extra_header (reply, sizeof *rgenl);
	rgenl->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz (reply, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	mnl_attr_put_u16 (reply, CTRL_ATTR_FAMILY_ID, 0x21);
	g_assert_true (wgks_genl_parse_family_id (reply, &id));
	g_assert_cmpuint (id, ==, 0x21);
}

/* ------------------------------------------------------------------------- */
/* GVariants for NetworkManager */

static WgksConfig *
make_config (const char *allowed, gboolean leak_protection)
{
	WgksConfig *config = wgks_config_new ();
	g_autoptr (WgksPeer) peer = wgks_peer_new ();
	g_autoptr (GError) error = NULL;

	g_assert_true (wgks_config_add_prefixes (config->addresses, "10.66.0.2/32, fd00:66::2/128", "address", &error));
	g_assert_true (wgks_config_add_dns (config, "10.66.0.53, fd00:66::53", TRUE, FALSE, "dns", &error));
	g_assert_true (wgks_config_add_dns (config, "corp.example", FALSE, TRUE, "dns-search", &error));
	g_assert_true (wgks_config_add_prefixes (peer->allowed_ips, allowed, "allowed-ips", &error));
	g_assert_no_error (error);
	peer->endpoint_host = g_strdup ("203.0.113.1");
	peer->endpoint_port = 51820;
	g_ptr_array_add (config->peers, g_steal_pointer (&peer));
	config->dns_leak_protection = leak_protection;
	return config;
}

static gboolean
strv_has (GVariant *dict, const char *key, const char *value)
{
	g_autofree const char **strv = NULL;
	g_autoptr (GVariant) v = g_variant_lookup_value (dict, key, G_VARIANT_TYPE ("as"));

	if (!v)
		return FALSE;
	strv = g_variant_get_strv (v, NULL);
	return g_strv_contains (strv, value);
}

static void
test_ip_config_generic (void)
{
	g_autoptr (WgksConfig) config = make_config ("0.0.0.0/0", TRUE);
	g_autoptr (GVariant) v = NULL;
	WgksSockaddr gw = { 0 };
	const char *tundev;
	guint32 u;
	gboolean b;

	gw.in4.sin_family = AF_INET;
	inet_pton (AF_INET, "203.0.113.1", &gw.in4.sin_addr);
	v = g_variant_ref_sink (wgks_ip_config_generic (config, "wgks123456", &gw));
	g_assert_true (g_variant_lookup (v, NM_VPN_PLUGIN_CONFIG_TUNDEV, "&s", &tundev));
	g_assert_cmpstr (tundev, ==, "wgks123456");
	g_assert_true (g_variant_lookup (v, NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY, "u", &u));
	g_assert_cmpuint (u, ==, gw.in4.sin_addr.s_addr);
	g_assert_true (g_variant_lookup (v, NM_VPN_PLUGIN_CONFIG_MTU, "u", &u));
	g_assert_cmpuint (u, ==, 1420);
	g_assert_true (g_variant_lookup (v, NM_VPN_PLUGIN_CONFIG_HAS_IP4, "b", &b) && b);
	g_assert_true (g_variant_lookup (v, NM_VPN_PLUGIN_CONFIG_HAS_IP6, "b", &b) && b);
	g_assert_true (g_variant_lookup (v, NM_VPN_PLUGIN_CAN_PERSIST, "b", &b) && b);

	g_clear_pointer (&v, g_variant_unref);
	memset (&gw, 0, sizeof gw);
	gw.in6.sin6_family = AF_INET6;
	inet_pton (AF_INET6, "2001:db8::1", &gw.in6.sin6_addr);
	v = g_variant_ref_sink (wgks_ip_config_generic (config, "wgks123456", &gw));
	{
		g_autoptr (GVariant) value = g_variant_lookup_value (v, NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY, G_VARIANT_TYPE ("ay"));

		g_assert_nonnull (value);
	}
}

static void
test_ip_config_full_tunnel (void)
{
	g_autoptr (WgksConfig) config = make_config ("0.0.0.0/0, ::/0", TRUE);
	g_autoptr (GVariant) v4 = g_variant_ref_sink (wgks_ip_config_for_family (config, AF_INET));
	g_autoptr (GVariant) v6 = g_variant_ref_sink (wgks_ip_config_for_family (config, AF_INET6));
	g_autoptr (GVariant) dns = NULL;
	guint32 addr, plen;
	gboolean b;

	g_assert_true (g_variant_lookup (v4, NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS, "u", &addr));
	g_assert_cmpuint (addr, ==, inet_addr ("10.66.0.2"));
	g_assert_true (g_variant_lookup (v4, NM_VPN_PLUGIN_IP4_CONFIG_PREFIX, "u", &plen));
	g_assert_cmpuint (plen, ==, 32);
	/* The default route is NM's: no never-default, no 0.0.0.0/0 route. */
	g_assert_false (g_variant_lookup (v4, NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT, "b", &b));
	g_assert_null (g_variant_lookup_value (v4, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, NULL));
	dns = g_variant_lookup_value (v4, NM_VPN_PLUGIN_IP4_CONFIG_DNS, G_VARIANT_TYPE ("au"));
	g_assert_cmpuint (g_variant_n_children (dns), ==, 1);
	g_assert_true (strv_has (v4, NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, "~."));
	g_assert_true (strv_has (v4, NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, "corp.example"));

	{
		g_autoptr (GVariant) value = g_variant_lookup_value (v6, NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS, G_VARIANT_TYPE ("ay"));

		g_assert_nonnull (value);
	}
	g_clear_pointer (&dns, g_variant_unref);
	dns = g_variant_lookup_value (v6, NM_VPN_PLUGIN_IP6_CONFIG_DNS, G_VARIANT_TYPE ("aay"));
	g_assert_cmpuint (g_variant_n_children (dns), ==, 1);
	g_assert_true (strv_has (v6, NM_VPN_PLUGIN_IP6_CONFIG_DOMAINS, "~."));
	g_assert_false (g_variant_lookup (v6, NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT, "b", &b));
}

static void
test_ip_config_split_tunnel (void)
{
	g_autoptr (WgksConfig) config = make_config ("10.66.0.0/16, 192.0.2.0/24, 10.66.1.0/16, fd00:66::/64", TRUE);
	g_autoptr (GVariant) v4 = g_variant_ref_sink (wgks_ip_config_for_family (config, AF_INET));
	g_autoptr (GVariant) v6 = g_variant_ref_sink (wgks_ip_config_for_family (config, AF_INET6));
	g_autoptr (GVariant) routes = NULL;
	g_autoptr (GVariant) r0 = NULL;
	const guint32 *r;
	gsize n;
	gboolean b;

	g_assert_true (g_variant_lookup (v4, NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT, "b", &b) && b);
	g_assert_false (strv_has (v4, NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, "~."));
	routes = g_variant_lookup_value (v4, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, G_VARIANT_TYPE ("aau"));
	g_assert_nonnull (routes);
	g_assert_cmpuint (g_variant_n_children (routes), ==, 2);   /* 10.66.1.0/16 is a duplicate */
	r0 = g_variant_get_child_value (routes, 0);
	r = g_variant_get_fixed_array (r0, &n, sizeof (guint32));
	g_assert_cmpuint (n, ==, 4);
	g_assert_cmpuint (r[0], ==, inet_addr ("10.66.0.0"));
	g_assert_cmpuint (r[1], ==, 16);
	g_clear_pointer (&routes, g_variant_unref);
	routes = g_variant_lookup_value (v6, NM_VPN_PLUGIN_IP6_CONFIG_ROUTES, G_VARIANT_TYPE ("a(ayuayu)"));
	g_assert_nonnull (routes);
	g_assert_cmpuint (g_variant_n_children (routes), ==, 1);
	g_assert_true (g_variant_lookup (v6, NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT, "b", &b) && b);
}

static void
test_ip_config_table_off (void)
{
	g_autoptr (WgksConfig) config = make_config ("0.0.0.0/0, 192.0.2.0/24", TRUE);
	g_autoptr (GVariant) v4 = NULL;
	gboolean b;

	config->table = WGKS_TABLE_OFF;
	v4 = g_variant_ref_sink (wgks_ip_config_for_family (config, AF_INET));
	g_assert_null (g_variant_lookup_value (v4, NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, NULL));
	g_assert_true (g_variant_lookup (v4, NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT, "b", &b) && b);
	g_assert_false (strv_has (v4, NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, "~."));
}

static void
test_ip_config_no_leak_protection (void)
{
	g_autoptr (WgksConfig) config = make_config ("0.0.0.0/0", FALSE);
	g_autoptr (GVariant) v4 = g_variant_ref_sink (wgks_ip_config_for_family (config, AF_INET));

	g_assert_false (strv_has (v4, NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, "~."));
}

static void
test_ip_config_v4_only (void)
{
	g_autoptr (WgksConfig) config = make_config ("0.0.0.0/0", TRUE);

	g_ptr_array_remove_index (config->addresses, 1);
	g_assert_null (wgks_ip_config_for_family (config, AF_INET6));
	g_assert_false (wgks_ip_config_has_family (config, AF_INET6));
}

static void
test_ifname (void)
{
	g_autofree char *a = wgks_ifname_for_uuid ("0b6ee3e2-5d3c-4f2a-9d5f-2c3b4a5e6f70");
	g_autofree char *b = wgks_ifname_for_uuid ("0b6ee3e2-5d3c-4f2a-9d5f-2c3b4a5e6f70");
	g_autofree char *c = wgks_ifname_for_uuid ("1b6ee3e2-5d3c-4f2a-9d5f-2c3b4a5e6f70");

	g_assert_cmpstr (a, ==, b);
	g_assert_cmpstr (a, !=, c);
	g_assert_cmpuint (strlen (a), ==, 10);
	g_assert_cmpuint (strlen (a), <, 16);
	g_assert_true (g_str_has_prefix (a, "wgks"));
}

int
main (int argc, char **argv)
{
	wgks_test_init (&argc, &argv);
	g_test_add_func ("/netlink/set/single", test_set_single);
	g_test_add_func ("/netlink/set/split", test_set_split);
	g_test_add_func ("/netlink/set/too-small", test_set_too_small);
	g_test_add_func ("/netlink/set/update-only", test_set_update_only);
	g_test_add_func ("/netlink/get/parse", test_parse_get);
	g_test_add_func ("/netlink/family", test_family);
	g_test_add_func ("/nm-config/generic", test_ip_config_generic);
	g_test_add_func ("/nm-config/full-tunnel", test_ip_config_full_tunnel);
	g_test_add_func ("/nm-config/split-tunnel", test_ip_config_split_tunnel);
	g_test_add_func ("/nm-config/table-off", test_ip_config_table_off);
	g_test_add_func ("/nm-config/no-leak-protection", test_ip_config_no_leak_protection);
	g_test_add_func ("/nm-config/v4-only", test_ip_config_v4_only);
	g_test_add_func ("/service/ifname", test_ifname);
	return g_test_run ();
}
