/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch verify's DNS checks, and the DNS-over-TLS look-ups that
 * status shares with them. */
#ifndef WGKS_CLI_VERIFY_DNS_H
#define WGKS_CLI_VERIFY_DNS_H

#include <NetworkManager.h>

#include "wgks-dns-mode.h"
#include "wgks-statefile.h"

/* The dns-over-tls key of the active connection NAME, "no" when unset. */
WgksDnsOverTls wgks_cli_active_dns_over_tls (NMClient *client, const char *name);
/* Why systemd-resolved does not encrypt DNS on IFNAME as WANT asks; NULL when it does. */
char *wgks_cli_resolved_dns_over_tls_problem (WgksDnsOverTls want, const char *ifname);
/* Prints a PASS or FAIL line per check and counts it in PASSED or FAILED. */
void wgks_cli_verify_dns (const WgksStatus *status, gboolean split, guint *passed, guint *failed);

#endif
