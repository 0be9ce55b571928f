/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GTK 4 window that asks for the secrets marked should_ask. */
#ifndef WGKS_AUTH_WINDOW_H
#define WGKS_AUTH_WINDOW_H

#include <glib.h>

/* Runs until the user answers; fills ->value of the secrets asked for.
 * FALSE when the user cancelled. */
gboolean wgks_auth_window_run (const char *title, const char *prompt, GPtrArray *requests);

#endif
