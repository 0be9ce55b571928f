/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGKS_ADOPT_SWITCH_H
#define WGKS_ADOPT_SWITCH_H

#include <NetworkManager.h>

#include "wgks-config.h"

/* Adds CONN as a saved profile, with its secrets (they go to the user's
 * agent where they are agent-owned). */
NMRemoteConnection *wgks_adopt_add_profile (NMClient *client, NMConnection *conn, GError **error);

/* --replace: connects ADDED once and deletes ORIG. An active ORIG goes down
 * first, behind ADDED's blocking table; if ADDED does not connect, ORIG is
 * activated again. Prints what it does, names PROFILE (ORIG's name). */
gboolean wgks_adopt_replace_original (NMClient *client, NMRemoteConnection *orig, NMRemoteConnection *added,
                                      const char *profile, const WgksConfig *config);

#endif
