/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp.c - loads the filter the build compiled for a process.
 */
#include "config.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/shared/seccomp.h"

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
#endif

size_t seccomp_self_pid_set(struct sock_filter *code, size_t n, uint32_t pid)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                if (code[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && code[i].k == SECCOMP_SELF_PID) {
                        code[i].k = pid;
                        k++;
                }
        return k;
}

int seccomp_lock(const struct seccomp_filter *f)
{
        _cleanup_free_ struct sock_filter *code = NULL;
        struct sock_fprog prog;
        long r;

        if (f->n == 0 || f->n > BPF_MAXINSNS)
                return -EINVAL;
        code = malloc(f->n * sizeof(*code));
        if (!code)
                return -ENOMEM;
        memcpy(code, f->filter, f->n * sizeof(*code));
        if (seccomp_self_pid_set(code, f->n, (uint32_t)getpid()) != 1)
                return -EINVAL;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        /* Every thread, also one started before the filter (closer.h);
         * a positive answer is a thread that could not take it. */
        prog = (struct sock_fprog) { .len = (unsigned short)f->n, .filter = code };
        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
        if (r < 0)
                return negative_errno();
        if (r > 0)
                return -EBUSY;
#if SB_SANITIZED
        seccomp_locked = true;
#endif
        return 0;
}
