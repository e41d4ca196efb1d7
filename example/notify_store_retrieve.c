/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify_store_retrieve: a filesystem driven by its own control file, to exercise the kernel
 * cache notifications end to end. The root holds:
 *   data    DATA_SIZE bytes whose content is a function of a generation number; READ returns
 *           generation `gen` (the daemon's "backing" state), opened with keep_cache
 *   ctl     write commands here, one per write
 *   status  the result of the last command: "<seq> <text>\n" (direct_io, never cached)
 *   entry   an empty file that exists only while the daemon says so (long entry timeout)
 * Commands (run by a notifier thread, never inside a handler):
 *   gen G          the daemon's content becomes generation G, without telling the kernel
 *   store G        fuse_lowlevel_notify_store() of generation G into data's page cache
 *   retrieve [N]   N times: fuse_lowlevel_notify_retrieve() of all of data, and check in
 *                  retrieve_reply that the bytes are exactly the last stored generation
 *   inval_inode    fuse_lowlevel_notify_inval_inode() of data (cache and attributes)
 *   entry 0|1      make "entry" disappear/appear, without telling the kernel
 *   inval_entry    fuse_lowlevel_notify_inval_entry() of root/"entry"
 * A test writes a command, then reads status until its sequence number shows up. Builds
 * against the system libfuse3 as well, so the same checks run over both libraries and both
 * transports.
 *
 *   notify_store_retrieve [-f] [-d] [-o io_uring] MOUNTPOINT
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NSR_ROOT 1
#define NSR_DATA 2
#define NSR_CTL 3
#define NSR_STATUS 4
#define NSR_ENTRY 5
#define NSR_NINODES 5

/* Not a multiple of the page size: the last page is a partial one. */
#define DATA_SIZE 100000
#define RETRIEVE_TIMEOUT_S 10

static const char *const nsr_names[NSR_NINODES + 1] = {
	NULL, NULL, "data", "ctl", "status", "entry",
};

struct nsr_cmd {
	struct nsr_cmd *next;
	unsigned long seq;
	char text[64];
};

struct nsr {
	struct fuse_session *se;
	pthread_mutex_t lock;    /* guards everything below */
	pthread_cond_t cond;
	unsigned int gen;        /* what READ of data returns */
	unsigned int stored;     /* the generation last stored into the kernel's cache */
	bool entry_exists;
	unsigned long seq;       /* commands received */
	char status[256];
	struct nsr_cmd *head, *tail;
	bool stop;
	/* The retrieve in flight: its cookie and, once answered, the verdict. */
	unsigned long retrieve_cookie;
	bool retrieve_done;
	char retrieve_result[96];
	pthread_t notifier;
	bool notifier_started;
};

static const double nsr_timeout = 3600.0;

static unsigned char nsr_byte(unsigned int gen, size_t i)
{
	return (unsigned char)((i * 131 + gen * 17 + (i >> 9)) & 0xff);
}

static void nsr_fill(unsigned int gen, size_t off, unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = nsr_byte(gen, off + i);
}

static int nsr_stat(struct nsr *fs, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_nlink = 1;
	switch (ino) {
	case NSR_ROOT:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		break;
	case NSR_DATA:
		st->st_mode = S_IFREG | 0444;
		st->st_size = DATA_SIZE;
		break;
	case NSR_CTL:
		st->st_mode = S_IFREG | 0200;
		break;
	case NSR_STATUS:
		st->st_mode = S_IFREG | 0444;
		st->st_size = 0; /* direct_io: the size is not what bounds a read */
		break;
	case NSR_ENTRY:
		if (!fs->entry_exists)
			return -ENOENT;
		st->st_mode = S_IFREG | 0444;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

static void nsr_set_status(struct nsr *fs, unsigned long seq, const char *text)
{
	pthread_mutex_lock(&fs->lock);
	snprintf(fs->status, sizeof(fs->status), "%lu %s\n", seq, text);
	pthread_mutex_unlock(&fs->lock);
}

static void nsr_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct nsr *fs = fuse_req_userdata(req);
	struct fuse_entry_param e;
	fuse_ino_t ino;
	int err = -ENOENT;

	memset(&e, 0, sizeof(e));
	if (parent == NSR_ROOT) {
		for (ino = NSR_DATA; ino <= NSR_NINODES; ino++) {
			if (strcmp(name, nsr_names[ino]) == 0) {
				pthread_mutex_lock(&fs->lock);
				err = nsr_stat(fs, ino, &e.attr);
				pthread_mutex_unlock(&fs->lock);
				break;
			}
		}
	}
	if (err) {
		(void)fuse_reply_err(req, -err);
		return;
	}
	e.ino = e.attr.st_ino;
	e.attr_timeout = nsr_timeout;
	e.entry_timeout = nsr_timeout;
	(void)fuse_reply_entry(req, &e);
}

static void nsr_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct nsr *fs = fuse_req_userdata(req);
	struct stat st;
	int err;

	(void)fi;
	pthread_mutex_lock(&fs->lock);
	err = nsr_stat(fs, ino, &st);
	pthread_mutex_unlock(&fs->lock);
	if (err)
		(void)fuse_reply_err(req, -err);
	else
		(void)fuse_reply_attr(req, &st, nsr_timeout);
}

static void nsr_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == NSR_ROOT) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	/* data's cache must survive close/open for store and retrieve to mean anything. */
	if (ino == NSR_DATA)
		fi->keep_cache = 1;
	else
		fi->direct_io = 1;
	(void)fuse_reply_open(req, fi);
}

static void nsr_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct nsr *fs = fuse_req_userdata(req);
	unsigned char *buf;
	char status[256];
	size_t len;
	unsigned int gen;

	(void)fi;
	if (ino == NSR_STATUS) {
		pthread_mutex_lock(&fs->lock);
		memcpy(status, fs->status, sizeof(status));
		pthread_mutex_unlock(&fs->lock);
		len = strlen(status);
		if ((size_t)off >= len)
			(void)fuse_reply_buf(req, NULL, 0);
		else
			(void)fuse_reply_buf(req, status + off,
					     len - (size_t)off < size ? len - (size_t)off : size);
		return;
	}
	if (ino != NSR_DATA) {
		(void)fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (off >= DATA_SIZE) {
		(void)fuse_reply_buf(req, NULL, 0);
		return;
	}
	len = DATA_SIZE - (size_t)off < size ? DATA_SIZE - (size_t)off : size;
	buf = malloc(len);
	if (!buf) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	gen = fs->gen;
	pthread_mutex_unlock(&fs->lock);
	nsr_fill(gen, (size_t)off, buf, len);
	(void)fuse_reply_buf(req, (const char *)buf, len);
	free(buf);
}

static void nsr_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct nsr *fs = fuse_req_userdata(req);
	struct nsr_cmd *c;

	(void)fi;
	(void)off;
	if (ino != NSR_CTL) {
		(void)fuse_reply_err(req, EACCES);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(c->text, buf, size < sizeof(c->text) - 1 ? size : sizeof(c->text) - 1);
	c->text[strcspn(c->text, "\n")] = '\0';
	pthread_mutex_lock(&fs->lock);
	c->seq = ++fs->seq;
	if (fs->tail)
		fs->tail->next = c;
	else
		fs->head = c;
	fs->tail = c;
	pthread_cond_broadcast(&fs->cond);
	pthread_mutex_unlock(&fs->lock);
	(void)fuse_reply_write(req, size);
}

static void nsr_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	struct nsr *fs = fuse_req_userdata(req);
	char buf[1024];
	size_t used = 0, len;
	struct stat st;
	off_t pos;

	(void)fi;
	if (ino != NSR_ROOT) {
		(void)fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (pos = off; pos < NSR_NINODES + 1; pos++) {
		const char *name = pos == 0 ? "." : pos == 1 ? ".." : nsr_names[pos];
		fuse_ino_t i = pos < 2 ? NSR_ROOT : (fuse_ino_t)pos;

		pthread_mutex_lock(&fs->lock);
		if (nsr_stat(fs, i, &st) != 0) {
			pthread_mutex_unlock(&fs->lock);
			continue;
		}
		pthread_mutex_unlock(&fs->lock);
		len = fuse_add_direntry(req, buf + used, size - used, name, &st, pos + 1);
		if (len > size - used)
			break;
		used += len;
	}
	(void)fuse_reply_buf(req, buf, used);
}

static void nsr_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
			       struct fuse_bufvec *bufv)
{
	struct nsr *fs = fuse_req_userdata(req);
	size_t len = fuse_buf_size(bufv), i;
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
	unsigned char *mem = malloc(len ? len : 1);
	char verdict[96];
	ssize_t got;
	unsigned int stored;

	pthread_mutex_lock(&fs->lock);
	stored = fs->stored;
	pthread_mutex_unlock(&fs->lock);
	if (!mem) {
		snprintf(verdict, sizeof(verdict), "error out of memory");
	} else {
		dst.buf[0].mem = mem;
		got = fuse_buf_copy(&dst, bufv, 0);
		if (got < 0) {
			snprintf(verdict, sizeof(verdict), "error copy %s", strerror((int)-got));
		} else if (ino != NSR_DATA || offset != 0 || (size_t)got != DATA_SIZE) {
			snprintf(verdict, sizeof(verdict), "short ino=%lu offset=%lld bytes=%zd",
				 (unsigned long)ino, (long long)offset, got);
		} else {
			for (i = 0; i < (size_t)got; i++)
				if (mem[i] != nsr_byte(stored, i))
					break;
			if (i < (size_t)got)
				snprintf(verdict, sizeof(verdict), "mismatch at %zu: %u != %u", i,
					 mem[i], nsr_byte(stored, i));
			else
				snprintf(verdict, sizeof(verdict), "ok %zd", got);
		}
	}
	free(mem);
	pthread_mutex_lock(&fs->lock);
	if ((unsigned long)(uintptr_t)cookie == fs->retrieve_cookie) {
		snprintf(fs->retrieve_result, sizeof(fs->retrieve_result), "%s", verdict);
		fs->retrieve_done = true;
		pthread_cond_broadcast(&fs->cond);
	}
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void nsr_store(struct nsr *fs, struct nsr_cmd *c, unsigned int gen)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(DATA_SIZE);
	unsigned char *buf = malloc(DATA_SIZE);
	char text[96];
	int err;

	if (!buf) {
		nsr_set_status(fs, c->seq, "store error out of memory");
		return;
	}
	nsr_fill(gen, 0, buf, DATA_SIZE);
	bv.buf[0].mem = buf;
	err = fuse_lowlevel_notify_store(fs->se, NSR_DATA, 0, &bv, 0);
	if (err == 0) {
		pthread_mutex_lock(&fs->lock);
		fs->stored = gen;
		pthread_mutex_unlock(&fs->lock);
	}
	snprintf(text, sizeof(text), "store %u %s", gen, err ? strerror(-err) : "ok");
	nsr_set_status(fs, c->seq, text);
	free(buf);
}

static void nsr_retrieve(struct nsr *fs, struct nsr_cmd *c, unsigned long count)
{
	struct timespec deadline;
	char text[160];
	unsigned long n;
	int err = 0;

	snprintf(text, sizeof(text), "retrieve ok %lu", count);
	for (n = 0; n < count; n++) {
		unsigned long cookie;

		pthread_mutex_lock(&fs->lock);
		cookie = ++fs->retrieve_cookie;
		fs->retrieve_done = false;
		pthread_mutex_unlock(&fs->lock);
		err = fuse_lowlevel_notify_retrieve(fs->se, NSR_DATA, DATA_SIZE, 0,
						    (void *)(uintptr_t)cookie);
		if (err) {
			snprintf(text, sizeof(text), "retrieve error %s", strerror(-err));
			break;
		}
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += RETRIEVE_TIMEOUT_S;
		pthread_mutex_lock(&fs->lock);
		while (!fs->retrieve_done && !fs->stop && err == 0)
			err = pthread_cond_timedwait(&fs->cond, &fs->lock, &deadline);
		if (!fs->retrieve_done)
			snprintf(text, sizeof(text), "retrieve %lu: no reply within %d s", n,
				 RETRIEVE_TIMEOUT_S);
		else if (strncmp(fs->retrieve_result, "ok ", 3) != 0)
			snprintf(text, sizeof(text), "retrieve %lu: %s", n, fs->retrieve_result);
		pthread_mutex_unlock(&fs->lock);
		if (strncmp(text, "retrieve ok", 11) != 0)
			break;
	}
	nsr_set_status(fs, c->seq, text);
}

static void nsr_run(struct nsr *fs, struct nsr_cmd *c)
{
	char text[96];
	unsigned long v = 1;
	const char *arg = strchr(c->text, ' ');
	int err;

	if (arg)
		v = strtoul(arg + 1, NULL, 10);
	if (strncmp(c->text, "gen ", 4) == 0) {
		pthread_mutex_lock(&fs->lock);
		fs->gen = (unsigned int)v;
		pthread_mutex_unlock(&fs->lock);
		nsr_set_status(fs, c->seq, "gen ok");
	} else if (strncmp(c->text, "store ", 6) == 0) {
		nsr_store(fs, c, (unsigned int)v);
	} else if (strncmp(c->text, "retrieve", 8) == 0) {
		nsr_retrieve(fs, c, v ? v : 1);
	} else if (strcmp(c->text, "inval_inode") == 0) {
		err = fuse_lowlevel_notify_inval_inode(fs->se, NSR_DATA, 0, 0);
		snprintf(text, sizeof(text), "inval_inode %s", err ? strerror(-err) : "ok");
		nsr_set_status(fs, c->seq, text);
	} else if (strncmp(c->text, "entry ", 6) == 0) {
		pthread_mutex_lock(&fs->lock);
		fs->entry_exists = v != 0;
		pthread_mutex_unlock(&fs->lock);
		nsr_set_status(fs, c->seq, "entry ok");
	} else if (strcmp(c->text, "inval_entry") == 0) {
		err = fuse_lowlevel_notify_inval_entry(fs->se, NSR_ROOT, "entry", 5);
		snprintf(text, sizeof(text), "inval_entry %s", err ? strerror(-err) : "ok");
		nsr_set_status(fs, c->seq, text);
	} else {
		snprintf(text, sizeof(text), "unknown command '%.40s'", c->text);
		nsr_set_status(fs, c->seq, text);
	}
}

/* Notifications go out from here: never from inside a handler, which may hold kernel locks. */
static void *nsr_notifier(void *arg)
{
	struct nsr *fs = arg;
	struct nsr_cmd *c;

	for (;;) {
		pthread_mutex_lock(&fs->lock);
		while (!fs->head && !fs->stop)
			pthread_cond_wait(&fs->cond, &fs->lock);
		c = fs->stop ? NULL : fs->head;
		if (c) {
			fs->head = c->next;
			if (!fs->head)
				fs->tail = NULL;
		}
		pthread_mutex_unlock(&fs->lock);
		if (!c)
			return NULL;
		nsr_run(fs, c);
		free(c);
	}
}

static void nsr_stop_notifier(struct nsr *fs)
{
	struct nsr_cmd *c;

	if (!fs->notifier_started)
		return;
	pthread_mutex_lock(&fs->lock);
	fs->stop = true;
	pthread_cond_broadcast(&fs->cond);
	pthread_mutex_unlock(&fs->lock);
	(void)pthread_join(fs->notifier, NULL);
	fs->notifier_started = false;
	while ((c = fs->head)) {
		fs->head = c->next;
		free(c);
	}
	fs->tail = NULL;
}

static void nsr_destroy(void *userdata)
{
	nsr_stop_notifier(userdata);
}

static const struct fuse_lowlevel_ops nsr_ops = {
	.destroy = nsr_destroy,
	.lookup = nsr_lookup,
	.getattr = nsr_getattr,
	.open = nsr_open,
	.read = nsr_read,
	.write = nsr_write,
	.readdir = nsr_readdir,
	.retrieve_reply = nsr_retrieve_reply,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct nsr fs;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	memset(&fs, 0, sizeof(fs));
	pthread_mutex_init(&fs.lock, NULL);
	pthread_cond_init(&fs.cond, NULL);
	snprintf(fs.status, sizeof(fs.status), "0 ready\n");

	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "%s: no mountpoint given\n", argv[0]);
		goto out_args;
	}
	fs.se = fuse_session_new(&args, &nsr_ops, sizeof(nsr_ops), &fs);
	if (!fs.se)
		goto out_args;
	if (pthread_create(&fs.notifier, NULL, nsr_notifier, &fs) != 0)
		goto out_session;
	fs.notifier_started = true;
	if (fuse_set_signal_handlers(fs.se) != 0)
		goto out_session;
	if (fuse_session_mount(fs.se, opts.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;
	/* The notifier blocks on retrieve replies, so requests need a reader of their own:
	 * the multi-threaded loop (or the ring threads) provide it. */
	{
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();

		if (!cfg)
			goto out_unmount;
		ret = fuse_session_loop_mt(fs.se, cfg) != 0 ? 1 : 0;
		fuse_loop_cfg_destroy(cfg);
	}

out_unmount:
	nsr_stop_notifier(&fs);
	fuse_session_unmount(fs.se);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	nsr_stop_notifier(&fs);
	fuse_session_destroy(fs.se);
out_args:
	pthread_mutex_destroy(&fs.lock);
	pthread_cond_destroy(&fs.cond);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
