/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c - sockbroker-opener, the privileged half of sockbrokerd, as a
 * program of its own.
 *
 * sockbrokerd forks and executes it with its end of a socketpair
 * (--fd), so that it shares nothing with the process that parses client
 * bytes: not its memory layout, not its libraries. Under systemd,
 * sockbroker-opener.service runs it on the socket the service manager
 * passes, or it listens on --socket itself; it then serves one broker at
 * a time, and only one whose uid is the broker user's.
 *
 * It links neither protobuf-c nor libsystemd: its only input is the
 * fixed vocabulary of daemon/shared/opener-proto.h.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/names.h"
#include "common/util.h"
#include "daemon/opener/notify.h"
#include "daemon/opener/opener.h"
#include "daemon/shared/listen.h"
#include "daemon/shared/log.h"
#include "daemon/shared/opener-proto.h"
#include "policy/policy.h"

struct options {
        struct opener_config config;
        int fd;                  /* --fd: the broker's socketpair, or -1 */
        const char *socket_path; /* --socket */
        const char *user;
        bool user_given;
        const char *opener_user;
};

static void help(void)
{
        printf("Usage: sockbroker-opener [OPTION...]\n"
               "The privileged half of sockbrokerd(8): create the sockets its policy allows\n"
               "for the broker.\n\n"
               "  -p, --policy=FILE        policy file (default %s)\n"
               "  -d, --policy-dir=DIR     drop-in directory (default %s)\n"
               "      --hci-timeout=MS     wait for a controller's answer (default %u)\n"
               "      --fd=N               serve the broker on descriptor N, a socketpair\n"
               "      --socket=PATH        without --fd and a socket from the service manager,\n"
               "                           listen at PATH (root and the broker's group, 0660)\n"
               "  -u, --user=NAME          the broker's user (default %s, falling back to\n"
               "                           nobody); only it is served\n"
               "      --opener-user=NAME   the user this runs as (default %s)\n"
               "  -h, --help               show this help\n"
               "      --version            show the version\n",
               POLICY_DEFAULT_PATH, POLICY_DEFAULT_DROPIN_DIR, OPENER_HCI_TIMEOUT_MS_DEFAULT,
               SOCKBROKER_USER, SOCKBROKER_OPENER_USER);
}

static int parse_argv(int argc, char **argv, struct options *o)
{
        enum { ARG_HCI_TIMEOUT = 0x100, ARG_FD, ARG_SOCKET, ARG_OPENER_USER, ARG_VERSION };
        static const struct option longopts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "policy-dir", required_argument, NULL, 'd' },
                { "hci-timeout", required_argument, NULL, ARG_HCI_TIMEOUT },
                { "fd", required_argument, NULL, ARG_FD },
                { "socket", required_argument, NULL, ARG_SOCKET },
                { "user", required_argument, NULL, 'u' },
                { "opener-user", required_argument, NULL, ARG_OPENER_USER },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        uint64_t v;
        int c;

        while ((c = getopt_long(argc, argv, "p:d:u:h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        o->config.policy_path = optarg;
                        break;
                case 'd':
                        o->config.policy_dir = optarg;
                        break;
                case ARG_HCI_TIMEOUT:
                        if (names_parse_uint(optarg, 1000000, &v) < 0 || v == 0) {
                                fprintf(stderr, "sockbroker-opener: --hci-timeout: '%s' is not a "
                                        "number from 1 to 1000000\n", optarg);
                                return -EINVAL;
                        }
                        o->config.hci_timeout_ms = (unsigned)v;
                        break;
                case ARG_FD:
                        if (names_parse_uint(optarg, INT32_MAX, &v) < 0 || v < 3) {
                                fprintf(stderr, "sockbroker-opener: --fd: '%s' is not a descriptor "
                                        "above 2\n", optarg);
                                return -EINVAL;
                        }
                        o->fd = (int)v;
                        break;
                case ARG_SOCKET:
                        if (optarg[0] != '/' ||
                            strlen(optarg) >= sizeof_field(struct sockaddr_un, sun_path)) {
                                fprintf(stderr, "sockbroker-opener: --socket: '%s' is not an "
                                        "absolute path of at most %zu bytes\n", optarg,
                                        sizeof_field(struct sockaddr_un, sun_path) - 1);
                                return -EINVAL;
                        }
                        o->socket_path = optarg;
                        break;
                case 'u':
                        o->user = optarg;
                        o->user_given = true;
                        break;
                case ARG_OPENER_USER:
                        o->opener_user = optarg;
                        break;
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("sockbroker-opener %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        fprintf(stderr, "Try 'sockbroker-opener --help'.\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "sockbroker-opener: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

static int broker_user(const struct options *o, uid_t *uid, gid_t *gid)
{
        struct passwd *pw = getpwnam(o->user);

        if (!pw && !o->user_given) {
                log_warning("user '%s' does not exist; serving the broker as 'nobody'", o->user);
                pw = getpwnam("nobody");
        }
        if (!pw)
                return log_error_errno(-ESRCH, "user '%s' does not exist", o->user);
        if (pw->pw_uid == 0)
                return log_error_errno(-EPERM, "refusing to serve a broker that runs as root ('%s')",
                                       o->user);
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
        return 0;
}

int main(int argc, char **argv)
{
        struct options o = {
                .config = {
                        .policy_path = POLICY_DEFAULT_PATH,
                        .policy_dir = POLICY_DEFAULT_DROPIN_DIR,
                        .hci_timeout_ms = OPENER_HCI_TIMEOUT_MS_DEFAULT,
                },
                .fd = -1,
                .user = SOCKBROKER_USER,
                .opener_user = SOCKBROKER_OPENER_USER,
        };
        struct passwd *pw;
        int listen_fd, r;
        uid_t uid = 0;
        gid_t gid = 0;

        log_init("sockbrokerd[opener]");
        r = parse_argv(argc, argv, &o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : 2;
        /* Its own user, which it switches to, or runs as already with the
         * capabilities it may need (sockbroker-opener.service). */
        pw = getpwnam(o.opener_user);
        if (!pw) {
                log_error("user '%s' does not exist: create it (systemd-sysusers makes it from "
                          "sockbroker.conf) or name another with --opener-user", o.opener_user);
                return EXIT_FAILURE;
        }
        if (pw->pw_uid == 0) {
                log_error("refusing to run the opener as root ('%s')", o.opener_user);
                return EXIT_FAILURE;
        }
        o.config.uid = pw->pw_uid;
        o.config.gid = pw->pw_gid;
        if (geteuid() != 0 && geteuid() != o.config.uid) {
                log_error("the opener must be started as root or as '%s' (see sockbrokerd(8))",
                          o.opener_user);
                return EXIT_FAILURE;
        }

        if (o.fd >= 0) {
                int type = 0;
                socklen_t len = sizeof(type);

                if (getsockopt(o.fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET) {
                        log_error("--fd=%d is not a SOCK_SEQPACKET socket", o.fd);
                        return EXIT_FAILURE;
                }
                return opener_main(o.fd, &o.config);
        }

        if (broker_user(&o, &uid, &gid) < 0)
                return EXIT_FAILURE;
        if (uid == o.config.uid) {
                log_error("the broker and the opener must not share a user (uid %u)", (unsigned)uid);
                return EXIT_FAILURE;
        }
        listen_fd = notify_listen_fd();
        if (listen_fd == -ENOENT) {
                if (!o.socket_path) {
                        log_error("no socket from the service manager, and no --socket or --fd");
                        return EXIT_FAILURE;
                }
                /* Only the broker's group may connect; the opener checks its uid. */
                if (listen_socket_at(o.socket_path, 0660, gid, false, &listen_fd) < 0)
                        return EXIT_FAILURE;
        } else if (listen_fd < 0) {
                log_error("the service manager passed something other than one listening "
                          "AF_UNIX SOCK_SEQPACKET socket: %s", strerror(-listen_fd));
                return EXIT_FAILURE;
        } else {
                o.config.restartable = true;
        }
        return opener_listen(listen_fd, uid, &o.config);
}
