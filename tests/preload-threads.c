/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * preload-threads - an unmodified program for tests/integration/preload.sh:
 * it calls socket() the plain libc way, from threads, forked children and
 * signal handlers, and checks what it gets, while `sockbroker run` puts
 * the preload shim between it and the kernel. It knows nothing of
 * sockbroker; every socket it asks for is a raw ICMP socket, which the
 * kernel refuses to uid 65534 and the test's policy allows.
 *
 *   threads N M       N threads at once, M sockets each
 *   fork N            N children, forked while two threads keep asking
 *   signal N          N sockets from SIGALRM handlers that interrupt a
 *                     malloc()/free() loop; run it with
 *                     GLIBC_TUNABLES=glibc.malloc.tcache_count=0, so that
 *                     every malloc() locks, and a broker call that
 *                     allocated would hang
 *   once [deny-unix]  one socket; with deny-unix under a seccomp filter
 *                     that refuses AF_UNIX sockets, so the shim cannot
 *                     reach the broker
 *   exec-check        two sockets, one close-on-exec; then exec list-fds
 *   list-fds          print the open descriptors
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

/* Asks for a raw ICMP socket with the given flags and checks that what
 * came back is one, with exactly those flags. Returns 0, or the errno of
 * the failure (or -1 for a socket that is not what was asked for). */
static int get_checked(int flags, bool keep, int *ret_fd)
{
        int fd, v, fdflags, flflags;
        socklen_t len = sizeof(v);

        fd = socket(AF_INET, SOCK_RAW | flags, IPPROTO_ICMP);
        if (fd < 0)
                return errno;
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) < 0 || v != IPPROTO_ICMP)
                goto bad;
        fdflags = fcntl(fd, F_GETFD);
        flflags = fcntl(fd, F_GETFL);
        if (fdflags < 0 || flflags < 0)
                goto bad;
        if (!!(fdflags & FD_CLOEXEC) != !!(flags & SOCK_CLOEXEC) ||
            !!(flflags & O_NONBLOCK) != !!(flags & SOCK_NONBLOCK))
                goto bad;
        if (keep)
                *ret_fd = fd;
        else
                close(fd);
        return 0;
bad:
        close(fd);
        return -1;
}

static const int flag_sets[] = { 0, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC | SOCK_NONBLOCK };

/* ---- threads --------------------------------------------------------------- */

struct worker {
        pthread_t thread;
        unsigned n;
        unsigned granted, refused, wrong;
        int last_errno;
};

static pthread_barrier_t start;

static void *worker_main(void *arg)
{
        struct worker *w = arg;

        pthread_barrier_wait(&start);
        for (unsigned i = 0; i < w->n; i++) {
                int r = get_checked(flag_sets[i % 4], false, NULL);

                if (r == 0)
                        w->granted++;
                else if (r < 0)
                        w->wrong++;
                else {
                        w->refused++;
                        w->last_errno = r;
                }
        }
        return NULL;
}

static int cmd_threads(unsigned n_threads, unsigned per_thread)
{
        struct worker w[MAX_THREADS] = {};
        unsigned granted = 0, refused = 0, wrong = 0;
        int last_errno = 0;

        if (n_threads == 0 || n_threads > MAX_THREADS)
                return 2;
        pthread_barrier_init(&start, NULL, n_threads);
        for (unsigned i = 0; i < n_threads; i++) {
                w[i].n = per_thread;
                if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
                        return 1;
        }
        for (unsigned i = 0; i < n_threads; i++) {
                pthread_join(w[i].thread, NULL);
                granted += w[i].granted;
                refused += w[i].refused;
                wrong += w[i].wrong;
                if (w[i].refused)
                        last_errno = w[i].last_errno;
        }
        printf("threads: %u granted, %u refused (last errno %d), %u with wrong flags or protocol\n",
               granted, refused, last_errno, wrong);
        return granted == n_threads * per_thread ? 0 : 1;
}

/* ---- fork -------------------------------------------------------------------- */

static volatile bool stop_busy;

static void *busy_main(void *arg)
{
        unsigned *granted = arg;

        while (!__atomic_load_n(&stop_busy, __ATOMIC_RELAXED))
                if (get_checked(SOCK_CLOEXEC, false, NULL) == 0)
                        (*granted)++;
        return NULL;
}

static int cmd_fork(unsigned n)
{
        pthread_t busy[2];
        unsigned busy_granted[2] = {}, ok = 0;

        for (unsigned i = 0; i < 2; i++)
                if (pthread_create(&busy[i], NULL, busy_main, &busy_granted[i]) != 0)
                        return 1;

        for (unsigned i = 0; i < n; i++) {
                int status;
                pid_t pid = fork();

                if (pid < 0)
                        return 1;
                if (pid == 0)
                        /* A child of a threaded process: only async-signal-safe
                         * functions from here to _exit(), socket() among them. */
                        _exit(get_checked(flag_sets[i % 4], false, NULL) == 0 ? 0 : 1);
                if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                        ok++;
        }

        __atomic_store_n(&stop_busy, true, __ATOMIC_RELAXED);
        for (unsigned i = 0; i < 2; i++)
                pthread_join(busy[i], NULL);
        printf("fork: %u of %u children granted; meanwhile the threads got %u\n",
               ok, n, busy_granted[0] + busy_granted[1]);
        return ok == n && busy_granted[0] + busy_granted[1] > 0 ? 0 : 1;
}

/* ---- signal handlers ------------------------------------------------------------ */

static volatile sig_atomic_t sig_granted, sig_refused, sig_wrong;

static void on_alarm(int sig)
{
        int saved = errno, r;

        /* Interrupting malloc() or free() below, now and then: a broker
         * call that allocated would deadlock here. */
        r = get_checked(flag_sets[(sig_granted + sig_refused) % 4], false, NULL);
        if (r == 0)
                sig_granted++;
        else if (r < 0)
                sig_wrong++;
        else
                sig_refused++;
        errno = saved;
}

static void *idle_main(void *arg)
{
        for (;;)
                pause();
        return NULL;
}

static int cmd_signal(unsigned n)
{
        struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
        struct itimerval it = { .it_interval = { 0, 2000 }, .it_value = { 0, 2000 } };
        unsigned long rounds = 0;
        void *blocks[64] = {};
        unsigned seed = 1;
        sigset_t alrm;
        pthread_t idle;

        /* A second thread, which never takes the signal, makes malloc()
         * lock its arena: glibc skips the lock in single-threaded
         * processes, where re-entering it corrupts instead of hanging. */
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        pthread_sigmask(SIG_BLOCK, &alrm, NULL);
        if (pthread_create(&idle, NULL, idle_main, NULL) != 0)
                return 1;
        pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);

        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
                return 1;

        while ((unsigned)sig_granted < n && sig_refused == 0 && sig_wrong == 0) {
                unsigned k = (seed = seed * 1103515245u + 12345u) >> 16;
                int fd;

                free(blocks[k % 64]);
                blocks[k % 64] = malloc(16 + k % 4096);
                /* And a socket the kernel grants: the direct path. */
                if ((k & 7) == 0) {
                        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                        if (fd < 0)
                                return 1;
                        close(fd);
                }
                rounds++;
        }

        it = (struct itimerval) {};
        setitimer(ITIMER_REAL, &it, NULL);
        for (unsigned i = 0; i < 64; i++)
                free(blocks[i]);
        printf("signal: %d granted in handlers, %d refused, %d wrong, over %lu malloc/free rounds\n",
               (int)sig_granted, (int)sig_refused, (int)sig_wrong, rounds);
        return sig_refused == 0 && sig_wrong == 0 ? 0 : 1;
}

/* ---- one call, optionally with AF_UNIX refused ------------------------------------- */

/* seccomp: socket(AF_UNIX, ...) fails with EPERM; everything else runs. */
static int deny_unix_sockets(void)
{
        struct sock_filter code[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -1;
        return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int cmd_once(bool deny_unix)
{
        int fd;

        if (deny_unix && deny_unix_sockets() < 0) {
                perror("seccomp");
                return 1;
        }
        fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        if (fd < 0) {
                printf("once: refused errno=%d (%s)\n", errno, strerror(errno));
                return 1;
        }
        printf("once: granted fd=%d\n", fd);
        close(fd);
        return 0;
}

/* ---- descriptors across exec -------------------------------------------------- */

/* Fills set[fd] for each open descriptor; returns how many. */
static int open_fds(bool *set, int max)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (!d)
                return -1;
        while ((e = readdir(d))) {
                int fd = atoi(e->d_name);

                if (e->d_name[0] == '.' || fd == dirfd(d) || fd >= max)
                        continue;
                set[fd] = true;
                n++;
        }
        closedir(d);
        return n;
}

static void describe_fd(int fd, char *buf, size_t size)
{
        char path[64], target[256] = "";
        int domain = -1, type = -1;
        socklen_t len = sizeof(int);
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, target, sizeof(target) - 1);
        if (n > 0)
                target[n] = 0;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0) {
                len = sizeof(int);
                getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
                snprintf(buf, size, "fd %d: socket domain=%s type=%d cloexec=%d", fd,
                         domain == AF_INET ? "inet" : domain == AF_UNIX ? "unix" :
                         domain == AF_PACKET ? "packet" : "other", type,
                         (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? 1 : 0);
        } else {
                snprintf(buf, size, "fd %d: %s", fd, target);
        }
}

static int cmd_list_fds(void)
{
        bool set[1024] = {};
        char line[300];

        if (open_fds(set, 1024) < 0)
                return 1;
        for (int fd = 0; fd < 1024; fd++)
                if (set[fd]) {
                        describe_fd(fd, line, sizeof(line));
                        printf("%s\n", line);
                }
        return 0;
}

static int cmd_exec_check(const char *self)
{
        bool before[1024] = {}, after[1024] = {};
        int a = -1, b = -1, r, extra = 0, lowest;
        char line[300];

        if (open_fds(before, 1024) < 0)
                return 1;
        /* What the kernel would have returned: the lowest free number. */
        lowest = fcntl(0, F_DUPFD, 0);
        if (lowest < 0)
                return 1;
        close(lowest);
        r = get_checked(0, true, &a);
        if (r == 0)
                r = get_checked(SOCK_CLOEXEC, true, &b);
        if (r != 0) {
                printf("exec-check: a brokered socket was refused or wrong (%d)\n", r);
                return 1;
        }
        if (open_fds(after, 1024) < 0)
                return 1;
        for (int fd = 0; fd < 1024; fd++)
                if (after[fd] && !before[fd] && fd != a && fd != b) {
                        describe_fd(fd, line, sizeof(line));
                        printf("exec-check: left open by the broker call: %s\n", line);
                        extra++;
                }
        printf("exec-check: granted fd %d (inheritable; lowest free was %d) and fd %d "
               "(close-on-exec); %d other new descriptor(s)\n", a, lowest, b, extra);
        fflush(stdout);
        if (extra || a != lowest)
                return 1;
        execl(self, self, "list-fds", (char *)NULL);
        perror("exec");
        return 1;
}

int main(int argc, char **argv)
{
        const char *cmd = argc > 1 ? argv[1] : "";

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (strcmp(cmd, "threads") == 0 && argc == 4)
                return cmd_threads((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]));
        if (strcmp(cmd, "fork") == 0 && argc == 3)
                return cmd_fork((unsigned)atoi(argv[2]));
        if (strcmp(cmd, "signal") == 0 && argc == 3)
                return cmd_signal((unsigned)atoi(argv[2]));
        if (strcmp(cmd, "once") == 0 && (argc == 2 || (argc == 3 && strcmp(argv[2], "deny-unix") == 0)))
                return cmd_once(argc == 3);
        if (strcmp(cmd, "exec-check") == 0 && argc == 2)
                return cmd_exec_check("/proc/self/exe");
        if (strcmp(cmd, "list-fds") == 0 && argc == 2)
                return cmd_list_fds();
        fprintf(stderr, "usage: preload-threads threads N M | fork N | signal N | once [deny-unix] "
                "| exec-check | list-fds\n");
        return 2;
}
