/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-rtnl.h"

#include <errno.h>
#include <gio/gio.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "wgks-key.h"

/* GLib before 2.74 maps ENODEV to G_IO_ERROR_FAILED; for the callers a
 * missing link is "not found", as a missing rule (ENOENT) is. */
static GIOErrorEnum
nl_error_code (int err)
{
	return err == ENODEV ? G_IO_ERROR_NOT_FOUND : g_io_error_from_errno (err);
}

/* Enough for dumps (libmnl >= 1.0.5 calls this MNL_SOCKET_DUMP_SIZE). */
#define WGKS_NL_RECV_SIZE 32768

gboolean
wgks_nl_transact (int bus, struct nlmsghdr *request, mnl_cb_t cb, gpointer cb_data,
                  const char *what, GError **error)
{
	g_autofree char *buf = g_malloc (WGKS_NL_RECV_SIZE);
	struct mnl_socket *nl;
	unsigned int portid, seq;
	ssize_t n;
	int ret = MNL_CB_OK, saved;

	nl = mnl_socket_open (bus);
	if (!nl || mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		saved = errno;
		g_set_error (error, G_IO_ERROR, nl_error_code (saved),
		             "%s: cannot open a netlink socket: %s", what, g_strerror (saved));
		if (nl)
			mnl_socket_close (nl);
		return FALSE;
	}
	portid = mnl_socket_get_portid (nl);
	seq = request->nlmsg_seq = (unsigned int) time (NULL);
	if (mnl_socket_sendto (nl, request, request->nlmsg_len) < 0) {
		ret = MNL_CB_ERROR;
	} else {
		while ((n = mnl_socket_recvfrom (nl, buf, WGKS_NL_RECV_SIZE)) > 0) {
			ret = mnl_cb_run (buf, (size_t) n, seq, portid, cb, cb_data);
			if (ret <= MNL_CB_STOP)
				break;
		}
		if (n < 0)
			ret = MNL_CB_ERROR;
	}
	saved = errno;
	wgks_memzero (buf, WGKS_NL_RECV_SIZE);
	mnl_socket_close (nl);
	if (ret == MNL_CB_ERROR) {
		g_set_error (error, G_IO_ERROR, nl_error_code (saved), "%s: %s", what, g_strerror (saved));
		return FALSE;
	}
	return TRUE;
}

gboolean
wgks_nl_transact_idempotent (int bus, struct nlmsghdr *request, const char *what, int already,
                             gboolean *was_already, GError **error)
{
	GError *local = NULL;
	gboolean ok = wgks_nl_transact (bus, request, NULL, NULL, what, &local)
	              || g_error_matches (local, G_IO_ERROR, already);

	if (was_already)
		*was_already = local != NULL && ok;
	if (ok)
		g_clear_error (&local);
	else
		g_propagate_error (error, local);
	return ok;
}

static struct nlmsghdr *
link_request (char *buf, guint16 type, guint16 flags, const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifm = mnl_nlmsg_put_extra_header (nlh, sizeof *ifm);
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz (nlh, IFLA_IFNAME, ifname);
	return nlh;
}

gboolean
wgks_rtnl_link_add (const char *ifname, const char *kind, GError **error)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	g_autofree char *what = g_strdup_printf ("creating %s link %s", kind, ifname);
	struct nlmsghdr *nlh = link_request (buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifname);
	struct nlattr *linkinfo;

	linkinfo = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
	mnl_attr_put_strz (nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end (nlh, linkinfo);
	return wgks_nl_transact (NETLINK_ROUTE, nlh, NULL, NULL, what, error);
}

gboolean
wgks_rtnl_link_del (const char *ifname, gboolean *existed, GError **error)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	g_autofree char *what = g_strdup_printf ("deleting link %s", ifname);
	struct nlmsghdr *nlh = link_request (buf, RTM_DELLINK, 0, ifname);

	gboolean gone;
	gboolean ok = wgks_nl_transact_idempotent (NETLINK_ROUTE, nlh, what, G_IO_ERROR_NOT_FOUND, &gone, error);

	*existed = !gone;
	return ok;
}

gboolean
wgks_rtnl_link_set_up (const char *ifname, guint32 mtu, GError **error)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	g_autofree char *what = g_strdup_printf ("setting link %s up", ifname);
	struct nlmsghdr *nlh = link_request (buf, RTM_NEWLINK, 0, ifname);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload (nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
	return wgks_nl_transact (NETLINK_ROUTE, nlh, NULL, NULL, what, error);
}

/* The link's IFF_* flags; FALSE when there is no such link. */
static gboolean
link_flags (const char *ifname, short *flags)
{
	struct ifreq ifr = { 0 };
	int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	gboolean ok;

	if (fd < 0)
		return FALSE;
	g_strlcpy (ifr.ifr_name, ifname, sizeof ifr.ifr_name);
	ok = ioctl (fd, SIOCGIFFLAGS, &ifr) == 0;
	close (fd);
	*flags = ifr.ifr_flags;
	return ok;
}

gboolean
wgks_rtnl_link_is_up (const char *ifname)
{
	short flags;

	return link_flags (ifname, &flags) && (flags & IFF_UP);
}

static int
route_oif_cb (const struct nlmsghdr *nlh, void *data)
{
	int *oif = data;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each (attr, nlh, sizeof (struct rtmsg)) {
		if (mnl_attr_get_type (attr) == RTA_OIF && mnl_attr_validate (attr, MNL_TYPE_U32) >= 0)
			*oif = (int) mnl_attr_get_u32 (attr);
	}
	return MNL_CB_OK;
}

gboolean
wgks_rtnl_route_oif (int family, const guint8 *addr, guint32 mark, int *oif)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	/* the ACK ends the exchange after the one RTM_NEWROUTE answer */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
	rtm->rtm_family = (unsigned char) family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	mnl_attr_put (nlh, RTA_DST, family == AF_INET ? 4 : 16, addr);
	if (mark)
		mnl_attr_put_u32 (nlh, RTA_MARK, mark);
	*oif = 0;
	return wgks_nl_transact (NETLINK_ROUTE, nlh, route_oif_cb, oif, "route lookup", NULL) && *oif > 0;
}

gboolean
wgks_rtnl_link_has_carrier (int ifindex)
{
	char name[IF_NAMESIZE];
	short flags;

	return if_indextoname ((unsigned) ifindex, name) && link_flags (name, &flags) && (flags & IFF_RUNNING);
}

typedef struct {
	GPtrArray *out;
	int        skip;
} SubnetDump;

static int
subnet_cb (const struct nlmsghdr *nlh, void *data)
{
	SubnetDump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload (nlh);
	char name[IF_NAMESIZE], buf[INET_ADDRSTRLEN];
	g_autofree char *prefix = NULL;
	struct nlattr *attr;
	guint32 addr = 0, mask;
	gboolean have = FALSE;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET || (int) ifa->ifa_index == d->skip
	    || ifa->ifa_prefixlen == 0 || ifa->ifa_prefixlen > 32 || !if_indextoname (ifa->ifa_index, name) || strcmp (name, "lo") == 0)
		return MNL_CB_OK;
	mnl_attr_for_each (attr, nlh, sizeof *ifa) {
		if (mnl_attr_get_type (attr) == IFA_LOCAL && mnl_attr_get_payload_len (attr) == 4) {
			memcpy (&addr, mnl_attr_get_payload (attr), 4);
			have = TRUE;
		}
	}
	if (!have)
		return MNL_CB_OK;
	mask = htonl (~0u << (32 - ifa->ifa_prefixlen));
	addr &= mask;
	inet_ntop (AF_INET, &addr, buf, sizeof buf);
	prefix = g_strdup_printf ("%s/%u", buf, ifa->ifa_prefixlen);
	if (!g_ptr_array_find_with_equal_func (d->out, prefix, g_str_equal, NULL))
		g_ptr_array_add (d->out, g_steal_pointer (&prefix));
	return MNL_CB_OK;
}

GPtrArray *
wgks_rtnl_ipv4_subnets (int skip_ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
	struct ifaddrmsg *ifa;
	SubnetDump d = { .out = g_ptr_array_new_with_free_func (g_free), .skip = skip_ifindex };

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	if (!wgks_nl_transact (NETLINK_ROUTE, nlh, subnet_cb, &d, "address dump", NULL))
		g_ptr_array_set_size (d.out, 0);
	return d.out;
}
