/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit test of the high-level node table (lib/highlevel/node.c), no kernel: insert, lookup,
 * forget (with remember and noforget), rename with and without a replaced target, hidden names
 * of unlinked-but-open files, hard links as separate names, id wrap-around with generations,
 * 100k nodes, a rename of a 100k-node subtree that must cost a single hash insertion, and
 * path building racing with renames from another thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "highlevel/highlevel_i.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
			#a, #b, _a, _b); \
		failures++; \
	} \
} while (0)

#define CHECK_PATH(nt, id, name, want) do { \
	char *_p = NULL; \
	int _e = fuse__nt_path(nt, id, name, &_p); \
	if (_e || strcmp(_p, want) != 0) { \
		fprintf(stderr, "%s:%d: path of %" PRIu64 ": err %d, '%s' != '%s'\n", __FILE__, \
			__LINE__, (uint64_t)(id), _e, _p ? _p : "(null)", want); \
		failures++; \
	} \
	free(_p); \
} while (0)

static uint64_t lookup(struct hl_nodetab *nt, uint64_t parent, const char *name)
{
	uint64_t id = 0;
	int err = fuse__nt_lookup(nt, parent, name, &id, NULL);

	if (err) {
		fprintf(stderr, "lookup %s: %d\n", name, err);
		failures++;
	}
	return id;
}

static void test_basic(void)
{
	struct hl_nodetab nt;
	uint64_t a, b, c, a2, found = 0;
	char *p = NULL;

	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	CHECK_EQ(fuse__nt_count(&nt), 1);
	CHECK_PATH(&nt, HL_ROOT_ID, NULL, "/");
	CHECK_PATH(&nt, HL_ROOT_ID, "x", "/x");
	a = lookup(&nt, HL_ROOT_ID, "a");
	b = lookup(&nt, a, "b");
	c = lookup(&nt, b, "c");
	CHECK(a != b && b != c && a != HL_ROOT_ID);
	CHECK_PATH(&nt, c, NULL, "/a/b/c");
	CHECK_PATH(&nt, b, "z", "/a/b/z");
	/* the same name again is the same node, one more lookup */
	a2 = lookup(&nt, HL_ROOT_ID, "a");
	CHECK_EQ(a2, a);
	CHECK_EQ(fuse__nt_nlookup(&nt, a), 2);
	CHECK_EQ(fuse__nt_find(&nt, a, "b", &found), 0);
	CHECK_EQ(found, b);
	CHECK_EQ(fuse__nt_find(&nt, a, "nope", &found), -ENOENT);
	CHECK_EQ(fuse__nt_lookup_path(&nt, "/a/b/c", &found), 0);
	CHECK_EQ(found, c);
	CHECK_EQ(fuse__nt_lookup_path(&nt, "/a/x", &found), -ENOENT);
	CHECK_EQ(fuse__nt_count(&nt), 4);

	/* forgetting a parent first keeps it while a child names it */
	fuse__nt_forget(&nt, a, 2);
	CHECK(fuse__nt_exists(&nt, a));
	CHECK_PATH(&nt, c, NULL, "/a/b/c");
	fuse__nt_forget(&nt, b, 1);
	CHECK(fuse__nt_exists(&nt, b));
	fuse__nt_forget(&nt, c, 1);
	CHECK(!fuse__nt_exists(&nt, c));
	CHECK(!fuse__nt_exists(&nt, b));
	CHECK(!fuse__nt_exists(&nt, a));
	CHECK_EQ(fuse__nt_count(&nt), 1);
	/* over-forgetting and forgetting unknown ids is harmless */
	fuse__nt_forget(&nt, 12345, 3);
	fuse__nt_forget(&nt, HL_ROOT_ID, 3);
	CHECK(fuse__nt_exists(&nt, HL_ROOT_ID));
	CHECK_EQ(fuse__nt_path(&nt, 999, NULL, &p), -ENOENT);
	fuse__nt_destroy(&nt);
}

static void test_rename_unlink_links(void)
{
	struct hl_nodetab nt;
	uint64_t d1, d2, f, g, l1, l2, found;

	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	d1 = lookup(&nt, HL_ROOT_ID, "d1");
	d2 = lookup(&nt, HL_ROOT_ID, "d2");
	f = lookup(&nt, d1, "f");
	g = lookup(&nt, d2, "g");
	/* move f over g: g loses its name but lives while the kernel holds it */
	CHECK_EQ(fuse__nt_rename(&nt, d1, "f", d2, "g", false), 0);
	CHECK_PATH(&nt, f, NULL, "/d2/g");
	CHECK_EQ(fuse__nt_find(&nt, d1, "f", &found), -ENOENT);
	CHECK(fuse__nt_exists(&nt, g));
	CHECK_EQ(fuse__nt_path(&nt, g, NULL, &(char *){NULL}), -ENOENT);
	fuse__nt_forget(&nt, g, 1);
	CHECK(!fuse__nt_exists(&nt, g));
	/* rename of a name the table never saw still clears the target */
	g = lookup(&nt, d2, "h");
	CHECK_EQ(fuse__nt_rename(&nt, d1, "unknown", d2, "h", false), 0);
	CHECK_EQ(fuse__nt_find(&nt, d2, "h", &found), -ENOENT);
	fuse__nt_forget(&nt, g, 1);
	/* hard links are separate names, separate nodes */
	l1 = lookup(&nt, d1, "l1");
	l2 = lookup(&nt, d2, "l2");
	CHECK(l1 != l2);
	CHECK_EQ(fuse__nt_remove(&nt, d1, "l1"), 0);
	CHECK_PATH(&nt, l2, NULL, "/d2/l2");
	CHECK_EQ(fuse__nt_remove(&nt, d1, "l1"), -ENOENT);
	fuse__nt_forget(&nt, l1, 1);
	CHECK(!fuse__nt_exists(&nt, l1));
	/* directory moved into another: its children follow */
	CHECK_EQ(fuse__nt_rename(&nt, HL_ROOT_ID, "d2", d1, "sub", false), 0);
	CHECK_PATH(&nt, f, NULL, "/d1/sub/g");
	CHECK_PATH(&nt, l2, NULL, "/d1/sub/l2");
	fuse__nt_destroy(&nt);
}

static void test_hidden(void)
{
	struct hl_nodetab nt;
	uint64_t f, found, x, y;
	char name[64], want[80];

	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	f = lookup(&nt, HL_ROOT_ID, "f");
	CHECK(!fuse__nt_is_open(&nt, HL_ROOT_ID, "f"));
	CHECK_EQ(fuse__nt_open(&nt, f), 0);
	CHECK_EQ(fuse__nt_open(&nt, f), 0);
	CHECK(fuse__nt_is_open(&nt, HL_ROOT_ID, "f"));
	CHECK_EQ(fuse__nt_hidden_name(&nt, HL_ROOT_ID, "f", name, sizeof(name)), 0);
	CHECK(strncmp(name, ".fuse_hidden", 12) == 0);
	CHECK_EQ(fuse__nt_rename(&nt, HL_ROOT_ID, "f", HL_ROOT_ID, name, true), 0);
	CHECK(fuse__nt_is_hidden(&nt, HL_ROOT_ID, name));
	CHECK_EQ(fuse__nt_find(&nt, HL_ROOT_ID, name, &found), 0);
	CHECK_EQ(found, f);
	/* the kernel forgets the unlinked name; the open handles keep the node */
	fuse__nt_forget(&nt, f, 1);
	CHECK(fuse__nt_exists(&nt, f));
	CHECK_EQ(fuse__nt_close(&nt, f), 0);
	/* the last close asks the caller to unlink the hidden file, with the name still there */
	CHECK_EQ(fuse__nt_close(&nt, f), 1);
	snprintf(want, sizeof(want), "/%s", name);
	CHECK_PATH(&nt, f, NULL, want);
	fuse__nt_unname(&nt, f, true);
	CHECK(!fuse__nt_exists(&nt, f));
	CHECK_EQ(fuse__nt_count(&nt), 1);
	/* a second close of a closed node is refused */
	f = lookup(&nt, HL_ROOT_ID, "g");
	CHECK_EQ(fuse__nt_close(&nt, f), -ENOENT);
	CHECK_EQ(fuse__nt_ref(&nt, f), 0);
	CHECK_EQ(fuse__nt_nlookup(&nt, f), 2);
	fuse__nt_forget(&nt, f, 2);
	CHECK(!fuse__nt_exists(&nt, f));
	/* RENAME_EXCHANGE swaps the nodes behind two names */
	x = lookup(&nt, HL_ROOT_ID, "x");
	y = lookup(&nt, x, "y");
	f = lookup(&nt, HL_ROOT_ID, "f");
	CHECK_EQ(fuse__nt_exchange(&nt, HL_ROOT_ID, "f", x, "y"), 0);
	CHECK_PATH(&nt, f, NULL, "/x/y");
	CHECK_PATH(&nt, y, NULL, "/f");
	fuse__nt_destroy(&nt);
}

static void test_generation(void)
{
	struct hl_nodetab nt;
	uint64_t a, b, c, gen_a = 0, gen_c = 0;

	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	fuse__nt_set_ctr(&nt, HL_UNKNOWN_INO - 2);
	CHECK_EQ(fuse__nt_lookup(&nt, HL_ROOT_ID, "a", &a, &gen_a), 0);
	CHECK_EQ(a, HL_UNKNOWN_INO - 1);
	/* the next ids skip readdir's unknown-ino marker, 0 and the root; generation bumps */
	CHECK_EQ(fuse__nt_lookup(&nt, HL_ROOT_ID, "b", &b, NULL), 0);
	CHECK_EQ(b, 2);
	CHECK_EQ(fuse__nt_lookup(&nt, HL_ROOT_ID, "c", &c, &gen_c), 0);
	CHECK_EQ(c, 3);
	CHECK_EQ(gen_c, gen_a + 1);
	/* ids still in use are skipped after a wrap */
	fuse__nt_set_ctr(&nt, 1);
	CHECK_EQ(fuse__nt_lookup(&nt, HL_ROOT_ID, "d", &a, NULL), 0);
	CHECK_EQ(a, 4);
	fuse__nt_destroy(&nt);
}

static void test_remember(void)
{
	struct hl_nodetab nt;
	struct timespec now;
	uint64_t a, a2, found;

	CHECK_EQ(fuse__nt_init(&nt, 10), 0);
	a = lookup(&nt, HL_ROOT_ID, "a");
	fuse__nt_forget(&nt, a, 1);
	CHECK_EQ(fuse__nt_find(&nt, HL_ROOT_ID, "a", &found), 0);
	/* looked up again while remembered: same id */
	a2 = lookup(&nt, HL_ROOT_ID, "a");
	CHECK_EQ(a2, a);
	fuse__nt_forget(&nt, a, 1);
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	CHECK(fuse__nt_clean(&nt, &now) > 0);
	CHECK(fuse__nt_exists(&nt, a));
	now.tv_sec += 11;
	(void)fuse__nt_clean(&nt, &now);
	CHECK(!fuse__nt_exists(&nt, a));
	fuse__nt_destroy(&nt);

	/* noforget: nothing named is ever dropped, but an unlinked node is */
	CHECK_EQ(fuse__nt_init(&nt, -1), 0);
	a = lookup(&nt, HL_ROOT_ID, "a");
	fuse__nt_forget(&nt, a, 1);
	CHECK(fuse__nt_exists(&nt, a));
	CHECK_EQ(fuse__nt_remove(&nt, HL_ROOT_ID, "a"), 0);
	CHECK(!fuse__nt_exists(&nt, a));
	fuse__nt_destroy(&nt);
}

#define BIG 100000
#define PER_DIR 1000

static void test_big(void)
{
	struct hl_nodetab nt;
	uint64_t top, *dirs, *files, ins, found;
	char name[32], want[96];
	int i, bad = 0;

	dirs = calloc(BIG / PER_DIR, sizeof(*dirs));
	files = calloc(BIG, sizeof(*files));
	if (!dirs || !files) {
		fprintf(stderr, "out of memory\n");
		failures++;
		goto out;
	}
	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	top = lookup(&nt, HL_ROOT_ID, "top");
	for (i = 0; i < BIG / PER_DIR; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		dirs[i] = lookup(&nt, top, name);
	}
	for (i = 0; i < BIG; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		files[i] = lookup(&nt, dirs[i / PER_DIR], name);
	}
	CHECK_EQ(fuse__nt_count(&nt), 2 + BIG / PER_DIR + BIG);
	for (i = 0; i < BIG; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (fuse__nt_find(&nt, dirs[i / PER_DIR], name, &found) || found != files[i])
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* renaming the whole tree touches one node: exactly one name insertion */
	ins = fuse__nt_name_inserts(&nt);
	CHECK_EQ(fuse__nt_rename(&nt, HL_ROOT_ID, "top", HL_ROOT_ID, "moved", false), 0);
	CHECK_EQ(fuse__nt_name_inserts(&nt) - ins, 1);
	CHECK_PATH(&nt, files[BIG - 1], NULL, "/moved/d99/f99999");
	for (i = 0; i < BIG; i += 997) {
		snprintf(want, sizeof(want), "/moved/d%d/f%d", i / PER_DIR, i);
		CHECK_PATH(&nt, files[i], NULL, want);
	}
	CHECK_EQ(fuse__nt_lookup_path(&nt, "/moved/d42/f42123", &found), 0);
	CHECK_EQ(found, files[42123]);
	/* forget everything: the table shrinks back to the root */
	for (i = 0; i < BIG; i++)
		fuse__nt_forget(&nt, files[i], 1);
	for (i = 0; i < BIG / PER_DIR; i++)
		fuse__nt_forget(&nt, dirs[i], 1);
	fuse__nt_forget(&nt, top, 1);
	CHECK_EQ(fuse__nt_count(&nt), 1);
	fuse__nt_destroy(&nt);
out:
	free(files);
	free(dirs);
}

static struct flock mk(short type, off_t start, off_t len)
{
	struct flock l;

	memset(&l, 0, sizeof(l));
	l.l_type = type;
	l.l_whence = SEEK_SET;
	l.l_start = start;
	l.l_len = len;
	l.l_pid = 42;
	return l;
}

static void test_locks(void)
{
	struct hl_nodetab nt;
	struct flock l;
	uint64_t f, g;

	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	f = lookup(&nt, HL_ROOT_ID, "f");
	/* owner 1 read-locks 0..99, owner 2 write-locks 200..EOF */
	l = mk(F_RDLCK, 0, 100);
	CHECK_EQ(fuse__nt_lock_record(&nt, f, 1, &l), 0);
	l = mk(F_WRLCK, 200, 0);
	CHECK_EQ(fuse__nt_lock_record(&nt, f, 2, &l), 0);
	/* readers share, a writer conflicts; an owner never conflicts with itself */
	l = mk(F_RDLCK, 50, 10);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 0);
	l = mk(F_WRLCK, 50, 10);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 1);
	CHECK(l.l_type == F_RDLCK && l.l_start == 0 && l.l_len == 100 && l.l_pid == 42);
	l = mk(F_WRLCK, 50, 10);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 1, &l), 0);
	l = mk(F_RDLCK, 1000000, 1);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 1, &l), 1);
	CHECK(l.l_type == F_WRLCK && l.l_start == 200 && l.l_len == 0);
	/* unlocking the middle of owner 1's range splits it */
	l = mk(F_UNLCK, 40, 20);
	CHECK_EQ(fuse__nt_lock_record(&nt, f, 1, &l), 0);
	l = mk(F_WRLCK, 45, 10);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 0);
	l = mk(F_WRLCK, 30, 20);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 1);
	CHECK(l.l_start == 0 && l.l_len == 40);
	l = mk(F_WRLCK, 55, 10);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 1);
	CHECK(l.l_start == 60 && l.l_len == 40);
	/* upgrading a range replaces the old lock there */
	l = mk(F_WRLCK, 0, 10);
	CHECK_EQ(fuse__nt_lock_record(&nt, f, 1, &l), 0);
	l = mk(F_RDLCK, 5, 1);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 1);
	CHECK(l.l_type == F_WRLCK);
	/* close (flush) drops everything the owner held */
	l = mk(F_UNLCK, 0, 0);
	CHECK_EQ(fuse__nt_lock_record(&nt, f, 1, &l), 0);
	l = mk(F_WRLCK, 0, 150);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, f, 3, &l), 0);
	l = mk(F_RDLCK, 0, 10);
	CHECK_EQ(fuse__nt_lock_record(&nt, 999999, 1, &l), -ENOENT);
	/*
	 * A corrupt request's range (found by fuzz/fuzz_uring: start OFF_MAX, end before it, so
	 * l_len -4095) must neither overflow (UBSan) nor be taken as [OFF_MAX, OFF_MAX]: a
	 * negative length covers the bytes before l_start, as in fcntl(2).
	 */
	g = lookup(&nt, HL_ROOT_ID, "g");
	l = mk(F_WRLCK, INT64_MAX, -4095);
	CHECK_EQ(fuse__nt_lock_record(&nt, g, 4, &l), 0);
	l = mk(F_RDLCK, INT64_MAX - 10, 1);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, g, 3, &l), 1);
	CHECK(l.l_start == INT64_MAX - 4095 && l.l_len == 4095);
	l = mk(F_RDLCK, INT64_MAX, INT64_MAX);
	CHECK_EQ(fuse__nt_lock_conflict(&nt, g, 3, &l), 0);
	l = mk(F_UNLCK, INT64_MIN, -1);
	CHECK_EQ(fuse__nt_lock_record(&nt, g, 4, &l), 0);
	l = mk(F_UNLCK, 0, 0);
	CHECK_EQ(fuse__nt_lock_record(&nt, g, 4, &l), 0);
	/* locks go with the node */
	fuse__nt_forget(&nt, f, 1);
	CHECK(!fuse__nt_exists(&nt, f));
	fuse__nt_destroy(&nt);
}

struct race {
	struct hl_nodetab *nt;
	uint64_t leaf;
	atomic_int stop;
	int bad;
};

static void *race_paths(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		char *p = NULL;

		if (fuse__nt_path(r->nt, r->leaf, NULL, &p) != 0 ||
		    (strcmp(p, "/x/mid/leaf") != 0 && strcmp(p, "/y/other/mid/leaf") != 0))
			r->bad++;
		free(p);
	}
	return NULL;
}

static void test_race(void)
{
	struct hl_nodetab nt;
	struct race r = { .nt = &nt };
	uint64_t x, mid, y, other;
	pthread_t t;
	int i;

	CHECK_EQ(fuse__nt_init(&nt, 0), 0);
	x = lookup(&nt, HL_ROOT_ID, "x");
	mid = lookup(&nt, x, "mid");
	r.leaf = lookup(&nt, mid, "leaf");
	y = lookup(&nt, HL_ROOT_ID, "y");
	other = lookup(&nt, y, "other");
	CHECK_EQ(pthread_create(&t, NULL, race_paths, &r), 0);
	for (i = 0; i < 20000; i++) {
		CHECK_EQ(fuse__nt_rename(&nt, x, "mid", other, "mid", false), 0);
		CHECK_EQ(fuse__nt_rename(&nt, other, "mid", x, "mid", false), 0);
	}
	r.stop = 1;
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(r.bad, 0);
	CHECK_PATH(&nt, r.leaf, NULL, "/x/mid/leaf");
	fuse__nt_destroy(&nt);
}

int main(void)
{
	test_basic();
	test_rename_unlink_links();
	test_hidden();
	test_generation();
	test_remember();
	test_big();
	test_locks();
	test_race();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("node table: all checks passed\n");
	return 0;
}
