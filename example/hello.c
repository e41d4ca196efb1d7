/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hello: the smallest high-level (fuse.h) filesystem. One read-only file in the root whose
 * name and contents come from --name= and --contents= (default "hello" and "Hello World!\n").
 *
 *   hello [options] <mountpoint>
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* renameat2, copy_file_range, fallocate, O_DIRECT */
#endif
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 31
#endif

#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct options {
	const char *filename;
	const char *contents;
	int show_help;
} options;

#define OPTION(t, p) { t, offsetof(struct options, p), 1 }
static const struct fuse_opt option_spec[] = {
	OPTION("--name=%s", filename),
	OPTION("--contents=%s", contents),
	OPTION("-h", show_help),
	OPTION("--help", show_help),
	FUSE_OPT_END
};

static void *hello_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->kernel_cache = 1;
	return NULL;
}

static int is_file(const char *path)
{
	return path[0] == '/' && strcmp(path + 1, options.filename) == 0;
}

static int hello_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (is_file(path)) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(options.contents);
		return 0;
	}
	return -ENOENT;
}

static int hello_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
			 struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)offset;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	(void)filler(buf, ".", NULL, 0, 0);
	(void)filler(buf, "..", NULL, 0, 0);
	(void)filler(buf, options.filename, NULL, 0, 0);
	return 0;
}

static int hello_open(const char *path, struct fuse_file_info *fi)
{
	if (!is_file(path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	return 0;
}

static int hello_read(const char *path, char *buf, size_t size, off_t offset,
		      struct fuse_file_info *fi)
{
	size_t len = strlen(options.contents);

	(void)fi;
	if (!is_file(path))
		return -ENOENT;
	if (offset < 0 || (size_t)offset >= len)
		return 0;
	if (offset + size > len)
		size = len - (size_t)offset;
	memcpy(buf, options.contents + offset, size);
	return (int)size;
}

static const struct fuse_operations hello_oper = {
	.init = hello_init,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

static void show_help(const char *progname)
{
	printf("usage: %s [options] <mountpoint>\n\n", progname);
	printf("File-system specific options:\n"
	       "    --name=<s>          Name of the \"hello\" file (default: \"hello\")\n"
	       "    --contents=<s>      Contents of the \"hello\" file (default \"Hello, World!\\n\")\n"
	       "\n");
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	int ret;

	/* defaults are strdup'd because fuse_opt_parse frees what it replaces */
	options.filename = strdup("hello");
	options.contents = strdup("Hello World!\n");
	if (!options.filename || !options.contents)
		return 1;
	if (fuse_opt_parse(&args, &options, option_spec, NULL) == -1)
		return 1;
	if (options.show_help) {
		show_help(argv[0]);
		/* let fuse_main print the generic help, without a second usage line */
		if (fuse_opt_add_arg(&args, "--help") == -1)
			return 1;
		args.argv[0][0] = '\0';
	}
	ret = fuse_main(args.argc, args.argv, &hello_oper, NULL);
	fuse_opt_free_args(&args);
	return ret;
}
