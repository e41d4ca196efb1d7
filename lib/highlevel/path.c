/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Paths handed to the filesystem, and the tree lock that keeps them true while in use. A path
 * is built from the node table and stays valid until the filesystem call that uses it
 * returns: every path-using call holds fuse->tree_lock shared, and the calls that change names
 * (rename, unlink, rmdir) hold it exclusive, so no call runs with a path that a concurrent
 * rename has just made stale. The lock prefers writers (no reader ever takes it twice), so a
 * stream of reads cannot starve a rename. Also here: hiding an unlinked-but-open file under a
 * .fuse_hidden name.
 */
#include "highlevel_i.h"

#include <errno.h>
#include <stdio.h>	/* RENAME_NOREPLACE */
#include <stdlib.h>

static void tree_lock(struct fuse *f, bool wr)
{
	if (wr)
		pthread_rwlock_wrlock(&f->tree_lock);
	else
		pthread_rwlock_rdlock(&f->tree_lock);
}

static void tree_unlock(struct fuse *f)
{
	pthread_rwlock_unlock(&f->tree_lock);
}

int fuse__tree_lock_init(struct fuse *f)
{
	pthread_rwlockattr_t attr;
	int err;

	err = -pthread_rwlockattr_init(&attr);
	if (err)
		return err;
	err = -pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (!err)
		err = -pthread_rwlock_init(&f->tree_lock, &attr);
	(void)pthread_rwlockattr_destroy(&attr);
	return err;
}

/* On success the tree lock is held (exclusive when wr) until fuse__put_path(). */
int fuse__get_path(struct fuse *f, uint64_t nodeid, const char *name, char **path, bool wr)
{
	int err;

	*path = NULL;
	tree_lock(f, wr);
	err = fuse__nt_path(&f->nt, nodeid, name, path);
	if (err)
		tree_unlock(f);
	return err;
}

int fuse__get_path2(struct fuse *f, uint64_t n1, const char *name1, uint64_t n2,
		    const char *name2, char **path1, char **path2, bool wr)
{
	int err;

	*path1 = *path2 = NULL;
	tree_lock(f, wr);
	err = fuse__nt_path(&f->nt, n1, name1, path1);
	if (err)
		goto out_unlock;
	err = fuse__nt_path(&f->nt, n2, name2, path2);
	if (err)
		goto out_free;
	return 0;

out_free:
	free(*path1);
	*path1 = NULL;
out_unlock:
	tree_unlock(f);
	return err;
}

void fuse__put_path(struct fuse *f, char *path1, char *path2)
{
	free(path1);
	free(path2);
	tree_unlock(f);
}

/*
 * Operations on an open handle: with nullpath_ok the filesystem gets NULL and no lock is
 * taken; otherwise the node's path, or NULL when the node lost its name (removed with
 * hard_remove), which is what libfuse passes too.
 */
int fuse__get_path_nullok(struct fuse *f, uint64_t nodeid, char **path)
{
	int err;

	*path = NULL;
	if (f->conf.nullpath_ok)
		return 0;
	tree_lock(f, false);
	err = fuse__nt_path(&f->nt, nodeid, NULL, path);
	if (err == -ENOENT)
		err = 0;
	if (err)
		tree_unlock(f);
	return err;
}

void fuse__put_path_nullok(struct fuse *f, char *path)
{
	if (f->conf.nullpath_ok)
		return;
	fuse__put_path(f, path, NULL);
}

/* copy_file_range: both handles' paths under one hold of the lock (it is not recursive). */
int fuse__get_path2_nullok(struct fuse *f, uint64_t n1, uint64_t n2, char **path1,
			   char **path2)
{
	int err;

	*path1 = *path2 = NULL;
	if (f->conf.nullpath_ok)
		return 0;
	tree_lock(f, false);
	err = fuse__nt_path(&f->nt, n1, NULL, path1);
	if (err == -ENOENT)
		err = 0;
	if (err)
		goto out_unlock;
	err = fuse__nt_path(&f->nt, n2, NULL, path2);
	if (err == -ENOENT)
		err = 0;
	if (err)
		goto out_free;
	return 0;

out_free:
	free(*path1);
	*path1 = NULL;
out_unlock:
	tree_unlock(f);
	return err;
}

void fuse__put_path2_nullok(struct fuse *f, char *path1, char *path2)
{
	if (f->conf.nullpath_ok)
		return;
	fuse__put_path(f, path1, path2);
}

/*
 * Rename the open file at oldpath (= dir/name) to a fresh .fuse_hidden name instead of
 * removing it, so handles keep working; the last release unlinks it. Called with the tree
 * lock held exclusive.
 */
int fuse__hide_node(struct fuse *f, const char *oldpath, uint64_t dir, const char *name,
		     char *hidden, size_t hidden_len)
{
	char *newpath = NULL;
	int err, tries;

	for (tries = 0; tries < 10; tries++) {
		struct stat st;

		err = fuse__nt_hidden_name(&f->nt, dir, name, hidden, hidden_len);
		if (err)
			return err;
		err = fuse__nt_path(&f->nt, dir, hidden, &newpath);
		if (err)
			return err;
		/* the name must not exist in the filesystem either */
		err = fuse_fs_getattr(f->fs, newpath, &st, NULL);
		if (err == -ENOENT)
			break;
		free(newpath);
		newpath = NULL;
		if (err)
			return err;
	}
	if (!newpath)
		return -EBUSY;
	err = fuse_fs_rename(f->fs, oldpath, newpath, 0);
	if (!err)
		err = fuse__nt_rename(&f->nt, dir, name, dir, hidden, true);
	free(newpath);
	return err;
}

/* A rename that hid its target failed: give the target its name back. */
void fuse__unhide_node(struct fuse *f, const char *path, uint64_t dir, const char *name,
		       const char *hidden)
{
	char *hiddenpath = NULL;

	if (fuse__nt_path(&f->nt, dir, hidden, &hiddenpath) != 0)
		return;
	if (fuse_fs_rename(f->fs, hiddenpath, path, RENAME_NOREPLACE) == 0)
		(void)fuse__nt_rename(&f->nt, dir, hidden, dir, name, false);
	free(hiddenpath);
}
