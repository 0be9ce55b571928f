/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wg-killswitch, the CLI: its main() is in wgks-cli.c, these commands in files of their own. */
#ifndef WGKS_CLI_H
#define WGKS_CLI_H

/* argv[0] is "adopt"; returns the exit status. */
int wgks_cli_adopt (int argc, char **argv);
/* `status --json`: the schema is in wg-killswitch(8). */
int wgks_cli_status_json (void);

#endif
