/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tunnel interface name: stable per connection, so that a leftover of
 * a crashed run can be found again. */
#ifndef WGKS_IFNAME_H
#define WGKS_IFNAME_H

#include <glib.h>

#define WGKS_IFNAME_PREFIX "wgks"

/* "wgks" + 6 hex digits of SHA-256(uuid): 10 characters. */
char *wgks_ifname_for_uuid (const char *uuid);

#endif
