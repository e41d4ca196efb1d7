/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring's request intake: what the queue engine checks in an entry the kernel just filled
 * before anything else reads it, and how the entry's buffers are shown to the dispatcher. It
 * is a pure function of the entry's bytes (no io_uring, no liburing) so that a fuzzer can feed
 * it crafted headers exactly as a completion would, and so that it is built with or without
 * the ring.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

int fuse__uring_ent_view(const struct fuse__uring_req_header *hdr, char *payload,
			 size_t payload_size, struct fuse__req_view *view)
{
	const struct fuse_in_header *in = (const struct fuse_in_header *)hdr->in_out;
	uint64_t cid = hdr->ring_ent_in_out.commit_id;
	uint32_t psz = hdr->ring_ent_in_out.payload_sz;

	/* Without a commit id the entry cannot be handed back: the caller retires it. */
	if (cid == 0)
		return FUSE__URING_INTAKE_RETIRE;
	/*
	 * The kernel puts the request's unique in commit_id, the variable part (at most the
	 * buffer we registered) in the payload and the opcode's first argument (at most 128
	 * bytes) in op_in; in->len counts all of it. Anything else cannot come from the kernel,
	 * and nothing of it may be read: answer EIO under the commit id.
	 */
	if (psz > payload_size || cid != in->unique ||
	    in->len < sizeof(*in) + (uint64_t)psz ||
	    in->len > sizeof(*in) + FUSE__URING_OP_IN_OUT_SZ + (uint64_t)psz)
		return FUSE__URING_INTAKE_REJECT;

	view->in = in;
	if (in->len == sizeof(*in) + psz) {
		/*
		 * The kernel put nothing in op_in: it only does so for an opcode's first argument,
		 * and some requests send that one empty and everything in the payload, fixed
		 * struct included (NOTIFY_REPLY: fuse_notify_retrieve_in, then the data). The
		 * payload then holds exactly what /dev/fuse would have after the header, so it is
		 * presented that way. (op_in still holds a previous request's bytes.)
		 */
		view->arg = payload;
		view->arg_len = psz;
		view->payload = NULL;
		view->payload_len = 0;
	} else {
		view->arg = hdr->op_in;
		view->arg_len = FUSE__URING_OP_IN_OUT_SZ;
		view->payload = payload;
		view->payload_len = psz;
	}
	return FUSE__URING_INTAKE_OK;
}
