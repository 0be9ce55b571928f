/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the wgks-config*.c files share and nothing else uses. */
#ifndef WGKS_CONFIG_PRIVATE_H
#define WGKS_CONFIG_PRIVATE_H

#include "wgks-config-model.h"

/* A value as an error message may show it: escaped, and cut short (a
 * hostile value can be megabytes long). */
char    *wgks_config_printable (const char *text);
/* Sets WGKS_CONFIG_ERROR_INVALID naming KEY, the value and WHY; returns FALSE. */
gboolean wgks_config_set_invalid (GError **error, const char *key, const char *value, const char *why);
gboolean wgks_config_too_many_addresses (guint n, GError **error);

#endif
