/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel WireGuard generic netlink messages (linux/wireguard.h): building
 * WG_CMD_SET_DEVICE, possibly split over several messages, and reading the
 * peers of a WG_CMD_GET_DEVICE dump. No I/O here. */
#ifndef WGKS_WG_GENL_H
#define WGKS_WG_GENL_H

#include <libmnl/libmnl.h>

#include "wgks-device.h"

/* GByteArray* each holding one complete netlink message; freeing the
 * array wipes the messages (they carry keys). NULL + error if even one
 * peer does not fit in max_len. */
GPtrArray *wgks_wg_genl_build_set (guint16 family_id, const char *ifname,
                                   const WgksDeviceSettings *settings, gsize max_len,
                                   GError **error);

/* WG_CMD_GET_DEVICE dump request for ifname into buf (MNL_SOCKET_BUFFER_SIZE). */
struct nlmsghdr *wgks_wg_genl_build_get (char *buf, guint16 family_id, const char *ifname);

/* Adds the peers of one reply message to stats (WgksPeerStats), merging a
 * peer continued from the previous message. */
gboolean wgks_wg_genl_parse_get (const struct nlmsghdr *nlh, GArray *stats, GError **error);

/* CTRL_CMD_GETFAMILY request for name, and its answer. */
struct nlmsghdr *wgks_genl_build_getfamily (char *buf, const char *name);
gboolean         wgks_genl_parse_family_id (const struct nlmsghdr *nlh, guint16 *family_id);

#endif
