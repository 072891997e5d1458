/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conn-percall.c - the preload shim's connections to the broker: one per
 * call, closed when the call ends. The shim may run in a signal handler
 * or between fork() and exec() of any program, so it keeps nothing.
 */
#include "config.h"

#include <unistd.h>

#include "client-lib/broker/client.h"

int sb_conn_get(bool *ret_reused)
{
        *ret_reused = false;
        return sb_client_connect();
}

void sb_conn_put(int fd)
{
        (void)close(fd);
}

void sb_conn_drop(int fd)
{
        (void)close(fd);
}
