/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp.c - loads the allowlist of a half of sockbrokerd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/shared/seccomp.h"

/*
 * What every process of ours does, whatever its loop: manage memory,
 * take locks, block signals, log to stderr, read the clocks, set the
 * flags of its descriptors, and end.
 * Memory may be writable or executable, never both at once, and
 * mprotect() may not make anything executable: code that was written is
 * never run (what systemd calls MemoryDenyWriteExecute=).
 */
static const struct seccomp_allow seccomp_common[] = {
        SECCOMP_ALLOW(brk),
        SECCOMP_ALLOW_CLEAR(mmap, 2, PROT_EXEC),
        SECCOMP_ALLOW_CLEAR(mmap, 2, PROT_WRITE),
        SECCOMP_ALLOW_CLEAR(mprotect, 2, PROT_EXEC),
        SECCOMP_ALLOW(munmap),
        SECCOMP_ALLOW(mremap),
        SECCOMP_ALLOW(madvise),
        SECCOMP_ALLOW(futex),
        SECCOMP_ALLOW(rt_sigprocmask),
        SECCOMP_ALLOW(rt_sigreturn),
        SECCOMP_ALLOW(restart_syscall),
        SECCOMP_ALLOW(getpid),
        SECCOMP_ALLOW(gettid),
        SECCOMP_ALLOW(getuid),
        SECCOMP_ALLOW(geteuid),
        SECCOMP_ALLOW(getgid),
        SECCOMP_ALLOW(getegid),
        SECCOMP_ALLOW(getrandom),
        SECCOMP_ALLOW(clock_gettime),
        SECCOMP_ALLOW(gettimeofday),
        SECCOMP_ALLOW(write),
        SECCOMP_ALLOW(writev),
        SECCOMP_ALLOW(close),
        /* Descriptor flags: close-on-exec and non-blocking, read and set,
         * and a close-on-exec copy. A process allows another fcntl()
         * command (the seals of a memfd) in its own list. */
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_GETFD),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_SETFD),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_GETFL),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_SETFL),
        SECCOMP_ALLOW_EQ32(fcntl, 1, F_DUPFD_CLOEXEC),
        SECCOMP_ALLOW(exit),
        SECCOMP_ALLOW(exit_group),
        /* abort(): SIGABRT to itself, then the default action. */
        SECCOMP_ALLOW(rt_sigaction),
};

#if SB_SANITIZED
static bool seccomp_locked;

/*
 * LeakSanitizer's check at exit stops the world from a thread it makes
 * with clone() and ptrace()s, which no filter here allows: in a locked
 * process it would die by SIGSYS instead of exiting. The runtime asks
 * this hook first (so it must be visible to the runtime's library);
 * leaks are checked under valgrind instead. Test programs that link
 * this file but lock nothing keep the check.
 */
__attribute__((visibility("default"))) int __lsan_is_turned_off(void);
__attribute__((visibility("default"))) int __lsan_is_turned_off(void)
{
        return seccomp_locked;
}

/*
 * The sanitizers' runtimes, which report an error (write, read their
 * own maps, symbolize) and end with abort(). Only in a build with
 * --enable-asan or --enable-ubsan, never in one that is installed.
 */
static const struct seccomp_allow seccomp_sanitizer[] = {
        SECCOMP_ALLOW(sigaltstack),
        SECCOMP_ALLOW(sched_yield),
        SECCOMP_ALLOW(openat),
        SECCOMP_ALLOW(open),
        SECCOMP_ALLOW(read),
        SECCOMP_ALLOW(pread64),
        SECCOMP_ALLOW(readlink),
        SECCOMP_ALLOW(readlinkat),
        SECCOMP_ALLOW(fstat),
        SECCOMP_ALLOW(newfstatat),
        SECCOMP_ALLOW(lseek),
        SECCOMP_ALLOW(getdents64),
        SECCOMP_ALLOW(prctl),
        SECCOMP_ALLOW(getppid),
        SECCOMP_ALLOW(uname),
        SECCOMP_ALLOW(prlimit64),
        SECCOMP_ALLOW(getrlimit),
        SECCOMP_ALLOW(nanosleep),
        SECCOMP_ALLOW(clock_nanosleep),
};
#endif

static int allow_add(scmp_filter_ctx ctx, const struct seccomp_allow *a)
{
        uint32_t action = a->errno_instead ? SCMP_ACT_ERRNO((uint32_t)a->errno_instead)
                                           : SCMP_ACT_ALLOW;
        int r;

        /* A call this architecture does not have: nothing to allow. */
        if (a->nr < 0)
                return 0;
        r = seccomp_rule_add_array(ctx, action, a->nr, a->n_args, a->args);
        /* libseccomp refuses a second rule with no arguments for a call
         * it already allows unconditionally; that is no error here. */
        return r == -EEXIST ? 0 : r;
}

static int allow_add_all(scmp_filter_ctx ctx, const struct seccomp_allow *a, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = allow_add(ctx, &a[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

int seccomp_lock(const struct seccomp_allow *allow, size_t n)
{
        /* Signals to itself only: raise() and abort() send with tgkill(). */
        const struct seccomp_allow self[] = {
                SECCOMP_ALLOW_EQ(tgkill, 0, getpid()),
        };
        scmp_filter_ctx ctx;
        int r;

#ifdef SECCOMP_DISCOVER
        ctx = seccomp_init(SCMP_ACT_LOG);
#else
        ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
#endif
        if (!ctx)
                return -ENOMEM;
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
        /* Every thread, also one started before the filter (closer.h). */
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
        if (r >= 0)
                r = allow_add_all(ctx, seccomp_common, ELEMENTSOF(seccomp_common));
        if (r >= 0)
                r = allow_add_all(ctx, self, ELEMENTSOF(self));
#if SB_SANITIZED
        if (r >= 0)
                r = allow_add_all(ctx, seccomp_sanitizer, ELEMENTSOF(seccomp_sanitizer));
#endif
        if (r >= 0)
                r = allow_add_all(ctx, allow, n);
        if (r >= 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        /* Building the filter took more of the heap than the process
         * uses from here on: give the pages it freed back. */
        malloc_trim(0);
#if SB_SANITIZED
        if (r >= 0)
                seccomp_locked = true;
#endif
        return r < 0 ? r : 0;
}
