/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wakes up on every nftables change in this network namespace (the kernel's
 * NFNLGRP_NFTABLES notifications), so that a deleted or altered kill-switch
 * table is restored at once instead of at the next poll. */
#ifndef WGKS_NFT_WATCH_H
#define WGKS_NFT_WATCH_H

#include <glib.h>

/* Returns a GSource id (remove it with g_source_remove), 0 + error on failure. */
guint wgks_nft_watch_add (GSourceFunc func, gpointer user_data, GError **error);

#endif
