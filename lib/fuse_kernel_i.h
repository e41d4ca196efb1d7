/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's FUSE ABI as far as ringfuse speaks it. Debian 12's <linux/fuse.h> stops at
 * protocol 7.38; the kernels we run answer INIT with 7.45. Everything newer that we use is
 * defined here, each guarded so that a newer system header (which defines the same names
 * with the same values) does not clash. Values and layouts are facts of the kernel ABI
 * (include/uapi/linux/fuse.h, fs/fuse/dev_uring.c); the static asserts at the bottom pin the
 * layouts the io-uring transport depends on.
 */
#ifndef RINGFUSE_FUSE_KERNEL_I_H
#define RINGFUSE_FUSE_KERNEL_I_H

#include <linux/fuse.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* The newest protocol minor we implement; INIT answers min(kernel's, this). */
#define FUSE__KERNEL_MINOR_MAX 45

/* INIT flags above bit 31 travel in flags2 (needs FUSE_INIT_EXT in the reply). */
#ifndef FUSE_HAS_EXPIRE_ONLY
#define FUSE_HAS_EXPIRE_ONLY (1ULL << 35)
#endif
#ifndef FUSE_DIRECT_IO_ALLOW_MMAP
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36)
#endif
#ifndef FUSE_PASSTHROUGH
#define FUSE_PASSTHROUGH (1ULL << 37)
#endif
#ifndef FUSE_NO_EXPORT_SUPPORT
#define FUSE_NO_EXPORT_SUPPORT (1ULL << 38)
#endif
#ifndef FUSE_HAS_RESEND
#define FUSE_HAS_RESEND (1ULL << 39)
#endif
#ifndef FUSE_ALLOW_IDMAP
#define FUSE_ALLOW_IDMAP (1ULL << 40)
#endif
#ifndef FUSE_OVER_IO_URING
#define FUSE_OVER_IO_URING (1ULL << 41)
#endif
#ifndef FUSE_REQUEST_TIMEOUT
#define FUSE_REQUEST_TIMEOUT (1ULL << 42)
#endif

#ifndef FOPEN_PASSTHROUGH
#define FOPEN_PASSTHROUGH (1 << 7)
#endif

/* Opcodes newer than 7.38 (enum values in the kernel header, so #ifndef cannot see them). */
#define FUSE__OP_STATX 52
#define FUSE__OP_COPY_FILE_RANGE_64 53
#define FUSE__OP_CUSE_INIT 4096

/*
 * fuse_init_out as of 7.43: the 7.38 header calls the tail unused[7]; since then the first
 * word is max_stack_depth (7.40, passthrough) and the next half-word request_timeout (7.43).
 * Same 64 bytes.
 */
struct fuse__init_out {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;
	uint16_t map_alignment;
	uint32_t flags2;
	uint32_t max_stack_depth;
	uint16_t request_timeout;
	uint16_t unused[11];
};

/* fuse_open_out as of 7.40: the 7.38 padding word carries the passthrough backing id. */
struct fuse__open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
};

/* FUSE passthrough (7.40): backing files registered through ioctls on /dev/fuse. */
struct fuse__backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};
#define FUSE__DEV_IOC_BACKING_OPEN _IOW(229, 1, struct fuse__backing_map)
#define FUSE__DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/* FUSE over io-uring (7.42). */
#define FUSE__URING_IN_OUT_HEADER_SZ 128
#define FUSE__URING_OP_IN_OUT_SZ 128

struct fuse__uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;   /* the request's unique; echoed in COMMIT_AND_FETCH */
	uint32_t payload_sz;  /* bytes of payload, both directions */
	uint32_t padding;
	uint64_t reserved;
};

struct fuse__uring_req_header {
	char in_out[FUSE__URING_IN_OUT_HEADER_SZ]; /* fuse_in_header in, fuse_out_header out */
	char op_in[FUSE__URING_OP_IN_OUT_SZ];      /* the opcode's fixed argument */
	struct fuse__uring_ent_in_out ring_ent_in_out;
};

enum fuse__uring_cmd {
	FUSE__IO_URING_CMD_INVALID = 0,
	FUSE__IO_URING_CMD_REGISTER = 1,
	FUSE__IO_URING_CMD_COMMIT_AND_FETCH = 2,
};

/* Lives in the 80-byte sqe->cmd area of a 128-byte SQE. */
struct fuse__uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

/* STATX (protocol 7.39): Debian 12's <linux/fuse.h> stops at 7.38. */
struct fuse__statx_in {
	uint32_t getattr_flags;
	uint32_t reserved;
	uint64_t fh;
	uint32_t sx_flags;
	uint32_t sx_mask;
};

struct fuse__sx_time {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct fuse__statx {
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t spare0[1];
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t attributes_mask;
	struct fuse__sx_time atime;
	struct fuse__sx_time btime;
	struct fuse__sx_time ctime;
	struct fuse__sx_time mtime;
	uint32_t rdev_major;
	uint32_t rdev_minor;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t spare2[14];
};

struct fuse__statx_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t flags;
	uint64_t spare[2];
	struct fuse__statx stat;
};

/* The epoch notification (protocol 7.44) has no argument. */
#define FUSE__NOTIFY_INC_EPOCH 8

_Static_assert(sizeof(struct fuse__init_out) == 64, "fuse_init_out is 64 bytes");
_Static_assert(sizeof(struct fuse__open_out) == sizeof(struct fuse_open_out), "open_out");
_Static_assert(sizeof(struct fuse__uring_ent_in_out) == 32, "ring ent_in_out is 32 bytes");
_Static_assert(sizeof(struct fuse__uring_req_header) == 288, "ring header is 288 bytes");
_Static_assert(sizeof(struct fuse__uring_cmd_req) == 24, "ring cmd_req is 24 bytes");

_Static_assert(sizeof(struct fuse__statx_in) == 24, "fuse_statx_in is 24 bytes");
_Static_assert(sizeof(struct fuse__statx) == 256, "fuse_statx is 256 bytes");
_Static_assert(sizeof(struct fuse__statx_out) == 288, "fuse_statx_out is 288 bytes");

#endif
