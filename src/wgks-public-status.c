/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-public-status.h"

char *
wgks_public_status_path (void)
{
	const char *env = g_getenv ("WGKS_PUBLIC_DIR");

	return g_build_filename (env ? env : WGKS_PUBLIC_STATUS_DIR, WGKS_PUBLIC_STATUS_FILE, NULL);
}
