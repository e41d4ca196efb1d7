/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount suite's syscall checks: `syscalls [--basic] [--only NAME[,NAME...]] MNT SRC` does
 * file system operations through the mountpoint MNT and checks each result against what it
 * expects and against the backing directory SRC that a passthrough daemon mirrors. Every check
 * runs in its own forked process and its own subdirectory NAME (made and removed through MNT),
 * so a failure, crash or hang of one check does not spill into the next. It prints one line per
 * check (`ok NAME` or `FAIL NAME: what`) and exits 1 if any failed. --basic keeps the checks an
 * unprivileged user can run. It links no FUSE library: it only sees the kernel's side.
 */

#include "syscalls.h"

/* Per-check limit: a hung operation must turn into a failure, not a stuck suite. */
#define CHECK_TIMEOUT_S 180

/* ------------------------------------------------------------------------------------------ */
/* Runner                                                                                      */

struct check {
	const char *name;
	void (*fn)(struct ctx *c);
	bool basic;		/* runs unprivileged too */
};

static const struct check checks[] = {
	{ "create_rw", t_create_rw, true },
	{ "pwrite_offsets", t_pwrite_offsets, true },
	{ "append", t_append, true },
	{ "stat_fields", t_stat_fields, true },
	{ "utimens", t_utimens, true },
	{ "truncate", t_truncate, true },
	{ "chmod_chown", t_chmod_chown, true },
	{ "mkdir_rmdir", t_mkdir_rmdir, true },
	{ "unlink", t_unlink, true },
	{ "rename", t_rename, true },
	{ "rename_noreplace", t_rename_noreplace, true },
	{ "rename_exchange", t_rename_exchange, true },
	{ "link", t_link, true },
	{ "symlink", t_symlink, true },
	{ "mknod_fifo", t_mknod_fifo, true },
	{ "readdir_small", t_readdir_small, true },
	{ "readdir_large", t_readdir_large, false },
	{ "xattr", t_xattr, true },
	{ "statfs", t_statfs, true },
	{ "fsync", t_fsync, true },
	{ "fallocate", t_fallocate, true },
	{ "lseek_data_hole", t_lseek_data_hole, true },
	{ "copy_file_range", t_copy_file_range, true },
	{ "flock", t_flock, true },
	{ "posix_locks", t_posix_locks, true },
	{ "mmap_shared", t_mmap_shared, true },
	{ "o_direct", t_o_direct, true },
	{ "large_io", t_large_io, true },
	{ "concurrent_writers", t_concurrent_writers, true },
	{ "concurrent_metadata", t_concurrent_metadata, true },
	{ "readdir_src_many", t_readdir_src_many, false },
	{ "unlinked_open", t_unlinked_open, true },
	{ "o_trunc", t_o_trunc, true },
	{ "long_names", t_long_names, true },
	{ "o_excl", t_o_excl, true },
	{ "errors", t_errors, true },
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

/* Runs in the forked child: prepare the directory, run, clean up, and say how it went. */
static int run_check(const struct check *ck, const char *mnt, const char *src)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.name = ck->name;
	(void)snprintf(c.m, sizeof(c.m), "%s/%s", mnt, ck->name);
	(void)snprintf(c.s, sizeof(c.s), "%s/%s", src, ck->name);
	if (mkdir(c.m, 0755) < 0) {
		printf("FAIL %s: mkdir %s: %s\n", ck->name, c.m, strerror(errno));
		return 1;
	}
	ck->fn(&c);
	/* Removing the tree through the mount is part of the check. */
	if (!c.fail[0] && nftw(c.m, rm_entry, 64, FTW_DEPTH | FTW_PHYS) < 0)
		failf(&c, "cleanup of %s: %s", c.m, strerror(errno));
	if (!c.fail[0] && access(c.s, F_OK) == 0)
		failf(&c, "cleanup: %s still exists in the source", c.s);
	if (c.fail[0]) {
		printf("FAIL %s: %s\n", ck->name, c.fail);
		return 1;
	}
	printf("ok %s\n", ck->name);
	return 0;
}

static bool selected(const char *only, const char *name)
{
	size_t len = strlen(name);
	const char *p = only;

	if (!only)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static void usage(const char *prog)
{
	size_t i;

	fprintf(stderr, "usage: %s [--basic] [--only NAME,...] MNT SRC\nchecks:", prog);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		fprintf(stderr, " %s", checks[i].name);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	bool basic = false;
	int failed = 0, ran = 0;
	size_t i;
	int a = 1;

	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "--basic")) {
			basic = true;
			a++;
		} else if (!strcmp(argv[a], "--only") && a + 1 < argc) {
			only = argv[a + 1];
			a += 2;
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (argc - a != 2) {
		usage(argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check *ck = &checks[i];
		int status;
		pid_t pid;

		if ((basic && !ck->basic) || !selected(only, ck->name))
			continue;
		ran++;
		(void)fflush(stdout);
		pid = fork();
		if (pid < 0) {
			printf("FAIL %s: fork: %s\n", ck->name, strerror(errno));
			failed++;
			continue;
		}
		if (pid == 0) {
			(void)alarm(CHECK_TIMEOUT_S);
			_exit(run_check(ck, argv[a], argv[a + 1]));
		}
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
		if (status == -1) {
			printf("FAIL %s: waitpid: %s\n", ck->name, strerror(errno));
			failed++;
		} else if (WIFSIGNALED(status)) {
			printf("FAIL %s: killed by signal %d%s\n", ck->name, WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
			failed++;
		} else if (WEXITSTATUS(status) != 0) {
			failed++;
		}
	}
	if (ran == 0) {
		fprintf(stderr, "no check matched\n");
		return 2;
	}
	printf("# %d of %d checks failed\n", failed, ran);
	return failed ? 1 : 0;
}
