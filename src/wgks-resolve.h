/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving peer endpoint host names (GResolver) before the tunnel exists,
 * and again later when a peer's handshakes go stale. */
#ifndef WGKS_RESOLVE_H
#define WGKS_RESOLVE_H

#include "wgks-config.h"
#include "wgks-sockaddr.h"
#include "wgks-state.h"

/* Resolves host:port; literal addresses need no DNS. The first address
 * the system resolver returns wins, as with wg(8). */
void     wgks_resolve_one_async  (const char *host, guint16 port, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean wgks_resolve_one_finish (GAsyncResult *result, WgksSockaddr *out, GError **error);

/* All peers with an endpoint; the result is a GArray of WgksEndpoint whose
 * host strings point into config (which must outlive the array). */
void     wgks_resolve_endpoints_async  (const WgksConfig *config, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
GArray  *wgks_resolve_endpoints_finish (GAsyncResult *result, GError **error);

#endif
