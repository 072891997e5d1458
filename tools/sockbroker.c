/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker - check and explain policies, get sockets from sockbrokerd
 * for programs that speak the socket-activation protocol, run
 * unmodified programs with the preload shim (client-lib/preload/preload.c), and
 * show the daemon's status (tools/status.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "client-lib/broker/spec.h"
#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "policy/policy-compile.h"
#include "proto/protocol.h"
#include "sockbroker/sockbroker.h"
#include "tools/sockbroker.h"
#include "tools/supervise.h"

#ifndef SOCKBROKER_PRELOAD_PATH
#error "SOCKBROKER_PRELOAD_PATH must name the installed libsockbroker-preload.so"
#endif

#define MAX_SPECS 64

static void help_main(void)
{
        printf("Usage: sockbroker COMMAND [OPTION...] [ARG...]\n"
               "Work with sockbrokerd, the socket broker.\n\n"
               "Commands:\n"
               "  check [FILE]          validate a policy\n"
               "  explain [OPTION...] SPEC\n"
               "                        say which rule decides SPEC for a peer\n"
               "  open [--socket PATH] SPEC... [-- CMD [ARG...]]\n"
               "                        get sockets; pass them to CMD as fds 3...\n"
               "  run [--socket PATH] [--iface IFNAME] [--] CMD [ARG...]\n"
               "                        run CMD unchanged, with the preload shim\n"
               "  link [--socket PATH] IFNAME up|down|bitrate N\n"
               "                        have the daemon configure a link\n"
               "  hci [--socket PATH] hciN COMMAND [HEX...]\n"
               "                        have the daemon send an HCI command\n"
               "  status [--socket PATH] [--json]\n"
               "                        show the daemon's counters, policy and limits\n"
               "  list [--socket PATH] [--json]\n"
               "                        show the sockets it granted lately, by peer\n\n"
               "Run 'sockbroker COMMAND --help' for a command's options.\n"
               "Exit status: 0 success, 1 denied or failed, 2 usage, 3 policy unreadable,\n"
               "4 broker unreachable. See sockbroker(1).\n");
}

static void help_check(void)
{
        printf("Usage: sockbroker check [--policy-dir DIR] [--no-strict] [FILE]\n"
               "Parse FILE (default %s) and its drop-ins,\n"
               "and report the first error as FILE:LINE:COL: MESSAGE.\n\n"
               "  -d, --policy-dir=DIR  drop-in directory (default: policy.d beside FILE)\n"
               "      --no-strict       do not insist on root ownership and safe modes\n\n"
               "Exit status: 0 valid, 1 invalid, 2 usage.\n", POLICY_DEFAULT_PATH);
}

static void help_explain(void)
{
        printf("Usage: sockbroker explain [OPTION...] SPEC\n"
               "Say which rule of the policy decides SPEC for a peer, with file:line.\n\n"
               "  -p, --policy=FILE     policy file (default %s)\n"
               "  -d, --policy-dir=DIR  drop-in directory (default: policy.d beside FILE)\n"
               "      --no-strict       do not insist on root ownership and safe modes\n"
               "      --uid=N           peer uid (default: yours)\n"
               "      --gid=N           peer primary gid (default: yours, or with --uid\n"
               "                        that user's, from the user database)\n"
               "      --groups=G,...    supplementary gids (default: yours, or with --uid\n"
               "                        that user's, from the user database)\n"
               "      --unit=UNIT       peer's systemd unit\n"
               "      --cgroup=PATH     peer's cgroup\n\n"
               "Exit status: 0 allowed, 1 denied, 2 usage, 3 policy unreadable.\n",
               POLICY_DEFAULT_PATH);
}

static void help_open(void)
{
        printf("Usage: sockbroker open [--socket PATH] SPEC... [-- CMD [ARG...]]\n"
               "Ask sockbrokerd for the socket each SPEC describes\n"
               "(FAMILY/TYPE[/PROTOCOL][@INTERFACE], e.g. packet/raw/all@eth0).\n\n"
               "Without CMD, print one line per socket and close them. With CMD, pass\n"
               "them as fds 3, 4, ... with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES\n"
               "set (the systemd socket-activation protocol) and execute CMD.\n\n"
               "  -s, --socket=PATH     broker socket (default $SOCKBROKER_SOCKET or %s)\n"
               "  -n, --nonblock        make the sockets non-blocking\n\n"
               "Exit status: 0 success, 1 refused, 2 usage, 4 broker unreachable;\n"
               "with CMD, CMD's own status once it runs.\n", SOCKBROKER_DEFAULT_SOCKET);
}

static void help_run(void)
{
        printf("Usage: sockbroker run [OPTION...] [--] CMD [ARG...]\n"
               "Execute CMD, and serve from sockbrokerd its socket(), bind() and setsockopt()\n"
               "calls that the kernel would refuse for want of a privilege, and, under the\n"
               "seccomp filter, the CAN and Bluetooth sockets a container cannot have from\n"
               "its own network namespace. If the broker refuses too, CMD sees the kernel's\n"
               "own error. The whole process tree CMD starts is served.\n\n"
               "  -m, --mode=MODE       how the calls are met:\n"
               "                        seccomp  a seccomp filter sends them to this process,\n"
               "                                 whatever CMD is built with: static and Go\n"
               "                                 binaries and raw system calls too\n"
               "                        preload  libsockbroker-preload.so in LD_PRELOAD: only\n"
               "                                 programs linked against libc dynamically\n"
               "                        auto     both; the filter serves, and the shim when\n"
               "                                 the kernel refuses the filter (the default)\n"
               "  -s, --socket=PATH     broker socket (sets SOCKBROKER_SOCKET)\n"
               "  -i, --iface=IFNAME    ask for packet and CAN sockets bound to IFNAME, to\n"
               "                        match iface= rules (sets SOCKBROKER_IFACE)\n"
               "      --debug           explain each refusal on standard error\n"
               "                        (sets SOCKBROKER_DEBUG=1)\n\n"
               "The shim is $SOCKBROKER_PRELOAD, or else\n  %s\n"
               "Neither mode applies to a set-user-ID or set-group-ID program, which\n"
               "'sockbroker run' refuses to execute. Under the seccomp filter (auto and\n"
               "seccomp), no program CMD starts gains privileges by executing one:\n"
               "no_new_privs is set for the whole tree.\n\n"
               "Exit status: CMD's own, or 128+N when signal N ended it; 1 mode unusable,\n"
               "2 usage, 126 CMD not executable or set-user-ID, 127 CMD not found.\n",
               SOCKBROKER_PRELOAD_PATH);
}

static char *default_dropin(const char *path)
{
        const char *slash = strrchr(path, '/');
        char *d;

        if (!slash)
                return strdup("policy.d");
        if (asprintf(&d, "%.*s/policy.d", (int)(slash - path), path) < 0)
                return NULL;
        return d;
}

static int load(const char *path, const char *dir, bool strict, policy **ret)
{
        struct policy_error err = {};
        _cleanup_free_ char *dropin = NULL;
        char msg[600];
        int r;

        if (!dir) {
                dropin = default_dropin(path);
                if (!dropin)
                        return -ENOMEM;
                dir = dropin;
        }
        r = policy_load(path, dir, strict, &policy_resolver_system, ret, &err);
        if (r < 0) {
                if (err.message[0])
                        policy_error_format(&err, msg, sizeof(msg));
                else
                        snprintf(msg, sizeof(msg), "%s: %s", path, strerror(-r));
                fprintf(stderr, "%s\n", msg);
        }
        return r;
}

static int cmd_check(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy-dir", required_argument, NULL, 'd' },
                { "no-strict", no_argument, NULL, 'S' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *dir = NULL, *path = POLICY_DEFAULT_PATH;
        bool strict = true;
        policy *p = NULL;
        int c;

        while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'S':
                        strict = false;
                        break;
                case 'h':
                        help_check();
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }
        if (argc - optind > 1) {
                fprintf(stderr, "sockbroker check: one FILE at most\n");
                return EXIT_USAGE;
        }
        if (optind < argc)
                path = argv[optind];

        if (load(path, dir, strict, &p) < 0)
                return EXIT_REFUSED;
        printf("%s: OK: %zu rule(s) in %zu file(s)\n", path, policy_n_rules(p), policy_n_files(p));
        policy_free(p);
        return EXIT_OK;
}

static int parse_id(const char *opt, const char *s, uint32_t *ret)
{
        uint64_t v;

        if (names_parse_uint(s, UINT32_MAX - 1, &v) < 0) {
                fprintf(stderr, "sockbroker explain: --%s: '%s' is not a number\n", opt, s);
                return -EINVAL;
        }
        *ret = (uint32_t)v;
        return 0;
}

/*
 * The groups the user database (NSS) gives uid, as a login gives them and
 * so as sockbrokerd sees a process of that user: its primary gid in
 * *ret_gid, and its supplementary groups, at most max, in groups and
 * *ret_n. Either output may be NULL. Returns 0, -ENOENT for a uid the
 * database does not know, or another -errno.
 */
static int user_groups(uid_t uid, gid_t *ret_gid, gid_t *groups, size_t max, size_t *ret_n)
{
        struct passwd pw, *found = NULL;
        char buf[16384];
        int r, n = (int)max;

        r = getpwuid_r(uid, &pw, buf, sizeof(buf), &found);
        if (r != 0)
                return -r;
        if (!found)
                return -ENOENT;
        if (ret_gid)
                *ret_gid = pw.pw_gid;
        if (ret_n) {
                if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
                        return -E2BIG;
                *ret_n = (size_t)n;
        }
        return 0;
}

static int cmd_explain(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "policy-dir", required_argument, NULL, 'd' },
                { "no-strict", no_argument, NULL, 'S' },
                { "uid", required_argument, NULL, 'U' },
                { "gid", required_argument, NULL, 'G' },
                { "groups", required_argument, NULL, 'g' },
                { "unit", required_argument, NULL, 'u' },
                { "cgroup", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *path = POLICY_DEFAULT_PATH, *dir = NULL;
        gid_t groups[NGROUPS_MAX];
        struct policy_peer peer = { .uid = getuid(), .gid = getgid() };
        bool strict = true, uid_given = false, gid_given = false, groups_given = false;
        const struct policy_rule *rule = NULL;
        struct policy_request req;
        enum policy_verdict v;
        struct sb_spec spec;
        char why[256], what[128];
        policy *p = NULL;
        int c, n, r;

        while ((c = getopt_long(argc, argv, "p:d:h", opts, NULL)) >= 0)
                switch (c) {
                case 'p':
                        path = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 'S':
                        strict = false;
                        break;
                case 'U':
                        if (parse_id("uid", optarg, &peer.uid) < 0)
                                return EXIT_USAGE;
                        uid_given = true;
                        break;
                case 'G':
                        if (parse_id("gid", optarg, &peer.gid) < 0)
                                return EXIT_USAGE;
                        gid_given = true;
                        break;
                case 'g': {
                        char *save = NULL, *tok, *copy = strdupa(optarg);

                        peer.n_groups = 0;
                        groups_given = true;
                        for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                                if (peer.n_groups >= ELEMENTSOF(groups) ||
                                    parse_id("groups", tok, &groups[peer.n_groups]) < 0)
                                        return EXIT_USAGE;
                                peer.n_groups++;
                        }
                        break;
                }
                case 'u':
                        peer.unit = optarg;
                        break;
                case 'c':
                        peer.cgroup = optarg;
                        break;
                case 'h':
                        help_explain();
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }
        if (argc - optind != 1) {
                fprintf(stderr, "sockbroker explain: exactly one SPEC expected\n");
                return EXIT_USAGE;
        }
        if (sb_spec_parse(argv[optind], &spec, why, sizeof(why)) < 0) {
                fprintf(stderr, "sockbroker explain: %s\n", why);
                return EXIT_USAGE;
        }
        if (!uid_given) {
                if (!groups_given) {
                        n = getgroups((int)ELEMENTSOF(groups), groups);
                        peer.n_groups = n > 0 ? (size_t)n : 0;
                }
        } else if (!gid_given || !groups_given) {
                r = user_groups(peer.uid, gid_given ? NULL : &peer.gid,
                                groups_given ? NULL : groups, ELEMENTSOF(groups),
                                groups_given ? NULL : &peer.n_groups);
                if (r == -ENOENT && gid_given) {
                        /* No such user: no supplementary groups. */
                        peer.n_groups = 0;
                } else if (r < 0) {
                        fprintf(stderr, "sockbroker explain: uid %u: %s; give its groups with "
                                "--gid (and --groups)\n", peer.uid,
                                r == -ENOENT ? "no such user in the user database" : strerror(-r));
                        return EXIT_USAGE;
                }
        }
        peer.groups = groups;

        if (load(path, dir, strict, &p) < 0)
                return EXIT_NO_POLICY;

        req = (struct policy_request) {
                .op = POLICY_OP_OPEN,
                .family = spec.family,
                .type = spec.type,
                .protocol = spec.protocol,
                .ifname = spec.ifname[0] ? spec.ifname : NULL,
                /* what a CAN or Bluetooth spec binds to, as the broker reads it */
                .has_can_ids = spec.has_can_ids,
                .rx_id = spec.rx_id,
                .tx_id = spec.tx_id,
                .has_j1939 = spec.has_j1939,
                .j1939_name = spec.j1939_name,
                .j1939_pgn = spec.j1939_pgn,
                .j1939_addr = spec.j1939_addr,
                .can_fd = spec.can_fd,
                .has_dev = spec.has_dev,
                .dev = spec.dev,
                .has_channel = spec.has_channel,
                .channel = spec.channel,
                .has_port = spec.has_psm,
                .port = spec.psm,
        };
        policy_request_format(&req, what, sizeof(what));
        v = policy_check(p, &peer, &req, &rule);
        switch (v) {
        case POLICY_VERDICT_ALLOW:
                printf("allowed: %s for uid %u by %s:%u\n", what, peer.uid, rule->file, rule->line);
                break;
        case POLICY_VERDICT_DENY:
                printf("denied: %s for uid %u by %s:%u\n", what, peer.uid, rule->file, rule->line);
                break;
        case POLICY_VERDICT_NO_MATCH:
                printf("denied: no rule allows %s for uid %u (%zu rules in %zu file(s))\n",
                       what, peer.uid, policy_n_rules(p), policy_n_files(p));
                break;
        }
        policy_free(p);
        return v == POLICY_VERDICT_ALLOW ? EXIT_OK : EXIT_REFUSED;
}

/* Executes cmd in place of this program; returns only on failure, with
 * the shell's exit status for it. */
static int exec_command(const char *verb, char **cmd)
{
        int e;

        execvp(cmd[0], cmd);
        e = errno;
        fprintf(stderr, "sockbroker %s: cannot execute %s: %s\n", verb, cmd[0], strerror(e));
        return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* Moves fds[0..n) to 3..3+n, without CLOEXEC, for the exec'd command. */
static int move_fds(int *fds, size_t n)
{
        /* First above the target range, so no dup2() lands on a source. */
        for (size_t i = 0; i < n; i++) {
                int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, (int)(3 + n));

                if (fd < 0)
                        return negative_errno();
                close(fds[i]);
                fds[i] = fd;
        }
        for (size_t i = 0; i < n; i++) {
                if (dup2(fds[i], (int)(3 + i)) < 0)
                        return negative_errno();
                close(fds[i]);
                fds[i] = (int)(3 + i);
        }
        return 0;
}

static int cmd_open(int argc, char **argv)
{
        static const struct option opts[] = {
                { "socket", required_argument, NULL, 's' },
                { "nonblock", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int fds[MAX_SPECS];
        char names[MAX_SPECS * SB_SPEC_MAX] = "", canon[SB_SPEC_MAX], buf[32];
        char **cmd = NULL;
        size_t n = 0;
        int c, flags = 0, n_specs;

        while ((c = getopt_long(argc, argv, "+s:nh", opts, NULL)) >= 0)
                switch (c) {
                case 's':
                        if (setenv("SOCKBROKER_SOCKET", optarg, 1) < 0)
                                return EXIT_REFUSED;
                        break;
                case 'n':
                        flags |= SOCK_NONBLOCK;
                        break;
                case 'h':
                        help_open();
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }

        n_specs = argc - optind;
        for (int i = optind; i < argc; i++)
                if (streq(argv[i], "--")) {
                        n_specs = i - optind;
                        cmd = argv + i + 1;
                        if (!cmd[0]) {
                                fprintf(stderr, "sockbroker open: '--' must be followed by a command\n");
                                return EXIT_USAGE;
                        }
                        break;
                }
        if (n_specs <= 0 || n_specs > MAX_SPECS) {
                fprintf(stderr, "sockbroker open: between 1 and %d SPECs expected\n", MAX_SPECS);
                return EXIT_USAGE;
        }

        for (int i = 0; i < n_specs; i++) {
                const char *text = argv[optind + i];
                struct sb_spec spec;
                char why[256];
                int fd;

                if (sb_spec_parse(text, &spec, why, sizeof(why)) < 0) {
                        fprintf(stderr, "sockbroker open: %s: %s\n", text, why);
                        fdmsg_close_all(fds, n);
                        return EXIT_USAGE;
                }
                fd = sb_client_open(&spec, flags);
                if (fd < 0) {
                        const char *msg = sb_broker_message();

                        fprintf(stderr, "sockbroker open: %s: %s\n", text,
                                msg[0] ? msg : strerror(-fd));
                        fdmsg_close_all(fds, n);
                        return sb_client_reached() ? EXIT_REFUSED : EXIT_UNREACHABLE;
                }
                fds[n++] = fd;
                sb_spec_format(&spec, canon, sizeof(canon));
                if (!cmd)
                        printf("%s fd=%d rule=%s\n", canon, fd, sb_broker_rule());
                else {
                        size_t used = strlen(names);

                        snprintf(names + used, sizeof(names) - used, "%s%s", i > 0 ? ":" : "", canon);
                }
        }

        if (!cmd) {
                fdmsg_close_all(fds, n);
                return EXIT_OK;
        }

        if (move_fds(fds, n) < 0) {
                fprintf(stderr, "sockbroker open: cannot arrange descriptors: %m\n");
                return EXIT_REFUSED;
        }
        snprintf(buf, sizeof(buf), "%zu", n);
        setenv("LISTEN_FDS", buf, 1);
        snprintf(buf, sizeof(buf), "%d", (int)getpid());
        setenv("LISTEN_PID", buf, 1);
        setenv("LISTEN_FDNAMES", names, 1);
        return exec_command("open", cmd);
}

/* True when list, an LD_PRELOAD value, already names path. */
static bool preload_has(const char *list, const char *path)
{
        size_t n = strlen(path);

        for (const char *p = list; *p; ) {
                size_t k = strcspn(p, ": \t");

                if (k == n && strneq(p, path, n))
                        return true;
                p += k;
                p += strspn(p, ": \t");
        }
        return false;
}

enum run_mode {
        RUN_AUTO,
        RUN_PRELOAD,
        RUN_SECCOMP,
};

/*
 * The file execvp() would run for name: name itself when it has a slash,
 * else the first executable file of that name in $PATH. Returns 0 with
 * its status, or -ENOENT; execvp() then says why.
 */
static int command_stat(const char *name, struct stat *ret)
{
        const char *path = getenv("PATH");

        if (strchr(name, '/'))
                return stat(name, ret) < 0 ? negative_errno() : 0;
        if (!path)
                path = "/bin:/usr/bin";        /* execvp()'s default */
        for (const char *p = path; ; ) {
                size_t k = strcspn(p, ":");
                _cleanup_free_ char *file = NULL;

                /* An empty element is the current directory, as for execvp(). */
                if (asprintf(&file, "%.*s%s%s", (int)k, p, k ? "/" : "", name) < 0)
                        return -ENOMEM;
                if (stat(file, ret) == 0 && S_ISREG(ret->st_mode) && access(file, X_OK) == 0)
                        return 0;
                if (!p[k])
                        return -ENOENT;
                p += k + 1;
        }
}

/* Puts the shim first in LD_PRELOAD. Returns 0 or EXIT_REFUSED; says why
 * only when report is set. */
static int add_preload(bool report)
{
        _cleanup_free_ char *shim = NULL, *list = NULL;
        const char *path, *old;

        path = secure_getenv("SOCKBROKER_PRELOAD");
        if (!path || !path[0])
                path = SOCKBROKER_PRELOAD_PATH;
        /* The dynamic loader wants the library where CMD runs, which may be
         * another directory: an absolute path, without list separators. */
        shim = realpath(path, NULL);
        if (!shim) {
                if (report)
                        fprintf(stderr, "sockbroker run: cannot use the preload library %s: %m\n",
                                path);
                return EXIT_REFUSED;
        }
        if (shim[strcspn(shim, ": \t")]) {
                if (report)
                        fprintf(stderr, "sockbroker run: %s: the path of a preload library "
                                "cannot contain ':' or blanks\n", shim);
                return EXIT_REFUSED;
        }

        /* First, so that the shim sees the calls before other preloaded
         * libraries do; theirs then come through its direct call. */
        old = getenv("LD_PRELOAD");
        if (!old || !old[0]) {
                if (setenv("LD_PRELOAD", shim, 1) < 0)
                        return EXIT_REFUSED;
        } else if (!preload_has(old, shim)) {
                if (asprintf(&list, "%s:%s", shim, old) < 0 || setenv("LD_PRELOAD", list, 1) < 0)
                        return EXIT_REFUSED;
        }
        return 0;
}

static int cmd_run(int argc, char **argv)
{
        static const struct option opts[] = {
                { "mode", required_argument, NULL, 'm' },
                { "socket", required_argument, NULL, 's' },
                { "iface", required_argument, NULL, 'i' },
                { "debug", no_argument, NULL, 'D' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        enum run_mode mode = RUN_AUTO;
        struct supervise_options sv = {};
        const char *debug;
        struct stat st;
        int c, r;

        while ((c = getopt_long(argc, argv, "+m:s:i:h", opts, NULL)) >= 0)
                switch (c) {
                case 'm':
                        if (streq(optarg, "auto"))
                                mode = RUN_AUTO;
                        else if (streq(optarg, "preload"))
                                mode = RUN_PRELOAD;
                        else if (streq(optarg, "seccomp"))
                                mode = RUN_SECCOMP;
                        else {
                                fprintf(stderr, "sockbroker run: unknown mode '%s' "
                                        "(auto, preload or seccomp)\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 's':
                        if (!optarg[0]) {
                                fprintf(stderr, "sockbroker run: --socket needs a path\n");
                                return EXIT_USAGE;
                        }
                        if (setenv("SOCKBROKER_SOCKET", optarg, 1) < 0)
                                return EXIT_REFUSED;
                        break;
                case 'i':
                        if (!sb_proto_ifname_valid(optarg)) {
                                fprintf(stderr, "sockbroker run: '%s' is not a valid interface name\n", optarg);
                                return EXIT_USAGE;
                        }
                        if (setenv("SOCKBROKER_IFACE", optarg, 1) < 0)
                                return EXIT_REFUSED;
                        break;
                case 'D':
                        if (setenv("SOCKBROKER_DEBUG", "1", 1) < 0)
                                return EXIT_REFUSED;
                        break;
                case 'h':
                        help_run();
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                fprintf(stderr, "sockbroker run: a command is required\n");
                return EXIT_USAGE;
        }

        /* Set-user-ID programs ignore LD_PRELOAD, and under the filter's
         * no_new_privs they would run without their privilege: say so,
         * rather than run them broken. */
        if (command_stat(argv[optind], &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID))) {
                fprintf(stderr, "sockbroker run: %s is set-%s-ID: neither LD_PRELOAD nor the "
                        "seccomp filter applies to it; run it directly, or give it its sockets "
                        "with 'sockbroker open SPEC -- %s'\n", argv[optind],
                        st.st_mode & S_ISUID ? "user" : "group", argv[optind]);
                return EXIT_CANNOT_EXEC;
        }

        if (mode == RUN_PRELOAD) {
                r = add_preload(true);
                return r != 0 ? r : exec_command("run", argv + optind);
        }

        debug = secure_getenv("SOCKBROKER_DEBUG");
        sv.debug = !debug || !debug[0] || streq(debug, "0") ? 0 : streq(debug, "1") ? 1 : 2;
        sv.iface = secure_getenv("SOCKBROKER_IFACE");
        /* auto: each mechanism that can be had; the supervisor may then
         * be refused only when the shim is there to serve instead. */
        sv.optional = mode == RUN_AUTO && add_preload(false) == 0;
        return supervise_run(argv + optind, &sv);
}

/* Parses the options of a command that takes only --socket and --help.
 * Returns -1 to go on, or the exit status to end with. */
static int parse_socket_option(int argc, char **argv, void (*help)(void))
{
        static const struct option opts[] = {
                { "socket", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) >= 0)
                switch (c) {
                case 's':
                        if (setenv("SOCKBROKER_SOCKET", optarg, 1) < 0)
                                return EXIT_REFUSED;
                        break;
                case 'h':
                        help();
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }
        return -1;
}

static void help_link(void)
{
        printf("Usage: sockbroker link [--socket PATH] IFNAME up|down|bitrate N\n"
               "Have sockbrokerd set a link up or down, or a CAN interface's bitrate (while\n"
               "it is down), as the policy's link= and bitrate= words allow.\n\n"
               "  -s, --socket=PATH     the daemon's socket\n\n"
               "Exit status: 0 done, 1 denied or failed, 2 usage, 4 broker unreachable.\n");
}

static int cmd_link(int argc, char **argv)
{
        const char *ifname, *what;
        uint64_t bitrate = 0;
        int r;

        r = parse_socket_option(argc, argv, help_link);
        if (r >= 0)
                return r;
        if (argc - optind < 2) {
                fprintf(stderr, "sockbroker link: IFNAME and up, down or bitrate N expected\n");
                return EXIT_USAGE;
        }
        ifname = argv[optind];
        what = argv[optind + 1];
        if (!sb_proto_ifname_valid(ifname)) {
                fprintf(stderr, "sockbroker link: '%s' is not a valid interface name\n", ifname);
                return EXIT_USAGE;
        }
        if ((streq(what, "up") || streq(what, "down")) && argc - optind == 2) {
                r = sb_link_set_up(ifname, streq(what, "up"));
        } else if (streq(what, "bitrate") && argc - optind == 3) {
                if (names_parse_uint(argv[optind + 2], UINT32_MAX, &bitrate) < 0 || bitrate == 0) {
                        fprintf(stderr, "sockbroker link: '%s' is not a bitrate\n", argv[optind + 2]);
                        return EXIT_USAGE;
                }
                r = sb_link_set_bitrate(ifname, (uint32_t)bitrate);
        } else {
                fprintf(stderr, "sockbroker link: expected 'up', 'down' or 'bitrate N' after %s\n",
                        ifname);
                return EXIT_USAGE;
        }
        if (r < 0) {
                const char *msg = sb_broker_message();

                fprintf(stderr, "sockbroker link: %s\n", msg[0] ? msg : strerror(errno));
                return sb_client_reached() ? EXIT_REFUSED : EXIT_UNREACHABLE;
        }
        return EXIT_OK;
}

static void help_hci(void)
{
        printf("Usage: sockbroker hci [--socket PATH] hciN COMMAND [HEX...]\n"
               "Have sockbrokerd send an HCI command to a controller, as the policy's\n"
               "command= word allows, and print the return parameters of the Command\n"
               "Complete (status first) or the status of the Command Status, in hex.\n"
               "COMMAND is a name (read-bd-addr, le-set-scan-parameters,\n"
               "le-set-scan-enable, ...) or an opcode (0x1009); the parameters are hex\n"
               "bytes, in one or more arguments (\"0100\" or \"01 00\").\n\n"
               "  -s, --socket=PATH     the daemon's socket\n\n"
               "Exit status: 0 sent and answered, 1 denied or failed, 2 usage,\n"
               "4 broker unreachable.\n");
}

/* Appends the hex bytes of text ("0100", "01:00") to buf. */
static int parse_hex_bytes(const char *text, uint8_t *buf, size_t size, size_t *n)
{
        for (const char *p = text; *p; ) {
                int hi, lo;

                if (*p == ':' || *p == ' ') {
                        p++;
                        continue;
                }
                hi = unhexchar(p[0]);
                lo = p[1] ? unhexchar(p[1]) : -1;
                if (hi < 0 || lo < 0 || *n >= size)
                        return -EINVAL;
                buf[(*n)++] = (uint8_t)(hi << 4 | lo);
                p += 2;
        }
        return 0;
}

static int cmd_hci(int argc, char **argv)
{
        uint8_t params[SB_PROTO_MAX_HCI_PARAMS], ret[SB_PROTO_MAX_HCI_PARAMS];
        size_t n_params = 0;
        uint32_t dev;
        uint32_t opcode;
        ssize_t n;
        int r;

        r = parse_socket_option(argc, argv, help_hci);
        if (r >= 0)
                return r;
        if (argc - optind < 2) {
                fprintf(stderr, "sockbroker hci: hciN and COMMAND expected\n");
                return EXIT_USAGE;
        }
        if (sb_spec_parse_hci_device(argv[optind], &dev) < 0) {
                fprintf(stderr, "sockbroker hci: '%s' is not a controller (hciN)\n", argv[optind]);
                return EXIT_USAGE;
        }
        if (names_hci_command_from_string(argv[optind + 1], &opcode) < 0 || opcode == 0) {
                fprintf(stderr, "sockbroker hci: '%s' is not an HCI command name or opcode\n",
                        argv[optind + 1]);
                return EXIT_USAGE;
        }
        for (int i = optind + 2; i < argc; i++)
                if (parse_hex_bytes(argv[i], params, sizeof(params), &n_params) < 0) {
                        fprintf(stderr, "sockbroker hci: '%s' is not hex bytes (at most %u in all)\n",
                                argv[i], SB_PROTO_MAX_HCI_PARAMS);
                        return EXIT_USAGE;
                }

        n = sb_hci_command((unsigned)dev, (uint16_t)opcode, params, n_params, ret, sizeof(ret));
        if (n < 0) {
                const char *msg = sb_broker_message();

                fprintf(stderr, "sockbroker hci: %s\n", msg[0] ? msg : strerror(errno));
                return sb_client_reached() ? EXIT_REFUSED : EXIT_UNREACHABLE;
        }
        for (ssize_t i = 0; i < n; i++)
                printf("%s%02x", i ? " " : "", ret[i]);
        printf("\n");
        return EXIT_OK;
}

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
} commands[] = {
        { "check", cmd_check },
        { "explain", cmd_explain },
        { "open", cmd_open },
        { "run", cmd_run },
        { "link", cmd_link },
        { "hci", cmd_hci },
        { "status", cmd_status },
        { "list", cmd_list },
};

int main(int argc, char **argv)
{
        const char *cmd;

        if (argc < 2) {
                help_main();
                return EXIT_USAGE;
        }
        cmd = argv[1];
        if (streq(cmd, "--help") || streq(cmd, "-h") || streq(cmd, "help")) {
                help_main();
                return EXIT_OK;
        }
        if (streq(cmd, "--version")) {
                printf("sockbroker %s\n", PACKAGE_VERSION);
                return EXIT_OK;
        }
        /* Each command parses its own options from argv[1] on. */
        argv[1] = argv[0];
        argc--;
        argv++;
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(cmd, commands[i].name))
                        return commands[i].run(argc, argv);
        fprintf(stderr, "sockbroker: unknown command '%s'\nTry 'sockbroker --help'.\n", cmd);
        return EXIT_USAGE;
}
