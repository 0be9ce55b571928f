/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink requests (libmnl) and the few rtnetlink link operations the
 * service needs: add a link of a kind, delete it, set it up. */
#ifndef WGKS_RTNL_H
#define WGKS_RTNL_H

#include <glib.h>
#include <libmnl/libmnl.h>

/* Sends one request on a fresh socket of BUS and runs CB over the answers
 * until the ACK / DONE. On a netlink error, returns FALSE and *error in
 * G_IO_ERROR (g_io_error_from_errno of the kernel's answer; ENODEV is
 * G_IO_ERROR_NOT_FOUND) describing WHAT. */
gboolean wgks_nl_transact (int bus, struct nlmsghdr *request, mnl_cb_t cb, gpointer cb_data,
                           const char *what, GError **error);
/* The same for a change (no answers to read) whose error ALREADY (a
 * GIOErrorEnum) means it is in effect already: deleting what is gone,
 * adding what exists. That counts as success, with *was_already TRUE
 * (WAS_ALREADY may be NULL). */
gboolean wgks_nl_transact_idempotent (int bus, struct nlmsghdr *request, const char *what, int already,
                                      gboolean *was_already, GError **error);

/* Kernel without the link kind: G_IO_ERROR_NOT_SUPPORTED. */
gboolean wgks_rtnl_link_add (const char *ifname, const char *kind, GError **error);
/* *existed = FALSE and TRUE returned when there is no such link. */
gboolean wgks_rtnl_link_del (const char *ifname, gboolean *existed, GError **error);
/* Sets IFF_UP and, if mtu != 0, the MTU. */
gboolean wgks_rtnl_link_set_up (const char *ifname, guint32 mtu, GError **error);

/* FALSE when the link is down or does not exist. */
gboolean wgks_rtnl_link_is_up (const char *ifname);

/* The interface a packet with MARK to ADDR would leave through; FALSE when
 * there is no route (no uplink). */
gboolean wgks_rtnl_route_oif (int family, const guint8 *addr, guint32 mark, int *oif);
/* The link is up and has a carrier (a route through it can carry packets). */
gboolean wgks_rtnl_link_has_carrier (int ifindex);

/* The IPv4 prefixes ("198.51.100.0/25") of every address on a link other
 * than loopback and SKIP_IFINDEX (a /0 is no subnet: skipped); empty when
 * there are none or on error. */
GPtrArray *wgks_rtnl_ipv4_subnets (int skip_ifindex);

#endif
