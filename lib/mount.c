/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Getting a /dev/fuse connection mounted, and unmounted again. Three ways in: mount(2) when
 * the process may (root, or CAP_SYS_ADMIN in its namespace); Debian's setuid fusermount3
 * otherwise, which mounts and hands the /dev/fuse fd back over a socketpair (SCM_RIGHTS,
 * socket named by _FUSE_COMMFD); and "/dev/fd/N", a device a mount helper already opened.
 * auto_unmount always goes through fusermount3, which then stays alive watching its socket
 * and unmounts when our end closes, whatever way the daemon ends. The options themselves
 * live in lib/mount_util.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ringfuse_config.h"
#include "fuse_log.h"
#include "mount_i.h"

extern char **environ;

/* Debian 12's headers predate it (Linux 6.8); older kernels leave it out of stx_mask. */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

#define MOUNT_DEV "/dev/fuse"
/* mount(2) copies at most one page of option data. */
#define MOUNT_DATA_MAX 4096
/* fusermount3 -u normally takes milliseconds; a stuck one must not hang the daemon's exit. */
#define MOUNT_HELPER_UNMOUNT_MS 10000
/* After our end of the socket closes, the auto_unmount helper only checks and exits. */
#define MOUNT_HELPER_REAP_MS 2000
/*
 * Flags fusermount3 3.14 refuses as unknown options, so they are dropped on its path; a
 * warning is due for those that change behaviour (relatime is the kernel's default anyway).
 */
#define MOUNT_HELPER_UNKNOWN_FLAGS (MS_NODIRATIME | MS_STRICTATIME | MS_LAZYTIME)

/* Why the direct way was not taken, for the message if the helper cannot be used either. */
struct mount_attempt {
	const char *what;
	int err;
};

static int mount_is_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return access(path, X_OK) == 0;
}

/*
 * Resolves FUSERMOUNT_PROG before anything is forked, so that "not installed" is reported
 * as such instead of as a child's exit status.
 */
static int mount_find_helper(char *out, size_t size)
{
	static const char *const fallback_dirs[] = { "/usr/bin", "/bin" };
	const char *prog = FUSERMOUNT_PROG;
	const char *path = getenv("PATH");
	const char *dir, *end;
	size_t i;
	int n;

	if (strchr(prog, '/')) {
		n = snprintf(out, size, "%s", prog);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		return mount_is_executable(out) ? 0 : -ENOENT;
	}
	for (dir = path; dir && *dir; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if (end == dir)
			continue;
		n = snprintf(out, size, "%.*s/%s", (int)(end - dir), dir, prog);
		if (n > 0 && (size_t)n < size && mount_is_executable(out))
			return 0;
	}
	for (i = 0; i < sizeof(fallback_dirs) / sizeof(fallback_dirs[0]); i++) {
		n = snprintf(out, size, "%s/%s", fallback_dirs[i], prog);
		if (n > 0 && (size_t)n < size && mount_is_executable(out))
			return 0;
	}
	return -ENOENT;
}

/* The caller's environment with _FUSE_COMMFD replaced; the strings are borrowed. */
static char **mount_helper_env(char *commfd_var)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "_FUSE_COMMFD=", 13) != 0)
			env[j++] = environ[i];
	}
	if (commfd_var)
		env[j++] = commfd_var;
	env[j] = NULL;
	return env;
}

/*
 * Starts fusermount3. posix_spawn rather than fork: the daemon may already run threads, and
 * the child must not touch anything but async-signal-safe calls. commfd (created
 * O_CLOEXEC, so no concurrently spawned program inherits it) is made inheritable in the child
 * alone by dup2 onto itself, which POSIX defines as clearing FD_CLOEXEC.
 */
static int mount_spawn_helper(const char *path, char *const argv[], int commfd, int out_fd,
			      int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char var[32];
	char **env;
	sigset_t none;
	int err;

	if (commfd >= 0)
		(void)snprintf(var, sizeof(var), "_FUSE_COMMFD=%d", commfd);
	env = mount_helper_env(commfd >= 0 ? var : NULL);
	if (!env)
		return -ENOMEM;
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		goto out_env;
	if (commfd >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, commfd, commfd);
	if (!err && out_fd >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, out_fd, STDIN_FILENO);
	if (!err && out_fd >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	if (!err && err_fd >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
	if (err)
		goto out_fa;
	err = posix_spawnattr_init(&attr);
	if (err)
		goto out_fa;
	/* A daemon thread may block signals; fusermount3 should start with a clean mask. */
	(void)sigemptyset(&none);
	err = posix_spawnattr_setsigmask(&attr, &none);
	if (!err)
		err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (!err)
		err = posix_spawn(pid, path, &fa, &attr, argv, env);
	(void)posix_spawnattr_destroy(&attr);
out_fa:
	(void)posix_spawn_file_actions_destroy(&fa);
out_env:
	free(env);
	return -err;
}

/*
 * waitpid with a bound. -ECHILD means someone else reaped it (a SIGCHLD handler, or
 * SIGCHLD ignored): the status is then unknown, not a failure.
 */
static int mount_wait_child(pid_t pid, int timeout_ms, int *status)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int waited = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0) {
			if (waited >= timeout_ms)
				return -ETIMEDOUT;
			(void)nanosleep(&tick, NULL);
			waited += 10;
		}
	}
}

/*
 * Receives the /dev/fuse fd. fusermount3 sends one byte with the fd attached, or closes
 * the socket without sending when it failed (it prints its own reason to stderr), so EOF
 * is the helper's error, reported as -EIO.
 */
static int mount_recv_fd(int sock)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	char byte;
	ssize_t n;
	int fd = -1;

	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	}
	/* MSG_CTRUNC: more fds than we asked for were sent and the kernel closed them. */
	if (fd < 0 || (msg.msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			(void)close(fd);
		return -EIO;
	}
	return fd;
}

/* Explains the usual reason fusermount3 fails on this kind of machine. */
static void mount_helper_hint(void)
{
	struct stat st;

	if (access(MOUNT_DEV, R_OK | W_OK) == 0 || stat(MOUNT_DEV, &st) < 0)
		return;
	fuse_log(FUSE_LOG_ERR,
		 "fuse: %s is mode %04o and not usable by uid %u; fusermount3 opens it as the "
		 "calling user, so it must be readable and writable by you (Debian's default "
		 "is 0666)\n", MOUNT_DEV, (unsigned int)(st.st_mode & 07777),
		 (unsigned int)getuid());
}

/*
 * An auto_unmount helper outlives the mount call, so it must not hold the daemon's stdio:
 * a shell waiting for a daemonized file system's output (`x=$(myfs -o auto_unmount mnt)`)
 * would wait until the unmount. Its stdin and stdout go to /dev/null and its stderr to a
 * memfd, which is relayed to our log once the mount has succeeded or failed; anything it
 * writes later lands in the memfd, never in a pipe whose reader has gone (SIGPIPE).
 */
struct mount_stdio {
	int null_fd;
	int err_fd;
};

static int mount_stdio_open(struct mount_stdio *io)
{
	io->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (io->null_fd < 0)
		return -errno;
	io->err_fd = memfd_create("fusermount3-stderr", MFD_CLOEXEC);
	if (io->err_fd < 0) {
		int err = -errno;

		(void)close(io->null_fd);
		io->null_fd = -1;
		return err;
	}
	return 0;
}

static void mount_stdio_close(struct mount_stdio *io)
{
	char buf[2048];
	ssize_t n;

	if (io->err_fd >= 0) {
		n = pread(io->err_fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			fuse_log(FUSE_LOG_ERR, "%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
		}
		(void)close(io->err_fd);
	}
	if (io->null_fd >= 0)
		(void)close(io->null_fd);
	io->null_fd = -1;
	io->err_fd = -1;
}

/* Logs why fusermount3 gave no fd back. */
static void mount_helper_failed(const char *mnt, int fd, int waited, int status,
				const struct mount_attempt *direct)
{
	if (fd == -EIO && waited == 0 && WIFEXITED(status))
		fuse_log(FUSE_LOG_ERR, "fuse: %s could not mount %s (exit status %d)\n",
			 FUSERMOUNT_PROG, mnt, WEXITSTATUS(status));
	else if (fd == -EIO)
		fuse_log(FUSE_LOG_ERR, "fuse: %s could not mount %s; its own message is above\n",
			 FUSERMOUNT_PROG, mnt);
	else
		fuse_log(FUSE_LOG_ERR, "fuse: %s could not mount %s: %s\n", FUSERMOUNT_PROG, mnt,
			 strerror(-fd));
	if (direct && direct->what)
		fuse_log(FUSE_LOG_ERR, "fuse: (tried first: %s: %s)\n", direct->what,
			 strerror(direct->err));
	mount_helper_hint();
}

/* Runs fusermount3 to mount and receives the fd; see mount_via_helper. */
static int mount_helper_run(const char *helper, char *const argv[], const char *mnt,
			    struct fuse__mount_opts *mo, struct mount_stdio *io,
			    const struct mount_attempt *direct)
{
	int sv[2] = { -1, -1 };
	int status = 0, waited = -1, fd, err;
	pid_t pid = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		fuse_log(FUSE_LOG_ERR, "fuse: socketpair for %s: %s\n", FUSERMOUNT_PROG,
			 strerror(errno));
		return err;
	}
	err = mount_spawn_helper(helper, argv, sv[1], io ? io->null_fd : -1,
				 io ? io->err_fd : -1, &pid);
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: cannot run %s: %s\n", helper, strerror(-err));
		goto out_sock;
	}
	/* Only the helper may hold its end now: EOF on ours must mean it has finished. */
	(void)close(sv[1]);
	sv[1] = -1;

	fd = mount_recv_fd(sv[0]);
	if (fd < 0 || !mo->auto_unmount) {
		/* A failed helper exits right away; a successful one once it has sent the fd. */
		waited = mount_wait_child(pid, MOUNT_HELPER_UNMOUNT_MS, &status);
		if (waited == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) && fd >= 0) {
			(void)close(fd);
			fd = -EIO;
		}
	}
	if (fd < 0) {
		err = fd;
		goto out_sock;
	}
	mo->mounted_helper = 1;
	if (mo->auto_unmount) {
		/* The helper lives on; our end of the socket is its lifeline. */
		mo->commfd = sv[0];
		mo->helper_pid = pid;
		return fd;
	}
	(void)close(sv[0]);
	return fd;

out_sock:
	if (sv[1] >= 0)
		(void)close(sv[1]);
	(void)close(sv[0]);
	/* The helper's own message goes first: it says why. */
	if (io)
		mount_stdio_close(io);
	if (pid > 0)
		mount_helper_failed(mnt, err, waited, status, direct);
	return err;
}

static int mount_via_helper(const char *mnt, struct fuse__mount_opts *mo,
			    const struct mount_attempt *direct)
{
	struct mount_stdio io = { -1, -1 };
	char helper[PATH_MAX];
	char opts[MOUNT_DATA_MAX];
	char *argv[7];
	int argc = 0, fd, err;

	err = mount_find_helper(helper, sizeof(helper));
	if (err < 0) {
		if (direct && direct->what)
			fuse_log(FUSE_LOG_ERR,
				 "fuse: %s failed (%s) and %s was not found in PATH or /usr/bin; "
				 "install the fuse3 package\n", direct->what,
				 strerror(direct->err), FUSERMOUNT_PROG);
		else
			fuse_log(FUSE_LOG_ERR,
				 "fuse: %s (needed for auto_unmount) was not found in PATH or "
				 "/usr/bin; install the fuse3 package\n", FUSERMOUNT_PROG);
		return err;
	}
	err = fuse__mount_opts_render(mo, NULL, 0, NULL, opts, sizeof(opts));
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: mount options too long for %s\n", FUSERMOUNT_PROG);
		return err;
	}
	if (mo->flags & MOUNT_HELPER_UNKNOWN_FLAGS)
		fuse_log(FUSE_LOG_WARNING,
			 "fuse: %s does not take strictatime, nodiratime or lazytime; "
			 "mounting without them\n", FUSERMOUNT_PROG);
	if (mo->auto_unmount) {
		err = mount_stdio_open(&io);
		if (err < 0) {
			fuse_log(FUSE_LOG_ERR, "fuse: cannot set up %s's output: %s\n",
				 FUSERMOUNT_PROG, strerror(-err));
			return err;
		}
	}
	argv[argc++] = (char *)FUSERMOUNT_PROG;
	if (opts[0]) {
		argv[argc++] = (char *)"-o";
		argv[argc++] = opts;
	}
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)mnt;
	argv[argc] = NULL;

	fd = mount_helper_run(helper, argv, mnt, mo, mo->auto_unmount ? &io : NULL, direct);
	mount_stdio_close(&io);
	return fd;
}

/*
 * mount(2) by ourselves. Returns the fd, or -EPERM/-EACCES when the helper should be tried
 * (why is left in *attempt), or another -errno after logging.
 */
static int mount_direct(const char *mnt, struct fuse__mount_opts *mo,
			struct mount_attempt *attempt)
{
	char type[256], source[PATH_MAX + 256];
	char data[MOUNT_DATA_MAX], extra[MOUNT_DATA_MAX];
	unsigned long flags;
	struct stat st;
	int fd, err, n;

	if (stat(mnt, &st) < 0) {
		err = -errno;
		fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", mnt, strerror(errno));
		return err;
	}
	err = fuse__mount_opts_render(mo, extra, sizeof(extra), &flags, NULL, 0);
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: mount options too long\n");
		return err;
	}
	fd = open(MOUNT_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (errno == EACCES || errno == EPERM) {
			attempt->what = "opening " MOUNT_DEV;
			attempt->err = errno;
			return err;
		}
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			fuse_log(FUSE_LOG_ERR,
				 "fuse: cannot open %s (%s); is the fuse module loaded "
				 "(modprobe fuse)?\n", MOUNT_DEV, strerror(errno));
		else
			fuse_log(FUSE_LOG_ERR, "fuse: cannot open %s: %s\n", MOUNT_DEV,
				 strerror(errno));
		return err;
	}
	n = snprintf(data, sizeof(data), "fd=%d,rootmode=%o,user_id=%u,group_id=%u%s%s", fd,
		     (unsigned int)(st.st_mode & S_IFMT), (unsigned int)getuid(),
		     (unsigned int)getgid(), extra[0] ? "," : "", extra);
	if (n < 0 || (size_t)n >= sizeof(data)) {
		fuse_log(FUSE_LOG_ERR, "fuse: mount options too long\n");
		err = -ENAMETOOLONG;
		goto out_fd;
	}
	err = fuse__mount_opts_fstype(mo, 0, type, sizeof(type), source, sizeof(source));
	if (err < 0)
		goto out_name;
	if (mount(source, mnt, type, flags, data) == 0)
		return fd;
	err = -errno;
	/* Kernels before typed fuse mounts: the subtype moves into the source, as fuse did. */
	if (err == -ENODEV && mo->subtype) {
		err = fuse__mount_opts_fstype(mo, 1, type, sizeof(type), source, sizeof(source));
		if (err < 0)
			goto out_name;
		if (mount(source, mnt, type, flags, data) == 0)
			return fd;
		err = -errno;
	}
	if (err == -EPERM) {
		attempt->what = "mount(2)";
		attempt->err = EPERM;
		goto out_fd;
	}
	if (err == -ENODEV && mo->blkdev)
		fuse_log(FUSE_LOG_ERR, "fuse: mount failed: the kernel has no fuseblk support\n");
	else
		fuse_log(FUSE_LOG_ERR, "fuse: mount of %s (type %s) on %s failed: %s\n", source,
			 type, mnt, strerror(-err));
	goto out_fd;

out_name:
	fuse_log(FUSE_LOG_ERR, "fuse: fsname or subtype too long\n");
out_fd:
	(void)close(fd);
	return err;
}

/*
 * Kernels from 6.8 give every mount an id that is never reused (the mountinfo ids are
 * recycled at once: a tmpfs mounted where our mount was gets the same one). DONT_SYNC
 * keeps FUSE from asking the daemon for attributes, which it may not answer any more.
 * Returns 0, or -EOPNOTSUPP on older kernels, or -errno.
 */
static int mount_unique_id(const char *path, uint64_t *id)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW,
		  STATX_MNT_ID_UNIQUE, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return -EOPNOTSUPP;
	*id = stx.stx_mnt_id;
	return 0;
}

int fuse__kernel_mount(const char *mountpoint, struct fuse__mount_opts *mo)
{
	struct mount_attempt attempt = { NULL, 0 };
	int fd;

	if (!mountpoint || !mo) {
		fuse_log(FUSE_LOG_ERR, "fuse: no mount point or options\n");
		return -EINVAL;
	}
	if (mo->mounted_direct || mo->mounted_helper || mo->passed_fd) {
		fuse_log(FUSE_LOG_ERR, "fuse: these mount options are already in use by a mount\n");
		return -EBUSY;
	}
	fd = fuse__mount_fd_from_path(mountpoint);
	if (fd >= 0) {
		if (fcntl(fd, F_GETFD) < 0) {
			fd = -errno;
			fuse_log(FUSE_LOG_ERR, "fuse: invalid file descriptor %s: %s\n", mountpoint,
				 strerror(errno));
			return fd;
		}
		mo->passed_fd = 1;
		return fd;
	}
	if (mountpoint[0] != '/') {
		fuse_log(FUSE_LOG_ERR, "fuse: mount point `%s' is not absolute\n", mountpoint);
		return -EINVAL;
	}
	/* Only fusermount3 can outlive us to do the unmount auto_unmount promises. */
	if (mo->auto_unmount) {
		fd = mount_via_helper(mountpoint, mo, NULL);
	} else {
		fd = mount_direct(mountpoint, mo, &attempt);
		if (fd >= 0)
			mo->mounted_direct = 1;
		else if (fd == -EPERM || fd == -EACCES)
			fd = mount_via_helper(mountpoint, mo, &attempt);
	}
	/* Remembered so that unmount can tell our mount from whatever replaces it. */
	if (fd >= 0 && mount_unique_id(mountpoint, &mo->mount_id) < 0)
		mo->mount_id = 0;
	return fd;
}

static int mount_helper_unmount(const char *mnt)
{
	char helper[PATH_MAX];
	char *argv[] = { (char *)FUSERMOUNT_PROG, (char *)"-u", (char *)"-q", (char *)"-z",
			 (char *)"--", (char *)mnt, NULL };
	int status = 0, err;
	pid_t pid;

	err = mount_find_helper(helper, sizeof(helper));
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: cannot unmount %s: %s not found\n", mnt,
			 FUSERMOUNT_PROG);
		return err;
	}
	err = mount_spawn_helper(helper, argv, -1, -1, -1, &pid);
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: cannot run %s: %s\n", helper, strerror(-err));
		return err;
	}
	err = mount_wait_child(pid, MOUNT_HELPER_UNMOUNT_MS, &status);
	if (err == -ETIMEDOUT) {
		fuse_log(FUSE_LOG_ERR, "fuse: %s -u %s did not finish in %d s\n", FUSERMOUNT_PROG,
			 mnt, MOUNT_HELPER_UNMOUNT_MS / 1000);
		return err;
	}
	if (err == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		fuse_log(FUSE_LOG_ERR, "fuse: %s -u %s failed (status %d)\n", FUSERMOUNT_PROG,
			 mnt, status);
		return -EIO;
	}
	return 0;
}

/* The kernel reports POLLERR on a /dev/fuse whose connection is gone (unmounted or aborted). */
static int mount_conn_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

static void mount_unmount(const char *mountpoint, int fd, struct fuse__mount_opts *mo,
			  int close_fd)
{
	uint64_t now;
	int use_helper;

	if (!mountpoint || (mo && mo->passed_fd))
		goto out;
	if (mo && !mo->mounted_direct && !mo->mounted_helper)
		goto out;
	/*
	 * Already unmounted behind our back: another file system may sit on that path by now,
	 * and it is not ours to unmount. The mount id says so exactly, and it also tells an
	 * aborted connection whose dead mount is still ours (and should go) from one that was
	 * unmounted. Without it, a connection gone means "leave the path alone".
	 */
	if (mo && mo->mount_id && mount_unique_id(mountpoint, &now) == 0) {
		if (now != mo->mount_id)
			goto out;
	} else if (fd >= 0 && mount_conn_gone(fd)) {
		goto out;
	}
	use_helper = mo && mo->mounted_helper && geteuid() != 0;
	if (!use_helper) {
		/* Lazy, like fusermount3 -z: open files must not make the daemon's exit fail. */
		if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == EINVAL ||
		    errno == ENOENT)
			goto out;
		if (errno != EPERM) {
			fuse_log(FUSE_LOG_ERR, "fuse: failed to unmount %s: %s\n", mountpoint,
				 strerror(errno));
			goto out;
		}
	}
	(void)mount_helper_unmount(mountpoint);
out:
	if (fd >= 0 && close_fd)
		(void)close(fd);
	if (!mo)
		return;
	if (mo->commfd >= 0) {
		/* Wakes the auto_unmount helper; the mount is gone, so it finds nothing to do. */
		(void)close(mo->commfd);
		mo->commfd = -1;
		if (mo->helper_pid > 0 &&
		    mount_wait_child(mo->helper_pid, MOUNT_HELPER_REAP_MS, &(int){ 0 }) == 0)
			mo->helper_pid = 0;
	}
	mo->mounted_direct = 0;
	mo->mounted_helper = 0;
	mo->passed_fd = 0;
	mo->mount_id = 0;
}

void fuse__kernel_unmount(const char *mountpoint, int fd, struct fuse__mount_opts *mo)
{
	mount_unmount(mountpoint, fd, mo, 1);
}

void fuse__kernel_unmount_keep_fd(const char *mountpoint, int fd, struct fuse__mount_opts *mo)
{
	mount_unmount(mountpoint, fd, mo, 0);
}
