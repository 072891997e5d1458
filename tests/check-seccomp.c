/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-seccomp.c - the filters the build compiled (seccomp-gen) and
 * their loader (daemon/shared/seccomp.c): each filter compares with the
 * pid marker exactly once, the loader refuses a program that does not,
 * and a loaded filter lets the process signal itself, and only itself,
 * and kills it on a call it does not allow.
 */
#include "config.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/shared/seccomp.h"
#include "tests/check-suites.h"

static const struct {
        const char *name;
        const struct seccomp_filter *filter;
} filters[] = {
        { "opener", &seccomp_filter_opener },
        { "broker", &seccomp_filter_broker },
        { "broker_reconnect", &seccomp_filter_broker_reconnect },
        { "compiler", &seccomp_filter_compiler },
};

/* What a valgrind'ed process would do under a filter is valgrind's own
 * calls, which none allows. */
static bool under_valgrind(void)
{
        const char *p = getenv("LD_PRELOAD");

        return p && strstr(p, "vgpreload");
}

/* Each filter: a program the kernel takes, that checks the architecture
 * first and compares with the marker once. */
START_TEST(test_filter_shape)
{
        const struct seccomp_filter *f = filters[_i].filter;
        static struct sock_filter copy[BPF_MAXINSNS];

        ck_assert_msg(f->n > 0 && f->n <= BPF_MAXINSNS, "%s: %zu instructions", filters[_i].name,
                      f->n);
        ck_assert_uint_eq(f->filter[0].code, BPF_LD | BPF_W | BPF_ABS);
        ck_assert_uint_eq(f->filter[0].k, 4);      /* offsetof(struct seccomp_data, arch) */
        /* The marker once, and the pid where it was. */
        memcpy(copy, f->filter, f->n * sizeof(*copy));
        ck_assert_uint_eq(seccomp_self_pid_set(copy, f->n, 42), 1);
        ck_assert_uint_eq(seccomp_self_pid_set(copy, f->n, 42), 0);
        ck_assert_uint_eq(f->filter[f->n - 1].code & BPF_CLASS(0xff), BPF_RET);
}
END_TEST

/* The broker's second filter is its first and connect(): longer. */
START_TEST(test_reconnect_adds)
{
        ck_assert_uint_gt(seccomp_filter_broker_reconnect.n, seccomp_filter_broker.n);
}
END_TEST

/* Programs without the marker, or with it twice, are refused before
 * anything is loaded. */
START_TEST(test_refused)
{
        const struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        const struct sock_filter self = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_SELF_PID, 0, 0);
        const struct sock_filter none[] = { allow }, twice[] = { self, self, allow };
        struct seccomp_filter f;

        f = (struct seccomp_filter) { none, 0 };
        ck_assert_int_eq(seccomp_lock(&f), -EINVAL);
        f = (struct seccomp_filter) { none, ELEMENTSOF(none) };
        ck_assert_int_eq(seccomp_lock(&f), -EINVAL);
        f = (struct seccomp_filter) { twice, ELEMENTSOF(twice) };
        ck_assert_int_eq(seccomp_lock(&f), -EINVAL);
        f = (struct seccomp_filter) { none, BPF_MAXINSNS + 1 };
        ck_assert_int_eq(seccomp_lock(&f), -EINVAL);
}
END_TEST

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
        got_signal = sig;
}

enum probe {
        PROBE_SELF,             /* raise(): allowed, and the handler runs */
        PROBE_PARENT,           /* tgkill() to the parent: killed */
        PROBE_MKDIR,            /* a call no filter allows: killed */
};

/* The exit status of a child that loads filter f and then does probe. */
static int run_probe(const struct seccomp_filter *f, enum probe probe)
{
        pid_t parent = getpid(), pid;
        int status;

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct sigaction sa = { .sa_handler = on_signal };

                if (sigaction(SIGUSR1, &sa, NULL) < 0 || seccomp_lock(f) < 0)
                        _exit(10);
                switch (probe) {
                case PROBE_SELF:
                        raise(SIGUSR1);
                        _exit(got_signal == SIGUSR1 ? 0 : 11);
                case PROBE_PARENT:
                        syscall(SYS_tgkill, parent, parent, 0);
                        _exit(12);
                case PROBE_MKDIR:
                        (void)mkdir("/nonexistent/seccomp-probe", 0700);
                        _exit(13);
                }
                _exit(14);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return status;
}

START_TEST(test_loaded)
{
        const struct seccomp_filter *f = filters[_i].filter;
        int status;

        if (under_valgrind())
                return;
        status = run_probe(f, PROBE_SELF);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: raise() gave status 0x%x",
                      filters[_i].name, (unsigned)status);
        status = run_probe(f, PROBE_PARENT);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
                      "%s: tgkill() to the parent gave status 0x%x", filters[_i].name,
                      (unsigned)status);
        status = run_probe(f, PROBE_MKDIR);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
                      "%s: mkdir() gave status 0x%x", filters[_i].name, (unsigned)status);
}
END_TEST

Suite *make_seccomp_suite(void)
{
        Suite *s = suite_create("seccomp");
        TCase *tc = tcase_create("filters");

        tcase_add_loop_test(tc, test_filter_shape, 0, (int)ELEMENTSOF(filters));
        tcase_add_test(tc, test_reconnect_adds);
        tcase_add_test(tc, test_refused);
        tcase_add_loop_test(tc, test_loaded, 0, (int)ELEMENTSOF(filters));
        suite_add_tcase(s, tc);
        return s;
}
