/*
 * The top of the program: main() dispatches to the guest-side commands (cli/) and to the
 * commands of this build variant (full.c adds the collector's and the analyzer's; guest.c,
 * for the static and Windows guest binaries, adds none). Nothing below references this.
 */
#ifndef VB_PROGRAM_H
#define VB_PROGRAM_H

#include "cli.h"

/* Commands of this build variant beyond the guest ones, ended by a row with name NULL. */
extern const struct cli_cmd variant_cmds[];

#endif
