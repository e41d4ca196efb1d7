/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the ring's request intake. Each record of the input is what the kernel
 * writes into a ring entry, a struct fuse__uring_req_header (fuse_in_header in in_out, the
 * opcode's first argument in op_in, commit_id and payload_sz in ring_ent_in_out) followed by
 * payload_sz bytes of payload, and goes through the same fuse__uring_ent_view() a completion
 * goes through, then, if accepted, to the dispatcher and the filesystem of fuzz_fs.c, with a
 * fake ring transport that checks each reply. No io_uring is needed.
 *
 * The input: a mode byte (fuzz_fs.h; INIT is always sent first, as on a real ring, which
 * only starts after it), then records. The entry's payload buffer is FZ_PAYLOAD bytes; the
 * bytes beyond payload_sz are poisoned for ASan until a reply asks for the buffer (a reply
 * may be built in place there), so the dispatcher reading more than the kernel sent is a
 * finding. Each accepted request must be completed exactly once (send or drop) before the
 * dispatcher returns, as the filesystem answers at once: a request never answered would keep
 * its ring entry from the kernel for good.
 */
#include "fuzz_fs.h"
#include "fuse_uring_i.h"

#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <string.h>

#define FZ_PAYLOAD 8192

struct fz_ent {
	struct fuse_req req;
	_Alignas(4096) struct fuse__uring_req_header hdr;
	char *payload;
	int completions;
};

static int fz_send(struct fuse_req *req, struct iovec *iov, int count)
{
	struct fz_ent *ent = req->tp_data;

	fz_check_reply(iov, count, req->unique);
	ent->completions++;
	return 0;
}

static void fz_drop(struct fuse_req *req)
{
	struct fz_ent *ent = req->tp_data;

	ent->completions++;
}

static int fz_get_payload(struct fuse_req *req, char **payload, size_t *size)
{
	struct fz_ent *ent = req->tp_data;

	ASAN_UNPOISON_MEMORY_REGION(ent->payload, FZ_PAYLOAD);
	*payload = ent->payload;
	*size = FZ_PAYLOAD;
	return 0;
}

static const struct fuse__transport_ops fz_ring_ops = {
	.name = "fuzz ring",
	.is_uring = true,
	.send = fz_send,
	.drop = fz_drop,
	.get_payload = fz_get_payload,
};

/* One record; returns the bytes it took from the input. */
static size_t fz_record(struct fuse_session *se, struct fz_ent *ent, const uint8_t *data,
			size_t size)
{
	const struct fuse_in_header *in = (const struct fuse_in_header *)ent->hdr.in_out;
	struct fuse__req_view view;
	size_t take, psz;

	memcpy(&ent->hdr, data, sizeof(ent->hdr));
	data += sizeof(ent->hdr);
	size -= sizeof(ent->hdr);
	psz = ent->hdr.ring_ent_in_out.payload_sz;
	take = psz < size ? psz : size;
	if (take > FZ_PAYLOAD)
		take = FZ_PAYLOAD;
	/* Whatever the kernel did not write holds an earlier request's bytes. */
	ASAN_UNPOISON_MEMORY_REGION(ent->payload, FZ_PAYLOAD);
	memset(ent->payload, 0x5a, FZ_PAYLOAD);
	memcpy(ent->payload, data, take);

	if (fuse__uring_ent_view(&ent->hdr, ent->payload, FZ_PAYLOAD, &view) !=
	    FUSE__URING_INTAKE_OK)
		return sizeof(ent->hdr) + take;
	if (!fz_begin(in->opcode, in->unique, (void *)(uintptr_t)view.arg, view.arg_len))
		return sizeof(ent->hdr) + take;
	if (psz < FZ_PAYLOAD)
		ASAN_POISON_MEMORY_REGION(ent->payload + psz, FZ_PAYLOAD - psz);

	/* What the queue engine's uring_ent_claim() does before dispatching. */
	fuse__req_init(&ent->req, se);
	ent->req.tp = &fz_ring_ops;
	ent->req.tp_data = ent;
	ent->req.embedded = true;
	ent->req.unique = in->unique;
	ent->req.opcode = in->opcode;
	ent->req.ctx.uid = in->uid;
	ent->req.ctx.gid = in->gid;
	ent->req.ctx.pid = (pid_t)in->pid;
	ent->completions = 0;
	fuse__dispatch(&ent->req, &view);
	if (ent->completions != 1) {
		fprintf(stderr, "fuzz: ring request %llu (opcode %u) completed %d times\n",
			(unsigned long long)in->unique, in->opcode, ent->completions);
		abort();
	}
	fuse__req_fini(&ent->req);
	ASAN_UNPOISON_MEMORY_REGION(ent->payload, FZ_PAYLOAD);
	return sizeof(ent->hdr) + take;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_ent *ent;
	struct fuse_session *se;
	struct fuse *hl;
	size_t used;

	if (size < 1)
		return 0;
	if (!ent) {
		ent = aligned_alloc(4096, sizeof(*ent));
		if (!ent)
			abort();
		ent->payload = malloc(FZ_PAYLOAD);
		if (!ent->payload)
			abort();
	}
	se = fz_session_new(data[0] | FZ_PREINIT, &hl);
	data++;
	size--;
	while (size >= sizeof(struct fuse__uring_req_header)) {
		used = fz_record(se, ent, data, size);
		data += used;
		size -= used;
	}
	fz_session_free(se, hl);
	return 0;
}
