/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.c - stderr logging with journal priority prefixes.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/shared/log.h"

static const char *log_ident = "sockbrokerd";
static bool log_to_journal;
static int log_max_priority = LOG_INFO;

void log_init(const char *ident)
{
        const char *e = getenv("SOCKBROKER_LOG_LEVEL");

        log_ident = ident;
        /* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
        log_to_journal = getenv("JOURNAL_STREAM") != NULL;
        if (e && streq(e, "debug"))
                log_max_priority = LOG_DEBUG;
}

void log_set_ident(const char *ident)
{
        log_ident = ident;
}

_printf_(2, 0)
static void log_va(int priority, const char *fmt, va_list ap)
{
        char line[2048];

        if (priority > log_max_priority)
                return;
        vsnprintf(line, sizeof(line), fmt, ap);
        if (log_to_journal)
                fprintf(stderr, "<%d>%s: %s\n", priority, log_ident, line);
        else
                fprintf(stderr, "%s: %s\n", log_ident, line);
}

void log_full(int priority, const char *fmt, ...)
{
        va_list ap;
        int saved = errno;

        va_start(ap, fmt);
        log_va(priority, fmt, ap);
        va_end(ap);
        errno = saved;
}

int log_error_errno(int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(LOG_ERR, fmt, ap);
        va_end(ap);
        return r;
}
