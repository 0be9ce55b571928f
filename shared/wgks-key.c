/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-key.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/random.h>
#include <nettle/curve25519.h>

/* Keys are secrets: their text is decoded and encoded in constant time,
 * with no table lookup indexed by a secret and no branch on a secret, so
 * that neither the cache nor the timing tells anything about the key. A
 * bad character is remembered, not returned on, and the whole text is
 * always read. The arithmetic works on ints from 0 to 255, where
 * (a - b) >> 8 is -1 (all bits set) when a < b and 0 otherwise. */

static inline int
ct_lt (int a, int b)
{
	return (a - b) >> 8;
}

/* -1 when lo <= c <= hi, else 0 */
static inline int
ct_in (int c, int lo, int hi)
{
	return ~ct_lt (c, lo) & ~ct_lt (hi, c);
}

/* The characters from first to last stand for the values from value on. */
typedef struct {
	guint8 first;
	guint8 last;
	int    value;
} CtRange;

static const CtRange b64_ranges[] = {
	{ 'A', 'Z', 0 }, { 'a', 'z', 26 }, { '0', '9', 52 }, { '+', '+', 62 }, { '/', '/', 63 },
};

static const CtRange hex_ranges[] = {
	{ '0', '9', 0 }, { 'a', 'f', 10 }, { 'A', 'F', 10 },
};

/* The value of C in RANGES, or -1: every range is looked at, and at most
 * one adds its value + 1 to the -1. */
static inline int
ct_value (guint8 c, const CtRange *ranges, guint n_ranges)
{
	int v = -1;
	guint i;

	for (i = 0; i < n_ranges; i++)
		v += ct_in (c, ranges[i].first, ranges[i].last) & (c - ranges[i].first + ranges[i].value + 1);
	return v;
}

/* The value of a base64 character, or -1 */
static inline int
ct_b64_value (guint8 c)
{
	return ct_value (c, b64_ranges, G_N_ELEMENTS (b64_ranges));
}

/* The base64 character of a value from 0 to 63: 'A' + v, moved into the
 * next range each time v passes the end of one. */
static inline char
ct_b64_char (int v)
{
	int c = 'A' + v;

	c += ct_lt (25, v) & ('a' - 'A' - 26);
	c += ct_lt (51, v) & ('0' - 'a' - 26);
	c += ct_lt (61, v) & ('+' - '0' - 10);
	c += ct_lt (62, v) & ('/' - '+' - 1);
	return (char) c;
}

/* The value of a hex digit (either case), or -1 */
static inline int
ct_hex_value (guint8 c)
{
	return ct_value (c, hex_ranges, G_N_ELEMENTS (hex_ranges));
}

static inline char
ct_hex_char (int v)
{
	return (char) ('0' + v + (ct_lt (9, v) & ('a' - '0' - 10)));
}

/* The end of a decoding: BAD < 0 after a bad character, and then no
 * half-decoded key is left behind. */
static gboolean
decode_result (int bad, WgksKey *out)
{
	if (bad < 0) {
		wgks_memzero (out, sizeof *out);
		return FALSE;
	}
	return TRUE;
}

/* Strict: exactly 44 characters, the canonical encoding of 32 bytes.
 * g_base64_decode() skips invalid characters, which would accept typos. */
gboolean
wgks_key_from_base64 (const char *text, WgksKey *out)
{
	const guint8 *t = (const guint8 *) text;
	guint32 acc;
	int v, bad = 0;
	guint i, j;

	if (!text || strlen (text) != WGKS_KEY_B64_LEN)
		return FALSE;
	/* 10 groups of 4 characters = 30 bytes */
	for (i = 0; i < 10; i++) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			v = ct_b64_value (t[4 * i + j]);
			bad |= v;
			acc = (acc << 6) | (guint32) (v & 63);
		}
		out->bytes[3 * i] = (acc >> 16) & 0xff;
		out->bytes[3 * i + 1] = (acc >> 8) & 0xff;
		out->bytes[3 * i + 2] = acc & 0xff;
	}
	/* then 3 characters = 18 bits = 2 bytes + 2 padding bits that must be
	 * 0, and '=' */
	acc = 0;
	for (j = 0; j < 3; j++) {
		v = ct_b64_value (t[40 + j]);
		bad |= v;
		acc = (acc << 6) | (guint32) (v & 63);
	}
	bad |= -(int) (acc & 3);
	bad |= ~ct_in (t[43], '=', '=');
	out->bytes[30] = (acc >> 10) & 0xff;
	out->bytes[31] = (acc >> 2) & 0xff;
	wgks_memzero (&acc, sizeof acc);   /* a plain "acc = 0" is a dead store the compiler drops */
	wgks_memzero (&v, sizeof v);
	return decode_result (bad, out);
}

void
wgks_key_to_base64 (const WgksKey *key, char out[WGKS_KEY_B64_LEN + 1])
{
	guint i, o = 0;
	guint32 acc;

	for (i = 0; i + 3 <= WGKS_KEY_LEN; i += 3) {
		acc = ((guint32) key->bytes[i] << 16) | ((guint32) key->bytes[i + 1] << 8) | key->bytes[i + 2];
		out[o++] = ct_b64_char ((int) ((acc >> 18) & 63));
		out[o++] = ct_b64_char ((int) ((acc >> 12) & 63));
		out[o++] = ct_b64_char ((int) ((acc >> 6) & 63));
		out[o++] = ct_b64_char ((int) (acc & 63));
	}
	acc = ((guint32) key->bytes[30] << 8) | key->bytes[31];
	out[o++] = ct_b64_char ((int) ((acc >> 10) & 63));
	out[o++] = ct_b64_char ((int) ((acc >> 4) & 63));
	out[o++] = ct_b64_char ((int) ((acc << 2) & 63));
	out[o++] = '=';
	out[o] = '\0';
	wgks_memzero (&acc, sizeof acc);
}

gboolean
wgks_key_from_hex (const char *text, WgksKey *out)
{
	const guint8 *t = (const guint8 *) text;
	int hi, lo, bad = 0;
	guint i;

	if (!text || strlen (text) != WGKS_KEY_HEX_LEN)
		return FALSE;
	for (i = 0; i < WGKS_KEY_LEN; i++) {
		hi = ct_hex_value (t[2 * i]);
		lo = ct_hex_value (t[2 * i + 1]);
		bad |= hi | lo;
		out->bytes[i] = (guint8) (((hi & 15) << 4) | (lo & 15));
	}
	wgks_memzero (&hi, sizeof hi);
	wgks_memzero (&lo, sizeof lo);
	return decode_result (bad, out);
}

void
wgks_key_to_hex (const WgksKey *key, char out[WGKS_KEY_HEX_LEN + 1])
{
	guint i;

	for (i = 0; i < WGKS_KEY_LEN; i++) {
		out[2 * i] = ct_hex_char (key->bytes[i] >> 4);
		out[2 * i + 1] = ct_hex_char (key->bytes[i] & 0xf);
	}
	out[WGKS_KEY_HEX_LEN] = '\0';
}

void
wgks_key_append_line (GString *out, const char *prefix, const WgksKey *key, WgksKeyEncoding encoding)
{
	char text[MAX (WGKS_KEY_B64_LEN, WGKS_KEY_HEX_LEN) + 1];

	if (encoding == WGKS_KEY_HEX)
		wgks_key_to_hex (key, text);
	else
		wgks_key_to_base64 (key, text);
	g_string_append_printf (out, "%s%s\n", prefix, text);
	wgks_memzero (text, sizeof text);
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
