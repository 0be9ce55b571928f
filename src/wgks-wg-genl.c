/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-wg-genl.h"

#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <string.h>

static void
wiped_byte_array_free (gpointer data)
{
	GByteArray *msg = data;

	wgks_memzero (msg->data, msg->len);
	g_byte_array_unref (msg);
}

static struct nlmsghdr *
put_genl (char *buf, guint16 family_id, guint8 cmd, guint8 version, guint16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header (nlh, sizeof *genl);
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static struct nlmsghdr *
put_genl_header (char *buf, guint16 family_id, guint8 cmd, guint16 flags)
{
	return put_genl (buf, family_id, cmd, WG_GENL_VERSION, flags);
}

static gsize
sockaddr_len (const WgksSockaddr *addr)
{
	return addr->sa.sa_family == AF_INET6 ? sizeof addr->in6 : sizeof addr->in4;
}

/* The fields of a peer that appear only in the first message naming it. */
static gboolean
put_peer_head (struct nlmsghdr *nlh, gsize max, const WgksDevicePeer *peer)
{
	guint32 flags = 0;

	if (peer->replace_allowed_ips)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (peer->update_only)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (flags && !mnl_attr_put_u32_check (nlh, max, WGPEER_A_FLAGS, flags))
		return FALSE;
	if (peer->has_preshared_key
	    && !mnl_attr_put_check (nlh, max, WGPEER_A_PRESHARED_KEY, WGKS_KEY_LEN, peer->preshared_key.bytes))
		return FALSE;
	if (peer->has_endpoint
	    && !mnl_attr_put_check (nlh, max, WGPEER_A_ENDPOINT, sockaddr_len (&peer->endpoint), &peer->endpoint))
		return FALSE;
	if (peer->set_keepalive
	    && !mnl_attr_put_u16_check (nlh, max, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, peer->keepalive))
		return FALSE;
	return TRUE;
}

static gboolean
put_allowed_ip (struct nlmsghdr *nlh, gsize max, const WgksPrefix *prefix)
{
	struct nlattr *nest = mnl_attr_nest_start_check (nlh, max, 0);

	if (!nest)
		return FALSE;
	if (!mnl_attr_put_u16_check (nlh, max, WGALLOWEDIP_A_FAMILY, (guint16) prefix->family)
	    || !mnl_attr_put_check (nlh, max, WGALLOWEDIP_A_IPADDR, prefix->family == AF_INET6 ? 16 : 4,
	                            prefix->addr)
	    || !mnl_attr_put_u8_check (nlh, max, WGALLOWEDIP_A_CIDR_MASK, (guint8) prefix->plen)) {
		mnl_attr_nest_cancel (nlh, nest);
		return FALSE;
	}
	mnl_attr_nest_end (nlh, nest);
	return TRUE;
}

typedef struct {
	guint    peer;    /* next peer to write */
	guint    ip;      /* next allowed IP of that peer */
	gboolean started; /* the peer's head went out in an earlier message */
} SetCursor;

/* Writes as much of peer cur->peer as fits. TRUE if the peer is complete. */
static gboolean
put_peer (struct nlmsghdr *nlh, gsize max, const WgksDevicePeer *peer, SetCursor *cur, gboolean *progress)
{
	guint n_ips = peer->allowed_ips ? peer->allowed_ips->len : 0;
	struct nlattr *nest = mnl_attr_nest_start_check (nlh, max, 0);
	struct nlattr *ips;

	if (!nest)
		return FALSE;
	if (!mnl_attr_put_check (nlh, max, WGPEER_A_PUBLIC_KEY, WGKS_KEY_LEN, peer->public_key.bytes)
	    || (!cur->started && !put_peer_head (nlh, max, peer))) {
		mnl_attr_nest_cancel (nlh, nest);
		return FALSE;
	}
	/* Progress: the peer's head, or at least one more allowed IP. */
	if (!cur->started)
		*progress = TRUE;
	cur->started = TRUE;
	if (cur->ip < n_ips) {
		ips = mnl_attr_nest_start_check (nlh, max, WGPEER_A_ALLOWEDIPS);
		if (!ips) {
			mnl_attr_nest_end (nlh, nest);
			return FALSE;
		}
		for (; cur->ip < n_ips; cur->ip++) {
			if (!put_allowed_ip (nlh, max, peer->allowed_ips->pdata[cur->ip]))
				break;
			*progress = TRUE;
		}
		mnl_attr_nest_end (nlh, ips);
	}
	mnl_attr_nest_end (nlh, nest);
	/* If not all IPs fit, the peer continues in the next message with
	 * only its public key and the remaining allowed IPs. */
	return cur->ip >= n_ips;
}

static gboolean
put_device_head (struct nlmsghdr *nlh, gsize max, const WgksDeviceSettings *s)
{
	if (s->has_private_key
	    && !mnl_attr_put_check (nlh, max, WGDEVICE_A_PRIVATE_KEY, WGKS_KEY_LEN, s->private_key.bytes))
		return FALSE;
	if (s->set_listen_port && !mnl_attr_put_u16_check (nlh, max, WGDEVICE_A_LISTEN_PORT, s->listen_port))
		return FALSE;
	if (s->set_fwmark && !mnl_attr_put_u32_check (nlh, max, WGDEVICE_A_FWMARK, s->fwmark))
		return FALSE;
	if (s->replace_peers && !mnl_attr_put_u32_check (nlh, max, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS))
		return FALSE;
	return TRUE;
}

GPtrArray *
wgks_wg_genl_build_set (guint16 family_id, const char *ifname, const WgksDeviceSettings *settings,
                        gsize max_len, GError **error)
{
	g_autoptr (GPtrArray) msgs = g_ptr_array_new_with_free_func (wiped_byte_array_free);
	SetCursor cur = { 0, 0, FALSE };
	gboolean first = TRUE;

	do {
		g_autofree char *buf = g_malloc0 (max_len);
		struct nlmsghdr *nlh = put_genl_header (buf, family_id, WG_CMD_SET_DEVICE, NLM_F_ACK);
		gboolean progress = first;
		GByteArray *msg;

		if (!mnl_attr_put_strz_check (nlh, max_len, WGDEVICE_A_IFNAME, ifname)
		    || (first && !put_device_head (nlh, max_len, settings)))
			goto too_small;
		if (cur.peer < settings->n_peers) {
			struct nlattr *peers = mnl_attr_nest_start_check (nlh, max_len, WGDEVICE_A_PEERS);

			if (!peers)
				goto too_small;
			while (cur.peer < settings->n_peers) {
				if (!put_peer (nlh, max_len, &settings->peers[cur.peer], &cur, &progress))
					break;
				cur.peer++;
				cur.ip = 0;
				cur.started = FALSE;
			}
			mnl_attr_nest_end (nlh, peers);
		}
		if (!progress)
			goto too_small;
		msg = g_byte_array_sized_new (nlh->nlmsg_len);
		g_byte_array_append (msg, (const guint8 *) buf, nlh->nlmsg_len);
		g_ptr_array_add (msgs, msg);
		wgks_memzero (buf, max_len);
		first = FALSE;
		continue;
too_small:
		wgks_memzero (buf, max_len);
		g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_FAILED,
		             "WireGuard netlink message: peer %u does not fit in %" G_GSIZE_FORMAT " bytes",
		             cur.peer, max_len);
		return NULL;
	} while (cur.peer < settings->n_peers);
	return g_steal_pointer (&msgs);
}

struct nlmsghdr *
wgks_wg_genl_build_get (char *buf, guint16 family_id, const char *ifname)
{
	struct nlmsghdr *nlh = put_genl_header (buf, family_id, WG_CMD_GET_DEVICE, NLM_F_ACK | NLM_F_DUMP);

	mnl_attr_put_strz (nlh, WGDEVICE_A_IFNAME, ifname);
	return nlh;
}

static int
peer_attr_cb (const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid (attr, WGPEER_A_MAX) > 0)
		tb[mnl_attr_get_type (attr)] = attr;
	return MNL_CB_OK;
}

/* A counter; 0 where it is absent or malformed. */
static guint64
get_counter (const struct nlattr *attr)
{
	return attr && mnl_attr_validate (attr, MNL_TYPE_U64) == 0 ? mnl_attr_get_u64 (attr) : 0;
}

static int
parse_peer (const struct nlattr *attr, void *data)
{
	GArray *stats = data;
	const struct nlattr *tb[WGPEER_A_MAX + 1] = { NULL };
	const struct nlattr *key, *handshake;
	WgksPeerStats peer = { { { 0 } } };
	struct __kernel_timespec ts;

	if (mnl_attr_parse_nested (attr, peer_attr_cb, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	key = tb[WGPEER_A_PUBLIC_KEY];
	if (!key || mnl_attr_get_payload_len (key) != WGKS_KEY_LEN)
		return MNL_CB_ERROR;
	memcpy (peer.public_key.bytes, mnl_attr_get_payload (key), WGKS_KEY_LEN);
	handshake = tb[WGPEER_A_LAST_HANDSHAKE_TIME];
	/* netlink payloads are only 4-byte aligned: copy, do not cast */
	if (handshake && mnl_attr_get_payload_len (handshake) == sizeof ts) {
		memcpy (&ts, mnl_attr_get_payload (handshake), sizeof ts);
		peer.last_handshake_sec = ts.tv_sec;
	}
	peer.rx_bytes = get_counter (tb[WGPEER_A_RX_BYTES]);
	peer.tx_bytes = get_counter (tb[WGPEER_A_TX_BYTES]);
	if (stats->len > 0) {
		WgksPeerStats *last = &g_array_index (stats, WgksPeerStats, stats->len - 1);

		/* A peer continued from the previous message carries only its key
		 * and allowed IPs. */
		if (wgks_key_equal (&last->public_key, &peer.public_key))
			return MNL_CB_OK;
	}
	g_array_append_val (stats, peer);
	return MNL_CB_OK;
}

static int
parse_device_attr (const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type (attr) == WGDEVICE_A_PEERS)
		return mnl_attr_parse_nested (attr, parse_peer, data);
	return MNL_CB_OK;
}

gboolean
wgks_wg_genl_parse_get (const struct nlmsghdr *nlh, GArray *stats, GError **error)
{
	if (mnl_attr_parse (nlh, sizeof (struct genlmsghdr), parse_device_attr, stats) != MNL_CB_OK) {
		g_set_error (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL,
		             "malformed WireGuard netlink answer");
		return FALSE;
	}
	return TRUE;
}

struct nlmsghdr *
wgks_genl_build_getfamily (char *buf, const char *name)
{
	struct nlmsghdr *nlh = put_genl (buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);

	mnl_attr_put_strz (nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nlh;
}

static int
parse_family_attr (const struct nlattr *attr, void *data)
{
	guint16 *id = data;

	if (mnl_attr_get_type (attr) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate (attr, MNL_TYPE_U16) == 0)
		*id = mnl_attr_get_u16 (attr);
	return MNL_CB_OK;
}

gboolean
wgks_genl_parse_family_id (const struct nlmsghdr *nlh, guint16 *family_id)
{
	guint16 id = 0;

	if (mnl_attr_parse (nlh, sizeof (struct genlmsghdr), parse_family_attr, &id) != MNL_CB_OK || !id)
		return FALSE;
	*family_id = id;
	return TRUE;
}
