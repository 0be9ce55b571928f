/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main() for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput
 * on every file of the corpus directories (default: the one compiled in,
 * fuzz/corpus/<target>) or files given as arguments, one TAP result each.
 * A property failure or sanitizer report aborts the run, which the test
 * harness reports as a failure (the TAP plan is then missing). */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int n;

static void
run_file (const char *path)
{
	g_autofree char *data = NULL;
	g_autofree char *name = g_path_get_basename (path);
	g_autoptr (GError) error = NULL;
	gsize len;

	if (!g_file_get_contents (path, &data, &len, &error)) {
		printf ("not ok %d - %s: %s\n", ++n, name, error->message);
		return;
	}
	printf ("# %s (%" G_GSIZE_FORMAT " bytes)\n", name, len);
	fflush (stdout);
	LLVMFuzzerTestOneInput ((const guint8 *) data, len);
	printf ("ok %d - %s\n", ++n, name);
}

static void
run_path (const char *path, GPtrArray *files)
{
	if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
		g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
		const char *entry;

		while (dir && (entry = g_dir_read_name (dir)))
			g_ptr_array_add (files, g_build_filename (path, entry, NULL));
	} else {
		g_ptr_array_add (files, g_strdup (path));
	}
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
	return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
	g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
	int i;

	LLVMFuzzerInitialize (&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			run_path (argv[i], files);
	} else {
#ifdef FUZZ_CORPUS_DIR
		const char *top = g_getenv ("WGKS_TOP_SRCDIR");
		g_autofree char *dir = top ? g_build_filename (top, "fuzz", "corpus", FUZZ_CORPUS_DIR, NULL)
		                           : g_strdup (FUZZ_CORPUS_SRCDIR "/" FUZZ_CORPUS_DIR);
		run_path (dir, files);
#endif
	}
	g_ptr_array_sort (files, compare_paths);
	for (i = 0; i < (int) files->len; i++)
		run_file (files->pdata[i]);
	printf ("1..%d\n", n);
	return n > 0 ? 0 : 1;
}
