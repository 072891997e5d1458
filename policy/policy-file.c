/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-file.c - the I/O around the policy compiler: reading the policy
 * file and its drop-in directory, the ownership and permission checks of
 * strict mode, and the resolver backed by the name service.
 *
 * Every check is made with fstat() on the descriptor that is then read,
 * so what was checked is what is compiled. Drop-in files are opened
 * relative to the directory descriptor that was checked, and are not
 * followed if they are symbolic links: the set of files read is exactly
 * the set of files in that directory.
 *
 * In strict mode the policy file and the drop-in directory are reached
 * by walking their paths from / one component at a time, with O_PATH and
 * O_NOFOLLOW, so that each directory and each symbolic link on the way is
 * checked (policy_path_step()) before anything below it is trusted. A
 * check of the file alone says nothing about who can replace it: the
 * owner of any directory above can. The walk keeps the descriptor of the
 * directory it has checked and opens the next component from it, so no
 * name is looked up twice.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "common/util.h"
#include "policy/policy-compile.h"
#include "policy/policy-internal.h"
#include "policy/policy-path.h"

#define POLICY_FILE_MAX_SIZE (16u << 20)        /* one file */
#define POLICY_LOAD_MAX_SIZE (64u << 20)        /* all files together */
#define NSS_BUFFER_MAX (1u << 20)
#define POLICY_MAX_SYMLINKS 32u                 /* followed in one walk, as the kernel's 40 */

struct load {
        struct policy_source sources[POLICY_MAX_FILES];
        char *names[POLICY_MAX_FILES];
        char *texts[POLICY_MAX_FILES];
        size_t n;
        size_t total;
};

static struct load *load_free(struct load *l)
{
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                free(l->names[i]);
                free(l->texts[i]);
        }
        free(l);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct load *, load_free)

static void closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}

/* Fills err about path and returns r; errno is set to -r for %m. */
_printf_(4, 5)
static int load_error(struct policy_error *err, const char *path, int r, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return r;
        *err = (struct policy_error){};
        (void)snprintf(err->file, sizeof(err->file), "%s", path);
        errno = -r;
        va_start(ap, fmt);
        (void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        return r;
}

/* "NAME is " before a reason, or nothing when name is NULL: the file the
 * error is about, which the error names already. */
#define SUBJECT(name) ((name) ? (name) : ""), ((name) ? " is " : "")

/* Refuses what is not a directory (dir) or not a regular file. */
static int check_type(const struct stat *st, bool dir, const char *path, const char *name,
                      struct policy_error *err)
{
        if (dir && !S_ISDIR(st->st_mode))
                return load_error(err, path, -ENOTDIR, "refusing: %s%snot a directory", SUBJECT(name));
        if (!dir && !S_ISREG(st->st_mode))
                return load_error(err, path, S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL,
                                  "refusing: %s%snot a regular file", SUBJECT(name));
        return 0;
}

/* Refuses a file of procfs, sysfs and their kind: their content is the
 * kernel's, and often the choice of whoever runs a process. */
static int check_fs(int fd, const char *path, const char *name, struct policy_error *err)
{
        struct statfs sfs;
        const char *fs;

        if (fstatfs(fd, &sfs) < 0)
                return load_error(err, path, negative_errno(), "cannot stat the file system: %m");
        fs = policy_path_pseudo_fs((uint32_t)sfs.f_type);
        if (fs)
                return load_error(err, path, -EPERM, "refusing: %s%son %s, a kernel pseudo-file system",
                                  SUBJECT(name), fs);
        return 0;
}

static int check_fd(int fd, const char *path, bool strict, bool dir, struct policy_error *err)
{
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return load_error(err, path, negative_errno(), "cannot stat: %m");

        r = check_type(&st, dir, path, NULL, err);
        if (r < 0)
                return r;

        if (strict) {
                if (st.st_uid != 0)
                        return load_error(err, path, -EPERM, "refusing: not owned by root (uid %u)",
                                          (unsigned)st.st_uid);
                /* With a POSIX ACL the group bits are its mask, so a write
                 * grant to any named user or group shows here too. */
                if (st.st_mode & (S_IWGRP | S_IWOTH))
                        return load_error(err, path, -EPERM,
                                          "refusing: writable by group or others (mode %04o)",
                                          (unsigned)(st.st_mode & 07777));
                return check_fs(fd, path, NULL, err);
        }
        return 0;
}

/* ---- strict mode's walk ---- */

struct walk {
        const char *path;       /* what was asked for: the errors are about it */
        int fd;                 /* O_PATH descriptor of the directory reached */
        struct stat st;         /* and its fstat() */
        char name[PATH_MAX];    /* its path, links resolved; "" for / */
};

static void walk_done(struct walk *w)
{
        w->fd = safe_close(w->fd);
}

/* name for a message: NULL when it is the path asked for. */
static const char *walk_subject(const struct walk *w, const char *name)
{
        if (!name[0])
                name = "/";
        return streq(name, w->path) ? NULL : name;
}

static int walk_open_error(const struct walk *w, const char *name, int r, struct policy_error *err)
{
        const char *s = walk_subject(w, name);

        if (s)
                return load_error(err, w->path, r, "cannot open %s: %m", s);
        return load_error(err, w->path, r, "cannot open: %m");
}

static int walk_step(const struct walk *w, const struct stat *dir, const char *dir_name,
                     const struct stat *entry, const char *entry_name, bool last,
                     struct policy_error *err)
{
        char why[sizeof_field(struct policy_error, message)];
        int r;

        r = policy_path_step(dir, walk_subject(w, dir_name), entry, walk_subject(w, entry_name),
                             last, why, sizeof(why));
        if (r < 0)
                return load_error(err, w->path, r, "refusing: %s", why);
        return 0;
}

/* Makes fd, a directory checked as name, the one the walk has reached. */
static void walk_enter(struct walk *w, int fd, const struct stat *st, const char *name)
{
        safe_close(w->fd);
        w->fd = fd;
        w->st = *st;
        if (w->name != name)
                (void)snprintf(w->name, sizeof(w->name), "%s", name);
}

/* Goes to fd, a directory reached without a step down (/ or ".."), and
 * checks it as its own entry. Takes fd. */
static int walk_jump(struct walk *w, int fd, const char *name, struct policy_error *err)
{
        struct stat st;
        int r;

        if (fd < 0)
                return walk_open_error(w, name, negative_errno(), err);
        if (fstat(fd, &st) < 0) {
                r = negative_errno();
                safe_close(fd);
                return load_error(err, w->path, r, "cannot stat: %m");
        }
        r = walk_step(w, &st, name, &st, name, false, err);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        walk_enter(w, fd, &st, name);
        return 0;
}

static int walk_root(struct walk *w, struct policy_error *err)
{
        return walk_jump(w, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), "", err);
}

static int walk_up(struct walk *w, struct policy_error *err)
{
        char name[PATH_MAX];
        char *slash;

        (void)snprintf(name, sizeof(name), "%s", w->name);
        slash = strrchr(name, '/');
        if (slash)
                *slash = '\0';
        return walk_jump(w, openat(w->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC), name, err);
}

/* Opens the last component, entry (name in the directory reached), to be
 * read, checks it on the descriptor that is returned and gives that.
 * slash: the path ends with one, so entry must be a directory. */
static int walk_finish(struct walk *w, const char *entry, const char *name, const struct stat *st,
                       bool slash, bool dir, int *ret, struct policy_error *err)
{
        _cleanup_close_ int fd = -1;
        struct stat st_open;
        int r;

        if (slash && !S_ISDIR(st->st_mode))
                return walk_open_error(w, entry, -ENOTDIR, err);
        /* Before opening to read: a FIFO or a device is not even opened. */
        r = check_type(st, dir, w->path, walk_subject(w, entry), err);
        if (r < 0)
                return r;

        fd = openat(w->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
                                 (dir ? O_DIRECTORY : O_NOCTTY | O_NONBLOCK));
        if (fd < 0)
                return walk_open_error(w, entry, negative_errno(), err);
        if (fstat(fd, &st_open) < 0)
                return load_error(err, w->path, negative_errno(), "cannot stat: %m");

        r = check_type(&st_open, dir, w->path, walk_subject(w, entry), err);
        if (r < 0)
                return r;
        /* "." is the directory reached, which is then its own entry. */
        r = walk_step(w, streq(name, ".") ? &st_open : &w->st, streq(name, ".") ? entry : w->name,
                      &st_open, entry, true, err);
        if (r < 0)
                return r;
        r = check_fs(fd, w->path, walk_subject(w, entry), err);
        if (r < 0)
                return r;

        *ret = TAKE_FD(fd);
        return 0;
}

/*
 * Strict mode's open: walks path from / (a relative path from the working
 * directory's) and returns a descriptor of it, open to be read, a
 * directory when dir. Every component is opened from the directory
 * before it with O_NOFOLLOW and must pass policy_path_step(); a symbolic
 * link, once it has, is followed by walking its target on from its
 * directory (or from / when it is absolute).
 */
static int walk_open(const char *path, bool dir, int *ret, struct policy_error *err)
{
        _cleanup_(walk_done) struct walk w = { .path = path, .fd = -1 };
        char todo[PATH_MAX], entry[PATH_MAX];
        unsigned links = 0;
        const char *p;
        int r;

        if (path[0] == '/')
                r = snprintf(todo, sizeof(todo), "%s", path);
        else {
                char cwd[PATH_MAX];

                if (!getcwd(cwd, sizeof(cwd)))
                        return load_error(err, path, negative_errno(),
                                          "cannot resolve the working directory: %m");
                if (cwd[0] != '/')      /* outside our root: "(unreachable)/..." */
                        return load_error(err, path, -EINVAL, "the working directory is unreachable");
                r = snprintf(todo, sizeof(todo), "%s/%s", cwd, path);
        }
        if (r < 0 || (size_t)r >= sizeof(todo))
                return load_error(err, path, -ENAMETOOLONG, "refusing: path too long");

        r = walk_root(&w, err);
        if (r < 0)
                return r;

        for (p = todo;;) {
                _cleanup_close_ int fd = -1;
                char name[NAME_MAX + 1];
                struct stat st;
                size_t n;
                bool last;

                p += strspn(p, "/");
                if (!*p)        /* the path ends at the directory reached */
                        return walk_finish(&w, w.name, ".", &w.st, false, dir, ret, err);

                n = strcspn(p, "/");
                if (n > NAME_MAX)
                        return load_error(err, path, -ENAMETOOLONG, "refusing: a name too long");
                memcpy(name, p, n);
                name[n] = '\0';
                p += n;
                last = p[strspn(p, "/")] == '\0';

                if (streq(name, "."))
                        continue;
                if (streq(name, "..")) {
                        r = walk_up(&w, err);
                        if (r < 0)
                                return r;
                        continue;
                }

                r = snprintf(entry, sizeof(entry), "%s/%s", w.name, name);
                if (r < 0 || (size_t)r >= sizeof(entry))
                        return load_error(err, path, -ENAMETOOLONG, "refusing: path too long");

                fd = openat(w.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return walk_open_error(&w, entry, negative_errno(), err);
                if (fstat(fd, &st) < 0)
                        return load_error(err, path, negative_errno(), "cannot stat %s: %m", entry);

                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX], next[PATH_MAX];
                        ssize_t k;

                        r = walk_step(&w, &w.st, w.name, &st, entry, false, err);
                        if (r < 0)
                                return r;
                        if (++links > POLICY_MAX_SYMLINKS)
                                return load_error(err, path, -ELOOP,
                                                  "refusing: more than %u symbolic links",
                                                  POLICY_MAX_SYMLINKS);
                        /* From the descriptor checked: the link itself. */
                        k = readlinkat(fd, "", target, sizeof(target));
                        if (k < 0)
                                return load_error(err, path, negative_errno(),
                                                  "cannot read the symbolic link %s: %m", entry);
                        if ((size_t)k >= sizeof(target))
                                return load_error(err, path, -ENAMETOOLONG,
                                                  "refusing: %s points to a path too long", entry);
                        if (k == 0)
                                return load_error(err, path, -ENOENT,
                                                  "cannot open: %s is an empty symbolic link", entry);
                        target[k] = '\0';

                        /* The rest of the path (p) goes on from the target. */
                        r = snprintf(next, sizeof(next), "%s%s", target, p);
                        if (r < 0 || (size_t)r >= sizeof(next))
                                return load_error(err, path, -ENAMETOOLONG, "refusing: path too long");
                        memcpy(todo, next, (size_t)r + 1);
                        p = todo;
                        if (target[0] == '/') {
                                r = walk_root(&w, err);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }

                if (last)
                        return walk_finish(&w, entry, name, &st, *p == '/', dir, ret, err);

                if (!S_ISDIR(st.st_mode))
                        return walk_open_error(&w, entry, -ENOTDIR, err);
                r = walk_step(&w, &w.st, w.name, &st, entry, false, err);
                if (r < 0)
                        return r;
                walk_enter(&w, TAKE_FD(fd), &st, entry);
        }
}

static int read_fd(int fd, const char *path, size_t max, char **ret, size_t *ret_len,
                   struct policy_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, allocated = 0;

        for (;;) {
                ssize_t k;

                if (len == allocated) {
                        size_t n = allocated ? allocated * 2 : 4096;
                        char *p;

                        if (allocated > max)
                                return load_error(err, path, -EFBIG, "refusing: larger than %zu bytes",
                                                  max);
                        if (n > max + 1)
                                n = max + 1;
                        p = realloc(buf, n);
                        if (!p)
                                return load_error(err, path, -ENOMEM, "%m");
                        buf = p;
                        allocated = n;
                }

                k = read(fd, buf + len, allocated - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return load_error(err, path, negative_errno(), "cannot read: %m");
                }
                if (k == 0)
                        break;
                len += (size_t)k;
        }

        if (len > max)
                return load_error(err, path, -EFBIG, "refusing: larger than %zu bytes", max);

        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int load_add(struct load *l, const char *path, int fd, struct policy_error *err)
{
        _cleanup_free_ char *name = NULL, *text = NULL;
        size_t len = 0;
        int r;

        if (l->n >= POLICY_MAX_FILES)
                return load_error(err, path, -E2BIG, "refusing: more than %u policy files",
                                  POLICY_MAX_FILES);

        r = read_fd(fd, path, POLICY_FILE_MAX_SIZE, &text, &len, err);
        if (r < 0)
                return r;
        if (len > POLICY_LOAD_MAX_SIZE - l->total)
                return load_error(err, path, -EFBIG, "refusing: policy files larger than %u bytes in total",
                                  POLICY_LOAD_MAX_SIZE);

        name = strdup(path);
        if (!name)
                return load_error(err, path, -ENOMEM, "%m");

        l->total += len;
        l->sources[l->n] = (struct policy_source){ .name = name, .text = text, .len = len };
        l->names[l->n] = TAKE_PTR(name);
        l->texts[l->n] = TAKE_PTR(text);
        l->n++;
        return 0;
}

static bool dropin_name_is_valid(const char *name)
{
        size_t n = strlen(name);

        return name[0] != '.' && n > strlen(".conf") && strcmp(name + n - strlen(".conf"), ".conf") == 0;
}

static int strcmp_ptr(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
}

/* Reads the *.conf names in the directory, sorted by strcmp(). */
static int dropin_list(int dfd, const char *dir, char **names, size_t max, size_t *ret_n,
                       struct policy_error *err)
{
        _cleanup_(closedirp) DIR *d = NULL;
        size_t n = 0;
        int fd;

        /* fdopendir() takes the descriptor: give it its own. */
        fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return load_error(err, dir, negative_errno(), "%m");
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();

                safe_close(fd);
                return load_error(err, dir, r, "cannot read directory: %m");
        }

        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0) {
                                int r = negative_errno();

                                names_free(names, n);
                                return load_error(err, dir, r, "cannot read directory: %m");
                        }
                        break;
                }
                if (!dropin_name_is_valid(de->d_name))
                        continue;
                if (n >= max) {
                        names_free(names, n);
                        return load_error(err, dir, -E2BIG, "refusing: more than %zu drop-in files",
                                          max);
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        names_free(names, n);
                        return load_error(err, dir, -ENOMEM, "%m");
                }
                n++;
        }

        qsort(names, n, sizeof(*names), strcmp_ptr);
        *ret_n = n;
        return 0;
}

static char *path_join(const char *dir, const char *name)
{
        size_t a = strlen(dir), b = strlen(name);
        char *p = malloc(a + 1 + b + 1);

        if (!p)
                return NULL;
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
        return p;
}

static int load_dropins(struct load *l, const char *dir, bool strict, struct policy_error *err)
{
        _cleanup_close_ int dfd = -1;
        char *names[POLICY_MAX_FILES];
        size_t n = 0;
        int r;

        if (strict) {
                r = walk_open(dir, true, &dfd, err);
                if (r == -ENOENT) {     /* no drop-ins: what would be there is never read */
                        if (err)
                                *err = (struct policy_error){};
                        return 0;
                }
                if (r < 0)
                        return r;
        } else {
                dfd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
                if (dfd < 0) {
                        if (errno == ENOENT)
                                return 0;
                        return load_error(err, dir, negative_errno(), "cannot open: %m");
                }
                r = check_fd(dfd, dir, strict, true, err);
                if (r < 0)
                        return r;
        }

        r = dropin_list(dfd, dir, names, POLICY_MAX_FILES - l->n, &n, err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = -1;
                _cleanup_free_ char *path = NULL;

                path = path_join(dir, names[i]);
                if (!path) {
                        r = load_error(err, dir, -ENOMEM, "%m");
                        break;
                }

                fd = openat(dfd, names[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
                if (fd < 0) {
                        if (errno == ENOENT)    /* removed since readdir(): as if never there */
                                continue;
                        if (errno == ELOOP)
                                r = load_error(err, path, -ELOOP, "refusing: a symbolic link");
                        else
                                r = load_error(err, path, negative_errno(), "cannot open: %m");
                        break;
                }

                r = check_fd(fd, path, strict, false, err);
                if (r < 0)
                        break;
                r = load_add(l, path, fd, err);
                if (r < 0)
                        break;
        }

        names_free(names, n);
        return r;
}

static int load(const char *path, const char *dropin_dir, bool strict,
                const struct policy_resolver *resolver, bool index,
                policy **ret, struct policy_error *err)
{
        _cleanup_(load_freep) struct load *l = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (err)
                *err = (struct policy_error){};
        if (!path || !ret)
                return load_error(err, "", -EINVAL, "invalid arguments");

        l = calloc(1, sizeof(*l));
        if (!l)
                return load_error(err, path, -ENOMEM, "%m");

        /* The main path may be a symbolic link (configuration management
         * likes them); in strict mode it is followed only as the walk
         * allows, and what it points to is checked like any file. */
        if (strict) {
                r = walk_open(path, false, &fd, err);
                if (r < 0)
                        return r;
        } else {
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0)
                        return load_error(err, path, negative_errno(), "cannot open: %m");
                r = check_fd(fd, path, strict, false, err);
                if (r < 0)
                        return r;
        }
        r = load_add(l, path, fd, err);
        if (r < 0)
                return r;

        if (dropin_dir) {
                r = load_dropins(l, dropin_dir, strict, err);
                if (r < 0)
                        return r;
        }

        return index ? policy_compile(l->sources, l->n, resolver, ret, err)
                     : policy_compile_rules(l->sources, l->n, resolver, ret, err);
}

int policy_load(const char *path, const char *dropin_dir, bool strict,
                const struct policy_resolver *resolver,
                policy **ret, struct policy_error *err)
{
        return load(path, dropin_dir, strict, resolver, true, ret, err);
}

int policy_load_rules(const char *path, const char *dropin_dir, bool strict,
                      const struct policy_resolver *resolver,
                      policy **ret, struct policy_error *err)
{
        return load(path, dropin_dir, strict, resolver, false, ret, err);
}

/* getpwnam_r(3): these errors, like a NULL result, mean "no such name". */
static bool nss_not_found(int r)
{
        return r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM;
}

static size_t nss_buffer_size(int name)
{
        long n = sysconf(name);

        return n > 0 && (unsigned long)n < NSS_BUFFER_MAX ? (size_t)n : 4096;
}

/* One lookup with a buffer of size bytes: 0 and the id, or getpwnam_r's
 * and getgrnam_r's error (ERANGE: try a larger buffer). */
typedef int (*nss_lookup)(const char *name, char *buf, size_t size, uint32_t *ret);

static int lookup_user(const char *name, char *buf, size_t size, uint32_t *ret)
{
        struct passwd pw, *result = NULL;
        int r = getpwnam_r(name, &pw, buf, size, &result);

        if (r == 0 && result)
                *ret = pw.pw_uid;
        return r == 0 && !result ? ENOENT : r;
}

static int lookup_group(const char *name, char *buf, size_t size, uint32_t *ret)
{
        struct group gr, *result = NULL;
        int r = getgrnam_r(name, &gr, buf, size, &result);

        if (r == 0 && result)
                *ret = gr.gr_gid;
        return r == 0 && !result ? ENOENT : r;
}

/* Runs lookup with ever larger buffers, as the NSS functions ask. */
static int nss_resolve(nss_lookup lookup, int size_name, const char *name, uint32_t *ret)
{
        for (size_t size = nss_buffer_size(size_name); size <= NSS_BUFFER_MAX; size *= 2) {
                _cleanup_free_ char *buf = malloc(size);
                int r;

                if (!buf)
                        return -ENOMEM;
                r = lookup(name, buf, size, ret);
                if (r == 0)
                        return 0;
                if (r == ERANGE)
                        continue;
                return nss_not_found(r) ? -ENOENT : -r;
        }
        return -ERANGE;
}

static int resolve_user(const char *name, uid_t *ret, void *userdata)
{
        uint32_t id;
        int r;

        (void)userdata;
        r = nss_resolve(lookup_user, _SC_GETPW_R_SIZE_MAX, name, &id);
        if (r == 0)
                *ret = (uid_t)id;
        return r;
}

static int resolve_group(const char *name, gid_t *ret, void *userdata)
{
        uint32_t id;
        int r;

        (void)userdata;
        r = nss_resolve(lookup_group, _SC_GETGR_R_SIZE_MAX, name, &id);
        if (r == 0)
                *ret = (gid_t)id;
        return r;
}

const struct policy_resolver policy_resolver_system = {
        .user = resolve_user,
        .group = resolve_group,
};
