/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guardian (`wg-killswitch guard`, the lockdown unit's process): keeps
 * a blocking table in the kernel while no VPN service owns the kill switch
 * but one should block: the service died or failed and left its blocking
 * table (it records that table's script first), or lockdown is on (or its
 * state unreadable). Wakes only on nftables notifications and changes in
 * the run directory; while a service holds the owner lock, the table is
 * the service's and the guardian leaves it alone. */
#ifndef WGKS_GUARD_H
#define WGKS_GUARD_H

#include <glib.h>

/* Runs until SIGTERM or SIGINT; FALSE + error if it cannot watch. */
gboolean wgks_guard_run (GError **error);

#endif
