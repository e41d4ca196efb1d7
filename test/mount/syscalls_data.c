/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Syscall checks on file data: reads and writes at offsets, append, truncate, fsync, fallocate,
 * SEEK_DATA/SEEK_HOLE, copy_file_range, flock and POSIX locks, shared mmap, O_DIRECT, large and
 * concurrent I/O, unlinked-but-open files and O_TRUNC. Each takes its own directory.
 */
#include "syscalls.h"

void t_create_rw(struct ctx *c)
{
	char buf[16];
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(write(fd, "hello", 5), 5);
	EQ(pread(fd, buf, sizeof(buf), 0), 5);
	TRUE(memcmp(buf, "hello", 5) == 0);
	EQ(pread(fd, buf, sizeof(buf), 5), 0);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), "hello", 5) < 0)
		goto out;
	/* Data written behind the daemon's back is what a fresh open reads. */
	OK(write_file(S("g"), "world", 5));
	if (file_is(c, M("g"), "world", 5) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_pwrite_offsets(struct ctx *c)
{
	unsigned char want[10005];
	unsigned char a[100], b[5];
	int fd = -1;

	memset(want, 0, sizeof(want));
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	memcpy(want, a, sizeof(a));
	memcpy(want + 4096, a, sizeof(a));
	memcpy(want + 10000, b, sizeof(b));
	OK(fd = open(M("f"), O_CREAT | O_WRONLY, 0644));
	EQ(pwrite(fd, b, sizeof(b), 10000), 5);
	EQ(pwrite(fd, a, sizeof(a), 4096), 100);
	EQ(pwrite(fd, a, sizeof(a), 0), 100);
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), want, sizeof(want)) < 0 || file_is(c, S("f"), want, sizeof(want)) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_append(struct ctx *c)
{
	int fd = -1;

	OK(write_file(M("f"), "abc", 3));
	OK(fd = open(M("f"), O_WRONLY | O_APPEND));
	EQ(write(fd, "def", 3), 3);
	EQ(lseek(fd, 0, SEEK_SET), 0);
	EQ(write(fd, "gh", 2), 2);
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), "abcdefgh", 8) < 0 || file_is(c, S("f"), "abcdefgh", 8) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_truncate(struct ctx *c)
{
	unsigned char want[5000];
	struct stat st;
	int fd = -1;

	memset(want, 0, sizeof(want));
	memcpy(want, "0123456789", 10);
	OK(write_file(M("f"), "0123456789abcdef", 16));
	OK(truncate(M("f"), 10));
	if (file_is(c, S("f"), want, 10) < 0)
		goto out;
	OK(truncate(M("f"), 100));
	OK(stat(M("f"), &st));
	EQ(st.st_size, 100);
	if (file_is(c, M("f"), want, 100) < 0)
		goto out;
	OK(fd = open(M("f"), O_RDWR));
	OK(ftruncate(fd, 5000));
	OK(fstat(fd, &st));
	EQ(st.st_size, 5000);
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), want, 5000) < 0 || file_is(c, S("f"), want, 5000) < 0)
		goto out;
	OK(truncate(M("f"), 0));
	OK(stat(S("f"), &st));
	EQ(st.st_size, 0);
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_fsync(struct ctx *c)
{
	int fd = -1, dfd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(write(fd, "sync", 4), 4);
	OK(fsync(fd));
	OK(fdatasync(fd));
	if (file_is(c, S("f"), "sync", 4) < 0)
		goto out;
	OK(dfd = open(c->m, O_RDONLY | O_DIRECTORY));
	OK(fsync(dfd));
	OK(fdatasync(dfd));
out:
	if (fd >= 0)
		(void)close(fd);
	if (dfd >= 0)
		(void)close(dfd);
}

void t_fallocate(struct ctx *c)
{
	static unsigned char want[65536], got[65536];
	struct stat st;
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	OK(fallocate(fd, 0, 0, 65536));
	OK(fstat(fd, &st));
	EQ(st.st_size, 65536);
	OK(stat(S("f"), &st));
	EQ(st.st_size, 65536);
	fill(want, sizeof(want), 4);
	EQ(pwrite_full(fd, want, sizeof(want), 0), (long long)sizeof(want));
	OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 16384));
	memset(want + 8192, 0, 16384);
	OK(fstat(fd, &st));
	EQ(st.st_size, 65536);
	EQ(pread_full(fd, got, sizeof(got), 0), (long long)sizeof(got));
	TRUE(memcmp(got, want, sizeof(want)) == 0);
	OK(fsync(fd));
	if (file_is(c, S("f"), want, sizeof(want)) < 0)
		goto out;
	/* KEEP_SIZE beyond the end allocates without growing the file. */
	OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536));
	OK(fstat(fd, &st));
	EQ(st.st_size, 65536);
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_lseek_data_hole(struct ctx *c)
{
	static unsigned char blk[4096];
	static const off_t probes[] = { 0, 100, 4096, 65536, 1048576, 1048576 + 100 };
	int fd = -1, sfd = -1;
	size_t i;

	fill(blk, sizeof(blk), 5);
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(pwrite_full(fd, blk, sizeof(blk), 0), 4096);
	EQ(pwrite_full(fd, blk, sizeof(blk), 1048576), 4096);
	OK(fsync(fd));
	OK(sfd = open(S("f"), O_RDONLY));
	/* What the backing file system answers is the truth; the mount must give the same. */
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		EQ(lseek(fd, probes[i], SEEK_DATA), lseek(sfd, probes[i], SEEK_DATA));
		EQ(lseek(fd, probes[i], SEEK_HOLE), lseek(sfd, probes[i], SEEK_HOLE));
	}
	EQ(lseek(fd, 0, SEEK_DATA), 0);
	TRUE(lseek(fd, 0, SEEK_HOLE) < 1048576);
	EQ(lseek(fd, 8192, SEEK_DATA), 1048576);
	ERR(lseek(fd, 2 * 1048576, SEEK_DATA), ENXIO);
out:
	if (fd >= 0)
		(void)close(fd);
	if (sfd >= 0)
		(void)close(sfd);
}

void t_copy_file_range(struct ctx *c)
{
	static unsigned char src[65536], want[40000];
	off_t in_off = 100, out_off = 10000;
	int a = -1, b = -1;
	ssize_t n;
	size_t done = 0;

	fill(src, sizeof(src), 6);
	OK(write_file(M("a"), src, sizeof(src)));
	OK(a = open(M("a"), O_RDONLY));
	OK(b = open(M("b"), O_CREAT | O_RDWR, 0644));
	memset(want, 0, sizeof(want));
	memcpy(want + 10000, src + 100, 30000);
	while (done < 30000) {
		OK(n = copy_file_range(a, &in_off, b, &out_off, 30000 - done, 0));
		TRUE(n > 0);
		done += (size_t)n;
	}
	EQ(in_off, 30100);
	EQ(out_off, 40000);
	OK(close(b));
	b = -1;
	if (file_is(c, M("b"), want, sizeof(want)) < 0 || file_is(c, S("b"), want, sizeof(want)) < 0)
		goto out;
out:
	if (a >= 0)
		(void)close(a);
	if (b >= 0)
		(void)close(b);
}

void t_flock(struct ctx *c)
{
	int a = -1, b = -1, tries;

	OK(write_file(M("f"), "x", 1));
	OK(a = open(M("f"), O_RDWR));
	OK(b = open(M("f"), O_RDWR));
	OK(flock(a, LOCK_EX | LOCK_NB));
	ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	OK(flock(a, LOCK_UN));
	OK(flock(b, LOCK_SH | LOCK_NB));
	OK(flock(a, LOCK_SH | LOCK_NB));
	ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/*
	 * Closing the holder releases its lock. A filesystem that forwards flock holds the lock
	 * on its own fd, which it drops when RELEASE arrives, and the kernel sends RELEASE
	 * asynchronously after close() returns: allow it a bounded time to get there.
	 */
	OK(close(b));
	b = -1;
	for (tries = 0; flock(a, LOCK_EX | LOCK_NB) < 0; tries++) {
		if (errno != EWOULDBLOCK || tries >= 500) {
			failf(c, "%s:%d: flock(a, LOCK_EX) still %s %d ms after the holder closed",
			      __FILE__, __LINE__, strerror(errno), tries * 10);
			goto out;
		}
		(void)usleep(10000);
	}
out:
	if (a >= 0)
		(void)close(a);
	if (b >= 0)
		(void)close(b);
}

/* What the child of t_posix_locks saw, sent back over a pipe. */
struct lock_report {
	int setlk_errno;	/* errno of the conflicting F_SETLK, 0 if it succeeded */
	int getlk_ok;
	short getlk_type;
	pid_t getlk_pid;
	off_t getlk_start;
	int other_range_errno;	/* errno of F_SETLK on a free range */
};

void t_posix_locks(struct ctx *c)
{
	struct flock fl;
	struct lock_report rep;
	int pfd[2] = { -1, -1 };
	int fd = -1, status;
	pid_t child = -1;

	OK(write_file(M("f"), "0123456789", 10));
	OK(fd = open(M("f"), O_RDWR));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 100;
	OK(fcntl(fd, F_SETLK, &fl));
	OK(pipe(pfd));
	OK(child = fork());
	if (child == 0) {
		int cfd = open(M("f"), O_RDWR);

		memset(&rep, 0, sizeof(rep));
		if (cfd >= 0) {
			struct flock l2;

			memset(&l2, 0, sizeof(l2));
			l2.l_type = F_WRLCK;
			l2.l_whence = SEEK_SET;
			l2.l_start = 10;
			l2.l_len = 10;
			rep.setlk_errno = fcntl(cfd, F_SETLK, &l2) < 0 ? errno : 0;
			memset(&l2, 0, sizeof(l2));
			l2.l_type = F_WRLCK;
			l2.l_whence = SEEK_SET;
			l2.l_start = 10;
			l2.l_len = 10;
			rep.getlk_ok = fcntl(cfd, F_GETLK, &l2) == 0;
			rep.getlk_type = l2.l_type;
			rep.getlk_pid = l2.l_pid;
			rep.getlk_start = l2.l_start;
			memset(&l2, 0, sizeof(l2));
			l2.l_type = F_WRLCK;
			l2.l_whence = SEEK_SET;
			l2.l_start = 200;
			l2.l_len = 100;
			rep.other_range_errno = fcntl(cfd, F_SETLK, &l2) < 0 ? errno : 0;
			(void)close(cfd);
		} else {
			rep.setlk_errno = -errno;
		}
		_exit(write(pfd[1], &rep, sizeof(rep)) == (ssize_t)sizeof(rep) ? 0 : 1);
	}
	(void)close(pfd[1]);
	pfd[1] = -1;
	EQ(read(pfd[0], &rep, sizeof(rep)), (long long)sizeof(rep));
	OK(waitpid(child, &status, 0));
	child = -1;
	TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	TRUE(rep.setlk_errno >= 0);
	TRUE(rep.setlk_errno == EAGAIN || rep.setlk_errno == EACCES);
	TRUE(rep.getlk_ok);
	EQ(rep.getlk_type, F_WRLCK);
	EQ(rep.getlk_pid, getpid());
	EQ(rep.getlk_start, 0);
	EQ(rep.other_range_errno, 0);
	/* Our own F_GETLK sees no conflict with our own lock. */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 100;
	OK(fcntl(fd, F_GETLK, &fl));
	EQ(fl.l_type, F_UNLCK);
out:
	if (child > 0)
		(void)waitpid(child, &status, 0);
	if (pfd[0] >= 0)
		(void)close(pfd[0]);
	if (pfd[1] >= 0)
		(void)close(pfd[1]);
	if (fd >= 0)
		(void)close(fd);
}

void t_mmap_shared(struct ctx *c)
{
	static unsigned char want[3 * 4096], got[3 * 4096];
	void *map = MAP_FAILED;
	int fd = -1;

	fill(want, sizeof(want), 7);
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	OK(ftruncate(fd, sizeof(want)));
	map = mmap(NULL, sizeof(want), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TRUE(map != MAP_FAILED);
	memcpy(map, want, sizeof(want));
	OK(msync(map, sizeof(want), MS_SYNC));
	EQ(pread_full(fd, got, sizeof(got), 0), (long long)sizeof(got));
	TRUE(memcmp(got, want, sizeof(want)) == 0);
	if (file_is(c, S("f"), want, sizeof(want)) < 0)
		goto out;
	/* And the other way: a write() shows through the mapping. */
	EQ(pwrite(fd, "ZZZZ", 4, 5000), 4);
	TRUE(memcmp((char *)map + 5000, "ZZZZ", 4) == 0);
out:
	if (map != MAP_FAILED)
		(void)munmap(map, sizeof(want));
	if (fd >= 0)
		(void)close(fd);
}

void t_o_direct(struct ctx *c)
{
	const size_t big = 1 << 20;
	unsigned char *w = NULL, *r = NULL, *all = NULL;
	int fd = -1;

	TRUE(posix_memalign((void **)&w, 4096, big) == 0);
	TRUE(posix_memalign((void **)&r, 4096, big) == 0);
	all = malloc(4096 + big);
	TRUE(all != NULL);
	OK(fd = open(M("f"), O_CREAT | O_RDWR | O_DIRECT, 0644));
	fill(w, 4096, 8);
	memcpy(all, w, 4096);
	EQ(pwrite(fd, w, 4096, 0), 4096);
	memset(r, 0, 4096);
	EQ(pread(fd, r, 4096, 0), 4096);
	TRUE(memcmp(r, w, 4096) == 0);
	fill(w, big, 9);
	memcpy(all + 4096, w, big);
	EQ(pwrite_full(fd, w, big, 4096), (long long)big);
	memset(r, 0, big);
	EQ(pread_full(fd, r, big, 4096), (long long)big);
	TRUE(memcmp(r, w, big) == 0);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), all, 4096 + big) < 0 || file_is(c, M("f"), all, 4096 + big) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
	free(w);
	free(r);
	free(all);
}

void t_large_io(struct ctx *c)
{
	const size_t big = 1 << 20;
	unsigned char *w = NULL, *r = NULL, *all = NULL;
	const off_t odd = 3 * 1048576 + 12345;
	int fd = -1;

	w = malloc(big);
	r = malloc(big);
	all = calloc(1, (size_t)odd + big);
	TRUE(w && r && all);
	fill(w, big, 10);
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	/* One system call each way, so the kernel sends requests as large as it can. */
	EQ(write(fd, w, big), (long long)big);
	EQ(pread(fd, r, big, 0), (long long)big);
	TRUE(memcmp(r, w, big) == 0);
	memcpy(all, w, big);
	fill(w, big, 11);
	EQ(pwrite(fd, w, big, odd), (long long)big);
	memcpy(all + odd, w, big);
	EQ(pread_full(fd, r, big, odd), (long long)big);
	TRUE(memcmp(r, w, big) == 0);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), all, (size_t)odd + big) < 0 ||
	    file_is(c, M("f"), all, (size_t)odd + big) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
	free(w);
	free(r);
	free(all);
}

#define WRITERS 4
#define WRITER_REGION (256 * 1024)
#define WRITER_CHUNK 4096

struct writer {
	int fd;
	int idx;
	int err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned char chunk[WRITER_CHUNK];
	off_t base = (off_t)w->idx * WRITER_REGION;
	size_t i;

	for (i = 0; i < WRITER_REGION / WRITER_CHUNK; i++) {
		fill(chunk, sizeof(chunk), (unsigned int)(w->idx * 1000 + i));
		if (pwrite_full(w->fd, chunk, sizeof(chunk), base + (off_t)(i * WRITER_CHUNK)) < 0) {
			w->err = errno ? errno : EIO;
			break;
		}
	}
	return NULL;
}

void t_concurrent_writers(struct ctx *c)
{
	struct writer ws[WRITERS];
	pthread_t th[WRITERS];
	unsigned char *want = NULL;
	int started = 0, fd = -1, i;
	size_t k;

	want = malloc((size_t)WRITERS * WRITER_REGION);
	TRUE(want != NULL);
	for (i = 0; i < WRITERS; i++)
		for (k = 0; k < WRITER_REGION / WRITER_CHUNK; k++)
			fill(want + (size_t)i * WRITER_REGION + k * WRITER_CHUNK, WRITER_CHUNK,
			     (unsigned int)(i * 1000 + (int)k));
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	for (i = 0; i < WRITERS; i++) {
		ws[i].fd = fd;
		ws[i].idx = WRITERS - 1 - i;
		ws[i].err = 0;
		if (pthread_create(&th[i], NULL, writer_main, &ws[i]) != 0) {
			failf(c, "pthread_create failed");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
	if (started < WRITERS)
		goto out;
	for (i = 0; i < WRITERS; i++)
		if (ws[i].err) {
			failf(c, "writer %d: %s", ws[i].idx, strerror(ws[i].err));
			goto out;
		}
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), want, (size_t)WRITERS * WRITER_REGION) < 0 ||
	    file_is(c, S("f"), want, (size_t)WRITERS * WRITER_REGION) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
	free(want);
}

void t_unlinked_open(struct ctx *c)
{
	char buf[16];
	struct stat st;
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(write(fd, "before", 6), 6);
	OK(unlink(M("f")));
	ERR(stat(S("f"), &st), ENOENT);
	OK(fstat(fd, &st));
	EQ(st.st_nlink, 0);
	EQ(pwrite(fd, "after", 5, 6), 5);
	EQ(pread(fd, buf, sizeof(buf), 0), 11);
	TRUE(memcmp(buf, "beforeafter", 11) == 0);
	OK(ftruncate(fd, 3));
	OK(fstat(fd, &st));
	EQ(st.st_size, 3);
	/* The name is free again while the old file lives on. */
	OK(write_file(M("f"), "new", 3));
	EQ(pread(fd, buf, sizeof(buf), 0), 3);
	TRUE(memcmp(buf, "bef", 3) == 0);
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_o_trunc(struct ctx *c)
{
	struct stat st;
	int fd = -1;

	OK(write_file(M("f"), "some data", 9));
	OK(fd = open(M("f"), O_WRONLY | O_TRUNC));
	OK(fstat(fd, &st));
	EQ(st.st_size, 0);
	OK(stat(S("f"), &st));
	EQ(st.st_size, 0);
	EQ(write(fd, "ab", 2), 2);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), "ab", 2) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}
