/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Syscall checks on names and metadata: stat fields and times, chmod/chown, directories, unlink,
 * rename with its flags, links, symlinks, special files, listings (small, 10,000 entries with
 * seekdir, made behind the daemon, under descriptor exhaustion), xattrs, statfs, concurrent
 * metadata churn, O_EXCL and error codes. Each takes its own directory (c->m, c->s).
 */
#include "syscalls.h"

void t_stat_fields(struct ctx *c)
{
	unsigned char data[123];
	struct timespec before, after;
	struct stat sm, ss;
	int fd = -1;

	fill(data, sizeof(data), 3);
	OK(clock_gettime(CLOCK_REALTIME, &before));
	OK(fd = open(M("f"), O_CREAT | O_WRONLY | O_EXCL, 0640));
	EQ(write(fd, data, sizeof(data)), (long long)sizeof(data));
	/* With a writeback cache the kernel owns mtime until it writes the inode back. */
	OK(fsync(fd));
	OK(close(fd));
	fd = -1;
	OK(clock_gettime(CLOCK_REALTIME, &after));
	OK(stat(M("f"), &sm));
	OK(stat(S("f"), &ss));
	EQ(sm.st_size, 123);
	EQ(sm.st_mode, S_IFREG | 0640);
	EQ(sm.st_nlink, 1);
	EQ(sm.st_uid, geteuid());
	EQ(sm.st_gid, getegid());
	EQ(sm.st_ino, ss.st_ino);
	EQ(sm.st_mode, ss.st_mode);
	/*
	 * Not mtime equality with the source: with a writeback cache the kernel keeps its own
	 * mtime and the backing file's is set by whichever of WRITE and SETATTR lands last. Both
	 * must lie within the time the writes took (utimens checks exact values).
	 */
	TRUE(sm.st_mtim.tv_sec >= before.tv_sec - 1 && sm.st_mtim.tv_sec <= after.tv_sec + 1);
	TRUE(ss.st_mtim.tv_sec >= before.tv_sec - 1 && ss.st_mtim.tv_sec <= after.tv_sec + 1);
	EQ(sm.st_blocks, ss.st_blocks);
	OK(stat(c->m, &sm));
	TRUE(S_ISDIR(sm.st_mode));
	EQ(sm.st_nlink, 2);
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_utimens(struct ctx *c)
{
	struct timespec tv[2], before, after;
	struct stat sm, ss;

	OK(write_file(M("f"), "x", 1));
	tv[0].tv_sec = 1000000000;
	tv[0].tv_nsec = 123456789;
	tv[1].tv_sec = 1200000000;
	tv[1].tv_nsec = 987654321;
	OK(utimensat(AT_FDCWD, M("f"), tv, 0));
	OK(stat(M("f"), &sm));
	OK(stat(S("f"), &ss));
	EQ(sm.st_atim.tv_sec, 1000000000);
	EQ(sm.st_atim.tv_nsec, 123456789);
	EQ(sm.st_mtim.tv_sec, 1200000000);
	EQ(sm.st_mtim.tv_nsec, 987654321);
	EQ(ss.st_atim.tv_sec, 1000000000);
	EQ(ss.st_mtim.tv_nsec, 987654321);

	/* UTIME_OMIT keeps atime; UTIME_NOW puts mtime between two clock readings. */
	tv[0].tv_nsec = UTIME_OMIT;
	tv[1].tv_nsec = UTIME_NOW;
	OK(clock_gettime(CLOCK_REALTIME, &before));
	OK(utimensat(AT_FDCWD, M("f"), tv, 0));
	OK(clock_gettime(CLOCK_REALTIME, &after));
	OK(stat(M("f"), &sm));
	EQ(sm.st_atim.tv_sec, 1000000000);
	EQ(sm.st_atim.tv_nsec, 123456789);
	TRUE(sm.st_mtim.tv_sec >= before.tv_sec - 1 && sm.st_mtim.tv_sec <= after.tv_sec + 1);
	OK(stat(S("f"), &ss));
	EQ(ss.st_mtim.tv_sec, sm.st_mtim.tv_sec);
	EQ(ss.st_mtim.tv_nsec, sm.st_mtim.tv_nsec);

	/* A symlink's own times, not its target's. */
	OK(symlink("f", M("l")));
	tv[0].tv_sec = 1300000000;
	tv[0].tv_nsec = 0;
	tv[1] = tv[0];
	OK(utimensat(AT_FDCWD, M("l"), tv, AT_SYMLINK_NOFOLLOW));
	OK(lstat(S("l"), &ss));
	EQ(ss.st_mtim.tv_sec, 1300000000);
	OK(stat(S("f"), &ss));
	EQ(ss.st_mtim.tv_sec, sm.st_mtim.tv_sec);
out:
	return;
}

void t_chmod_chown(struct ctx *c)
{
	struct stat sm, ss;

	OK(write_file(M("f"), "x", 1));
	OK(chmod(M("f"), 0600));
	OK(stat(M("f"), &sm));
	OK(stat(S("f"), &ss));
	EQ(sm.st_mode, S_IFREG | 0600);
	EQ(ss.st_mode, S_IFREG | 0600);
	OK(chmod(M("f"), 04755));
	OK(stat(S("f"), &ss));
	EQ(ss.st_mode, S_IFREG | 04755);
	OK(mkdir(M("d"), 0700));
	OK(chmod(M("d"), 0751));
	OK(stat(S("d"), &ss));
	EQ(ss.st_mode, S_IFDIR | 0751);
	if (geteuid() == 0) {
		OK(chown(M("f"), 1234, 5678));
		OK(stat(M("f"), &sm));
		OK(stat(S("f"), &ss));
		EQ(sm.st_uid, 1234);
		EQ(sm.st_gid, 5678);
		EQ(ss.st_uid, 1234);
		EQ(ss.st_gid, 5678);
		OK(chown(M("f"), (uid_t)-1, 42));
		OK(stat(S("f"), &ss));
		EQ(ss.st_uid, 1234);
		EQ(ss.st_gid, 42);
		OK(lchown(M("d"), 7, 8));
		OK(stat(S("d"), &ss));
		EQ(ss.st_uid, 7);
	} else {
		OK(chown(M("f"), geteuid(), getegid()));
		ERR(chown(M("f"), 0, 0), EPERM);
	}
out:
	return;
}

void t_mkdir_rmdir(struct ctx *c)
{
	struct stat st;

	OK(mkdir(M("d"), 0755));
	OK(stat(S("d"), &st));
	TRUE(S_ISDIR(st.st_mode));
	EQ(st.st_mode & 07777, 0755);
	OK(mkdir(M("d/sub"), 0700));
	OK(stat(c->m, &st));
	EQ(st.st_nlink, 3);
	ERR(rmdir(M("d")), ENOTEMPTY);
	OK(rmdir(M("d/sub")));
	OK(rmdir(M("d")));
	ERR(stat(S("d"), &st), ENOENT);
	ERR(stat(M("d"), &st), ENOENT);
	ERR(rmdir(M("d")), ENOENT);
out:
	return;
}

void t_unlink(struct ctx *c)
{
	struct stat st;

	OK(write_file(M("f"), "x", 1));
	OK(unlink(M("f")));
	ERR(stat(M("f"), &st), ENOENT);
	ERR(stat(S("f"), &st), ENOENT);
	ERR(unlink(M("f")), ENOENT);
	/* Recreating the name gives a fresh file, not the old inode. */
	OK(write_file(M("f"), "yz", 2));
	if (file_is(c, M("f"), "yz", 2) < 0)
		goto out;
out:
	return;
}

void t_rename(struct ctx *c)
{
	struct stat st, st2;

	OK(write_file(M("a"), "A", 1));
	OK(stat(M("a"), &st));
	OK(rename(M("a"), M("b")));
	ERR(stat(M("a"), &st2), ENOENT);
	ERR(stat(S("a"), &st2), ENOENT);
	OK(stat(M("b"), &st2));
	EQ(st2.st_ino, st.st_ino);
	if (file_is(c, S("b"), "A", 1) < 0)
		goto out;
	/* Across directories, replacing an existing file. */
	OK(mkdir(M("d1"), 0755));
	OK(mkdir(M("d2"), 0755));
	OK(write_file(M("d2/t"), "old", 3));
	OK(rename(M("b"), M("d1/x")));
	OK(rename(M("d1/x"), M("d2/t")));
	if (file_is(c, M("d2/t"), "A", 1) < 0 || file_is(c, S("d2/t"), "A", 1) < 0)
		goto out;
	ERR(stat(S("d1/x"), &st2), ENOENT);
	/* A directory moves with its contents. */
	OK(rename(M("d2"), M("d1/d2")));
	if (file_is(c, S("d1/d2/t"), "A", 1) < 0)
		goto out;
	/* Renaming onto a non-empty directory must fail. */
	OK(mkdir(M("e"), 0755));
	ERR(rename(M("e"), M("d1")), ENOTEMPTY);
out:
	return;
}

void t_rename_noreplace(struct ctx *c)
{
	OK(write_file(M("a"), "A", 1));
	OK(write_file(M("b"), "B", 1));
	ERR(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("b"), RENAME_NOREPLACE), EEXIST);
	if (file_is(c, S("a"), "A", 1) < 0 || file_is(c, S("b"), "B", 1) < 0)
		goto out;
	OK(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("c"), RENAME_NOREPLACE));
	if (file_is(c, S("c"), "A", 1) < 0)
		goto out;
out:
	return;
}

void t_rename_exchange(struct ctx *c)
{
	struct stat sa, sb, st;

	OK(write_file(M("a"), "A", 1));
	OK(mkdir(M("b"), 0755));
	OK(write_file(M("b/in"), "I", 1));
	OK(stat(M("a"), &sa));
	OK(stat(M("b"), &sb));
	OK(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("b"), RENAME_EXCHANGE));
	OK(stat(M("a"), &st));
	EQ(st.st_ino, sb.st_ino);
	TRUE(S_ISDIR(st.st_mode));
	OK(stat(M("b"), &st));
	EQ(st.st_ino, sa.st_ino);
	if (file_is(c, S("b"), "A", 1) < 0 || file_is(c, M("a/in"), "I", 1) < 0 ||
	    file_is(c, S("a/in"), "I", 1) < 0)
		goto out;
	ERR(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("missing"), RENAME_EXCHANGE), ENOENT);
out:
	return;
}

void t_link(struct ctx *c)
{
	struct stat s1, s2, ss;

	OK(write_file(M("f"), "data", 4));
	OK(link(M("f"), M("g")));
	OK(stat(M("f"), &s1));
	OK(stat(M("g"), &s2));
	EQ(s1.st_nlink, 2);
	EQ(s2.st_nlink, 2);
	EQ(s1.st_ino, s2.st_ino);
	OK(stat(S("g"), &ss));
	EQ(ss.st_ino, s1.st_ino);
	EQ(ss.st_nlink, 2);
	if (file_is(c, M("g"), "data", 4) < 0)
		goto out;
	ERR(link(M("f"), M("g")), EEXIST);
	OK(unlink(M("f")));
	OK(stat(M("g"), &s2));
	EQ(s2.st_nlink, 1);
out:
	return;
}

void t_symlink(struct ctx *c)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	OK(write_file(M("target"), "T", 1));
	OK(symlink("target", M("l")));
	OK(symlink("does/not/exist", M("dangling")));
	OK(lstat(M("l"), &st));
	TRUE(S_ISLNK(st.st_mode));
	EQ(st.st_size, 6);
	OK(n = readlink(M("l"), buf, sizeof(buf)));
	EQ(n, 6);
	TRUE(memcmp(buf, "target", 6) == 0);
	OK(n = readlink(S("dangling"), buf, sizeof(buf)));
	EQ(n, 14);
	TRUE(memcmp(buf, "does/not/exist", 14) == 0);
	if (file_is(c, M("l"), "T", 1) < 0)
		goto out;
	ERR(stat(M("dangling"), &st), ENOENT);
	ERR(readlink(M("target"), buf, sizeof(buf)), EINVAL);
out:
	return;
}

void t_mknod_fifo(struct ctx *c)
{
	struct stat st;

	OK(mkfifo(M("p"), 0640));
	OK(stat(M("p"), &st));
	TRUE(S_ISFIFO(st.st_mode));
	EQ(st.st_mode & 07777, 0640);
	OK(stat(S("p"), &st));
	TRUE(S_ISFIFO(st.st_mode));
	OK(mknod(M("r"), S_IFREG | 0600, 0));
	OK(stat(S("r"), &st));
	TRUE(S_ISREG(st.st_mode));
	EQ(st.st_size, 0);
out:
	return;
}

static int make_files(struct ctx *c, const char *dir, size_t n)
{
	char name[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		int fd;

		(void)snprintf(name, sizeof(name), "%s/entry-with-a-longish-name-%06zu", dir, i);
		fd = open(name, O_CREAT | O_WRONLY | O_EXCL, 0644);
		if (fd < 0) {
			failf(c, "create %s: %s", name, strerror(errno));
			return -1;
		}
		(void)close(fd);
	}
	return 0;
}

void t_readdir_small(struct ctx *c)
{
	struct dirent *de;
	DIR *dp = NULL;
	bool dot = false, dotdot = false;

	OK(mkdir(M("d"), 0755));
	if (make_files(c, M("d"), 50) < 0)
		goto out;
	OK(mkdir(M("d/subdir"), 0755));
	OK(symlink("x", M("d/link")));
	if (same_listing(c, M("d"), S("d"), 52) < 0)
		goto out;
	dp = opendir(M("d"));
	TRUE(dp != NULL);
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, "."))
			dot = true;
		else if (!strcmp(de->d_name, ".."))
			dotdot = true;
		else if (!strcmp(de->d_name, "subdir"))
			EQ(de->d_type, DT_DIR);
		else if (!strcmp(de->d_name, "link"))
			EQ(de->d_type, DT_LNK);
	}
	TRUE(dot && dotdot);
	/* Changes behind the daemon show up in a new listing. */
	OK(write_file(S("d/added-in-src"), "", 0));
	if (same_listing(c, M("d"), S("d"), 53) < 0)
		goto out;
	/* An empty directory lists nothing but itself. */
	OK(mkdir(M("empty"), 0755));
	if (same_listing(c, M("empty"), S("empty"), 0) < 0)
		goto out;
out:
	if (dp)
		(void)closedir(dp);
}

#define LARGE_DIR_ENTRIES 10000

void t_readdir_large(struct ctx *c)
{
	static const size_t probes[] = { 0, 1, 2, 97, 5000, LARGE_DIR_ENTRIES - 1,
					 LARGE_DIR_ENTRIES + 1 };
	long *pos = NULL;
	char **names = NULL;
	struct dirent *de;
	size_t n = 0, i;
	DIR *dp = NULL;

	OK(mkdir(M("big"), 0755));
	if (make_files(c, M("big"), LARGE_DIR_ENTRIES) < 0)
		goto out;
	if (same_listing(c, M("big"), S("big"), LARGE_DIR_ENTRIES) < 0)
		goto out;

	/* telldir before each entry, then seekdir back to some of them: the same entry follows. */
	pos = calloc(LARGE_DIR_ENTRIES + 2, sizeof(*pos));
	names = calloc(LARGE_DIR_ENTRIES + 2, sizeof(*names));
	TRUE(pos && names);
	dp = opendir(M("big"));
	TRUE(dp != NULL);
	for (;;) {
		long p = telldir(dp);

		errno = 0;
		de = readdir(dp);
		if (!de)
			break;
		TRUE(n < LARGE_DIR_ENTRIES + 2);
		pos[n] = p;
		names[n] = strdup(de->d_name);
		TRUE(names[n] != NULL);
		n++;
	}
	EQ(errno, 0);
	EQ(n, LARGE_DIR_ENTRIES + 2);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		size_t k = probes[i];

		seekdir(dp, pos[k]);
		errno = 0;
		de = readdir(dp);
		if (!de) {
			failf(c, "seekdir to entry %zu: readdir returned NULL (%s)", k,
			      strerror(errno));
			goto out;
		}
		if (strcmp(de->d_name, names[k])) {
			failf(c, "seekdir to entry %zu: expected %s got %s", k, names[k], de->d_name);
			goto out;
		}
	}
	rewinddir(dp);
	de = readdir(dp);
	TRUE(de != NULL);
	TRUE(strcmp(de->d_name, names[0]) == 0);
out:
	if (dp)
		(void)closedir(dp);
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	free(pos);
}

void t_xattr(struct ctx *c)
{
	char buf[256];
	ssize_t n;
	bool found = false;
	char *p;

	OK(write_file(M("f"), "x", 1));
	OK(setxattr(M("f"), "user.test", "value-1", 7, 0));
	EQ(getxattr(M("f"), "user.test", NULL, 0), 7);
	OK(n = getxattr(M("f"), "user.test", buf, sizeof(buf)));
	EQ(n, 7);
	TRUE(memcmp(buf, "value-1", 7) == 0);
	OK(n = getxattr(S("f"), "user.test", buf, sizeof(buf)));
	EQ(n, 7);
	TRUE(memcmp(buf, "value-1", 7) == 0);
	ERR(getxattr(M("f"), "user.test", buf, 3), ERANGE);
	ERR(setxattr(M("f"), "user.test", "v", 1, XATTR_CREATE), EEXIST);
	ERR(setxattr(M("f"), "user.other", "v", 1, XATTR_REPLACE), ENODATA);
	OK(setxattr(M("f"), "user.second", "", 0, 0));
	OK(n = listxattr(M("f"), buf, sizeof(buf)));
	EQ(listxattr(M("f"), NULL, 0), n);
	for (p = buf; p < buf + n; p += strlen(p) + 1)
		if (!strcmp(p, "user.test"))
			found = true;
	TRUE(found);
	OK(removexattr(M("f"), "user.test"));
	ERR(getxattr(M("f"), "user.test", buf, sizeof(buf)), ENODATA);
	ERR(getxattr(S("f"), "user.test", buf, sizeof(buf)), ENODATA);
	ERR(removexattr(M("f"), "user.test"), ENODATA);
	EQ(getxattr(M("f"), "user.second", buf, sizeof(buf)), 0);
	/* Directories carry them too. */
	OK(mkdir(M("d"), 0755));
	OK(setxattr(M("d"), "user.dir", "D", 1, 0));
	EQ(getxattr(S("d"), "user.dir", buf, sizeof(buf)), 1);
out:
	return;
}

void t_statfs(struct ctx *c)
{
	struct statvfs vm, vs;

	OK(statvfs(c->m, &vm));
	OK(statvfs(c->s, &vs));
	EQ(vm.f_bsize, vs.f_bsize);
	EQ(vm.f_frsize, vs.f_frsize);
	EQ(vm.f_blocks, vs.f_blocks);
	EQ(vm.f_files, vs.f_files);
	EQ(vm.f_namemax, vs.f_namemax);
	TRUE(vm.f_bfree <= vm.f_blocks && vm.f_bavail <= vm.f_blocks);
out:
	return;
}

#define META_THREADS 4
#define META_ROUNDS 300

struct meta_worker {
	const char *dir;
	int idx;
	char fail[256];
};

/*
 * Each worker churns its own names (create, write, rename, stat, unlink) while all of them also
 * look up one shared file, so the daemon's inode table is hit from several threads at once.
 */
static void *meta_main(void *arg)
{
	struct meta_worker *w = arg;
	char a[PATH_MAX], b[PATH_MAX], shared[PATH_MAX];
	struct stat st;
	int i;

	msgf(shared, sizeof(shared), "%s/shared", w->dir);
	for (i = 0; i < META_ROUNDS; i++) {
		char tag[32];
		int fd;

		msgf(a, sizeof(a), "%s/w%d-%d", w->dir, w->idx, i);
		msgf(b, sizeof(b), "%s/w%d-%d.renamed", w->dir, w->idx, i);
		fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			msgf(w->fail, sizeof(w->fail), "create %s: %s", a, strerror(errno));
			break;
		}
		msgf(tag, sizeof(tag), "%d:%d", w->idx, i);
		if (write(fd, tag, strlen(tag)) != (ssize_t)strlen(tag) || close(fd) < 0) {
			msgf(w->fail, sizeof(w->fail), "write %s: %s", a, strerror(errno));
			break;
		}
		if (rename(a, b) < 0 || stat(b, &st) < 0 || st.st_size != (off_t)strlen(tag)) {
			msgf(w->fail, sizeof(w->fail), "rename/stat %s: %s", b,
				       strerror(errno));
			break;
		}
		if (stat(shared, &st) < 0) {
			msgf(w->fail, sizeof(w->fail), "stat %s: %s", shared,
				       strerror(errno));
			break;
		}
		/* Keep every third file so the end state is known and non-trivial. */
		if (i % 3 && unlink(b) < 0) {
			msgf(w->fail, sizeof(w->fail), "unlink %s: %s", b, strerror(errno));
			break;
		}
	}
	return NULL;
}

void t_concurrent_metadata(struct ctx *c)
{
	struct meta_worker ws[META_THREADS];
	pthread_t th[META_THREADS];
	int started = 0, i;
	size_t kept = 1;

	OK(mkdir(M("d"), 0755));
	OK(write_file(M("d/shared"), "s", 1));
	for (i = 0; i < META_THREADS; i++) {
		ws[i].dir = M("d");
		ws[i].idx = i;
		ws[i].fail[0] = '\0';
	}
	for (i = 0; i < META_THREADS; i++) {
		if (pthread_create(&th[i], NULL, meta_main, &ws[i]) != 0) {
			failf(c, "pthread_create failed");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
	if (started < META_THREADS)
		goto out;
	for (i = 0; i < META_THREADS; i++)
		if (ws[i].fail[0]) {
			failf(c, "worker %d: %s", i, ws[i].fail);
			goto out;
		}
	for (i = 0; i < META_ROUNDS; i++)
		if (i % 3 == 0)
			kept++;
	kept = 1 + (kept - 1) * META_THREADS;
	if (same_listing(c, M("d"), S("d"), kept) < 0)
		goto out;
	if (file_is(c, M("d/w2-3.renamed"), "2:3", 3) < 0)
		goto out;
out:
	return;
}

/*
 * Entries made behind the daemon's back, then listed and looked up through the mount. Under a
 * low descriptor limit (the fdlimit tests) lookups may fail with EMFILE, but the listing must
 * stay complete and nothing else may go wrong.
 */
#define SRC_MANY 3000

void t_readdir_src_many(struct ctx *c)
{
	char name[PATH_MAX];
	struct names again = { NULL, 0 };
	struct stat st;
	size_t i, ok = 0, emfile = 0;

	OK(mkdir(S("many"), 0755));
	for (i = 0; i < SRC_MANY; i++) {
		msgf(name, sizeof(name), "%s/many/src-file-%05zu", c->s, i);
		OK(write_file(name, "", 0));
	}
	if (same_listing(c, M("many"), S("many"), SRC_MANY) < 0)
		goto out;
	for (i = 0; i < SRC_MANY; i++) {
		msgf(name, sizeof(name), "%s/many/src-file-%05zu", c->m, i);
		if (stat(name, &st) == 0) {
			ok++;
		} else if (errno == EMFILE || errno == ENFILE) {
			emfile++;
		} else {
			failf(c, "stat %s: %s", name, strerror(errno));
			goto out;
		}
	}
	printf("# readdir_src_many: %zu lookups ok, %zu EMFILE\n", ok, emfile);
	/*
	 * The listing again, now that the kernel holds whatever it could look up. If that used up
	 * the daemon's descriptors, opening the directory may fail with EMFILE; a listing that
	 * does come back must still be complete.
	 */
	if (list_dir(M("many"), &again) < 0) {
		if (emfile && (errno == EMFILE || errno == ENFILE)) {
			printf("# readdir_src_many: second listing refused with %s\n", strerror(errno));
			goto out;
		}
		failf(c, "second listing: %s", strerror(errno));
		goto out;
	}
	EQ(again.n, SRC_MANY);
out:
	names_free(&again);
	if (c->fail[0])
		return;
	/*
	 * Removing the names the kernel already knows needs no new descriptor and releases theirs
	 * (FORGET arrives a moment after each unlink), so the rest can then be looked up again:
	 * the file system must recover from running out.
	 */
	for (i = 0; i < SRC_MANY; i++) {
		int tries = 0;

		msgf(name, sizeof(name), "%s/many/src-file-%05zu", c->m, i);
		while (unlink(name) < 0) {
			if ((errno != EMFILE && errno != ENFILE) || ++tries > 500) {
				failf(c, "unlink %s: %s", name, strerror(errno));
				return;
			}
			(void)usleep(10000);
		}
	}
	if (same_listing(c, M("many"), S("many"), 0) < 0)
		return;
}

/*
 * Names and link targets at their limits, and bytes a careless decoder trips on: they travel in
 * the request payload, and readlink's answer fills a reply of PATH_MAX - 1 bytes.
 */
void t_long_names(struct ctx *c)
{
	static const char odd[] = "sp ace\nnew\tline\xff\xfe-\xc3\xa9t\xc3\xa9";
	char n255[256], n255b[256], n256[257];
	char *target = NULL, *got = NULL;
	struct stat st;
	ssize_t n;

	memset(n255, 'x', 255);
	n255[255] = '\0';
	memset(n255b, 'y', 255);
	n255b[255] = '\0';
	memset(n256, 'z', 256);
	n256[256] = '\0';
	OK(write_file(M(n255), "long", 4));
	OK(stat(S(n255), &st));
	EQ(st.st_size, 4);
	OK(rename(M(n255), M(n255b)));
	if (file_is(c, S(n255b), "long", 4) < 0)
		goto out;
	ERR(open(M(n256), O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	ERR(stat(M(n256), &st), ENAMETOOLONG);
	OK(write_file(M(odd), "odd", 3));
	if (file_is(c, S(odd), "odd", 3) < 0)
		goto out;
	if (same_listing(c, c->m, c->s, 2) < 0)
		goto out;

	target = malloc(PATH_MAX);
	got = malloc(PATH_MAX + 1);
	TRUE(target && got);
	memset(target, 'a', PATH_MAX - 1);
	for (n = 100; n < PATH_MAX - 1; n += 100)
		target[n] = '/';
	target[PATH_MAX - 1] = '\0';
	OK(symlink(target, M("l")));
	OK(n = readlink(M("l"), got, PATH_MAX + 1));
	EQ(n, PATH_MAX - 1);
	TRUE(memcmp(got, target, PATH_MAX - 1) == 0);
	OK(n = readlink(S("l"), got, PATH_MAX + 1));
	EQ(n, PATH_MAX - 1);
	OK(lstat(M("l"), &st));
	EQ(st.st_size, PATH_MAX - 1);
out:
	free(target);
	free(got);
}

void t_o_excl(struct ctx *c)
{
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_EXCL | O_WRONLY, 0644));
	OK(close(fd));
	fd = -1;
	ERR(open(M("f"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	OK(mkdir(M("d"), 0755));
	ERR(open(M("d"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	OK(symlink("f", M("l")));
	ERR(open(M("l"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
out:
	if (fd >= 0)
		(void)close(fd);
}

void t_errors(struct ctx *c)
{
	struct stat st;

	OK(write_file(M("f"), "x", 1));
	OK(mkdir(M("d"), 0755));
	ERR(stat(M("missing"), &st), ENOENT);
	ERR(open(M("missing"), O_RDONLY), ENOENT);
	ERR(open(M("nodir/f"), O_CREAT | O_WRONLY, 0644), ENOENT);
	ERR(mkdir(M("d"), 0755), EEXIST);
	ERR(mkdir(M("f"), 0755), EEXIST);
	ERR(symlink("x", M("f")), EEXIST);
	ERR(mkfifo(M("f"), 0644), EEXIST);
	ERR(stat(M("f/x"), &st), ENOTDIR);
	ERR(open(M("f/x"), O_CREAT | O_WRONLY, 0644), ENOTDIR);
	ERR(rmdir(M("f")), ENOTDIR);
	ERR(open(M("d"), O_WRONLY), EISDIR);
	ERR(open(M("d"), O_RDWR), EISDIR);
	ERR(unlink(M("d")), EISDIR);
	ERR(rename(M("d"), M("f")), ENOTDIR);
	ERR(rename(M("f"), M("d")), EISDIR);
	ERR(opendir(M("f")) ? 0 : -1, ENOTDIR);
out:
	return;
}
