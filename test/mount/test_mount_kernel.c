/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mounting code against the real kernel, one mode per run (argv[1]):
 *   direct             mount(2) as root; mountinfo shows type, source, flags and options;
 *                      FUSE_INIT and a GETATTR answered by hand; unmount removes it.
 *   fd_passing         "/dev/fd/N" returns N and mounts and unmounts nothing.
 *   gone               after someone else unmounted, unmount must not touch what sits on
 *                      the path now (a tmpfs mounted there); the _keep_fd variant keeps
 *                      the fd open.
 *   aborted            a connection aborted through fusectl leaves a dead mount that is
 *                      still ours: unmount removes it.
 *   denied             /dev/fuse 0600 (this machine's setting): an unprivileged mount
 *                      fails, and the log says what was tried and why.
 *   helper             an unprivileged user (uid 65534) mounts through fusermount3.
 *   auto_unmount       root, via fusermount3: explicit unmount, then SIGKILL of the daemon
 *                      makes the mount disappear; the long-lived fusermount3 does not
 *                      hold the daemon's stdout.
 *   auto_unmount_user  the same as uid 65534 (allow_root: fusermount3 3.14 cannot check a
 *                      mount root cannot enter, libfuse issue #586), and fusermount3's
 *                      reason for a refusal reaches the log.
 * Needs root (exit 77 otherwise). The unprivileged modes run in a private mount namespace
 * where /dev/fuse is a 0666 node and /etc/fuse.conf allows allow_root, so the machine's
 * own settings are not touched. Every wait is bounded; mounts are removed on failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuse_log.h"
#include "fuse_opt.h"
#include "mount_i.h"

#define SKIP 77
#define USER_ID 65534
#define WAIT_MS 10000

static char tmpdir[64];
static char mnt[128];

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* fuse_log output of the library, for checks on what it told the user. */
static char captured[4096];

static void capture_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(captured);

	(void)level;
	(void)vsnprintf(captured + len, sizeof(captured) - len, fmt, ap);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* The mountinfo line for path, split: fields 6 (mount options) and after " - ". */
struct mountinfo {
	unsigned int dev_minor;
	char mount_opts[512];
	char fstype[128];
	char source[256];
	char super_opts[512];
};

static int find_mount(const char *path, struct mountinfo *mi)
{
	char line[4096], point[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f) {
		fail("open mountinfo: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*u:%u %*s %1023s %511s", &mi->dev_minor, point,
				   mi->mount_opts) != 3)
			continue;
		if (strcmp(point, path) != 0)
			continue;
		if (sscanf(sep + 3, "%127s %255s %511s", mi->fstype, mi->source,
			   mi->super_opts) != 3)
			continue;
		found = 1;	/* keep going: the last (top) mount on the path wins */
	}
	fclose(f);
	return found;
}

/* Whether the comma separated list holds item as a whole element. */
static int has_opt(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while ((p = strstr(p, item)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static int wait_mount_gone(const char *path, int timeout_ms)
{
	struct mountinfo mi;
	int waited = 0, r;

	while ((r = find_mount(path, &mi)) == 1 && waited < timeout_ms) {
		sleep_ms(20);
		waited += 20;
	}
	return r == 0 ? 0 : -1;
}

/* Last resort for a failed test: nothing of ours stays mounted. */
static void force_unmount(void)
{
	struct mountinfo mi;
	int i;

	for (i = 0; i < 4 && find_mount(mnt, &mi) == 1; i++)
		(void)umount2(mnt, MNT_DETACH);
}

/*
 * A minimal file system served by hand: answers INIT, GETATTR of the root, and ENOSYS to
 * anything else, until the connection goes away or stop is set.
 */
struct server {
	int fd;
	atomic_int stop;
	int got_init;
	int bad;
	pthread_t thread;
};

static int reply(int fd, uint64_t unique, int error, const void *arg, size_t argsize)
{
	struct fuse_out_header oh;
	struct iovec iov[2];
	ssize_t n;

	oh.len = (uint32_t)(sizeof(oh) + argsize);
	oh.error = error;
	oh.unique = unique;
	iov[0].iov_base = &oh;
	iov[0].iov_len = sizeof(oh);
	iov[1].iov_base = (void *)arg;
	iov[1].iov_len = argsize;
	n = writev(fd, iov, argsize ? 2 : 1);
	return n == (ssize_t)oh.len ? 0 : -1;
}

static void *serve(void *data)
{
	struct server *s = data;
	static char buf[FUSE_MIN_READ_BUFFER + 128 * 1024];

	while (!s->stop) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		struct fuse_in_header *ih = (struct fuse_in_header *)buf;
		ssize_t n;
		int r = poll(&p, 1, 100);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (p.revents & (POLLERR | POLLHUP)))
			break;
		if (r == 0)
			continue;
		n = read(s->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < 0)
			break;
		if ((size_t)n < sizeof(*ih) || ih->len != (uint32_t)n) {
			s->bad = 1;
			break;
		}
		if (ih->opcode == FUSE_INIT) {
			const struct fuse_init_in *in = (const void *)(ih + 1);
			struct fuse_init_out out;

			memset(&out, 0, sizeof(out));
			out.major = FUSE_KERNEL_VERSION;
			out.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor :
				    FUSE_KERNEL_MINOR_VERSION;
			out.max_readahead = in->max_readahead;
			out.max_write = 4096;
			if (in->major != FUSE_KERNEL_VERSION)
				s->bad = 1;
			if (reply(s->fd, ih->unique, 0, &out, sizeof(out)) == 0)
				s->got_init = 1;
		} else if (ih->opcode == FUSE_GETATTR && ih->nodeid == FUSE_ROOT_ID) {
			struct fuse_attr_out out;

			memset(&out, 0, sizeof(out));
			out.attr.ino = FUSE_ROOT_ID;
			out.attr.mode = S_IFDIR | 0755;
			out.attr.nlink = 2;
			out.attr.uid = getuid();
			out.attr.gid = getgid();
			out.attr.blksize = 4096;
			(void)reply(s->fd, ih->unique, 0, &out, sizeof(out));
		} else if (ih->opcode != FUSE_FORGET && ih->opcode != FUSE_BATCH_FORGET &&
			   ih->opcode != FUSE_INTERRUPT) {
			(void)reply(s->fd, ih->unique, -ENOSYS, NULL, 0);
		}
	}
	return NULL;
}

static int server_start(struct server *s, int fd)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	err = pthread_create(&s->thread, NULL, serve, s);
	if (err) {
		fail("pthread_create: %s", strerror(err));
		return -1;
	}
	return 0;
}

static void server_stop(struct server *s)
{
	s->stop = 1;
	(void)pthread_join(s->thread, NULL);
}

static struct fuse__mount_opts *parse_opts(const char *opts)
{
	char *argv[] = { (char *)"test_mount_kernel", (char *)"-o", (char *)opts, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse__mount_opts *mo = fuse__mount_opts_parse(&args);

	if (!mo)
		fail("options refused: %s", opts);
	else if (args.argc != 1)
		fail("options left unparsed: %d args", args.argc);
	fuse_opt_free_args(&args);
	return mo;
}

/*
 * Mounts with opts, checks mountinfo, serves INIT and a stat of the root, unmounts and
 * checks the mount is gone. Returns 0 or -1.
 */
static int mount_cycle(const char *opts, const char *want_type, const char *want_source,
		       const char *const *want_super, const char *const *want_flags,
		       int want_helper)
{
	struct fuse__mount_opts *mo = parse_opts(opts);
	struct server srv;
	struct mountinfo mi;
	char uid_opt[32];
	struct stat st;
	int fd, ret = -1, i;

	if (!mo)
		return -1;
	fd = fuse__kernel_mount(mnt, mo);
	if (fd < 0) {
		fail("fuse__kernel_mount(%s, %s): %s", mnt, opts, strerror(-fd));
		goto out_mo;
	}
	if (fcntl(fd, F_GETFD) != FD_CLOEXEC)
		fail("the /dev/fuse fd is not close-on-exec");
	else if (mo->mounted_helper != want_helper || mo->mounted_direct == want_helper)
		fail("mounted %s, expected %s", mo->mounted_helper ? "by fusermount3" : "directly",
		     want_helper ? "fusermount3" : "mount(2)");
	else if (find_mount(mnt, &mi) != 1)
		fail("%s not in mountinfo after mount", mnt);
	else if (strcmp(mi.fstype, want_type) != 0 || strcmp(mi.source, want_source) != 0)
		fail("mountinfo type/source %s %s, expected %s %s", mi.fstype, mi.source,
		     want_type, want_source);
	else
		ret = 0;
	(void)snprintf(uid_opt, sizeof(uid_opt), "user_id=%u", (unsigned int)getuid());
	if (ret == 0 && !has_opt(mi.super_opts, uid_opt)) {
		fail("super options %s lack %s", mi.super_opts, uid_opt);
		ret = -1;
	}
	for (i = 0; ret == 0 && want_super && want_super[i]; i++) {
		if (!has_opt(mi.super_opts, want_super[i])) {
			fail("super options %s lack %s", mi.super_opts, want_super[i]);
			ret = -1;
		}
	}
	/* "!name": the flag must be absent. */
	for (i = 0; ret == 0 && want_flags && want_flags[i]; i++) {
		int absent = want_flags[i][0] == '!';
		const char *name = want_flags[i] + absent;

		if (has_opt(mi.mount_opts, name) == absent) {
			fail("mount options %s %s %s", mi.mount_opts, absent ? "have" : "lack",
			     name);
			ret = -1;
		}
	}
	if (ret == 0) {
		if (server_start(&srv, fd) < 0) {
			ret = -1;
		} else {
			/* stat waits for INIT, then asks GETATTR of the root. */
			if (stat(mnt, &st) < 0) {
				fail("stat %s: %s", mnt, strerror(errno));
				ret = -1;
			} else if (!S_ISDIR(st.st_mode) || st.st_ino != FUSE_ROOT_ID) {
				fail("stat %s: mode %o ino %lu", mnt, st.st_mode,
				     (unsigned long)st.st_ino);
				ret = -1;
			}
			server_stop(&srv);
			if (!srv.got_init || srv.bad) {
				fail("INIT %s, bad request %d", srv.got_init ? "seen" : "missing",
				     srv.bad);
				ret = -1;
			}
		}
	}
	printf("%s: %s %s %s %s\n", ret == 0 ? "ok" : "was", mi.fstype, mi.source, mi.mount_opts,
	       mi.super_opts);
	fuse__kernel_unmount(mnt, fd, mo);
	if (find_mount(mnt, &mi) != 0) {
		fail("%s still mounted after fuse__kernel_unmount", mnt);
		ret = -1;
	}
out_mo:
	fuse__mount_opts_free(mo);
	return ret;
}

static int test_direct(void)
{
	static const char *const super[] = { "default_permissions", "allow_other",
					     "max_read=65536", "group_id=0", NULL };
	static const char *const flags[] = { "nosuid", "nodev", "noatime", "ro", NULL };
	static const char *const flags2[] = { "rw", "noexec", "!nosuid", "!nodev", NULL };
	char opts[256], source[64];
	int ret;

	(void)snprintf(source, sizeof(source), "rftest%d", (int)getpid());
	(void)snprintf(opts, sizeof(opts),
		       "fsname=%s,subtype=rftest,default_permissions,allow_other,noatime,ro,"
		       "max_read=65536,x-ringfuse.test", source);
	ret = mount_cycle(opts, "fuse.rftest", source, super, flags, 0);
	/* Defaults: named after the program; suid and dev given back on request. */
	if (ret == 0)
		ret = mount_cycle("suid,dev,noexec", "fuse.test_mount_kernel",
				  "test_mount_kernel", NULL, flags2, 0);
	return ret;
}

static int test_fd_passing(void)
{
	struct fuse__mount_opts *mo = parse_opts("fsname=unused");
	struct mountinfo mi;
	char path[32];
	int fd, got, ret = -1;

	if (!mo)
		return -1;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail("open /dev/fuse: %s", strerror(errno));
		goto out;
	}
	(void)snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	got = fuse__kernel_mount(path, mo);
	if (got != fd) {
		fail("fuse__kernel_mount(%s) returned %d", path, got);
		(void)close(fd);
		goto out;
	}
	if (find_mount(path, &mi) != 0 || find_mount(mnt, &mi) != 0) {
		fail("something was mounted for %s", path);
		force_unmount();
	} else {
		ret = 0;
	}
	fuse__kernel_unmount(path, fd, mo);
	/* Unmount closes the fd it was given, and nothing else. */
	if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
		fail("fd %d still open after unmount", fd);
		ret = -1;
	}
out:
	fuse__mount_opts_free(mo);
	return ret;
}

/*
 * One round of "someone else unmounted and mounted a tmpfs there": with_fd passes the
 * session's fd (the connection-gone check works on any kernel), without it only the mount's
 * unique id can tell (Linux 6.8+).
 */
static int gone_round(int with_fd)
{
	struct fuse__mount_opts *mo = parse_opts("fsname=rftest-gone");
	struct mountinfo mi;
	int fd, ret = -1;

	if (!mo)
		return -1;
	fd = fuse__kernel_mount(mnt, mo);
	if (fd < 0) {
		fail("mount: %s", strerror(-fd));
		goto out;
	}
	if (umount2(mnt, 0) < 0) {
		fail("umount %s: %s", mnt, strerror(errno));
		fuse__kernel_unmount(mnt, fd, mo);
		goto out;
	}
	if (mount("rftest-tmpfs", mnt, "tmpfs", 0, "size=64k") < 0) {
		fail("mount tmpfs: %s", strerror(errno));
		fuse__kernel_unmount(mnt, fd, mo);
		goto out;
	}
	fuse__kernel_unmount_keep_fd(mnt, with_fd ? fd : -1, mo);
	if (find_mount(mnt, &mi) == 1 && strcmp(mi.fstype, "tmpfs") == 0)
		ret = 0;
	else
		fail("the tmpfs mounted on %s after the fuse mount went away was unmounted (%s)",
		     mnt, with_fd ? "with fd" : "without fd");
	if (fcntl(fd, F_GETFD) < 0) {
		fail("fuse__kernel_unmount_keep_fd closed the fd");
		ret = -1;
	} else {
		(void)close(fd);
	}
	force_unmount();
out:
	fuse__mount_opts_free(mo);
	return ret;
}

static int test_gone(void)
{
	if (gone_round(1) < 0)
		return -1;
	return gone_round(0);
}

/*
 * A connection aborted through fusectl (as "umount -f" or an administrator would) leaves a
 * dead mount behind; the daemon's unmount must still remove it, since it is still ours.
 */
static int test_aborted(void)
{
	struct fuse__mount_opts *mo;
	struct server srv;
	struct mountinfo mi;
	struct stat st;
	char path[128];
	int fd, afd, ret = -1;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fail("private mount namespace: %s", strerror(errno));
		return -1;
	}
	if (mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, NULL) < 0 &&
	    errno != EBUSY) {
		fail("mount fusectl: %s", strerror(errno));
		return -1;
	}
	mo = parse_opts("fsname=rftest-abort");
	if (!mo)
		return -1;
	fd = fuse__kernel_mount(mnt, mo);
	if (fd < 0) {
		fail("mount: %s", strerror(-fd));
		goto out;
	}
	if (find_mount(mnt, &mi) != 1 || server_start(&srv, fd) < 0) {
		fail("not mounted, or no server");
		fuse__kernel_unmount(mnt, fd, mo);
		goto out;
	}
	if (stat(mnt, &st) < 0)
		fail("stat %s: %s", mnt, strerror(errno));
	(void)snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort", mi.dev_minor);
	afd = open(path, O_WRONLY | O_CLOEXEC);
	if (afd < 0 || write(afd, "1", 1) != 1) {
		fail("abort through %s: %s", path, strerror(errno));
	} else {
		struct stat st2;

		/* The mount is still there, dead. */
		if (find_mount(mnt, &mi) == 1 && stat(mnt, &st2) < 0 && errno == ENOTCONN)
			ret = 0;
		else
			fail("after abort: mounted %d, stat errno %d", find_mount(mnt, &mi), errno);
	}
	if (afd >= 0)
		(void)close(afd);
	server_stop(&srv);
	fuse__kernel_unmount(mnt, fd, mo);
	if (find_mount(mnt, &mi) != 0) {
		fail("the aborted mount is still on %s after unmount", mnt);
		ret = -1;
	}
out:
	force_unmount();
	fuse__mount_opts_free(mo);
	return ret;
}

/*
 * A private mount namespace where uid 65534 can use fusermount3: /dev/fuse replaced by a
 * 0666 node (this machine's is 0600 and fusermount3 opens it as the calling user) and
 * /etc/fuse.conf replaced by one with user_allow_other.
 */
static int private_namespace(void)
{
	char node[96], conf[96];
	int fd;

	if (unshare(CLONE_NEWNS) < 0) {
		fail("unshare(CLONE_NEWNS): %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fail("make / private: %s", strerror(errno));
		return -1;
	}
	(void)snprintf(node, sizeof(node), "%s/fuse", tmpdir);
	(void)snprintf(conf, sizeof(conf), "%s/fuse.conf", tmpdir);
	if (mknod(node, S_IFCHR | 0666, makedev(10, 229)) < 0 || chmod(node, 0666) < 0) {
		fail("mknod %s: %s", node, strerror(errno));
		return -1;
	}
	if (mount(node, "/dev/fuse", NULL, MS_BIND, NULL) < 0) {
		fail("bind %s over /dev/fuse: %s", node, strerror(errno));
		return -1;
	}
	fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "user_allow_other\n", 17) != 17) {
		fail("write %s: %s", conf, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	(void)close(fd);
	if (access("/etc/fuse.conf", F_OK) == 0 &&
	    mount(conf, "/etc/fuse.conf", NULL, MS_BIND, NULL) < 0) {
		fail("bind %s over /etc/fuse.conf: %s", conf, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The state this machine ships with: /dev/fuse 0600 root. fusermount3 then fails too, and
 * the log must say what was tried and why it failed.
 */
static int denied_user(void)
{
	struct fuse__mount_opts *mo = parse_opts("fsname=rftest-denied");
	int fd, ret = 0;

	if (!mo)
		return -1;
	fuse_set_log_func(capture_log);
	fd = fuse__kernel_mount(mnt, mo);
	fuse_set_log_func(NULL);
	if (fd >= 0) {
		fail("mounted without access to /dev/fuse");
		fuse__kernel_unmount(mnt, fd, mo);
		ret = -1;
	} else if (!strstr(captured, "tried first: opening /dev/fuse: Permission denied") ||
		   !strstr(captured, "mode 0600") || !strstr(captured, "fusermount3")) {
		fail("the log does not explain the failure:\n%s", captured);
		ret = -1;
	} else {
		printf("ok: the user is told:\n%s", captured);
	}
	fuse__mount_opts_free(mo);
	return ret;
}

static int drop_to_user(void)
{
	if (setgroups(0, NULL) < 0 || setgid(USER_ID) < 0 || setuid(USER_ID) < 0) {
		fail("drop to uid %d: %s", USER_ID, strerror(errno));
		return -1;
	}
	return 0;
}

/* Runs fn in a child (as uid 65534 when as_user), with a bounded wait; returns its verdict. */
static int in_child(int (*fn)(void), int as_user)
{
	int status, waited = 0, ret;
	pid_t pid, r;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		alarm(60);
		if (as_user && drop_to_user() < 0)
			_exit(1);
		ret = fn();
		fflush(NULL);
		_exit(ret == 0 ? 0 : 1);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && waited < 90000) {
		sleep_ms(20);
		waited += 20;
	}
	if (r == 0) {
		fail("child %d did not finish", (int)pid);
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		return -1;
	}
	if (r < 0) {
		fail("waitpid: %s", strerror(errno));
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int user_cycle(void)
{
	static const char *const super[] = { "user_id=65534", "group_id=65534", NULL };
	static const char *const flags[] = { "nosuid", "nodev", "noatime", NULL };

	/* The comma in fsname must survive fusermount3's option syntax (escaped as "\\,"). */
	return mount_cycle("fsname=rftest\\,user,subtype=rfuser,noatime,x-ringfuse.note",
			   "fuse.rfuser", "rftest,user", super, flags, 1);
}

static int in_child(int (*fn)(void), int as_user);

static int test_denied(void)
{
	char node[96];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fail("private mount namespace: %s", strerror(errno));
		return -1;
	}
	(void)snprintf(node, sizeof(node), "%s/fuse", tmpdir);
	if (mknod(node, S_IFCHR | 0600, makedev(10, 229)) < 0 || chmod(node, 0600) < 0 ||
	    mount(node, "/dev/fuse", NULL, MS_BIND, NULL) < 0) {
		fail("a 0600 /dev/fuse: %s", strerror(errno));
		return -1;
	}
	return in_child(denied_user, 1);
}

static int test_helper(void)
{
	if (private_namespace() < 0)
		return -1;
	return in_child(user_cycle, 1);
}

/*
 * auto_unmount: a daemon mounts, serves INIT, tells the parent (pipe) and waits to be
 * killed; the mount must then go away without anyone unmounting it.
 */
static int ready_pipe[2];
static int out_pipe[2];
static const char *daemon_opts;

static int auto_daemon(void)
{
	struct fuse__mount_opts *mo = parse_opts(daemon_opts);
	struct server srv;
	struct stat st;
	int fd;

	if (!mo)
		return -1;
	fd = fuse__kernel_mount(mnt, mo);
	if (fd < 0) {
		fail("auto_unmount mount: %s", strerror(-fd));
		return -1;
	}
	if (!mo->mounted_helper || mo->commfd < 0 || mo->helper_pid <= 0) {
		fail("auto_unmount did not go through a fusermount3 that stays");
		return -1;
	}
	if (server_start(&srv, fd) < 0)
		return -1;
	if (stat(mnt, &st) < 0) {
		fail("stat %s: %s", mnt, strerror(errno));
		return -1;
	}
	/* Detach from stdout the way a daemon does: the parent must then see EOF. */
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return -1;
	if (write(ready_pipe[1], "r", 1) != 1)
		return -1;
	for (;;)
		pause();
}

/* Explicit unmount with auto_unmount: the mount goes and the helper is reaped. */
static int auto_explicit(void)
{
	struct fuse__mount_opts *mo = parse_opts(daemon_opts);
	struct mountinfo mi;
	int fd, ret = 0;
	pid_t helper;

	if (!mo)
		return -1;
	fd = fuse__kernel_mount(mnt, mo);
	if (fd < 0) {
		fail("auto_unmount mount: %s", strerror(-fd));
		fuse__mount_opts_free(mo);
		return -1;
	}
	helper = mo->helper_pid;
	if (find_mount(mnt, &mi) != 1) {
		fail("not mounted");
		ret = -1;
	}
	fuse__kernel_unmount(mnt, fd, mo);
	if (find_mount(mnt, &mi) != 0) {
		fail("still mounted after explicit unmount");
		ret = -1;
	}
	if (mo->commfd != -1 || mo->helper_pid != 0 || (helper > 0 && kill(helper, 0) == 0)) {
		fail("fusermount3 (pid %d) was not reaped", (int)helper);
		ret = -1;
	}
	fuse__mount_opts_free(mo);
	return ret;
}

static int auto_killed(int as_user)
{
	struct mountinfo mi;
	int ret = -1, status;
	char c;
	pid_t pid;

	if (pipe2(ready_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		alarm(60);
		(void)close(ready_pipe[0]);
		(void)close(out_pipe[0]);
		/* The daemon's stdout is a pipe, as in `x=$(myfs -o auto_unmount mnt)`. */
		if (dup2(out_pipe[1], STDOUT_FILENO) < 0)
			_exit(1);
		(void)close(out_pipe[1]);
		if (as_user && drop_to_user() < 0)
			_exit(1);
		(void)auto_daemon();
		fflush(NULL);
		_exit(1);
	}
	(void)close(ready_pipe[1]);
	(void)close(out_pipe[1]);
	for (;;) {
		struct pollfd p = { .fd = ready_pipe[0], .events = POLLIN };
		int r = poll(&p, 1, WAIT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 1 && read(ready_pipe[0], &c, 1) == 1)
			break;
		fail("the daemon did not get mounted");
		goto out_kill;
	}
	if (find_mount(mnt, &mi) != 1) {
		fail("%s not mounted while the daemon runs", mnt);
		goto out_kill;
	}
	/* The daemon let go of its stdout: nobody else (fusermount3) may still hold it. */
	for (;;) {
		struct pollfd p = { .fd = out_pipe[0], .events = POLLIN };
		char buf[256];
		int r = poll(&p, 1, WAIT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 1 && read(out_pipe[0], buf, sizeof(buf)) == 0)
			break;
		if (r == 1)
			continue;
		fail("the daemon's stdout is still held open after it let go of it");
		goto out_kill;
	}
	ret = 0;
out_kill:
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	(void)close(ready_pipe[0]);
	(void)close(out_pipe[0]);
	if (ret == 0) {
		if (wait_mount_gone(mnt, WAIT_MS) < 0) {
			fail("%s still mounted %d ms after the daemon was killed", mnt, WAIT_MS);
			ret = -1;
		} else {
			printf("ok: mount gone after SIGKILL of the daemon\n");
		}
	}
	force_unmount();
	return ret;
}

static int test_auto_unmount(void)
{
	daemon_opts = "auto_unmount,fsname=rftest-auto";
	if (auto_explicit() < 0)
		return -1;
	return auto_killed(0);
}

/*
 * fusermount3's own reason must reach the log even though its stderr is not ours (a memfd
 * under auto_unmount): blkdev is refused to users.
 */
static int auto_refused_user(void)
{
	struct fuse__mount_opts *mo = parse_opts("auto_unmount,blkdev,fsname=/dev/null");
	int fd, ret = 0;

	if (!mo)
		return -1;
	fuse_set_log_func(capture_log);
	fd = fuse__kernel_mount(mnt, mo);
	fuse_set_log_func(NULL);
	if (fd >= 0) {
		fail("blkdev mounted for an unprivileged user");
		fuse__kernel_unmount(mnt, fd, mo);
		ret = -1;
	} else if (!strstr(captured, "blkdev is privileged")) {
		fail("fusermount3's reason is not in the log: %s", captured);
		ret = -1;
	}
	fuse__mount_opts_free(mo);
	return ret;
}

static int auto_explicit_user(void)
{
	if (auto_refused_user() < 0)
		return -1;
	return auto_explicit();
}

static int test_auto_unmount_user(void)
{
	if (private_namespace() < 0)
		return -1;
	daemon_opts = "auto_unmount,allow_root,fsname=rftest-autouser";
	if (in_child(auto_explicit_user, 1) < 0)
		return -1;
	return auto_killed(1);
}

static int make_dirs(int for_user)
{
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/rf-mountlib-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		fail("mkdtemp: %s", strerror(errno));
		return -1;
	}
	(void)snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	if (chmod(tmpdir, 0755) < 0 || mkdir(mnt, 0755) < 0) {
		fail("mkdir %s: %s", mnt, strerror(errno));
		return -1;
	}
	if (for_user && chown(mnt, USER_ID, USER_ID) < 0) {
		fail("chown %s: %s", mnt, strerror(errno));
		return -1;
	}
	return 0;
}

static void remove_dirs(void)
{
	char path[96];

	force_unmount();
	(void)rmdir(mnt);
	(void)snprintf(path, sizeof(path), "%s/fuse", tmpdir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/fuse.conf", tmpdir);
	(void)unlink(path);
	(void)rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
		int for_user;
	} modes[] = {
		{ "direct", test_direct, 0 },
		{ "fd_passing", test_fd_passing, 0 },
		{ "gone", test_gone, 0 },
		{ "aborted", test_aborted, 0 },
		{ "denied", test_denied, 1 },
		{ "helper", test_helper, 1 },
		{ "auto_unmount", test_auto_unmount, 0 },
		{ "auto_unmount_user", test_auto_unmount_user, 1 },
	};
	size_t i;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODE\n", argv[0]);
		return 1;
	}
	if (geteuid() != 0) {
		printf("SKIP: mounting tests need root\n");
		return SKIP;
	}
	if (access("/dev/fuse", F_OK) < 0) {
		printf("SKIP: no /dev/fuse\n");
		return SKIP;
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name) != 0)
			continue;
		if (make_dirs(modes[i].for_user) < 0)
			return 1;
		ret = modes[i].fn();
		remove_dirs();
		printf("%s: %s\n", modes[i].name, ret == 0 ? "PASS" : "FAIL");
		return ret == 0 ? 0 : 1;
	}
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 1;
}
