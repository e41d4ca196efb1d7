/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The single-threaded session loop: one reader on /dev/fuse that handles each request before
 * reading the next. With the io-uring transport on, this reader keeps running beside the
 * ring threads: INIT, FORGET, INTERRUPT and the notification replies of old kernels still
 * come this way.
 */
#include "fuse_i.h"

#include <stdlib.h>
#include <string.h>

FUSE_EXPORT int fuse_session_loop(struct fuse_session *se)
{
	void *buf;
	ssize_t n;
	int res = 0;

	if (!se)
		return -EINVAL;
	/* INIT only ever shrinks bufsize, so the first size is enough for the whole session. */
	buf = malloc(se->bufsize);
	if (!buf) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
		return -ENOMEM;
	}
	while (!atomic_load(&se->exited)) {
		n = fuse__dev_read(se, se->ch, buf, se->bufsize);
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				res = (int)n;
				fuse_log(FUSE_LOG_ERR, "fuse: reading /dev/fuse: %s\n", strerror(-res));
				fuse__session_exit(se, res);
			}
			break;
		}
		fuse__dev_process(se, se->ch, buf, (size_t)n);
	}
	free(buf);
	/* Ring handlers run on other threads: none may run once we have returned. */
	fuse__gate_close_wait(se);
	if (se->error)
		res = se->error;
	return res;
}
