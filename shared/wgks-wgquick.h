/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-quick configuration files (wg-quick(8)): read and write. */
#ifndef WGKS_WGQUICK_H
#define WGKS_WGQUICK_H

#include "wgks-config.h"

#define WGKS_WGQUICK_MAX_SIZE (1024 * 1024)

/* Comment that carries this plugin's own settings through wg-quick files. */
#define WGKS_WGQUICK_SETTINGS_COMMENT "# wireguard-killswitch:"

WgksConfig *wgks_wgquick_parse     (const char *data, gsize len, const char *filename,
                                    GPtrArray *warnings, GError **error);
WgksConfig *wgks_wgquick_read_file (const char *path, GPtrArray *warnings, GError **error);
char       *wgks_wgquick_write     (const WgksConfig *config);
char       *wgks_wgquick_name_from_path (const char *path);

/* What "nmcli connection import type wireguard-killswitch" makes of @path,
 * also used by the editor's own import: a whole connection named after the
 * file, every secret stored by NetworkManager (flags 0). */
NMConnection *wgks_wgquick_import (const char *path, GPtrArray *warnings, GError **error);

#endif
