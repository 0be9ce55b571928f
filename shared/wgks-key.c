/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-key.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/random.h>
#include <nettle/curve25519.h>

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value (char c)
{
	const char *p = c ? strchr (b64_alphabet, c) : NULL;

	return p ? (int) (p - b64_alphabet) : -1;
}

/* Strict: exactly 44 characters, the canonical encoding of 32 bytes.
 * g_base64_decode() skips invalid characters, which would accept typos. */
gboolean
wgks_key_from_base64 (const char *text, WgksKey *out)
{
	guint32 acc = 0;
	guint i, o = 0;
	int v;

	if (!text || strlen (text) != WGKS_KEY_B64_LEN || text[43] != '=')
		return FALSE;
	for (i = 0; i < 43; i++) {
		v = b64_value (text[i]);
		if (v < 0) {
			/* no half-decoded key left behind */
			wgks_memzero (out, sizeof *out);
			wgks_memzero (&acc, sizeof acc);
			return FALSE;
		}
		acc = (acc << 6) | (guint32) v;
		if (i % 4 == 3) {
			out->bytes[o++] = (acc >> 16) & 0xff;
			out->bytes[o++] = (acc >> 8) & 0xff;
			out->bytes[o++] = acc & 0xff;
			acc = 0;
		}
	}
	/* 3 characters left = 18 bits = 2 bytes + 2 padding bits that must be 0 */
	if (acc & 0x3) {
		wgks_memzero (out, sizeof *out);
		wgks_memzero (&acc, sizeof acc);
		return FALSE;
	}
	out->bytes[o++] = (acc >> 10) & 0xff;
	out->bytes[o++] = (acc >> 2) & 0xff;
	wgks_memzero (&acc, sizeof acc);   /* a plain "acc = 0" is a dead store the compiler drops */
	return o == WGKS_KEY_LEN;
}

void
wgks_key_to_base64 (const WgksKey *key, char out[WGKS_KEY_B64_LEN + 1])
{
	guint i, o = 0;
	guint32 acc;

	for (i = 0; i + 3 <= WGKS_KEY_LEN; i += 3) {
		acc = ((guint32) key->bytes[i] << 16) | ((guint32) key->bytes[i + 1] << 8) | key->bytes[i + 2];
		out[o++] = b64_alphabet[(acc >> 18) & 63];
		out[o++] = b64_alphabet[(acc >> 12) & 63];
		out[o++] = b64_alphabet[(acc >> 6) & 63];
		out[o++] = b64_alphabet[acc & 63];
	}
	acc = ((guint32) key->bytes[30] << 8) | key->bytes[31];
	out[o++] = b64_alphabet[(acc >> 10) & 63];
	out[o++] = b64_alphabet[(acc >> 4) & 63];
	out[o++] = b64_alphabet[(acc << 2) & 63];
	out[o++] = '=';
	out[o] = '\0';
	wgks_memzero (&acc, sizeof acc);
}

gboolean
wgks_key_from_hex (const char *text, WgksKey *out)
{
	guint i;
	int hi, lo;

	if (!text || strlen (text) != WGKS_KEY_HEX_LEN)
		return FALSE;
	for (i = 0; i < WGKS_KEY_LEN; i++) {
		hi = g_ascii_xdigit_value (text[2 * i]);
		lo = g_ascii_xdigit_value (text[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			wgks_memzero (out, sizeof *out);
			return FALSE;
		}
		out->bytes[i] = (guint8) ((hi << 4) | lo);
	}
	return TRUE;
}

void
wgks_key_to_hex (const WgksKey *key, char out[WGKS_KEY_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	guint i;

	for (i = 0; i < WGKS_KEY_LEN; i++) {
		out[2 * i] = hex[key->bytes[i] >> 4];
		out[2 * i + 1] = hex[key->bytes[i] & 0xf];
	}
	out[WGKS_KEY_HEX_LEN] = '\0';
}

/* Constant time, so that comparing secrets leaks nothing through timing. */
gboolean
wgks_key_equal (const WgksKey *a, const WgksKey *b)
{
	volatile guint8 diff = 0;
	guint i;

	for (i = 0; i < WGKS_KEY_LEN; i++)
		diff |= a->bytes[i] ^ b->bytes[i];
	return diff == 0;
}

guint
wgks_key_hash (gconstpointer key)
{
	const WgksKey *k = key;
	guint32 h = 2166136261u;
	guint i;

	for (i = 0; i < WGKS_KEY_LEN; i++)
		h = (h ^ k->bytes[i]) * 16777619u;
	return h;
}

gboolean
wgks_key_hash_equal (gconstpointer a, gconstpointer b)
{
	return wgks_key_equal (a, b);
}

gboolean
wgks_key_is_zero (const WgksKey *key)
{
	static const WgksKey zero;

	return wgks_key_equal (key, &zero);
}

void
wgks_key_public_from_private (const WgksKey *private_key, WgksKey *public_key)
{
	WgksKey clamped = *private_key;

	clamped.bytes[0] &= 248;
	clamped.bytes[31] = (clamped.bytes[31] & 127) | 64;
	curve25519_mul_g (public_key->bytes, clamped.bytes);
	wgks_memzero (&clamped, sizeof clamped);
}

gboolean
wgks_key_generate_private (WgksKey *out, GError **error)
{
	gsize got = 0;
	ssize_t n;

	while (got < sizeof out->bytes) {
		n = getrandom (out->bytes + got, sizeof out->bytes - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
			             "getrandom: %s", g_strerror (errno));
			return FALSE;
		}
		got += (gsize) n;
	}
	out->bytes[0] &= 248;
	out->bytes[31] = (out->bytes[31] & 127) | 64;
	return TRUE;
}

void
wgks_memzero (void *buf, gsize len)
{
	if (buf && len)
		explicit_bzero (buf, len);
}

void
wgks_str_wipe_free (char *str)
{
	if (str) {
		wgks_memzero (str, strlen (str));
		g_free (str);
	}
}
