/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A poll for what is usually ready within milliseconds: often at first,
 * then backing off while it is not. */
#ifndef WGKS_POLL_H
#define WGKS_POLL_H

#include <glib.h>

/* Called by the GSourceFunc FUNC that runs every *MS on the source *ID, as
 * its return value, when it wants to be called again: doubles *MS up to
 * MAX_MS, replacing the source (G_SOURCE_REMOVE); at MAX_MS, the source
 * stays (G_SOURCE_CONTINUE). */
gboolean wgks_poll_back_off (guint *id, guint *ms, guint max_ms, GSourceFunc func, gpointer data);

#endif
