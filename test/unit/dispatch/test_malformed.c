/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests the dispatcher must refuse without calling a handler or reading out of bounds:
 * every opcode cut short at every length, names without their NUL, data lengths larger than
 * the request, requests before INIT or a second INIT, unknown opcodes, misaligned buffers,
 * and a long seeded run of random garbage (run it under ASan/UBSan too). Every request must
 * end in exactly one reply or drop.
 */
#include "recorder.h"

/* The refusal an opcode gets for a malformed request. */
static void check_refused(uint32_t op, int err)
{
	CHECK_EQ(ncalls, 0);
	if (opcode_noreply(op))
		CHECK_DROPPED();
	else
		CHECK_REPLY(err, 0);
}

static void test_truncated(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;
	size_t i, cut, full;

	for (i = 0; i < N_OPCODES; i++) {
		uint32_t op = all_opcodes[i];

		if (!build_valid(&m, op) && op != FUSE_INTERRUPT)
			continue;
		full = m.flen + m.plen;
		for (cut = 0; cut < full; cut++) {
			int before = check_failures;

			rec_reset();
			run_cut(se, &m, STYLE_DEV, cut);
			check_refused(op, EINVAL);
			if (check_failures != before)
				fprintf(stderr, "  (%s cut to %zu of %zu bytes, dev layout)\n",
					fuse__opname(op), cut, full);
		}
		/* On the ring only the payload can be short: the op_in area is fixed. */
		for (cut = 0; cut < m.plen; cut++) {
			int before = check_failures;

			rec_reset();
			run_cut(se, &m, STYLE_RING, cut);
			check_refused(op, EINVAL);
			if (check_failures != before)
				fprintf(stderr, "  (%s payload cut to %zu of %zu bytes, ring)\n",
					fuse__opname(op), cut, m.plen);
		}
	}
	harness_session_free(se);
}

/* Names whose NUL is replaced: the request ends inside the name. */
static void test_unterminated_names(void)
{
	static const uint32_t named[] = { FUSE_LOOKUP, FUSE_SYMLINK, FUSE_MKNOD, FUSE_MKDIR,
					  FUSE_UNLINK, FUSE_RMDIR, FUSE_RENAME, FUSE_RENAME2,
					  FUSE_LINK, FUSE_SETXATTR, FUSE_GETXATTR,
					  FUSE_REMOVEXATTR, FUSE_CREATE };
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;
	size_t i, j;
	int s;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		build_valid(&m, named[i]);
		/* Every NUL of the variable part becomes a letter. */
		for (j = 0; j < m.plen; j++)
			if (m.pay[j] == '\0')
				m.pay[j] = 'x';
		for (s = STYLE_DEV; s <= STYLE_RING; s++) {
			rec_reset();
			run(se, &m, (enum style)s);
			check_refused(named[i], EINVAL);
		}
	}
	harness_session_free(se);
}

static void test_lengths_beyond_request(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;
	int s;

	for (s = STYLE_DEV; s <= STYLE_RING; s++) {
		/* WRITE claims more data than came. */
		build_valid(&m, FUSE_WRITE);
		((struct fuse_write_in *)m.fixed)->size = 6;
		rec_reset();
		run(se, &m, (enum style)s);
		check_refused(FUSE_WRITE, EINVAL);
		((struct fuse_write_in *)m.fixed)->size = UINT32_MAX;
		rec_reset();
		run(se, &m, (enum style)s);
		check_refused(FUSE_WRITE, EINVAL);

		/* BATCH_FORGET: a count whose byte size overflows 32 bits, and one too many. */
		build_valid(&m, FUSE_BATCH_FORGET);
		((struct fuse_batch_forget_in *)m.fixed)->count = UINT32_MAX;
		rec_reset();
		run(se, &m, (enum style)s);
		check_refused(FUSE_BATCH_FORGET, EINVAL);
		((struct fuse_batch_forget_in *)m.fixed)->count = 4;
		rec_reset();
		run(se, &m, (enum style)s);
		check_refused(FUSE_BATCH_FORGET, EINVAL);

		build_valid(&m, FUSE_IOCTL);
		((struct fuse_ioctl_in *)m.fixed)->in_size = 5;
		rec_reset();
		run(se, &m, (enum style)s);
		check_refused(FUSE_IOCTL, EINVAL);

		build_valid(&m, FUSE_SETXATTR);
		((struct fuse_setxattr_in *)m.fixed)->size = 4;
		rec_reset();
		run(se, &m, (enum style)s);
		check_refused(FUSE_SETXATTR, EINVAL);
	}

	/* A flock request with a lock type flock(2) has no word for. */
	build_valid(&m, FUSE_SETLKW);
	((struct fuse_lk_in *)m.fixed)->lk.type = 77;
	rec_reset();
	run(se, &m, STYLE_DEV);
	check_refused(FUSE_SETLKW, EINVAL);
	harness_session_free(se);
}

static void test_before_init(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;
	size_t i;

	atomic_store(&se->got_init, false);
	for (i = 0; i < N_OPCODES; i++) {
		build_valid(&m, all_opcodes[i]);
		rec_reset();
		run(se, &m, STYLE_DEV);
		check_refused(all_opcodes[i], EIO);
	}
	/* CUSE_INIT on a /dev/fuse session is not its INIT either. */
	msg_init(&m, FUSE__OP_CUSE_INIT, 0);
	rec_reset();
	run(se, &m, STYLE_DEV);
	check_refused(FUSE__OP_CUSE_INIT, EIO);

	/* After INIT, another INIT (or CUSE_INIT) is refused with EIO, as libfuse does. */
	atomic_store(&se->got_init, true);
	msg_init(&m, FUSE_INIT, 0);
	{
		struct fuse_init_in a = { .major = 7, .minor = 45 };

		msg_fixed(&m, &a, sizeof(a));
	}
	rec_reset();
	run(se, &m, STYLE_DEV);
	check_refused(FUSE_INIT, EIO);
	m.opcode = FUSE__OP_CUSE_INIT;
	rec_reset();
	run(se, &m, STYLE_DEV);
	check_refused(FUSE__OP_CUSE_INIT, EIO);
	harness_session_free(se);
}

static void test_unknown_and_misaligned(void)
{
	static const uint32_t unknown[] = { 0, 7, 19, 54, 100, 4095, 4097, 1u << 20, UINT32_MAX };
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	static _Alignas(8) unsigned char buf[256];
	struct fuse__req_view v;
	struct fuse_req req;
	struct msg m;
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		msg_init(&m, unknown[i], 1);
		msg_pay(&m, "abcdefgh", 8);
		rec_reset();
		run(se, &m, STYLE_DEV);
		check_refused(unknown[i], ENOSYS);
		CHECK_STR(fuse__opname(unknown[i]), "UNKNOWN");
	}
	CHECK_STR(fuse__opname(FUSE_READDIRPLUS), "READDIRPLUS");
	CHECK_STR(fuse__opname(FUSE__OP_CUSE_INIT), "CUSE_INIT");

	/* An argument that is not 8-byte aligned is not a kernel buffer. */
	memset(buf, 0, sizeof(buf));
	((struct fuse_in_header *)buf)->opcode = FUSE_GETATTR;
	((struct fuse_in_header *)buf)->unique = 90;
	v.in = (const void *)buf;
	v.arg = buf + sizeof(struct fuse_in_header) + 1;
	v.arg_len = sizeof(struct fuse_getattr_in);
	v.payload = NULL;
	v.payload_len = 0;
	memset(&T, 0, offsetof(struct sent, buf));
	harness_last_unique = 90;
	rec_reset();
	fuse__req_init(&req, se);
	req.unique = 90;
	req.tp = &fake_ops;
	fuse__dispatch(&req, &v);
	fuse__req_fini(&req);
	check_refused(FUSE_GETATTR, EINVAL);
	harness_session_free(se);
}

/* xorshift64*: deterministic, so a failing iteration can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void test_garbage(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;
	unsigned int iter, bad = 0;
	size_t i, len;

	for (iter = 0; iter < 10000; iter++) {
		uint64_t r = rng();
		uint32_t op;

		/* Mostly real opcodes (the interesting decoders), sometimes anything. */
		if (r % 8 == 0)
			op = (uint32_t)rng();
		else if (r % 8 == 1)
			op = FUSE__OP_CUSE_INIT;
		else
			op = (uint32_t)(rng() % 56);
		msg_init(&m, op, rng() % 64);
		m.uid = (uint32_t)rng();
		/* Half the time a valid request with random damage, else pure noise. */
		if ((r >> 8) % 2 && build_valid(&m, op)) {
			m.uid = (uint32_t)getuid();
			for (i = (size_t)(rng() % 4); i > 0; i--) {
				size_t at = (size_t)(rng() % (m.flen + m.plen + 1));

				if (at < m.flen)
					m.fixed[at] = (unsigned char)rng();
				else if (at - m.flen < m.plen)
					m.pay[at - m.flen] = (unsigned char)rng();
			}
		} else {
			m.flen = (size_t)(rng() % (sizeof(m.fixed) + 1));
			for (i = 0; i < m.flen; i++)
				m.fixed[i] = (unsigned char)rng();
			len = (size_t)(rng() % 600);
			m.plen = 0;
			for (i = 0; i < len; i++)
				m.pay[m.plen++] = (unsigned char)rng();
		}
		/* Random allow_root and protocol levels reach the option-dependent paths. */
		se->deny_others = (r >> 16) % 4 == 0;
		se->conn.proto_minor = (r >> 20) % 8 == 0 ? (uint32_t)(rng() % 46) : 45;
		se->conn.want = (r >> 24) % 2 ? FUSE_CAP_SETXATTR_EXT : FUSE_CAP_IOCTL_DIR;
		se->no_interrupt = (r >> 28) % 2;
		atomic_store(&se->got_init, (r >> 32) % 16 != 0);
		atomic_store(&se->got_destroy, false);
		rec_reset();
		run(se, &m, (r >> 36) % 2 ? STYLE_RING : STYLE_DEV);
		/* Exactly one completion, and a reply is a well-formed one. */
		if (T.sends + T.drops != 1 ||
		    (T.sends && (reply_hdr()->len != T.len ||
				 reply_hdr()->unique != harness_last_unique ||
				 reply_hdr()->error > 0 || reply_hdr()->error <= -1000))) {
			if (bad++ < 10)
				fprintf(stderr, "garbage iteration %u (opcode %u): sends %d drops %d\n",
					iter, op, T.sends, T.drops);
		}
	}
	CHECK_EQ(bad, 0);
	harness_session_free(se);
}

int main(void)
{
	test_truncated();
	test_unterminated_names();
	test_lengths_beyond_request();
	test_before_init();
	test_unknown_and_misaligned();
	test_garbage();
	return check_result();
}
