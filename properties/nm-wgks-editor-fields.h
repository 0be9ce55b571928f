/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the editor's text fields may contain, checked without any GTK:
 * each parser fills part of a WgksConfig or fails with a message that
 * starts with the field's label, as the user sees it. */
#ifndef NM_WGKS_EDITOR_FIELDS_H
#define NM_WGKS_EDITOR_FIELDS_H

#include "wgks-config.h"

/* Empty text is an error only in the parsers that say "required". */
gboolean wgks_field_parse_key       (const char *label, const char *text, gboolean required,
                                     WgksKey *out, gboolean *present, GError **error);
gboolean wgks_field_parse_prefixes  (const char *label, const char *text, gboolean required,
                                     GPtrArray *into, GError **error);
gboolean wgks_field_parse_dns       (const char *label, const char *text, GPtrArray *into, GError **error);
gboolean wgks_field_parse_domains   (const char *label, const char *text, GPtrArray *into, GError **error);
gboolean wgks_field_parse_number    (const char *label, const char *text, guint64 min, guint64 max,
                                     guint64 *out, GError **error);
gboolean wgks_field_parse_endpoint  (const char *label, const char *text, char **host, guint16 *port,
                                     GError **error);

/* Items of a list field: separated by commas and/or white space. */
char **wgks_field_split (const char *text);

/* "0.0.0.0/0, ::/0" exactly (in any order): what "All traffic" means. */
gboolean wgks_field_prefixes_are_full_tunnel (GPtrArray *prefixes);
#define WGKS_FIELD_FULL_TUNNEL_IPS "0.0.0.0/0, ::/0"

#endif
