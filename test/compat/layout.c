/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the binary facts of the public headers as `key value` lines: struct sizes, member
 * offsets and sizes, the raw bytes each fuse_file_info bit flag sets, enum sizes, constant
 * values and the initialiser macros. It is built once against ringfuse's include/ (with
 * LAYOUT_OURS defined) and once against the system's libfuse 3.14 headers, for several
 * FUSE_USE_VERSION values; compare_layout.py then demands that every line of the system build
 * appears unchanged in ours. Lines only ours prints check ringfuse's additions (new names on
 * formerly unused bits) and end in `selfcheck.* ok|FAIL`.
 */
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <cuse_lowlevel.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layout_fields.h"

#define MEMBER_SIZE(type, m) sizeof(((struct type *)0)->m)

static void print_bytes(const char *key, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	printf("%s ", key);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

/* Sets one bit field through its name and prints the struct's bytes, so a flag that moved
 * shows up even though bit fields have no offsetof. */
#define FI_BIT(name, member)						\
	do {								\
		struct fuse_file_info fi_;				\
		memset(&fi_, 0, sizeof(fi_));				\
		fi_.member = 1;						\
		print_bytes("fuse_file_info.bit." name, &fi_, sizeof(fi_)); \
	} while (0)

static void print_file_info_bits(void)
{
	struct fuse_file_info fi;

	FI_BIT("writepage", writepage);
	FI_BIT("direct_io", direct_io);
	FI_BIT("keep_cache", keep_cache);
	FI_BIT("flush", flush);
	FI_BIT("nonseekable", nonseekable);
	FI_BIT("flock_release", flock_release);
	FI_BIT("cache_readdir", cache_readdir);
	FI_BIT("noflush", noflush);

	/* ringfuse names the first padding bit and the 32-bit padding2 word; the bytes must be
	 * exactly those libfuse 3.14 gives its padding. */
#if defined(LAYOUT_OURS) && !defined(LAYOUT_V318)
	FI_BIT("first_padding_bit", parallel_direct_writes);
	memset(&fi, 0, sizeof(fi));
	fi.backing_id = 0x12345678;
#elif defined(LAYOUT_V318)
	/* libfuse 3.15+ names the first padding bit itself; padding2 stays padding. */
	FI_BIT("first_padding_bit", parallel_direct_writes);
	memset(&fi, 0, sizeof(fi));
	fi.padding2 = 0x12345678;
#else
	FI_BIT("first_padding_bit", padding);
	memset(&fi, 0, sizeof(fi));
	fi.padding2 = 0x12345678;
#endif
	print_bytes("fuse_file_info.word.padding2", &fi, sizeof(fi));

	/* All named bits at once: catches two names sharing one bit. */
	memset(&fi, 0xff, sizeof(fi));
	fi.flags = 0;
	fi.fh = 0;
	fi.lock_owner = 0;
	fi.poll_events = 0;
	print_bytes("fuse_file_info.all_ones_but_words", &fi, offsetof(struct fuse_file_info, fh));
}

static void print_macros(void)
{
	char a0[] = "prog";
	char *argv[] = { a0, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_opt opts[] = { FUSE_OPT_KEY("-x", 7), FUSE_OPT_END };
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(4096);

	printf("macro.FUSE_ARGS_INIT %d %d %d\n", args.argc, args.argv == argv, args.allocated);
	printf("macro.FUSE_OPT_KEY %s %lu %d\n", opts[0].templ, opts[0].offset, opts[0].value);
	printf("macro.FUSE_OPT_END %d %lu %d\n", opts[1].templ == NULL, opts[1].offset,
	       opts[1].value);
	printf("macro.FUSE_BUFVEC_INIT %zu %zu %zu %zu %d %d %d %lld\n", bv.count, bv.idx, bv.off,
	       bv.buf[0].size, (int)bv.buf[0].flags, bv.buf[0].mem == NULL, bv.buf[0].fd,
	       (long long)bv.buf[0].pos);
#ifdef LAYOUT_V318
	printf("macro.FUSE_BUFVEC_INIT.mem_size %zu\n", bv.buf[0].mem_size);
#endif
	printf("macro.FUSE_MAKE_VERSION %d\n", FUSE_MAKE_VERSION(3, 12));
}

#ifdef LAYOUT_OURS
/* ringfuse's extra capability bits must not collide with any libfuse 3.14 bit, and must fit
 * the 32-bit want/capable fields. */
#define OR_CAP(name) | (unsigned long)(strncmp(#name, "FUSE_CAP_", 9) == 0 ? (name) : 0)
static void print_selfchecks(void)
{
	unsigned long old_caps = 0 ALL_CONSTANTS(OR_CAP);
	unsigned long new_caps = FUSE_CAP_HANDLE_KILLPRIV_V2 | FUSE_CAP_SETXATTR_EXT |
		FUSE_CAP_DIRECT_IO_ALLOW_MMAP | FUSE_CAP_PASSTHROUGH |
		FUSE_CAP_NO_EXPORT_SUPPORT | FUSE_CAP_OVER_IO_URING;

#ifndef LAYOUT_V318
	/* (From 3.17 on these bits are libfuse's own, listed among the constants.) */
	printf("selfcheck.new_caps_disjoint %s\n", (old_caps & new_caps) ? "FAIL" : "ok");
#else
	(void)old_caps;
#endif
	printf("selfcheck.new_caps_fit_32bit %s\n", (new_caps >> 32) == 0 ? "ok" : "FAIL");
	printf("selfcheck.over_io_uring_is_bit31 %s\n",
	       FUSE_CAP_OVER_IO_URING == 0x80000000UL ? "ok" : "FAIL");
	printf("selfcheck.backing_id_offset %s\n",
	       offsetof(struct fuse_file_info, backing_id) == (RINGFUSE_ABI == 314 ? 8 : 36) &&
	       sizeof(((struct fuse_file_info *)0)->backing_id) == 4 ? "ok" : "FAIL");
}
#endif

int main(void)
{
#define P_FIELD(type, m)						\
	printf(#type "." #m " %zu %zu\n", offsetof(struct type, m), MEMBER_SIZE(type, m));
#define P_CONST(name)							\
	printf("const." #name " %lld %zu\n", (long long)(name), sizeof(name));
#define P_SIZE(type)							\
	printf("sizeof." #type " %zu %zu\n", sizeof(struct type), _Alignof(struct type));

	P_SIZE(fuse_file_info) P_SIZE(fuse_conn_info) P_SIZE(fuse_ctx)
	P_SIZE(fuse_entry_param) P_SIZE(fuse_buf) P_SIZE(fuse_bufvec) P_SIZE(fuse_args)
	P_SIZE(fuse_opt) P_SIZE(fuse_forget_data) P_SIZE(fuse_custom_io)
	P_SIZE(fuse_cmdline_opts) P_SIZE(LOOP_CONFIG_STRUCT) P_SIZE(fuse_lowlevel_ops)
	P_SIZE(fuse_operations) P_SIZE(fuse_config) P_SIZE(fuse_context) P_SIZE(cuse_info)
	P_SIZE(cuse_lowlevel_ops) V318_SIZES(P_SIZE)

	ALL_FIELDS(P_FIELD)
	ALL_CONSTANTS(P_CONST)

	printf("enum.fuse_buf_flags %zu\n", sizeof(enum fuse_buf_flags));
	printf("enum.fuse_buf_copy_flags %zu\n", sizeof(enum fuse_buf_copy_flags));
	printf("enum.fuse_log_level %zu\n", sizeof(enum fuse_log_level));
#ifdef LAYOUT_V318
	printf("enum.fuse_notify_entry_flags %zu\n", sizeof(enum fuse_notify_entry_flags));
#else
	printf("enum.fuse_expire_flags %zu\n", sizeof(enum fuse_expire_flags));
#endif
	printf("enum.fuse_readdir_flags %zu\n", sizeof(enum fuse_readdir_flags));
	printf("enum.fuse_fill_dir_flags %zu\n", sizeof(enum fuse_fill_dir_flags));
	printf("type.fuse_ino_t %zu\n", sizeof(fuse_ino_t));

#ifdef FUSE_H_
	printf("defined.FUSE_H_ 1\n");
#endif
#ifdef FUSE_LOWLEVEL_H_
	printf("defined.FUSE_LOWLEVEL_H_ 1\n");
#endif
#ifdef FUSE_COMMON_H_
	printf("defined.FUSE_COMMON_H_ 1\n");
#endif
#ifdef FUSE_OPT_H_
	printf("defined.FUSE_OPT_H_ 1\n");
#endif
#ifdef FUSE_LOG_H_
	printf("defined.FUSE_LOG_H_ 1\n");
#endif
#ifdef CUSE_LOWLEVEL_H_
	printf("defined.CUSE_LOWLEVEL_H_ 1\n");
#endif
#ifdef LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS
	printf("defined.LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1\n");
#endif
#if defined(fuse_new)
	printf("macro_fn.fuse_new 1\n");
#endif
#if defined(fuse_parse_cmdline)
	printf("macro_fn.fuse_parse_cmdline 1\n");
#endif
#if defined(fuse_session_loop_mt)
	printf("macro_fn.fuse_session_loop_mt 1\n");
#endif
#if defined(fuse_loop_mt)
	printf("macro_fn.fuse_loop_mt 1\n");
#endif
#if defined(fuse_main)
	printf("macro_fn.fuse_main 1\n");
#endif
#if defined(fuse_session_new)
	printf("macro_fn.fuse_session_new 1\n");
#endif

	print_file_info_bits();
	print_macros();
#ifdef LAYOUT_OURS
	print_selfchecks();
#endif
	printf("end %d\n", FUSE_USE_VERSION);
	return 0;
}
