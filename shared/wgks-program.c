/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-program.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

void
wgks_program_init_i18n (void)
{
	setlocale (LC_ALL, "");
	bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);
}

gboolean
wgks_program_parse_options (int *argc, char ***argv, const GOptionEntry *entries,
                            const char *parameter, const char *summary, GError **error)
{
	g_autoptr (GOptionContext) context = g_option_context_new (parameter);

	g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
	g_option_context_set_summary (context, summary);
	return g_option_context_parse (context, argc, argv, error);
}
