/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libnftables for the kill switch: loaded for a burst of commands, which
 * run in a helper process forked for the burst; both end between bursts. */
#ifndef WGKS_NFT_H
#define WGKS_NFT_H

#include <glib.h>
#include <sys/types.h>

/* Runs an nft script in one transaction. On success *output (if given) is
 * what libnftables printed; on failure the error carries its message
 * (domain WGKS_FIREWALL_ERROR). */
gboolean wgks_nft_run (const char *script, gboolean dry_run, char **output, GError **error);

/* Runs the scripts one after the other (fewer than 256), each in its own
 * transaction, and stops at the first that fails. *n_done: how many
 * succeeded. *output: what the last one printed, when all succeeded. */
gboolean wgks_nft_run_each (const char *const *scripts, gboolean dry_run, guint *n_done, char **output,
                            GError **error);

/* Whether the process that committed an nftables change was this one or
 * its current helper. */
gboolean wgks_nft_is_own_pid (pid_t pid);

/* Loads libnftables and starts the helper process ahead of a burst, so
 * that its first command does not wait for them. Failure is not reported:
 * the first command tries again. */
void wgks_nft_prepare (void);

/* Ends the burst's helper process (and frees the context of a burst that
 * ran here, when no process could be made), unloads libnftables, and
 * returns the allocator's free memory and the unused part of the calling
 * thread's stack to the system. Call it from a shallow frame (the main
 * loop). Programs that never call it reap the helper at exit. */
void wgks_nft_release (void);

#endif
