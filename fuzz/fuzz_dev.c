/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: raw /dev/fuse bytes through fuse__dev_process() and the dispatcher, to
 * the small filesystem of fuzz_fs.c (low-level or high-level) and back through the reply code
 * to a custom io that checks every reply. The input is a mode byte (fuzz_fs.h) and then what
 * read(2) on /dev/fuse would return, one request after another: each request's own in->len
 * says where the next begins; a length that is too short or runs past the end makes the rest
 * of the input one (corrupt) read. Each request gets its own heap buffer of exactly its size,
 * so that ASan sees any read past what the kernel sent. A request never answered is leaked,
 * which LeakSanitizer reports.
 */
#include "fuzz_fs.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuse_session *se;
	struct fuse *hl;
	unsigned int mode;
	size_t len;
	void *buf;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	se = fz_session_new(mode, &hl);
	while (size >= sizeof(struct fuse_in_header)) {
		struct fuse_in_header in;

		memcpy(&in, data, sizeof(in));
		len = in.len;
		if (len < sizeof(in) || len > size)
			len = size;
		buf = malloc(len);
		if (!buf)
			abort();
		memcpy(buf, data, len);
		/* A length mismatch is answered EIO without dispatching: opcode 0 then. */
		if (fz_begin(in.len == len ? in.opcode : 0, in.unique, (char *)buf + sizeof(in),
			     len - sizeof(in)))
			fuse__dev_process(se, se->ch, buf, len);
		free(buf);
		data += len;
		size -= len;
	}
	fz_session_free(se, hl);
	return 0;
}
