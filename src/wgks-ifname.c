/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-ifname.h"

char *
wgks_ifname_for_uuid (const char *uuid)
{
	g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, uuid ? uuid : "", -1);

	return g_strdup_printf (WGKS_IFNAME_PREFIX "%.6s", digest);
}
