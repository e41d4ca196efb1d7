/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options of the high-level library (struct fuse_config: -o use_ino, attr_timeout=T, umask=M,
 * remember=T, intr, ...), their defaults, and fuse_lib_help. Options this layer does not know
 * are kept in the argument vector for fuse_session_new, which rejects what nobody knows.
 */
#include "highlevel_i.h"
#include "export_i.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#define CONF_OPT(templ, field, value) { templ, offsetof(struct fuse_config, field), value }

static const struct fuse_opt hl_opts[] = {
	CONF_OPT("-h", show_help, 1),
	CONF_OPT("--help", show_help, 1),
	CONF_OPT("debug", debug, 1),
	CONF_OPT("-d", debug, 1),
	/* the session wants -d/debug too, for its own tracing */
	FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
	CONF_OPT("hard_remove", hard_remove, 1),
	CONF_OPT("use_ino", use_ino, 1),
	CONF_OPT("readdir_ino", readdir_ino, 1),
	CONF_OPT("direct_io", direct_io, 1),
	CONF_OPT("kernel_cache", kernel_cache, 1),
	CONF_OPT("auto_cache", auto_cache, 1),
	CONF_OPT("noauto_cache", auto_cache, 0),
	CONF_OPT("no_rofd_flush", no_rofd_flush, 1),
	CONF_OPT("nullpath_ok", nullpath_ok, 1),
	CONF_OPT("umask=", set_mode, 1),
	CONF_OPT("umask=%o", umask, 0),
	CONF_OPT("uid=", set_uid, 1),
	CONF_OPT("uid=%d", uid, 0),
	CONF_OPT("gid=", set_gid, 1),
	CONF_OPT("gid=%d", gid, 0),
	CONF_OPT("entry_timeout=%lf", entry_timeout, 0),
	CONF_OPT("attr_timeout=%lf", attr_timeout, 0),
	CONF_OPT("ac_attr_timeout=%lf", ac_attr_timeout, 0),
	CONF_OPT("ac_attr_timeout=", ac_attr_timeout_set, 1),
	CONF_OPT("negative_timeout=%lf", negative_timeout, 0),
	CONF_OPT("noforget", remember, -1),
	CONF_OPT("remember=%u", remember, 0),
	CONF_OPT("modules=%s", modules, 0),
	CONF_OPT("intr", intr, 1),
	CONF_OPT("intr_signal=%d", intr_signal, 0),
#if RINGFUSE_ABI >= 318
	/* libfuse 3.17's options (struct fuse_config of the 3.17 layout has the fields). */
	CONF_OPT("fmask=", set_mode, 1),
	CONF_OPT("fmask=%o", fmask, 0),
	CONF_OPT("dmask=", set_mode, 1),
	CONF_OPT("dmask=%o", dmask, 0),
	CONF_OPT("parallel_direct_write=%d", parallel_direct_writes, 0),
#endif
	FUSE_OPT_END
};

/* Everything not ours goes on to fuse_session_new. */
static int hl_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	return 1;
}

int fuse__parse_config(struct fuse *f, struct fuse_args *args)
{
	struct fuse_config *c = &f->conf;

	c->entry_timeout = 1.0;
	c->attr_timeout = 1.0;
	c->negative_timeout = 0.0;
	c->intr_signal = SIGUSR1;
	if (fuse_opt_parse(args, c, hl_opts, hl_opt_proc) == -1)
		return -EINVAL;
	if (c->modules) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: modules=%s: this library has no filesystem modules (iconv, subdir)\n",
			 c->modules);
		return -EINVAL;
	}
	if (c->intr && (c->intr_signal <= 0 || c->intr_signal >= NSIG)) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid intr_signal=%d\n", c->intr_signal);
		return -EINVAL;
	}
	if (c->entry_timeout < 0 || c->attr_timeout < 0 || c->negative_timeout < 0 ||
	    c->ac_attr_timeout < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: timeouts must not be negative\n");
		return -EINVAL;
	}
	if (!c->ac_attr_timeout_set)
		c->ac_attr_timeout = c->attr_timeout;
	f->conf_nullpath_opt = c->nullpath_ok != 0;
	return 0;
}

FUSE_EXPORT void fuse_lib_help(struct fuse_args *args)
{
	(void)args;
	printf(
"    -o hard_remove         remove files at once, even when open (no .fuse_hidden files)\n"
"    -o use_ino             report the filesystem's own inode numbers\n"
"    -o readdir_ino         report known inode numbers in directory listings\n"
"    -o direct_io           bypass the kernel page cache on every open\n"
"    -o kernel_cache        keep the kernel page cache across opens\n"
"    -o [no]auto_cache      keep it only while size and mtime are unchanged (off)\n"
"    -o no_rofd_flush       no flush on close of read-only files (off)\n"
"    -o nullpath_ok         operations on open files may get a NULL path\n"
"    -o umask=M             permissions of every file are 0777 & ~M (octal)\n"
"    -o uid=N               every file is owned by user N\n"
"    -o gid=N               every file belongs to group N\n"
"    -o entry_timeout=T     seconds the kernel may cache names (1.0)\n"
"    -o negative_timeout=T  seconds the kernel may cache missing names (0.0)\n"
"    -o attr_timeout=T      seconds the kernel may cache attributes (1.0)\n"
"    -o ac_attr_timeout=T   attribute age at which auto_cache looks again (attr_timeout)\n"
"    -o noforget            never forget inode numbers\n"
"    -o remember=T          keep forgotten inode numbers for T seconds (0)\n"
"    -o intr                let interrupts reach the filesystem as a signal\n"
"    -o intr_signal=NUM     the signal used by -o intr (%d)\n", SIGUSR1);
#if RINGFUSE_ABI >= 318
	printf(
"    -o fmask=M             permissions of files are 0777 & ~M (octal; before umask=)\n"
"    -o dmask=M             permissions of directories are 0777 & ~M (octal; before umask=)\n"
"    -o parallel_direct_write=1  direct_io files take concurrent writes\n");
#endif
	fuse_lowlevel_help();
}
