/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c - sockbrokerd: command line, listening socket, and the split
 * into the privileged opener and the unprivileged broker.
 *
 * sockbrokerd starts as root. Before it reads a byte from any client it
 * forks: the child becomes the opener (opener.c), which keeps uid 0 and
 * only the capabilities the policy needs; the parent becomes the broker
 * (broker.c), which switches to the sockbroker user with no capabilities
 * at all, no_new_privs and an empty bounding set, and runs the event
 * loop. The parent stays the main process, so systemd's notifications,
 * watchdog and signals all concern the process that serves.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <fcntl.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "common/names.h"
#include "common/util.h"
#include "daemon/broker/broker.h"
#include "daemon/shared/child-env.h"
#include "daemon/shared/listen.h"
#include "daemon/shared/log.h"
#include "daemon/shared/opener-proto.h"
#include "daemon/shared/privileges.h"
#include "policy/policy.h"

#define DEFAULT_SOCKET "/run/sockbroker/sockbroker.sock"
/* A broker run alone tries to reach its opener for 10 s. */
#define OPENER_CONNECT_TRIES 100

struct options {
        const char *policy_path;
        const char *policy_dir;
        const char *socket_path;
        mode_t socket_mode;
        const char *user;
        bool user_given;
        const char *opener_user;
        struct broker_limits limits;
        unsigned hci_timeout_ms;
        bool opener_only;          /* --opener: run the opener alone */
        const char *opener_socket; /* --opener-socket: where the two halves meet */
};

static void help(void)
{
        printf("Usage: sockbrokerd [OPTION...]\n"
               "Create raw, packet, CAN and Bluetooth sockets as a policy allows and\n"
               "hand them to unprivileged clients.\n\n"
               "  -p, --policy=FILE              policy file (default %s)\n"
               "  -d, --policy-dir=DIR           drop-in directory (default %s)\n"
               "  -s, --socket=PATH              listening socket when not socket-activated\n"
               "                                 (default %s)\n"
               "      --socket-mode=MODE         its mode, octal (default 0666)\n"
               "  -u, --user=NAME                user the broker runs as (default %s,\n"
               "                                 falling back to nobody)\n"
               "      --opener-user=NAME         user the opener runs as (default %s)\n"
               "      --max-connections=N        client connections (default %u)\n"
               "      --max-connections-per-uid=N  per user (default %u)\n"
               "      --max-pending=N            requests in flight per connection (default %u)\n"
               "      --max-inflight=N           requests in flight in all (default %u)\n"
               "      --max-inflight-per-uid=N   of those, one user's (default %u)\n"
               "      --idle-timeout=SECONDS     close quiet connections (default %u)\n"
               "      --opener-timeout=SECONDS   give up on an opener that does not answer\n"
               "                                 the oldest request (default %u)\n"
               "      --log-rate=N               denial records per second, burst 5N (default %u)\n"
               "      --max-grants=N             grants recorded for 'sockbroker list'\n"
               "                                 (default %u, at most %u)\n"
               "      --hci-timeout=MS           wait for a controller's answer to an HCI\n"
               "                                 command (default %u)\n"
               "      --opener-socket=PATH       run the broker alone and reach the opener\n"
               "                                 at PATH; with --opener, where it listens\n"
               "                                 when not socket-activated\n"
               "      --opener                   run the opener alone, serving the broker's\n"
               "                                 user on its socket\n"
               "  -h, --help                     show this help\n"
               "      --version                  show the version\n\n"
               "Exit status: 0 on a clean stop, 1 on a runtime or policy error,\n"
               "2 on a bad command line, 4 when the opener died or stopped answering.\n"
               "See sockbrokerd(8).\n",
               POLICY_DEFAULT_PATH, POLICY_DEFAULT_DROPIN_DIR, DEFAULT_SOCKET, SOCKBROKER_USER,
               SOCKBROKER_OPENER_USER,
               BROKER_LIMITS_DEFAULT.max_connections, BROKER_LIMITS_DEFAULT.max_connections_per_uid,
               BROKER_LIMITS_DEFAULT.max_pending, BROKER_LIMITS_DEFAULT.max_inflight,
               BROKER_LIMITS_DEFAULT.max_inflight_per_uid,
               BROKER_LIMITS_DEFAULT.idle_timeout_sec, BROKER_LIMITS_DEFAULT.opener_timeout_sec,
               BROKER_LIMITS_DEFAULT.log_rate,
               BROKER_LIMITS_DEFAULT.max_grants, BROKER_MAX_GRANTS,
               OPENER_HCI_TIMEOUT_MS_DEFAULT);
}

static int parse_limit(const char *opt, const char *s, unsigned *ret)
{
        uint64_t v;

        if (names_parse_uint(s, 1000000, &v) < 0 || v == 0) {
                fprintf(stderr, "sockbrokerd: --%s: '%s' is not a number from 1 to 1000000\n", opt, s);
                return -EINVAL;
        }
        *ret = (unsigned)v;
        return 0;
}

/* Returns 0 to go on, 1 to exit successfully, or a negative errno. */
static int parse_argv(int argc, char **argv, struct options *o)
{
        enum {
                ARG_SOCKET_MODE = 0x100,
                ARG_MAX_CONNECTIONS,
                ARG_MAX_PER_UID,
                ARG_MAX_PENDING,
                ARG_MAX_INFLIGHT,
                ARG_MAX_INFLIGHT_PER_UID,
                ARG_IDLE_TIMEOUT,
                ARG_OPENER_TIMEOUT,
                ARG_LOG_RATE,
                ARG_MAX_GRANTS,
                ARG_HCI_TIMEOUT,
                ARG_OPENER,
                ARG_OPENER_USER,
                ARG_OPENER_SOCKET,
                ARG_VERSION,
        };
        static const struct option longopts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "policy-dir", required_argument, NULL, 'd' },
                { "socket", required_argument, NULL, 's' },
                { "socket-mode", required_argument, NULL, ARG_SOCKET_MODE },
                { "user", required_argument, NULL, 'u' },
                { "max-connections", required_argument, NULL, ARG_MAX_CONNECTIONS },
                { "max-connections-per-uid", required_argument, NULL, ARG_MAX_PER_UID },
                { "max-pending", required_argument, NULL, ARG_MAX_PENDING },
                { "max-inflight", required_argument, NULL, ARG_MAX_INFLIGHT },
                { "max-inflight-per-uid", required_argument, NULL, ARG_MAX_INFLIGHT_PER_UID },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                { "opener-timeout", required_argument, NULL, ARG_OPENER_TIMEOUT },
                { "log-rate", required_argument, NULL, ARG_LOG_RATE },
                { "max-grants", required_argument, NULL, ARG_MAX_GRANTS },
                { "hci-timeout", required_argument, NULL, ARG_HCI_TIMEOUT },
                { "opener", no_argument, NULL, ARG_OPENER },
                { "opener-user", required_argument, NULL, ARG_OPENER_USER },
                { "opener-socket", required_argument, NULL, ARG_OPENER_SOCKET },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "p:d:s:u:h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        o->policy_path = optarg;
                        break;
                case 'd':
                        o->policy_dir = optarg;
                        break;
                case 's':
                        if (strlen(optarg) >= sizeof(((struct sockaddr_un *)NULL)->sun_path) ||
                            optarg[0] != '/') {
                                fprintf(stderr, "sockbrokerd: --socket: '%s' is not an absolute "
                                                "path of at most 107 bytes\n", optarg);
                                return -EINVAL;
                        }
                        o->socket_path = optarg;
                        break;
                case ARG_SOCKET_MODE: {
                        char *end;
                        unsigned long m;

                        errno = 0;
                        m = strtoul(optarg, &end, 8);
                        if (errno || *end || end == optarg || m > 0777) {
                                fprintf(stderr, "sockbrokerd: --socket-mode: '%s' is not an octal "
                                                "mode up to 0777\n", optarg);
                                return -EINVAL;
                        }
                        o->socket_mode = (mode_t)m;
                        break;
                }
                case 'u':
                        o->user = optarg;
                        o->user_given = true;
                        break;
                case ARG_MAX_CONNECTIONS:
                        if (parse_limit("max-connections", optarg, &o->limits.max_connections) < 0)
                                return -EINVAL;
                        break;
                case ARG_MAX_PER_UID:
                        if (parse_limit("max-connections-per-uid", optarg,
                                        &o->limits.max_connections_per_uid) < 0)
                                return -EINVAL;
                        break;
                case ARG_MAX_PENDING:
                        if (parse_limit("max-pending", optarg, &o->limits.max_pending) < 0)
                                return -EINVAL;
                        break;
                case ARG_MAX_INFLIGHT:
                        if (parse_limit("max-inflight", optarg, &o->limits.max_inflight) < 0)
                                return -EINVAL;
                        break;
                case ARG_MAX_INFLIGHT_PER_UID:
                        if (parse_limit("max-inflight-per-uid", optarg,
                                        &o->limits.max_inflight_per_uid) < 0)
                                return -EINVAL;
                        break;
                case ARG_IDLE_TIMEOUT:
                        if (parse_limit("idle-timeout", optarg, &o->limits.idle_timeout_sec) < 0)
                                return -EINVAL;
                        break;
                case ARG_OPENER_TIMEOUT:
                        if (parse_limit("opener-timeout", optarg, &o->limits.opener_timeout_sec) < 0)
                                return -EINVAL;
                        break;
                case ARG_LOG_RATE:
                        if (parse_limit("log-rate", optarg, &o->limits.log_rate) < 0)
                                return -EINVAL;
                        break;
                case ARG_MAX_GRANTS:
                        if (parse_limit("max-grants", optarg, &o->limits.max_grants) < 0)
                                return -EINVAL;
                        if (o->limits.max_grants > BROKER_MAX_GRANTS) {
                                fprintf(stderr, "sockbrokerd: --max-grants: at most %u\n",
                                        BROKER_MAX_GRANTS);
                                return -EINVAL;
                        }
                        break;
                case ARG_HCI_TIMEOUT:
                        if (parse_limit("hci-timeout", optarg, &o->hci_timeout_ms) < 0)
                                return -EINVAL;
                        break;
                case ARG_OPENER:
                        o->opener_only = true;
                        break;
                case ARG_OPENER_USER:
                        o->opener_user = optarg;
                        break;
                case ARG_OPENER_SOCKET:
                        if (optarg[0] != '/' || strlen(optarg) >= sizeof_field(struct sockaddr_un, sun_path)) {
                                fprintf(stderr, "sockbrokerd: --opener-socket: '%s' is not an absolute "
                                        "path of at most %zu bytes\n", optarg,
                                        sizeof_field(struct sockaddr_un, sun_path) - 1);
                                return -EINVAL;
                        }
                        o->opener_socket = optarg;
                        break;
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("sockbrokerd %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        fprintf(stderr, "Try 'sockbrokerd --help'.\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "sockbrokerd: unexpected argument '%s'\nTry 'sockbrokerd --help'.\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* The listening socket: the one the service manager passes, or one made
 * at path (listen_socket_at()); non-blocking for an event loop when
 * nonblock is set. */
static int listen_socket(const char *path, mode_t mode, bool nonblock, int *ret_fd)
{
        int n;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(n, "sd_listen_fds: %s", strerror(-n));
        if (n > 1)
                return log_error_errno(-EINVAL, "expected one socket from the service manager, got %d", n);
        if (n == 1) {
                if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_SEQPACKET, 1, NULL, 0) <= 0)
                        return log_error_errno(-EINVAL, "the inherited socket is not a listening "
                                                        "AF_UNIX SOCK_SEQPACKET socket");
                (void)fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
                if (nonblock)
                        (void)fcntl(SD_LISTEN_FDS_START, F_SETFL, O_NONBLOCK);
                *ret_fd = SD_LISTEN_FDS_START;
                return 0;
        }
        if (!path)
                return log_error_errno(-EINVAL, "no socket from the service manager, and no path "
                                                "to listen on");
        return listen_socket_at(path, mode, (gid_t)-1, nonblock, ret_fd);
}

/*
 * Closes every descriptor but stdin, stdout, stderr and those the service
 * manager passes: nothing the daemon's starter left open may reach the
 * opener, which keeps privileges, or the broker, which clients talk to.
 */
static int close_inherited(void)
{
        int n = sd_listen_fds(false);
        unsigned first = 3;

        if (n > 0)
                first = SD_LISTEN_FDS_START + (unsigned)n;
        if (close_range(first, ~0U, 0) < 0)
                return log_error_errno(negative_errno(), "close_range: %m");
        return 0;
}

/* The opener's socket, for a broker run alone. The opener may still be
 * starting (socket activation queues the connection; a hand-started
 * opener may not be listening yet), so it is tried for a while. */
static int connect_opener(const char *path, int *ret_fd)
{
        int fd = -ENOENT;

        for (int i = 0; i < OPENER_CONNECT_TRIES; i++) {
                fd = broker_connect_opener(path);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                if (fd != -ENOENT && fd != -ECONNREFUSED && fd != -EAGAIN)
                        break;
                (void)usleep(100 * 1000);
        }
        return log_error_errno(fd, "cannot reach the opener at %s: %s", path, strerror(-fd));
}

static int resolve_user(const struct options *o, uid_t *uid, gid_t *gid)
{
        struct passwd *pw;

        errno = 0;
        pw = getpwnam(o->user);
        if (!pw && !o->user_given) {
                log_warning("user '%s' does not exist; running the broker as 'nobody'", o->user);
                pw = getpwnam("nobody");
        }
        if (!pw)
                return log_error_errno(-ESRCH, "user '%s' does not exist", o->user);
        if (pw->pw_uid == 0)
                return log_error_errno(-EPERM, "refusing to run the broker as root ('%s')", o->user);
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
        return 0;
}

/* Whether the calling process holds no capability in any set but the
 * bounding one; -errno when it cannot tell. */
static int caps_none(void)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[2];

        if (syscall(SYS_capget, &hdr, data) < 0)
                return log_error_errno(negative_errno(), "capget: %m");
        return !(data[0].permitted || data[1].permitted || data[0].effective || data[1].effective ||
                 data[0].inheritable || data[1].inheritable);
}

/* Leaves the broker with nothing: no capabilities in any set, an empty
 * bounding set, no supplementary groups, no_new_privs, and verifies it. */
static int drop_privileges(uid_t uid, gid_t gid)
{
        int r;

        r = privileges_drop(0, uid, gid);
        if (r < 0)
                return log_error_errno(r, "cannot switch to uid %u with no capability: %s",
                                       (unsigned)uid, strerror(-r));
        r = caps_none();
        if (r < 0)
                return r;
        if (r == 0)
                return log_error_errno(-EPERM, "capabilities survived the switch to uid %u", uid);
        return 0;
}

/*
 * For a broker started without root (sockbrokerd --opener-socket, under
 * User=): nothing to switch, but nothing may be left either. Capabilities
 * it was given go, and that is verified; the bounding set stays as the
 * service manager left it (shrinking it needs CAP_SETPCAP), which
 * no_new_privs makes moot.
 */
static int drop_unprivileged(void)
{
        int r;

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return log_error_errno(negative_errno(), "PR_CAP_AMBIENT_CLEAR_ALL: %m");
        /* capset() only when there is something to drop: the broker's unit
         * filters it out with the rest of @privileged. */
        r = caps_none();
        if (r == 0) {
                r = privileges_caps_set(0);
                if (r < 0)
                        return log_error_errno(r, "capset: %s", strerror(-r));
                r = caps_none();
        }
        if (r < 0)
                return r;
        if (r == 0)
                return log_error_errno(-EPERM, "capabilities survived capset()");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(negative_errno(), "PR_SET_NO_NEW_PRIVS: %m");
        if (geteuid() == 0 || getuid() == 0)
                return log_error_errno(-EPERM, "refusing to run the broker as root");
        return 0;
}

/* Where sockbroker-opener is; $SOCKBROKER_OPENER, for a build tree's
 * tests, else where it is installed. */
static const char *opener_path(void)
{
        const char *e = getenv("SOCKBROKER_OPENER");

        return e && e[0] == '/' ? e : OPENER_PATH;
}

/*
 * Executes sockbroker-opener with what the options say of it: serving
 * fd, a socketpair end, or (fd -1) listening on its own socket. Its
 * environment is only what it reads: where the journal is, the log level
 * and a sanitizer's options. Returns only on failure.
 */
static int exec_opener(const struct options *o, int fd)
{
        /* What one on its own reads besides: it speaks to the service
         * manager. */
        static const char *const keep_alone[] = {
                "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
        };
        char fd_arg[32], timeout_arg[32], *env[CHILD_ENV_MAX];
        const char *argv[16];
        size_t n = 0;

        if (child_env(env, keep_alone, fd < 0 ? ELEMENTSOF(keep_alone) : 0) < 0)
                return log_error_errno(-ENOMEM, "out of memory");

        snprintf(timeout_arg, sizeof(timeout_arg), "--hci-timeout=%u", o->hci_timeout_ms);
        argv[n++] = "sockbroker-opener";
        argv[n++] = "--policy";
        argv[n++] = o->policy_path;
        argv[n++] = "--policy-dir";
        argv[n++] = o->policy_dir;
        argv[n++] = timeout_arg;
        argv[n++] = "--opener-user";
        argv[n++] = o->opener_user;
        if (fd >= 0) {
                snprintf(fd_arg, sizeof(fd_arg), "--fd=%d", fd);
                argv[n++] = fd_arg;
        } else {
                argv[n++] = "--user";
                argv[n++] = o->user;
                if (o->opener_socket) {
                        argv[n++] = "--socket";
                        argv[n++] = o->opener_socket;
                }
        }
        argv[n] = NULL;
        execve(opener_path(), (char **)argv, env);
        return log_error_errno(negative_errno(), "cannot execute %s: %m", opener_path());
}

/* sockbrokerd --opener-socket=PATH: the unprivileged half alone. */
static int run_broker(const struct options *o)
{
        _cleanup_close_ int listen_fd = -1, opener_fd = -1;
        uid_t uid;
        gid_t gid;

        if (broker_check_nofile(&o->limits) < 0)
                return EXIT_FAILURE;
        if (listen_socket(o->socket_path, o->socket_mode, true, &listen_fd) < 0)
                return EXIT_FAILURE;
        if (geteuid() == 0) {
                if (resolve_user(o, &uid, &gid) < 0 || drop_privileges(uid, gid) < 0)
                        return EXIT_FAILURE;
        } else if (drop_unprivileged() < 0) {
                return EXIT_FAILURE;
        }
        /* As the broker's user, which the opener checks: each next
         * connection is made as that user too. */
        if (connect_opener(o->opener_socket, &opener_fd) < 0)
                return EXIT_FAILURE;
        log_set_ident("sockbrokerd[broker]");
        return broker_main(TAKE_FD(listen_fd), TAKE_FD(opener_fd), 0, o->opener_socket, &o->limits);
}

int main(int argc, char **argv)
{
        struct options o = {
                .policy_path = POLICY_DEFAULT_PATH,
                .policy_dir = POLICY_DEFAULT_DROPIN_DIR,
                .socket_path = DEFAULT_SOCKET,
                .socket_mode = 0666,
                .user = SOCKBROKER_USER,
                .opener_user = SOCKBROKER_OPENER_USER,
                .limits = BROKER_LIMITS_DEFAULT,
                .hci_timeout_ms = OPENER_HCI_TIMEOUT_MS_DEFAULT,
        };
        _cleanup_close_ int listen_fd = -1;
        int pair[2];
        uid_t uid = 0;
        gid_t gid = 0;
        pid_t pid;
        int r;

        log_init("sockbrokerd");
        if (close_inherited() < 0)
                return EXIT_FAILURE;
        r = parse_argv(argc, argv, &o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : 2;
        if (o.opener_only) {
                /* sockbrokerd --opener: the privileged half alone. */
                (void)exec_opener(&o, -1);
                return EXIT_FAILURE;
        }
        if (o.opener_socket)
                return run_broker(&o);

        if (geteuid() != 0) {
                log_error("must be started as root: the opener needs privileges to drop "
                          "(see sockbrokerd(8))");
                return EXIT_FAILURE;
        }
        if (resolve_user(&o, &uid, &gid) < 0)
                return EXIT_FAILURE;
        if (broker_check_nofile(&o.limits) < 0)
                return EXIT_FAILURE;
        if (listen_socket(o.socket_path, o.socket_mode, true, &listen_fd) < 0)
                return EXIT_FAILURE;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                log_error("socketpair: %m");
                return EXIT_FAILURE;
        }

        pid = fork();
        if (pid < 0) {
                log_error("fork: %m");
                return EXIT_FAILURE;
        }
        if (pid == 0) {
                /* Its end of the pair is the one descriptor it inherits. */
                if (fcntl(pair[1], F_SETFD, 0) < 0)
                        _exit(EXIT_FAILURE);
                (void)exec_opener(&o, pair[1]);
                _exit(EXIT_FAILURE);
        }
        safe_close(pair[1]);

        if (drop_privileges(uid, gid) < 0)
                return EXIT_FAILURE;
        log_set_ident("sockbrokerd[broker]");
        return broker_main(listen_fd, pair[0], pid, NULL, &o.limits);
}
