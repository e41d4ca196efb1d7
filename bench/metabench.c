/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metabench: the metadata half of ringfuse's benchmark. In a fresh directory under DIR it
 * times, on one thread, N creates (open O_CREAT + close), N stats, N statx with
 * AT_STATX_FORCE_SYNC (which a FUSE mount must answer with a GETATTR round trip), N renames and
 * N unlinks, then repeated full readdirs of a directory with many entries. It prints one JSON
 * object with ops/s per phase and, when given the daemon's pid, the daemon's CPU time per
 * operation (from /proc/PID/stat). It asserts nothing about speed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct mb_opts {
	const char *dir;
	const char *readdir_dir;
	long n;
	long readdir_entries;
	double readdir_secs;
	int pid;
};

struct mb_phase {
	const char *name;
	long ops;
	double secs;
	double cpu_secs;        /* daemon CPU, or -1 when unknown */
};

static double mb_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of process @pid in seconds, or -1 */
static double mb_cpu(int pid)
{
	char path[64], buf[2048], *p;
	unsigned long utime, stime;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void mb_name(char *buf, size_t sz, char prefix, long i)
{
	(void)snprintf(buf, sz, "%c%07ld", prefix, i);
}

enum { PH_CREATE, PH_STAT, PH_STATX, PH_RENAME, PH_UNLINK, PH_READDIR, PH_COUNT };

static int mb_run_phase(int phase, int dfd, const struct mb_opts *o, struct mb_phase *ph)
{
	char a[32], b[32];
	long i;

	for (i = 0; i < o->n; i++) {
		struct stat st;
		struct statx stx;
		int fd;

		switch (phase) {
		case PH_CREATE:
			mb_name(a, sizeof(a), 'f', i);
			fd = openat(dfd, a, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
			if (fd < 0 || close(fd) < 0)
				return -errno;
			break;
		case PH_STAT:
			mb_name(a, sizeof(a), 'f', i);
			if (fstatat(dfd, a, &st, 0) < 0)
				return -errno;
			break;
		case PH_STATX:
			mb_name(a, sizeof(a), 'f', i);
			if (statx(dfd, a, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &stx) < 0)
				return -errno;
			break;
		case PH_RENAME:
			mb_name(a, sizeof(a), 'f', i);
			mb_name(b, sizeof(b), 'g', i);
			if (renameat(dfd, a, dfd, b) < 0)
				return -errno;
			break;
		case PH_UNLINK:
			mb_name(b, sizeof(b), 'g', i);
			if (unlinkat(dfd, b, 0) < 0)
				return -errno;
			break;
		default:
			return -EINVAL;
		}
	}
	ph->ops = o->n;
	return 0;
}

/* Fill @path with @entries empty files unless it already holds them (a prepared directory). */
static int mb_prepare_readdir(const char *path, long entries)
{
	char name[32];
	long i;
	int dfd, fd, ret = 0;

	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (i = 0; i < entries; i++) {
		mb_name(name, sizeof(name), 'e', i);
		fd = openat(dfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		(void)close(fd);
	}
	(void)close(dfd);
	return ret;
}

/* Read the whole directory again and again for readdir_secs; ops are entries returned. */
static int mb_readdir(const char *path, double secs, struct mb_phase *ph)
{
	double start = mb_now();
	long entries = 0;

	do {
		DIR *d = opendir(path);
		struct dirent *de;

		if (d == NULL)
			return -errno;
		errno = 0;
		while ((de = readdir(d)) != NULL)
			entries++;
		if (errno != 0) {
			int err = -errno;

			(void)closedir(d);
			return err;
		}
		(void)closedir(d);
	} while (mb_now() - start < secs);
	ph->ops = entries;
	return 0;
}

static void mb_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n N] [--pid PID] [--readdir-entries N] [--readdir-secs S]\n"
		"          [--readdir-dir PATH] DIR\n", prog);
}

static int mb_parse(int argc, char *argv[], struct mb_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "readdir-entries", required_argument, NULL, 'e' },
		{ "readdir-secs", required_argument, NULL, 's' },
		{ "readdir-dir", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->n = 5000;
	o->readdir_entries = 10000;
	o->readdir_secs = 1.0;
	while ((c = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->n = strtol(optarg, NULL, 10);
			break;
		case 'p':
			o->pid = (int)strtol(optarg, NULL, 10);
			break;
		case 'e':
			o->readdir_entries = strtol(optarg, NULL, 10);
			break;
		case 's':
			o->readdir_secs = strtod(optarg, NULL);
			break;
		case 'r':
			o->readdir_dir = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 1 || o->n <= 0 || o->readdir_entries < 0 || o->readdir_secs <= 0)
		return -EINVAL;
	o->dir = argv[optind];
	return 0;
}

int main(int argc, char *argv[])
{
	static const char *names[PH_COUNT] = {
		"create", "stat", "statx_sync", "rename", "unlink", "readdir",
	};
	struct mb_phase ph[PH_COUNT];
	struct mb_opts o = { 0 };
	char work[3072], rdpath[4096];
	const char *rd;
	int dfd, i, ret;

	if (mb_parse(argc, argv, &o) < 0) {
		mb_usage(argv[0]);
		return 2;
	}
	(void)snprintf(work, sizeof(work), "%s/mb.%d", o.dir, (int)getpid());
	if (mkdir(work, 0755) < 0) {
		fprintf(stderr, "metabench: mkdir %s: %s\n", work, strerror(errno));
		return 1;
	}
	dfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fprintf(stderr, "metabench: open %s: %s\n", work, strerror(errno));
		return 1;
	}
	rd = o.readdir_dir;
	if (rd == NULL) {
		(void)snprintf(rdpath, sizeof(rdpath), "%s/readdir", work);
		ret = mb_prepare_readdir(rdpath, o.readdir_entries);
		if (ret < 0) {
			fprintf(stderr, "metabench: preparing %s: %s\n", rdpath, strerror(-ret));
			return 1;
		}
		rd = rdpath;
	}
	for (i = 0; i < PH_COUNT; i++) {
		double c0 = mb_cpu(o.pid), t0 = mb_now(), c1;

		ph[i].name = names[i];
		ph[i].ops = 0;
		ret = i == PH_READDIR ? mb_readdir(rd, o.readdir_secs, &ph[i]) :
			mb_run_phase(i, dfd, &o, &ph[i]);
		ph[i].secs = mb_now() - t0;
		c1 = mb_cpu(o.pid);
		ph[i].cpu_secs = c0 >= 0 && c1 >= 0 ? c1 - c0 : -1;
		if (ret < 0) {
			fprintf(stderr, "metabench: %s: %s\n", names[i], strerror(-ret));
			return 1;
		}
	}
	(void)close(dfd);
	if (o.readdir_dir == NULL) {
		/* leave nothing behind: the same directory may be measured again */
		char name[32];
		long k;

		dfd = open(rdpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (k = 0; dfd >= 0 && k < o.readdir_entries; k++) {
			mb_name(name, sizeof(name), 'e', k);
			(void)unlinkat(dfd, name, 0);
		}
		if (dfd >= 0)
			(void)close(dfd);
		(void)rmdir(rdpath);
	}
	(void)rmdir(work);

	printf("{");
	for (i = 0; i < PH_COUNT; i++) {
		printf("%s\"%s\": {\"ops\": %ld, \"secs\": %.6f, \"ops_per_s\": %.1f", i ? ", " : "",
		       ph[i].name, ph[i].ops, ph[i].secs,
		       ph[i].secs > 0 ? (double)ph[i].ops / ph[i].secs : 0.0);
		if (ph[i].cpu_secs >= 0 && ph[i].ops > 0)
			printf(", \"daemon_cpu_us_per_op\": %.3f", ph[i].cpu_secs * 1e6 / (double)ph[i].ops);
		printf("}");
	}
	printf("}\n");
	return 0;
}
