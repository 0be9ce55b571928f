/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS over TLS on the tunnel's link in systemd-resolved. NetworkManager
 * 1.42 does not hand a VPN's connection.dns-over-tls to resolved, and it
 * sets the link's mode again whenever it pushes the link's DNS: this sets
 * the profile's mode on the link itself (SetLinkDNSOverTLS) and sets it
 * again whenever the link no longer has it, until stopped. */
#ifndef WGKS_RESOLVED_DOT_H
#define WGKS_RESOLVED_DOT_H

#include <glib.h>

#include "wgks-config.h"

typedef struct _WgksResolvedDot WgksResolvedDot;

/* NULL when there is nothing to do: WANT is "no", or NetworkManager's DNS
 * mode is not systemd-resolved (the service's notice at connect says so).
 * Call it once NetworkManager has the tunnel's IP config. */
WgksResolvedDot *wgks_resolved_dot_start (const char *ifname, WgksDnsOverTls want);
void             wgks_resolved_dot_stop  (WgksResolvedDot *dot);

#endif
