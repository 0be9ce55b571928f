/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kill switch's owner: gathers what the policy (wgks-policy.c) decides
 * on, has it plan, renders and applies the table, watches it (tamper,
 * uplink) and writes the status, lockdown and guardian files. One service
 * process serves one connection, so this keeps its state here. */
#ifndef WGKS_KILLSWITCH_H
#define WGKS_KILLSWITCH_H

#include "wgks-state.h"

typedef struct _WgksKillswitch WgksKillswitch;

WgksKillswitch *wgks_killswitch_new  (void);
void            wgks_killswitch_free (WgksKillswitch *ks);

gboolean wgks_killswitch_update (WgksKillswitch *ks, const WgksStateChange *change, GError **error);

/* Reinstalls the table if another program changed or deleted it; returns
 * TRUE when it had to. */
gboolean wgks_killswitch_check_tamper (WgksKillswitch *ks);

/* Routes or links changed: block the tunnel too while no endpoint is
 * routable outside it, open it again when one is. TRUE when it changed. */
gboolean wgks_killswitch_check_uplink (WgksKillswitch *ks);
gboolean wgks_killswitch_uplink_ok    (WgksKillswitch *ks);

/* The service resolves endpoint names (servers: the uplink's DNS servers)
 * or is done (NULL): the table lets its marked queries to those servers
 * through, or no longer. */
void     wgks_killswitch_note_resolvers (WgksKillswitch *ks, GPtrArray *servers);
gboolean wgks_killswitch_set_resolvers (WgksKillswitch *ks, GPtrArray *servers, GError **error);

/* The handshake watch saw a handshake at this time (for `wg-killswitch status`). */
void     wgks_killswitch_note_handshake (WgksKillswitch *ks, gint64 unix_time);

#endif
