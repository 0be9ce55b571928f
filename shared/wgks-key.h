/* SPDX-License-Identifier: GPL-2.0-or-later */
/* WireGuard keys: 32 raw bytes, exchanged as base64 (wg-quick, vpn.secrets) or hex (UAPI). */
#ifndef WGKS_KEY_H
#define WGKS_KEY_H

#include <glib.h>

#define WGKS_KEY_LEN         32
#define WGKS_KEY_B64_LEN     44
#define WGKS_KEY_HEX_LEN     64

typedef struct {
	guint8 bytes[WGKS_KEY_LEN];
} WgksKey;

gboolean wgks_key_from_base64 (const char *text, WgksKey *out);
void     wgks_key_to_base64   (const WgksKey *key, char out[WGKS_KEY_B64_LEN + 1]);
gboolean wgks_key_from_hex    (const char *text, WgksKey *out);
void     wgks_key_to_hex      (const WgksKey *key, char out[WGKS_KEY_HEX_LEN + 1]);

typedef enum {
	WGKS_KEY_BASE64,
	WGKS_KEY_HEX,
} WgksKeyEncoding;

/* Appends PREFIX, the key's text and a newline to OUT, leaving no other copy
 * of the text behind: the caller wipes OUT. */
void     wgks_key_append_line (GString *out, const char *prefix, const WgksKey *key, WgksKeyEncoding encoding);

gboolean wgks_key_equal       (const WgksKey *a, const WgksKey *b);
gboolean wgks_key_is_zero     (const WgksKey *key);
/* For GHashTable keyed by WgksKey*: FNV-1a over all 32 bytes, since a
 * hostile configuration may give many keys the same prefix. */
guint    wgks_key_hash        (gconstpointer key);
gboolean wgks_key_hash_equal  (gconstpointer a, gconstpointer b);
void     wgks_key_public_from_private (const WgksKey *private_key, WgksKey *public_key);
gboolean wgks_key_generate_private (WgksKey *out, GError **error);
void     wgks_memzero         (void *buf, gsize len);
void     wgks_str_wipe_free   (char *str);


#endif
