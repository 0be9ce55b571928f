/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The start that the package's programs share. */
#ifndef WGKS_PROGRAM_H
#define WGKS_PROGRAM_H

#include <glib.h>

/* The user's locale, and the package's translations in UTF-8. */
void     wgks_program_init_i18n (void);

/* Parses the command line with ENTRIES, whose descriptions are translated
 * in the package's domain. PARAMETER follows the program's name in
 * --help's first line, SUMMARY below it; either may be NULL. */
gboolean wgks_program_parse_options (int *argc, char ***argv, const GOptionEntry *entries,
                                     const char *parameter, const char *summary, GError **error);

#endif
