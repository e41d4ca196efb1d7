/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the request core (dispatch.c, reply.c, notify.c): the poll handle the POLL
 * handler hands to the filesystem and fuse_lowlevel_notify_poll() consumes, the record of
 * an outstanding retrieve notification, and the stat/open conversions that both the reply
 * functions and the readdirplus helper need.
 */
#ifndef RINGFUSE_DISPATCH_I_H
#define RINGFUSE_DISPATCH_I_H

#include "fuse_i.h"

#include <sys/stat.h>

/* What a poll() handler keeps to wake the kernel's poller later. */
struct fuse_pollhandle {
	uint64_t kh;
	struct fuse_session *se;
};

/* One fuse_lowlevel_notify_retrieve() waiting for its NOTIFY_REPLY; on se->retrieves. */
struct fuse__notify_retrieve {
	struct fuse__notify_retrieve *next;
	uint64_t unique;
	fuse_ino_t ino;
	void *cookie;
};

/* struct fuse_entry_out from a fuse_entry_param (reply.c). */
void fuse__fill_entry_out(struct fuse_entry_out *out, const struct fuse_entry_param *e);

#endif
