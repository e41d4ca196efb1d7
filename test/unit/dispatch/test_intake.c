/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring's intake (lib/fuse_uring_intake.c) as a unit: which filled entries are dispatched,
 * retired (no commit id) or answered EIO (malformed), and how the view is laid out: the fixed
 * argument in op_in and the rest in the payload, or, when op_in is empty (NOTIFY_REPLY), the
 * payload shown as /dev/fuse would show it. fuzz/fuzz_uring feeds the same function
 * crafted headers; this pins down the answers the queue engine depends on.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "../check.h"

#include <string.h>

static _Alignas(4096) struct fuse__uring_req_header hdr;
static _Alignas(8) char payload[4096];

static void fill(uint32_t len, uint64_t unique, uint64_t commit_id, uint32_t psz)
{
	struct fuse_in_header *in = (struct fuse_in_header *)hdr.in_out;

	memset(&hdr, 0, sizeof(hdr));
	in->len = len;
	in->opcode = FUSE_WRITE;
	in->unique = unique;
	hdr.ring_ent_in_out.commit_id = commit_id;
	hdr.ring_ent_in_out.payload_sz = psz;
}

int main(void)
{
	const size_t h = sizeof(struct fuse_in_header);
	const size_t w = sizeof(struct fuse_write_in);
	struct fuse__req_view v;

	/* A WRITE: write_in in op_in, 100 bytes of data in the payload. */
	fill((uint32_t)(h + w + 100), 7, 7, 100);
	memset(&v, 0, sizeof(v));
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v), FUSE__URING_INTAKE_OK);
	CHECK(v.in == (const struct fuse_in_header *)hdr.in_out);
	CHECK(v.arg == hdr.op_in);
	CHECK_UEQ(v.arg_len, FUSE__URING_OP_IN_OUT_SZ);
	CHECK(v.payload == payload);
	CHECK_UEQ(v.payload_len, 100);

	/* op_in empty: the payload holds everything after the header, as on /dev/fuse. */
	fill((uint32_t)(h + 56), 9, 9, 56);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v), FUSE__URING_INTAKE_OK);
	CHECK(v.arg == payload);
	CHECK_UEQ(v.arg_len, 56);
	CHECK(v.payload == NULL);
	CHECK_UEQ(v.payload_len, 0);

	/* The whole buffer may be used; no op_in and no payload is a bare header. */
	fill((uint32_t)(h + sizeof(payload)), 3, 3, sizeof(payload));
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v), FUSE__URING_INTAKE_OK);
	fill((uint32_t)h, 3, 3, 0);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v), FUSE__URING_INTAKE_OK);
	CHECK_UEQ(v.arg_len, 0);

	/* No commit id: the entry cannot be handed back. */
	fill((uint32_t)(h + w), 0, 0, 0);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v),
		 FUSE__URING_INTAKE_RETIRE);

	/* Malformed, answered EIO: more payload than registered, a commit id that is not the
	 * unique, a length shorter than header + payload or longer than header + op_in + payload. */
	fill((uint32_t)(h + sizeof(payload) + 1), 5, 5, sizeof(payload) + 1);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v),
		 FUSE__URING_INTAKE_REJECT);
	fill((uint32_t)(h + w), 5, 6, 0);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v),
		 FUSE__URING_INTAKE_REJECT);
	fill((uint32_t)(h + 10), 5, 5, 11);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v),
		 FUSE__URING_INTAKE_REJECT);
	fill((uint32_t)(h + FUSE__URING_OP_IN_OUT_SZ + 11), 5, 5, 10);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v),
		 FUSE__URING_INTAKE_REJECT);
	/* in->len is 32 bits, payload_sz too: their sum must not wrap. */
	fill(UINT32_MAX, 5, 5, UINT32_MAX);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, sizeof(payload), &v),
		 FUSE__URING_INTAKE_REJECT);
	fill((uint32_t)(h + 8), 5, 5, UINT32_MAX - 20);
	CHECK_EQ(fuse__uring_ent_view(&hdr, payload, UINT32_MAX, &v),
		 FUSE__URING_INTAKE_REJECT);
	return check_result();
}
