/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h - daemon logging to stderr.
 *
 * Under systemd stderr is the journal and lines carry a "<N>" priority
 * prefix; on a terminal they carry the program name. Only the daemon
 * logs, and it logs at the top of a call chain, once, with context.
 */
#pragma once

#include <syslog.h>

#include "common/util.h"

void log_init(const char *ident);
void log_set_ident(const char *ident);
_printf_(2, 3) void log_full(int priority, const char *fmt, ...);
/* Logs and returns r (a negative errno), for "return log_error_errno(r, ...)". */
_printf_(2, 3) int log_error_errno(int r, const char *fmt, ...);

#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
