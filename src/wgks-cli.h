/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch, the CLI: its main() is in wgks-cli.c, these commands in files of their own. */
#ifndef WGKS_CLI_H
#define WGKS_CLI_H

#include <NetworkManager.h>

/* argv[0] is "adopt"; returns the exit status. */
int wgks_cli_adopt (int argc, char **argv);
/* `status --json`: the schema is in wg-killswitch(8). */
int wgks_cli_status_json (void);
/* A client of NetworkManager, or NULL after saying why on stderr. */
NMClient *wgks_cli_nm_client (void);
/* TRUE when something came back from TARGET (IP:PORT, a TCP connect or with
 * DNS a query), sent out of IFNAME (NULL: as routed): the probe got out. */
gboolean wgks_cli_probe_leaks (const char *ifname, const char *target, gboolean dns);

#endif
