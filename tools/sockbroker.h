/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker.h - what the commands of the sockbroker tool share.
 */
#pragma once

/* Exit codes, documented in sockbroker(1). */
enum {
        EXIT_OK = 0,
        EXIT_REFUSED = 1,        /* denied, invalid policy, or the operation failed */
        EXIT_USAGE = 2,
        EXIT_NO_POLICY = 3,      /* explain: the policy could not be loaded */
        EXIT_UNREACHABLE = 4,    /* open, status, list: the broker could not be reached */
        EXIT_CANNOT_EXEC = 126,  /* open, run: CMD found but not executable */
        EXIT_NOT_FOUND = 127,    /* open, run: CMD not found */
};

/* `sockbroker status` and `sockbroker list` (tools/status.c). */
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
