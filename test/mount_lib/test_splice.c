/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_reply_data() with fd buffers, mounted for real, byte-exact: `test_splice MODE`.
 * A filesystem in this process serves three read-only files of the same bytes, opened with
 * direct_io so that every read reaches it with the reader's size and offset:
 *   file   one buffer: the backing regular file (FUSE_BUF_FD_SEEK), the size asked for even
 *          past its end, so a reply may come out shorter than its buffer vector (end of file)
 *   pipe   one buffer: a pipe holding the slice (a source that cannot seek or be re-read)
 *   mixed  two buffers: the first 100 bytes in memory, the rest from the backing file
 * read at many sizes and offsets (odd ones, across and at the end of the file), then
 * whole, then in reads of 1 MiB and more (which may be copied: see main). Modes:
 *   on     the filesystem wants SPLICE_WRITE and SPLICE_MOVE: replies of two pages and more
 *          are spliced (the session's splice counter grows, no fallback)
 *   off    it does not: nothing is spliced
 *   pipe, data, header, move, short
 *          it does, and RINGFUSE_TEST_SPLICE_FAULT makes that step of the splice fail: before
 *          data was taken (pipe, data) the reply is copied as usual; after (header, move,
 *          short: a pipe that filled up half-way) the data comes back out of the pipes and is
 *          written; either way no splice is counted, fallbacks are, and every byte is right
 *   uring  it wants all three splice flags over the ring (-o io_uring): the INIT succeeds,
 *          the ring carries the reads and copies them into its payloads
 * Needs root (77 otherwise); uring also needs enable_uring=Y.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuse_i.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SKIP 77
#define FILE_SIZE ((size_t)(3u << 20) + 12345)
#define HEAD 100
enum { INO_FILE = 2, INO_PIPE, INO_MIXED };
static const char *const names[] = { "file", "pipe", "mixed" };

static unsigned char *pattern;
static int backing = -1;
static const char *mode;

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (strcmp(mode, "off") != 0)
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ;
}

static void fs_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)FILE_SIZE;
	}
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	unsigned int i;

	memset(&e, 0, sizeof(e));
	for (i = 0; i < 3; i++) {
		if (parent == FUSE_ROOT_ID && !strcmp(name, names[i])) {
			e.ino = INO_FILE + i;
			fs_stat(e.ino, &e.attr);
			(void)fuse_reply_entry(req, &e);
			return;
		}
	}
	(void)fuse_reply_err(req, ENOENT);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	fs_stat(ino, &st);
	(void)fuse_reply_attr(req, &st, 0);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fi->direct_io = 1;
	(void)fuse_reply_open(req, fi);
}

/* The slice in a pipe whose writing end is closed: what a socket or a filter would give. */
static void read_pipe(fuse_req_t req, size_t size, off_t off)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);
	size_t n = (size_t)off >= FILE_SIZE ? 0 : FILE_SIZE - (size_t)off;
	size_t done = 0;
	ssize_t w;
	int p[2];

	if (n > size)
		n = size;
	if (pipe2(p, O_CLOEXEC) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	if (n > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)n) < (long)n) {
		(void)fuse_reply_err(req, EFBIG);
		goto out;
	}
	while (done < n) {
		w = write(p[1], pattern + off + done, n - done);
		if (w <= 0) {
			(void)fuse_reply_err(req, EIO);
			goto out;
		}
		done += (size_t)w;
	}
	close(p[1]);
	p[1] = -1;
	bv.buf[0].size = n;
	bv.buf[0].flags = FUSE_BUF_IS_FD;
	bv.buf[0].fd = p[0];
	(void)fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
out:
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
	struct fuse_bufvec *bv2;
	size_t head;

	(void)fi;
	if (ino == INO_PIPE) {
		read_pipe(req, size, off);
		return;
	}
	if (ino == INO_FILE) {
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = backing;
		bv.buf[0].pos = off;
		(void)fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		return;
	}
	/* mixed: the head from memory, the rest (as much as asked for) from the file. */
	head = (size_t)off >= FILE_SIZE ? 0 : FILE_SIZE - (size_t)off;
	if (head > HEAD)
		head = HEAD;
	if (head > size)
		head = size;
	/* a vector of two buffers: the struct's one plus one more after it, as libfuse allows */
	bv2 = calloc(1, sizeof(*bv2) + sizeof(struct fuse_buf));
	if (!bv2) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	bv2->count = 2;
	bv2->buf[0].size = head;
	bv2->buf[0].mem = pattern + off;
	bv2->buf[1].size = size - head;
	bv2->buf[1].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv2->buf[1].fd = backing;
	bv2->buf[1].pos = off + (off_t)head;
	(void)fuse_reply_data(req, bv2, FUSE_BUF_SPLICE_MOVE);
	free(bv2);
}

static const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.getattr = fs_getattr,
	.open = fs_open,
	.read = fs_read,
};

static void *loop_thread(void *arg)
{
	(void)fuse_session_loop(arg);
	return NULL;
}

/* One pread through the mount against the pattern; returns the number of problems. */
static int check_read(const char *path, size_t size, off_t off, unsigned char *buf)
{
	size_t want = (size_t)off >= FILE_SIZE ? 0 : FILE_SIZE - (size_t)off;
	ssize_t n;
	int fd;

	if (want > size)
		want = size;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "FAIL: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = pread(fd, buf, size, off);
	close(fd);
	if (n < 0 || (size_t)n != want || memcmp(buf, pattern + off, want) != 0) {
		fprintf(stderr, "FAIL: %s: pread(%zu, %lld) gave %zd bytes%s, want %zu\n", path,
			size, (long long)off, n, n == (ssize_t)want ? " that differ" : "", want);
		return 1;
	}
	return 0;
}

static int check_files(const char *mnt, bool big)
{
	static const size_t sizes[] = { 1, 4096, 8193, 65536 + 17, 131072, (512u << 10) + 3 };
	const off_t offs[] = { 0, 1, 4095, 123457, (off_t)FILE_SIZE - 5000, (off_t)FILE_SIZE };
	unsigned char *buf = malloc(FILE_SIZE);
	char path[256];
	size_t done;
	int bad = 0, fd;
	unsigned int f, i, j;
	ssize_t n;

	if (!buf)
		return 1;
	for (f = 0; f < 3; f++) {
		snprintf(path, sizeof(path), "%s/%s", mnt, names[f]);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++)
				bad += check_read(path, big ? sizes[i] * 2 + (1u << 20) : sizes[i],
						  offs[j], buf);
		if (big)
			continue;
		/* the whole file in 128 KiB reads */
		fd = open(path, O_RDONLY);
		for (done = 0; fd >= 0 && done < FILE_SIZE; done += (size_t)n) {
			n = read(fd, buf + done, 131072);
			if (n <= 0)
				break;
		}
		if (fd < 0 || done != FILE_SIZE || memcmp(buf, pattern, FILE_SIZE) != 0) {
			fprintf(stderr, "FAIL: %s read whole: %zu bytes, want %zu, equal: %d\n", path,
				done, FILE_SIZE, fd >= 0 && !memcmp(buf, pattern, done));
			bad++;
		}
		if (fd >= 0)
			close(fd);
	}
	free(buf);
	return bad;
}

static int make_backing(void)
{
	char path[] = "/tmp/ringfuse-splice-data.XXXXXX";
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	pattern = malloc(FILE_SIZE);
	if (!pattern)
		return -1;
	for (i = 0; i < FILE_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = (unsigned char)x;
	}
	backing = mkstemp(path);
	if (backing < 0)
		return -1;
	unlink(path);
	return pwrite(backing, pattern, FILE_SIZE, 0) == (ssize_t)FILE_SIZE ? 0 : -1;
}

static bool uring_enabled(void)
{
	char c = 0;
	int fd = open("/sys/module/fuse/parameters/enable_uring", O_RDONLY);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y';
}

int main(int argc, char **argv)
{
	char *targv[] = { argv[0], "-o", "io_uring", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, targv);
	char mnt[] = "/tmp/ringfuse-splice-mnt.XXXXXX";
	static const char *const faults[] = { "pipe", "data", "header", "move", "short" };
	struct fuse__dev_stats *st;
	struct fuse_session *se;
	unsigned long spliced, fell_back;
	bool fault = false, uring;
	pthread_t th;
	int bad = 0;
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: test_splice on|off|pipe|data|header|move|short|uring\n");
		return 2;
	}
	mode = argv[1];
	uring = !strcmp(mode, "uring");
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (!strcmp(mode, faults[i]))
			fault = true;
	if (geteuid() != 0) {
		printf("SKIP: mounting needs root\n");
		return SKIP;
	}
	if (uring && !uring_enabled()) {
		printf("SKIP: /sys/module/fuse/parameters/enable_uring is not Y\n");
		return SKIP;
	}
	if (fault && setenv("RINGFUSE_TEST_SPLICE_FAULT", mode, 1) < 0)
		return 1;
	if (make_backing() < 0 || !mkdtemp(mnt)) {
		perror("test_splice: setup");
		return 1;
	}
	if (uring)
		args.argc = 3;
	se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	fuse_opt_free_args(&args);
	if (!se || fuse_session_mount(se, mnt) != 0) {
		fprintf(stderr, "FAIL: cannot mount on %s\n", mnt);
		return 1;
	}
	if (pthread_create(&th, NULL, loop_thread, se) != 0) {
		fuse_session_unmount(se);
		return 1;
	}
	bad += check_files(mnt, false);
	st = &se->dev_stats;
	spliced = atomic_load(&st->splice);
	fell_back = atomic_load(&st->splice_fallback);
	/*
	 * Then reads of 1 MiB and more (the kernel cuts them to max_pages): header and data need
	 * 257 pipe pages, more than fs.pipe-max-size (1 MiB) gives without CAP_SYS_RESOURCE, so
	 * these may be copied instead, after one refused F_SETPIPE_SZ; the bytes must be right.
	 */
	bad += check_files(mnt, true);
	fuse_session_exit(se);
	pthread_join(th, NULL);
	printf("test_splice %s: splice=%lu splice_fallback=%lu ring=%d\n", mode, spliced,
	       fell_back, se->uring_cfg.active);
	if (!strcmp(mode, "on") && (spliced == 0 || fell_back != 0)) {
		fprintf(stderr, "FAIL: on: want replies spliced and no fallback\n");
		bad++;
	}
	if (!strcmp(mode, "off") && (spliced != 0 || fell_back != 0)) {
		fprintf(stderr, "FAIL: off: nothing may be spliced without SPLICE_WRITE\n");
		bad++;
	}
	/* A reply at the end of the file has no data to move or cut short: move and short may
	 * splice those. */
	if (fault && (fell_back == 0 || (spliced != 0 && strcmp(mode, "move") != 0 &&
					 strcmp(mode, "short") != 0))) {
		fprintf(stderr, "FAIL: %s: want the splices to fall back\n", mode);
		bad++;
	}
	if (uring && !se->uring_cfg.active) {
		fprintf(stderr, "FAIL: uring: the ring is not active (%s)\n", se->uring_cfg.why_not);
		bad++;
	}
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	rmdir(mnt);
	close(backing);
	free(pattern);
	printf("test_splice %s: %s\n", mode, bad ? "FAILED" : "ok");
	return bad ? 1 : 0;
}
