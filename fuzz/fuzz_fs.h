/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the fuzz targets share: a small filesystem (low-level and high-level) whose handlers
 * answer sensibly and through every kind of reply, so that fuzzed requests reach the reply
 * code and not just the dispatcher's rejections; a session over a custom io that checks every
 * reply and notification written to "/dev/fuse"; and the input's mode byte.
 */
#ifndef RINGFUSE_FUZZ_FS_H
#define RINGFUSE_FUZZ_FS_H

#include "fuse_i.h"

#include <stddef.h>
#include <stdint.h>

struct fuse;

/* The first byte of every input. */
#define FZ_HIGHLEVEL 0x01   /* fuse_new()'s path-based filesystem instead of the low-level one */
#define FZ_PREINIT 0x02     /* a valid INIT first, so that the input starts on a live session */
#define FZ_WRITE_BUF 0x04   /* the low-level filesystem has write_buf instead of write */
#define FZ_NO_INTR 0x08     /* -o no_interrupt */
#define FZ_MINOR_SHIFT 4    /* bits 4-5: the protocol minor of the INIT sent (45, 31, 26, 12) */

/* The session for one input; aborts (a finding) if it cannot be built. */
struct fuse_session *fz_session_new(unsigned int mode, struct fuse **hl);
void fz_session_free(struct fuse_session *se, struct fuse *hl);
/* A valid INIT of the mode's minor through fuse__dev_process. */
void fz_init(struct fuse_session *se, unsigned int mode);
/* Lay out an INIT request (header + fuse_init_in) in buf; returns its length. */
size_t fz_init_request(unsigned int minor, void *buf, size_t size);

/*
 * Before a request is dispatched: note its opcode, and in high-level mode keep the kernel's
 * promises about directory handles (fuzz_fs.c). Returns false when the request must be
 * skipped because the kernel could not have sent it.
 */
bool fz_begin(uint32_t opcode, uint64_t unique, void *arg, size_t arg_len);

/* Check one reply's iovs: the header is whole and counts every byte; aborts otherwise. */
void fz_check_reply(const struct iovec *iov, int count, uint64_t unique);

#endif
