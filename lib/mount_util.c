/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mount options: which -o options belong to mounting, how they are checked, and how they are
 * rendered for the three consumers, which do not agree on a syntax. mount(2) takes MS_* flags
 * plus a kernel data string (fd=,rootmode=,... and the fuse options the kernel parses itself);
 * fusermount3 takes one -o list of words it knows, with commas in values escaped; and the
 * source and type name the mount in /proc/self/mountinfo. lib/mount.c does the mounting.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuse_log.h"
#include "fuse_opt.h"
#include "mount_i.h"

/* libfuse mounts nosuid,nodev unless told otherwise, even as root. */
#define MOUNT_DEFAULT_FLAGS (MS_NOSUID | MS_NODEV)
#define MOUNT_ATIME_MASK (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/* Flag words. `helper` names the word fusermount3 (3.14) accepts for the set state. */
struct mount_flag_word {
	const char *name;
	unsigned long set;
	unsigned long clear;
	int helper;
};

static const struct mount_flag_word mount_flag_words[] = {
	{ "rw", 0, MS_RDONLY, 1 },
	{ "ro", MS_RDONLY, 0, 1 },
	{ "suid", 0, MS_NOSUID, 1 },
	{ "nosuid", MS_NOSUID, 0, 1 },
	{ "dev", 0, MS_NODEV, 1 },
	{ "nodev", MS_NODEV, 0, 1 },
	{ "exec", 0, MS_NOEXEC, 1 },
	{ "noexec", MS_NOEXEC, 0, 1 },
	{ "async", 0, MS_SYNCHRONOUS, 1 },
	{ "sync", MS_SYNCHRONOUS, 0, 1 },
	{ "atime", 0, MS_NOATIME, 1 },
	{ "noatime", MS_NOATIME, MS_RELATIME | MS_STRICTATIME, 1 },
	{ "dirsync", MS_DIRSYNC, 0, 1 },
	{ "nodirsync", 0, MS_DIRSYNC, 0 },
	{ "diratime", 0, MS_NODIRATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0, 0 },
	{ "relatime", MS_RELATIME, MS_NOATIME | MS_STRICTATIME, 0 },
	{ "norelatime", 0, MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, MS_NOATIME | MS_RELATIME, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME, 0 },
	{ "lazytime", MS_LAZYTIME, 0, 0 },
	{ "nolazytime", 0, MS_LAZYTIME, 0 },
};

#define MOUNT_N_FLAG_WORDS (sizeof(mount_flag_words) / sizeof(mount_flag_words[0]))

enum {
	KEY_FLAG = 1,
	KEY_ALLOW_OTHER,
	KEY_ALLOW_ROOT,
	KEY_DEFAULT_PERMISSIONS,
	KEY_BLKDEV,
	KEY_AUTO_UNMOUNT,
	KEY_NONEMPTY,
	KEY_FSNAME,
	KEY_SUBTYPE,
	KEY_MAX_READ,
	KEY_BLKSIZE,
	KEY_LSM,
};

#define MOUNT_FLAG(name) FUSE_OPT_KEY(name, KEY_FLAG)

static const struct fuse_opt mount_opt_spec[] = {
	MOUNT_FLAG("rw"), MOUNT_FLAG("ro"), MOUNT_FLAG("suid"), MOUNT_FLAG("nosuid"),
	MOUNT_FLAG("dev"), MOUNT_FLAG("nodev"), MOUNT_FLAG("exec"), MOUNT_FLAG("noexec"),
	MOUNT_FLAG("async"), MOUNT_FLAG("sync"), MOUNT_FLAG("atime"), MOUNT_FLAG("noatime"),
	MOUNT_FLAG("dirsync"), MOUNT_FLAG("nodirsync"), MOUNT_FLAG("diratime"),
	MOUNT_FLAG("nodiratime"), MOUNT_FLAG("relatime"), MOUNT_FLAG("norelatime"),
	MOUNT_FLAG("strictatime"), MOUNT_FLAG("nostrictatime"), MOUNT_FLAG("lazytime"),
	MOUNT_FLAG("nolazytime"),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	FUSE_OPT_KEY("allow_root", KEY_ALLOW_ROOT),
	FUSE_OPT_KEY("default_permissions", KEY_DEFAULT_PERMISSIONS),
	FUSE_OPT_KEY("blkdev", KEY_BLKDEV),
	FUSE_OPT_KEY("auto_unmount", KEY_AUTO_UNMOUNT),
	FUSE_OPT_KEY("nonempty", KEY_NONEMPTY),
	FUSE_OPT_KEY("fsname=", KEY_FSNAME),
	FUSE_OPT_KEY("subtype=", KEY_SUBTYPE),
	FUSE_OPT_KEY("max_read=", KEY_MAX_READ),
	FUSE_OPT_KEY("blksize=", KEY_BLKSIZE),
	FUSE_OPT_KEY("context=", KEY_LSM),
	FUSE_OPT_KEY("fscontext=", KEY_LSM),
	FUSE_OPT_KEY("defcontext=", KEY_LSM),
	FUSE_OPT_KEY("rootcontext=", KEY_LSM),
	FUSE_OPT_END
};

static const struct mount_flag_word *mount_flag_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < MOUNT_N_FLAG_WORDS; i++) {
		if (strcmp(mount_flag_words[i].name, name) == 0)
			return &mount_flag_words[i];
	}
	return NULL;
}

/* Whole decimal number in 0..UINT_MAX; no sign, no trailing junk. */
static int mount_parse_uint(const char *text, unsigned int *out)
{
	unsigned long long v;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT_MAX)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int mount_set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Appends item to a comma separated list kept in *list. */
static int mount_list_add(char **list, const char *item)
{
	size_t old = *list ? strlen(*list) : 0;
	size_t add = strlen(item);
	char *grown;

	grown = realloc(*list, old + add + 2);
	if (!grown)
		return -ENOMEM;
	if (old)
		grown[old++] = ',';
	memcpy(grown + old, item, add + 1);
	*list = grown;
	return 0;
}

/* The text after '=' of a "name=value" option. */
static const char *mount_opt_value(const char *arg)
{
	const char *eq = strchr(arg, '=');

	return eq ? eq + 1 : "";
}

/*
 * fuse_opt_parse's callback: returns 0 to take an option out of args, 1 to leave it for the
 * session's parser, -1 to fail the parse (after logging why).
 */
static int mount_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct fuse__mount_opts *mo = data;
	const struct mount_flag_word *w;
	const char *value;
	int err = 0;

	(void)outargs;
	switch (key) {
	case FUSE_OPT_KEY_OPT:
		/*
		 * x-* options are notes for userspace tools (systemd, mount(8) helpers) that
		 * reach us through mount.fuse3 command lines. The kernel has no use for them
		 * and fusermount3 3.14 refuses them as unknown, so they stop here.
		 */
		if (strncmp(arg, "x-", 2) == 0)
			return 0;
		return 1;
	case KEY_FLAG:
		w = mount_flag_lookup(arg);
		if (!w)
			return 1;
		mo->flags = (mo->flags & ~w->clear) | w->set;
		return 0;
	case KEY_ALLOW_OTHER:
		mo->allow_other = 1;
		return 0;
	case KEY_ALLOW_ROOT:
		mo->allow_root = 1;
		return 0;
	case KEY_DEFAULT_PERMISSIONS:
		mo->default_permissions = 1;
		return 0;
	case KEY_BLKDEV:
		mo->blkdev = 1;
		return 0;
	case KEY_AUTO_UNMOUNT:
		mo->auto_unmount = 1;
		return 0;
	case KEY_NONEMPTY:
		/* Mounting over a non-empty directory is always allowed by FUSE 3 kernels. */
		fuse_log(FUSE_LOG_INFO,
			 "fuse: note: option nonempty is ignored (FUSE 3 mounts on non-empty "
			 "directories)\n");
		return 0;
	case KEY_FSNAME:
		value = mount_opt_value(arg);
		err = mount_set_string(&mo->fsname, value);
		break;
	case KEY_SUBTYPE:
		value = mount_opt_value(arg);
		if (value[0] == '\0') {
			fuse_log(FUSE_LOG_ERR, "fuse: empty subtype= is not a valid file system type\n");
			return -1;
		}
		err = mount_set_string(&mo->subtype, value);
		break;
	case KEY_MAX_READ:
		value = mount_opt_value(arg);
		if (mount_parse_uint(value, &mo->max_read) < 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid max_read=%s: must be a whole number of bytes\n",
				 value);
			return -1;
		}
		return 0;
	case KEY_BLKSIZE:
		value = mount_opt_value(arg);
		if (mount_parse_uint(value, &mo->blksize) < 0 || mo->blksize < 512 ||
		    mo->blksize > 65536 || (mo->blksize & (mo->blksize - 1)) != 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid blksize=%s: must be a power of two from 512 to 65536\n",
				 value);
			return -1;
		}
		return 0;
	case KEY_LSM:
		err = mount_list_add(&mo->lsm_opts, arg);
		break;
	default:
		return 1;
	}
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: cannot store mount option %s: %s\n", arg,
			 strerror(-err));
		return -1;
	}
	return 0;
}

static const char *mount_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Checks that need the whole set of options, not one at a time. */
static int mount_opts_check(const struct fuse__mount_opts *mo)
{
	if (mo->allow_other && mo->allow_root) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: 'allow_other' and 'allow_root' options are mutually exclusive\n");
		return -EINVAL;
	}
	if (mo->blksize && !mo->blkdev) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: blksize= only applies to block device mounts (-o blkdev)\n");
		return -EINVAL;
	}
	if (mo->blkdev && !mo->fsname) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: -o blkdev needs fsname=<block device> to name the device\n");
		return -EINVAL;
	}
	return 0;
}

struct fuse__mount_opts *fuse__mount_opts_parse(struct fuse_args *args)
{
	struct fuse__mount_opts *mo;
	char *prog = NULL;

	mo = calloc(1, sizeof(*mo));
	if (!mo)
		goto nomem;
	mo->flags = MOUNT_DEFAULT_FLAGS;
	mo->commfd = -1;

	if (args) {
		/* A copy: fuse_opt_parse replaces args->argv, and argv[0] with it. */
		if (args->argc > 0 && args->argv && args->argv[0]) {
			prog = strdup(mount_basename(args->argv[0]));
			if (!prog)
				goto nomem;
		}
		if (fuse_opt_parse(args, mo, mount_opt_spec, mount_opt_proc) == -1)
			goto fail;
	}
	if (mount_opts_check(mo) < 0)
		goto fail;
	/*
	 * Without fsname or subtype, libfuse names the mount after the program twice
	 * ("fuse.hello hello"), so that mount listings say which daemon serves it.
	 */
	if (!mo->fsname && !mo->subtype && prog && prog[0] != '\0' && prog[0] != '-') {
		mo->subtype = prog;
		prog = NULL;
	}
	free(prog);
	return mo;

nomem:
	fuse_log(FUSE_LOG_ERR, "fuse: cannot allocate mount options\n");
fail:
	free(prog);
	fuse__mount_opts_free(mo);
	return NULL;
}

void fuse__mount_opts_free(struct fuse__mount_opts *mo)
{
	if (!mo)
		return;
	/*
	 * Closing the socket is what tells an auto_unmount fusermount3 to unmount: a session
	 * destroyed without an explicit unmount still gets cleaned up, as the option promises.
	 */
	if (mo->commfd >= 0)
		(void)close(mo->commfd);
	/* Reap it if it is already done; never wait here, it may still be unmounting. */
	if (mo->helper_pid > 0)
		(void)waitpid(mo->helper_pid, NULL, WNOHANG);
	free(mo->fsname);
	free(mo->subtype);
	free(mo->lsm_opts);
	free(mo);
}

int fuse__mount_opts_allow_root(const struct fuse__mount_opts *mo)
{
	return mo ? mo->allow_root : 0;
}

unsigned int fuse__mount_opts_max_read(const struct fuse__mount_opts *mo)
{
	return mo ? mo->max_read : 0;
}

void fuse__mount_help(void)
{
	printf("    -o allow_other           allow access by all users (non-root users need\n"
	       "                             user_allow_other in /etc/fuse.conf)\n"
	       "    -o allow_root            allow access by root and the mounting user\n"
	       "    -o auto_unmount          unmount when the daemon exits (uses fusermount3)\n"
	       "    -o default_permissions   let the kernel check permissions from the modes\n"
	       "    -o fsname=NAME           mount source shown in mount listings\n"
	       "    -o subtype=NAME          file system type shown as fuse.NAME\n"
	       "    -o ro|rw, [no]suid, [no]dev, [no]exec, sync|async, [no]atime, relatime,\n"
	       "       strictatime, [no]diratime, [no]dirsync, [no]lazytime\n"
	       "                             mount flags (default: rw,nosuid,nodev)\n"
	       "    -o max_read=N            largest read request, in bytes\n"
	       "    -o blkdev                mount as fuseblk on the device named by fsname=\n"
	       "    -o blksize=N             block size of a blkdev mount (512..65536)\n"
	       "    -o context=, fscontext=, defcontext=, rootcontext=\n"
	       "                             security labels for the mount (SELinux)\n"
	       "    -o x-NAME[=VALUE]        notes for userspace tools, accepted and ignored\n"
	       "    -o nonempty              accepted and ignored (always allowed)\n");
}

/* A bounded string builder: the first error sticks, so callers check once at the end. */
struct mount_buf {
	char *p;
	size_t size;
	size_t len;
	int err;
};

static void mount_buf_init(struct mount_buf *b, char *p, size_t size)
{
	b->p = p;
	b->size = p ? size : 0;
	b->len = 0;
	b->err = 0;
	if (b->p && b->size)
		b->p[0] = '\0';
}

static void mount_buf_putc(struct mount_buf *b, char c)
{
	if (!b->p || b->err)
		return;
	if (b->len + 1 >= b->size) {
		b->err = -ENAMETOOLONG;
		return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* Adds one comma separated item: name, then value (escaped when asked) if not NULL. */
static void mount_buf_item(struct mount_buf *b, const char *name, const char *value,
			   int escape)
{
	const char *s;

	if (b->len)
		mount_buf_putc(b, ',');
	for (s = name; *s; s++)
		mount_buf_putc(b, *s);
	if (!value)
		return;
	for (s = value; *s; s++) {
		if (escape && (*s == ',' || *s == '\\'))
			mount_buf_putc(b, '\\');
		mount_buf_putc(b, *s);
	}
}

static void mount_buf_uint(struct mount_buf *b, const char *name, unsigned int v)
{
	char num[16];

	(void)snprintf(num, sizeof(num), "%u", v);
	mount_buf_item(b, name, num, 0);
}

int fuse__mount_opts_render(const struct fuse__mount_opts *mo, char *kernel_opts,
			    size_t kernel_size, unsigned long *mountflags,
			    char *fusermount_opts, size_t fusermount_size)
{
	struct mount_buf k, h;
	size_t i;

	if (!mo)
		return -EINVAL;
	mount_buf_init(&k, kernel_opts, kernel_size);
	mount_buf_init(&h, fusermount_opts, fusermount_size);
	if (mountflags)
		*mountflags = mo->flags;

	/* fusermount3 rebuilds the flags from words; it knows only some of them. */
	mount_buf_item(&h, (mo->flags & MS_RDONLY) ? "ro" : "rw", NULL, 0);
	for (i = 0; i < MOUNT_N_FLAG_WORDS; i++) {
		const struct mount_flag_word *w = &mount_flag_words[i];

		if (!w->helper || w->set == MS_RDONLY || w->clear == MS_RDONLY)
			continue;
		/* Set flags by their word; suid and dev only when the default was lifted. */
		if (w->set && (mo->flags & w->set) == w->set)
			mount_buf_item(&h, w->name, NULL, 0);
		else if (!w->set && (w->clear & MOUNT_DEFAULT_FLAGS) && !(mo->flags & w->clear))
			mount_buf_item(&h, w->name, NULL, 0);
	}

	if (mo->default_permissions) {
		mount_buf_item(&k, "default_permissions", NULL, 0);
		mount_buf_item(&h, "default_permissions", NULL, 0);
	}
	/*
	 * allow_root is allow_other to the kernel and to fusermount3 (3.14 refuses the word
	 * allow_root); the session refuses everyone but the owner and root.
	 */
	if (mo->allow_other || mo->allow_root) {
		mount_buf_item(&k, "allow_other", NULL, 0);
		mount_buf_item(&h, "allow_other", NULL, 0);
	}
	if (mo->max_read) {
		mount_buf_uint(&k, "max_read=", mo->max_read);
		mount_buf_uint(&h, "max_read=", mo->max_read);
	}
	if (mo->blksize) {
		mount_buf_uint(&k, "blksize=", mo->blksize);
		mount_buf_uint(&h, "blksize=", mo->blksize);
	}
	if (mo->lsm_opts) {
		mount_buf_item(&k, mo->lsm_opts, NULL, 0);
		mount_buf_item(&h, mo->lsm_opts, NULL, 0);
	}
	if (mo->blkdev)
		mount_buf_item(&h, "blkdev", NULL, 0);
	if (mo->auto_unmount)
		mount_buf_item(&h, "auto_unmount", NULL, 0);
	if (mo->fsname)
		mount_buf_item(&h, "fsname=", mo->fsname, 1);
	if (mo->subtype)
		mount_buf_item(&h, "subtype=", mo->subtype, 1);

	if (k.err)
		return k.err;
	return h.err;
}

int fuse__mount_opts_fstype(const struct fuse__mount_opts *mo, int fold_subtype, char *type,
			    size_t type_size, char *source, size_t source_size)
{
	const char *base = mo && mo->blkdev ? "fuseblk" : "fuse";
	const char *fsname;
	int n;

	if (!mo || !type || !source)
		return -EINVAL;
	fsname = mo->fsname ? mo->fsname : mo->subtype ? mo->subtype : base;
	if (mo->subtype && !fold_subtype)
		n = snprintf(type, type_size, "%s.%s", base, mo->subtype);
	else
		n = snprintf(type, type_size, "%s", base);
	if (n < 0 || (size_t)n >= type_size)
		return -ENAMETOOLONG;
	if (mo->subtype && fold_subtype)
		n = snprintf(source, source_size, "%s#%s", mo->subtype, fsname);
	else
		n = snprintf(source, source_size, "%s", fsname);
	if (n < 0 || (size_t)n >= source_size)
		return -ENAMETOOLONG;
	return 0;
}

int fuse__mount_fd_from_path(const char *mountpoint)
{
	unsigned int fd;

	if (!mountpoint || strncmp(mountpoint, "/dev/fd/", 8) != 0)
		return -1;
	if (mount_parse_uint(mountpoint + 8, &fd) < 0 || fd > INT_MAX)
		return -1;
	return (int)fd;
}
