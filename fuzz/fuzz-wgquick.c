/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the wg-quick importer (wgks_wgquick_parse).
 * Properties beyond "no crash, no leak, no UB":
 *  - an accepted file exports (wgks_wgquick_write) to a file that imports
 *    again and exports to the same text (round trip is a fixed point);
 *  - neither the error nor any warning ever echoes a PrivateKey or
 *    PresharedKey value of the input. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wgks-wgquick.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	return 0;
}

/* Values of "PrivateKey = X" / "PresharedKey = X" lines (any case, any
 * spacing) that look like a key, typos included: at least 32 characters, no
 * white space (so never a fragment of a fixed message text such as
 * "(expected [Interface] or [Peer])"), found only once in the input. */
static GPtrArray *
secret_values (const char *text)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	guint i;

	for (i = 0; lines[i]; i++) {
		char *line = g_strstrip (lines[i]);
		char *eq = strchr (line, '=');
		char *key, *value, *hash;

		if (!eq)
			continue;
		*eq = '\0';
		key = g_strstrip (line);
		value = eq + 1;
		hash = strchr (value, '#');
		if (hash)
			*hash = '\0';
		value = g_strstrip (value);
		if (g_ascii_strcasecmp (key, "PrivateKey") != 0 && g_ascii_strcasecmp (key, "PresharedKey") != 0)
			continue;
		if (strlen (value) < 32 || strpbrk (value, " \t\r\v\f"))
			continue;
		/* the same text elsewhere (a host name, a comment) may be echoed legitimately */
		if (strstr (strstr (text, value) + 1, value))
			continue;
		g_ptr_array_add (out, g_strdup (value));
	}
	return out;
}

static void
assert_no_secret (GPtrArray *secrets, const char *message)
{
	guint i;

	for (i = 0; message && i < secrets->len; i++)
		FUZZ_ASSERT (strstr (message, secrets->pdata[i]) == NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksConfig) config = NULL;
	g_autoptr (GPtrArray) secrets = NULL;
	g_autofree char *text = g_strndup ((const char *) data, size);
	guint i;

	config = wgks_wgquick_parse ((const char *) data, size, "fuzz.conf", warnings, &error);
	FUZZ_ASSERT ((config == NULL) == (error != NULL));
	secrets = secret_values (text);
	if (error) {
		FUZZ_ASSERT (error->domain == WGKS_CONFIG_ERROR);
		assert_no_secret (secrets, error->message);
	}
	for (i = 0; i < warnings->len; i++)
		assert_no_secret (secrets, warnings->pdata[i]);

	if (config) {
		g_autoptr (GError) error2 = NULL;
		g_autoptr (WgksConfig) again = NULL;
		g_autofree char *out1 = wgks_wgquick_write (config);
		g_autofree char *out2 = NULL;

		again = wgks_wgquick_parse (out1, strlen (out1), "export.conf", NULL, &error2);
		if (!again)
			fprintf (stderr, "re-import failed: %s\n--- export:\n%s\n", error2->message, out1);
		FUZZ_ASSERT (again != NULL);
		out2 = wgks_wgquick_write (again);
		if (strcmp (out1, out2) != 0)
			fprintf (stderr, "--- export 1:\n%s\n--- export 2:\n%s\n", out1, out2);
		FUZZ_ASSERT (strcmp (out1, out2) == 0);
		wgks_memzero (out1, strlen (out1));
		wgks_memzero (out2, strlen (out2));
	}
	wgks_memzero (text, size);
	return 0;
}
