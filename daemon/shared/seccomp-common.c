/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-common.c - the system calls every process of the daemon makes,
 * whatever its loop; seccomp-gen adds them to each filter.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "common/util.h"
#include "daemon/shared/seccomp-allow.h"

/*
 * What every process of ours does, whatever its loop: manage memory,
 * take locks, block signals, log to stderr, read the clocks, set the
 * flags of its descriptors, and end.
 * Memory may be writable or executable, never both at once, and
 * mprotect() may not make anything executable: code that was written is
 * never run (what systemd calls MemoryDenyWriteExecute=).
 */
const struct seccomp_allow seccomp_common[] = {
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
const size_t seccomp_common_n = ELEMENTSOF(seccomp_common);

#if SB_SANITIZED
/*
 * The sanitizers' runtimes, which report an error (write, read their
 * own maps, symbolize) and end with abort(). Only in a build with
 * --enable-asan or --enable-ubsan, never in one that is installed.
 */
const struct seccomp_allow seccomp_sanitizer[] = {
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
const size_t seccomp_sanitizer_n = ELEMENTSOF(seccomp_sanitizer);
#endif
