/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which resolver NetworkManager feeds, and whether it can do DNS over TLS. */
#ifndef WGKS_DNS_MODE_H
#define WGKS_DNS_MODE_H

#include <glib.h>

#include "wgks-config.h"

/* NetworkManager's DNS mode ("default", "dnsmasq", "systemd-resolved",
 * "none", ...) from its DnsManager on the system bus; NULL with error when
 * NetworkManager cannot be asked. */
char    *wgks_nm_dns_mode (GError **error);
/* Of NetworkManager's DNS modes, only systemd-resolved speaks DNS over TLS. */
gboolean wgks_dns_mode_does_tls (const char *mode);
/* What to tell the user when dns-over-tls asks for more than MODE can do;
 * NULL when there is nothing to say. */
char    *wgks_dns_over_tls_problem (WgksDnsOverTls wanted, const char *mode);

#endif
