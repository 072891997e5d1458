/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util.h - small helpers shared by every part of sockbroker: scoped
 * cleanup, errno plumbing and array sizes. Header-only, no I/O.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define sizeof_field(type, field) sizeof(((type *)0)->field)

#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

static inline void freep(void *p)
{
        free(*(void **)p);
}

/* Closes an fd and keeps errno, so it can be used on error paths. */
static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void)close(fd);
                errno = saved;
        }
        return -1;
}

static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Defines fooptr_free(), usable with _cleanup_(), for "foo *foo_free(foo *)". */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p)                     \
        {                                                       \
                if (*p)                                         \
                        *p = func(*p);                          \
        }

/* Takes ownership out of a cleanup-marked local: "*ret = TAKE_PTR(x);". */
#define TAKE_PTR(p)                                             \
        ({                                                      \
                __typeof__(p) _p_ = (p);                        \
                (p) = NULL;                                     \
                _p_;                                            \
        })

#define TAKE_FD(fd)                                             \
        ({                                                      \
                int _fd_ = (fd);                                \
                (fd) = -1;                                      \
                _fd_;                                           \
        })

/* Returns -errno, never 0, even when errno was not set by a broken callee. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

static inline const char *strna(const char *s)
{
        return s ? s : "n/a";
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

static inline void *mfree(void *p)
{
        free(p);
        return NULL;
}

/* The value of a hexadecimal digit, or -1. */
static inline int unhexchar(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Writes the reason for a refusal into why (if not NULL) and returns r,
 * the refusal's negative errno: "return refuse(-EINVAL, why, n, ...);". */
_printf_(4, 5)
static inline int refuse(int r, char *why, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (why && size > 0) {
                va_start(ap, fmt);
                vsnprintf(why, size, fmt, ap);
                va_end(ap);
        }
        return r;
}
