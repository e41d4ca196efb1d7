/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The node table of the high-level API: kernel node ids <-> (parent, name). Two chained hash
 * tables (by id, and by parent id + name) that grow by doubling, so lookups stay O(1) at any
 * size; a node keeps a pointer to its parent, so renaming a directory moves one node and never
 * touches its subtree. Also here: lookup counts and forget (with remember=T and noforget), the
 * open count and the .fuse_hidden names of unlinked-but-open files, the 32-bit id counter with
 * its generation, and the stat snapshot auto_cache compares against. Paths are built by walking
 * parent pointers under the table lock.
 */
#include "highlevel_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL_HASH_MIN 256

static size_t hash_id(uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 17);
}

static size_t hash_name(uint64_t parent, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (parent * 0x9e3779b97f4a7c15ull);

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 0x100000001b3ull;
	}
	return (size_t)(h ^ (h >> 29));
}

static int hash_init(struct hl_hash *h)
{
	h->buckets = calloc(HL_HASH_MIN, sizeof(h->buckets[0]));
	if (!h->buckets)
		return -ENOMEM;
	h->size = HL_HASH_MIN;
	h->count = 0;
	return 0;
}

static inline struct hl_node **id_slot(struct hl_nodetab *nt, uint64_t id)
{
	return &nt->ids.buckets[hash_id(id) & (nt->ids.size - 1)];
}

static inline struct hl_node **name_slot(struct hl_nodetab *nt, uint64_t parent,
					 const char *name)
{
	return &nt->names.buckets[hash_name(parent, name) & (nt->names.size - 1)];
}

/* Growing is best effort: a failed allocation only leaves the chains longer. */
static void ids_grow(struct hl_nodetab *nt)
{
	size_t nsize = nt->ids.size * 2;
	struct hl_node **nb = calloc(nsize, sizeof(nb[0]));
	size_t i;

	if (!nb)
		return;
	for (i = 0; i < nt->ids.size; i++) {
		struct hl_node *n = nt->ids.buckets[i], *next;

		for (; n; n = next) {
			struct hl_node **slot = &nb[hash_id(n->nodeid) & (nsize - 1)];

			next = n->id_next;
			n->id_next = *slot;
			*slot = n;
		}
	}
	free(nt->ids.buckets);
	nt->ids.buckets = nb;
	nt->ids.size = nsize;
}

static void names_grow(struct hl_nodetab *nt)
{
	size_t nsize = nt->names.size * 2;
	struct hl_node **nb = calloc(nsize, sizeof(nb[0]));
	size_t i;

	if (!nb)
		return;
	for (i = 0; i < nt->names.size; i++) {
		struct hl_node *n = nt->names.buckets[i], *next;

		for (; n; n = next) {
			size_t b = hash_name(n->parent->nodeid, n->name) & (nsize - 1);

			next = n->name_next;
			n->name_next = nb[b];
			nb[b] = n;
		}
	}
	free(nt->names.buckets);
	nt->names.buckets = nb;
	nt->names.size = nsize;
}

static struct hl_node *get_node(struct hl_nodetab *nt, uint64_t id)
{
	struct hl_node *n = *id_slot(nt, id);

	while (n && n->nodeid != id)
		n = n->id_next;
	return n;
}

static struct hl_node *find_child(struct hl_nodetab *nt, uint64_t parent, const char *name)
{
	struct hl_node *n = *name_slot(nt, parent, name);

	while (n && (n->parent->nodeid != parent || strcmp(n->name, name) != 0))
		n = n->name_next;
	return n;
}

static void id_insert(struct hl_nodetab *nt, struct hl_node *n)
{
	struct hl_node **slot;

	if (nt->ids.count >= nt->ids.size)
		ids_grow(nt);
	slot = id_slot(nt, n->nodeid);
	n->id_next = *slot;
	*slot = n;
	nt->ids.count++;
}

static void id_remove(struct hl_nodetab *nt, struct hl_node *n)
{
	struct hl_node **p = id_slot(nt, n->nodeid);

	while (*p && *p != n)
		p = &(*p)->id_next;
	if (*p) {
		*p = n->id_next;
		nt->ids.count--;
	}
}

/* Link n under parent with a name the caller allocated (ownership passes to the node). */
static void name_insert(struct hl_nodetab *nt, struct hl_node *n, struct hl_node *parent,
			char *name)
{
	struct hl_node **slot;

	if (nt->names.count >= nt->names.size)
		names_grow(nt);
	n->parent = parent;
	n->name = name;
	parent->refctr++;
	nt->name_inserts++;
	slot = name_slot(nt, parent->nodeid, name);
	n->name_next = *slot;
	*slot = n;
	nt->names.count++;
}

/* Unlink n from its name; returns the old parent, whose reference the caller must drop. */
static struct hl_node *name_remove(struct hl_nodetab *nt, struct hl_node *n)
{
	struct hl_node *parent = n->parent;
	struct hl_node **p;

	if (!n->name)
		return NULL;
	p = name_slot(nt, parent->nodeid, n->name);
	while (*p && *p != n)
		p = &(*p)->name_next;
	if (*p) {
		*p = n->name_next;
		nt->names.count--;
	}
	free(n->name);
	n->name = NULL;
	n->parent = NULL;
	n->name_next = NULL;
	return parent;
}

static bool on_lru(struct hl_node *n)
{
	return n->lru_next != NULL;
}

static void lru_del(struct hl_node *n)
{
	if (!on_lru(n))
		return;
	n->lru_prev->lru_next = n->lru_next;
	n->lru_next->lru_prev = n->lru_prev;
	n->lru_next = n->lru_prev = NULL;
}

static void lru_add_tail(struct hl_nodetab *nt, struct hl_node *n)
{
	n->lru_prev = nt->lru.lru_prev;
	n->lru_next = &nt->lru;
	nt->lru.lru_prev->lru_next = n;
	nt->lru.lru_prev = n;
}

static void node_free(struct hl_node *n)
{
	while (n->locks) {
		struct hl_lock *l = n->locks;

		n->locks = l->next;
		free(l);
	}
	free(n);
}

static bool node_unused(struct hl_nodetab *nt, struct hl_node *n)
{
	if (n->nodeid == HL_ROOT_ID || n->nlookup || n->refctr || n->open_count)
		return false;
	/* noforget keeps every node that can still be reached by name */
	if (nt->remember == -1 && n->name)
		return false;
	if (on_lru(n) && n->name)
		return false;
	return true;
}

/*
 * Free n if nothing holds it any more, then walk up: dropping n's reference on its parent may
 * free the parent too. Iterative, so a deep chain of forgotten directories cannot blow the stack.
 */
static void node_put(struct hl_nodetab *nt, struct hl_node *n)
{
	while (n && node_unused(nt, n)) {
		struct hl_node *parent;

		lru_del(n);
		parent = name_remove(nt, n);
		id_remove(nt, n);
		node_free(n);
		nt->nodes--;
		if (!parent)
			break;
		parent->refctr--;
		n = parent;
	}
}

/* Drop n's name; its parent loses a reference. */
static void node_unname(struct hl_nodetab *nt, struct hl_node *n)
{
	struct hl_node *parent = name_remove(nt, n);

	if (parent) {
		parent->refctr--;
		node_put(nt, parent);
	}
}

static uint64_t next_id(struct hl_nodetab *nt)
{
	do {
		nt->ctr++;
		if (nt->ctr == 0)
			nt->generation++;
	} while (nt->ctr == 0 || nt->ctr == HL_ROOT_ID || nt->ctr == HL_UNKNOWN_INO ||
		 get_node(nt, nt->ctr) != NULL);
	return nt->ctr;
}

int fuse__nt_init(struct hl_nodetab *nt, int remember)
{
	struct hl_node *root;
	int err;

	memset(nt, 0, sizeof(*nt));
	nt->remember = remember;
	nt->lru.lru_next = nt->lru.lru_prev = &nt->lru;
	nt->ctr = HL_ROOT_ID;
	err = -pthread_mutex_init(&nt->lock, NULL);
	if (err)
		goto out;
	err = hash_init(&nt->ids);
	if (err)
		goto out_mutex;
	err = hash_init(&nt->names);
	if (err)
		goto out_ids;
	root = calloc(1, sizeof(*root));
	if (!root) {
		err = -ENOMEM;
		goto out_names;
	}
	root->nodeid = HL_ROOT_ID;
	root->nlookup = 1;
	id_insert(nt, root);
	nt->nodes = 1;
	return 0;

out_names:
	free(nt->names.buckets);
out_ids:
	free(nt->ids.buckets);
out_mutex:
	(void)pthread_mutex_destroy(&nt->lock);
out:
	return err;
}

void fuse__nt_destroy(struct hl_nodetab *nt)
{
	size_t i;

	if (!nt->ids.buckets)
		return;
	for (i = 0; i < nt->ids.size; i++) {
		struct hl_node *n = nt->ids.buckets[i], *next;

		for (; n; n = next) {
			next = n->id_next;
			free(n->name);
			node_free(n);
		}
	}
	free(nt->ids.buckets);
	free(nt->names.buckets);
	nt->ids.buckets = nt->names.buckets = NULL;
	(void)pthread_mutex_destroy(&nt->lock);
}

int fuse__nt_lookup(struct hl_nodetab *nt, uint64_t parent, const char *name,
		    uint64_t *nodeid, uint64_t *generation)
{
	struct hl_node *p, *n;
	char *nm;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, parent, name);
	if (n) {
		lru_del(n);
		n->nlookup++;
		goto found;
	}
	p = get_node(nt, parent);
	if (!p || (!p->name && p->nodeid != HL_ROOT_ID)) {
		err = -ENOENT;
		goto out;
	}
	nm = strdup(name);
	if (!nm) {
		err = -ENOMEM;
		goto out;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		free(nm);
		err = -ENOMEM;
		goto out;
	}
	n->nodeid = next_id(nt);
	n->generation = nt->generation;
	n->nlookup = 1;
	id_insert(nt, n);
	name_insert(nt, n, p, nm);
	nt->nodes++;
found:
	*nodeid = n->nodeid;
	if (generation)
		*generation = n->generation;
out:
	pthread_mutex_unlock(&nt->lock);
	return err;
}

int fuse__nt_find(struct hl_nodetab *nt, uint64_t parent, const char *name, uint64_t *nodeid)
{
	struct hl_node *n;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, parent, name);
	if (n)
		*nodeid = n->nodeid;
	else
		err = -ENOENT;
	pthread_mutex_unlock(&nt->lock);
	return err;
}

void fuse__nt_forget(struct hl_nodetab *nt, uint64_t nodeid, uint64_t nlookup)
{
	struct hl_node *n;

	if (nodeid == HL_ROOT_ID)
		return;
	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (!n || !n->nlookup)
		goto out;
	/* a kernel that forgets more than it looked up is clamped, not trusted */
	n->nlookup -= nlookup < n->nlookup ? nlookup : n->nlookup;
	if (n->nlookup)
		goto out;
	if (nt->remember > 0 && n->name) {
		(void)clock_gettime(CLOCK_MONOTONIC, &n->forget_time);
		lru_add_tail(nt, n);
	}
	node_put(nt, n);
out:
	pthread_mutex_unlock(&nt->lock);
}

int fuse__nt_remove(struct hl_nodetab *nt, uint64_t parent, const char *name)
{
	struct hl_node *n;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, parent, name);
	if (!n) {
		err = -ENOENT;
		goto out;
	}
	node_unname(nt, n);
	node_put(nt, n);
out:
	pthread_mutex_unlock(&nt->lock);
	return err;
}

int fuse__nt_rename(struct hl_nodetab *nt, uint64_t olddir, const char *oldname,
		    uint64_t newdir, const char *newname, bool hide)
{
	struct hl_node *n, *target, *np, *oldparent;
	char *nm;
	int err = 0;

	nm = strdup(newname);
	if (!nm)
		return -ENOMEM;
	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, olddir, oldname);
	target = find_child(nt, newdir, newname);
	if (target == n) {
		/* rename onto itself (or neither is known): nothing moves */
		free(nm);
		goto out;
	}
	np = get_node(nt, newdir);
	if (!np) {
		free(nm);
		err = -ENOENT;
		goto out;
	}
	if (target) {
		node_unname(nt, target);
		node_put(nt, target);
	}
	if (!n) {
		free(nm);
		goto out;
	}
	/* take the new parent's reference before the old one's can free anything */
	oldparent = name_remove(nt, n);
	name_insert(nt, n, np, nm);
	/* a hidden file the user renames to a name of its own is no longer ours to delete */
	n->hidden = hide;
	if (oldparent) {
		oldparent->refctr--;
		node_put(nt, oldparent);
	}
out:
	pthread_mutex_unlock(&nt->lock);
	return err;
}

/* Callers hold nt->lock. */
static int build_path(struct hl_node *n, const char *name, char **path)
{
	struct hl_node *w;
	size_t len = 0, pos;
	char *buf;

	for (w = n; w->nodeid != HL_ROOT_ID; w = w->parent) {
		if (!w->name)
			return -ENOENT;
		len += 1 + strlen(w->name);
	}
	if (name)
		len += 1 + strlen(name);
	if (len == 0)
		len = 1;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	pos = len;
	buf[pos] = '\0';
	if (name) {
		size_t l = strlen(name);

		pos -= l;
		memcpy(buf + pos, name, l);
		buf[--pos] = '/';
	}
	for (w = n; w->nodeid != HL_ROOT_ID; w = w->parent) {
		size_t l = strlen(w->name);

		pos -= l;
		memcpy(buf + pos, w->name, l);
		buf[--pos] = '/';
	}
	if (pos == 1)
		buf[0] = '/';	/* the root alone */
	*path = buf;
	return 0;
}

int fuse__nt_path(struct hl_nodetab *nt, uint64_t nodeid, const char *name, char **path)
{
	struct hl_node *n;
	int err;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	err = n ? build_path(n, name, path) : -ENOENT;
	pthread_mutex_unlock(&nt->lock);
	return err;
}

int fuse__nt_parent(struct hl_nodetab *nt, uint64_t nodeid, uint64_t *parent)
{
	struct hl_node *n;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (!n)
		err = -ENOENT;
	else if (n->nodeid == HL_ROOT_ID)
		*parent = HL_ROOT_ID;
	else if (!n->parent)
		err = -ENOENT;
	else
		*parent = n->parent->nodeid;
	pthread_mutex_unlock(&nt->lock);
	return err;
}

bool fuse__nt_exists(struct hl_nodetab *nt, uint64_t nodeid)
{
	bool res;

	pthread_mutex_lock(&nt->lock);
	res = get_node(nt, nodeid) != NULL;
	pthread_mutex_unlock(&nt->lock);
	return res;
}

int fuse__nt_open(struct hl_nodetab *nt, uint64_t nodeid)
{
	struct hl_node *n;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (n)
		n->open_count++;
	else
		err = -ENOENT;
	pthread_mutex_unlock(&nt->lock);
	return err;
}

/*
 * One open handle of nodeid is gone. Returns 1 when it was the last one of a node hidden on
 * unlink: the caller then unlinks the hidden file and calls fuse__nt_unname().
 */
int fuse__nt_close(struct hl_nodetab *nt, uint64_t nodeid)
{
	struct hl_node *n;
	int res = 0;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (!n || !n->open_count) {
		res = -ENOENT;
		goto out;
	}
	n->open_count--;
	if (!n->open_count && n->hidden && n->name) {
		/* the caller still needs the node and its name: keep it until fuse__nt_unname */
		n->open_count++;
		n->hidden = false;
		res = 1;
		goto out;
	}
	node_put(nt, n);
out:
	pthread_mutex_unlock(&nt->lock);
	return res;
}

/*
 * After unlink hid dir/hidden: a release that ran between the unlink's open check and the
 * hiding found the file not hidden yet and left it alone (libfuse 3.15 fixed the same race).
 * Returns the node id when the hidden node has no open handle any more and claims it as
 * fuse__nt_close() would (the caller unlinks the file and calls fuse__nt_unname()); 0 while a
 * handle is still open, whose release will unlink it.
 */
uint64_t fuse__nt_claim_closed_hidden(struct hl_nodetab *nt, uint64_t dir, const char *hidden)
{
	struct hl_node *n;
	uint64_t id = 0;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, dir, hidden);
	if (n && n->hidden && n->open_count == 0) {
		n->open_count++;
		n->hidden = false;
		id = n->nodeid;
	}
	pthread_mutex_unlock(&nt->lock);
	return id;
}

/* Drop the name of nodeid (a hidden file now unlinked) and the open count close() kept. */
void fuse__nt_unname(struct hl_nodetab *nt, uint64_t nodeid, bool drop_open)
{
	struct hl_node *n;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (!n)
		goto out;
	if (drop_open && n->open_count)
		n->open_count--;
	node_unname(nt, n);
	node_put(nt, n);
out:
	pthread_mutex_unlock(&nt->lock);
}

/* One more kernel lookup of a node reached without a name (".", "..", the root). */
int fuse__nt_ref(struct hl_nodetab *nt, uint64_t nodeid)
{
	struct hl_node *n;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (n) {
		lru_del(n);
		n->nlookup++;
	} else {
		err = -ENOENT;
	}
	pthread_mutex_unlock(&nt->lock);
	return err;
}

/* RENAME_EXCHANGE: the two names swap nodes. */
int fuse__nt_exchange(struct hl_nodetab *nt, uint64_t dir1, const char *name1, uint64_t dir2,
		      const char *name2)
{
	struct hl_node *n1, *n2, *p1, *p2;
	char *nm1, *nm2;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n1 = find_child(nt, dir1, name1);
	n2 = find_child(nt, dir2, name2);
	p1 = get_node(nt, dir1);
	p2 = get_node(nt, dir2);
	if (!p1 || !p2) {
		err = -ENOENT;
		goto out;
	}
	nm1 = strdup(name2);
	nm2 = strdup(name1);
	if (!nm1 || !nm2) {
		free(nm1);
		free(nm2);
		err = -ENOMEM;
		goto out;
	}
	/* new references first, so that dropping the old ones frees nothing still needed */
	if (n1) {
		struct hl_node *old = name_remove(nt, n1);

		name_insert(nt, n1, p2, nm1);
		nm1 = NULL;
		old->refctr--;
	}
	if (n2) {
		struct hl_node *old = name_remove(nt, n2);

		name_insert(nt, n2, p1, nm2);
		nm2 = NULL;
		old->refctr--;
	}
	free(nm1);
	free(nm2);
	node_put(nt, p1);
	node_put(nt, p2);
out:
	pthread_mutex_unlock(&nt->lock);
	return err;
}

bool fuse__nt_is_open(struct hl_nodetab *nt, uint64_t parent, const char *name)
{
	struct hl_node *n;
	bool res;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, parent, name);
	res = n && n->open_count > 0;
	pthread_mutex_unlock(&nt->lock);
	return res;
}

bool fuse__nt_is_hidden(struct hl_nodetab *nt, uint64_t parent, const char *name)
{
	struct hl_node *n;
	bool res;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, parent, name);
	res = n && n->hidden;
	pthread_mutex_unlock(&nt->lock);
	return res;
}

bool fuse__nt_is_hidden_id(struct hl_nodetab *nt, uint64_t nodeid)
{
	struct hl_node *n;
	bool res;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	res = n && n->hidden;
	pthread_mutex_unlock(&nt->lock);
	return res;
}

/* A fresh hidden name for (parent, name) not taken by any node in parent. */
int fuse__nt_hidden_name(struct hl_nodetab *nt, uint64_t parent, const char *name,
			 char *buf, size_t len)
{
	struct hl_node *n;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	n = find_child(nt, parent, name);
	if (!n) {
		err = -ENOENT;
		goto out;
	}
	do {
		int l = snprintf(buf, len, ".fuse_hidden%08x%08x", (unsigned int)n->nodeid,
				 ++nt->hidectr);

		if (l < 0 || (size_t)l >= len) {
			err = -ENAMETOOLONG;
			goto out;
		}
	} while (find_child(nt, parent, buf));
out:
	pthread_mutex_unlock(&nt->lock);
	return err;
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/*
 * Free remembered nodes older than nt->remember seconds. Returns the seconds until the oldest
 * remaining one expires (or nt->remember when the list is empty), for the cleanup thread's
 * next sleep.
 */
int fuse__nt_clean(struct hl_nodetab *nt, const struct timespec *now)
{
	struct hl_node *n, *next;
	int sleep_s;

	pthread_mutex_lock(&nt->lock);
	sleep_s = nt->remember > 0 ? nt->remember : 0;
	for (n = nt->lru.lru_next; n != &nt->lru; n = next) {
		double age = ts_diff(now, &n->forget_time);

		next = n->lru_next;
		if (age < nt->remember) {
			sleep_s = (int)(nt->remember - age) + 1;
			break;
		}
		lru_del(n);
		/* the list is in forget order, so a freed child never takes `next` with it */
		if (n->refctr == 0 && n->open_count == 0 && n->nlookup == 0) {
			struct hl_node *parent = name_remove(nt, n);

			id_remove(nt, n);
			node_free(n);
			nt->nodes--;
			if (parent) {
				parent->refctr--;
				if (parent != next)
					node_put(nt, parent);
			}
		}
	}
	pthread_mutex_unlock(&nt->lock);
	return sleep_s;
}

int fuse__nt_lookup_path(struct hl_nodetab *nt, const char *path, uint64_t *nodeid)
{
	uint64_t id = HL_ROOT_ID;
	char *copy, *save = NULL, *comp;
	int err = 0;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&nt->lock);
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		struct hl_node *n = find_child(nt, id, comp);

		if (!n) {
			err = -ENOENT;
			break;
		}
		id = n->nodeid;
	}
	pthread_mutex_unlock(&nt->lock);
	free(copy);
	if (!err)
		*nodeid = id;
	return err;
}

/* The paths of all hidden files still open (for unmount); the caller frees them. */
int fuse__nt_hidden_paths(struct hl_nodetab *nt, char ***paths, size_t *count)
{
	char **v = NULL;
	size_t n = 0, cap = 0, i;
	int err = 0;

	pthread_mutex_lock(&nt->lock);
	for (i = 0; i < nt->ids.size; i++) {
		struct hl_node *node;

		for (node = nt->ids.buckets[i]; node; node = node->id_next) {
			char *p;

			if (!node->hidden || !node->name)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				char **nv = realloc(v, ncap * sizeof(*nv));

				if (!nv) {
					err = -ENOMEM;
					goto out;
				}
				v = nv;
				cap = ncap;
			}
			if (build_path(node, NULL, &p) == 0)
				v[n++] = p;
		}
	}
out:
	pthread_mutex_unlock(&nt->lock);
	if (err) {
		while (n)
			free(v[--n]);
		free(v);
		return err;
	}
	*paths = v;
	*count = n;
	return 0;
}

void fuse__nt_update_stat(struct hl_nodetab *nt, uint64_t nodeid, const struct stat *st,
			  const struct timespec *now)
{
	struct hl_node *n;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (!n)
		goto out;
	if (n->cache_valid && (n->mtime.tv_sec != st->st_mtim.tv_sec ||
			       n->mtime.tv_nsec != st->st_mtim.tv_nsec ||
			       n->size != st->st_size))
		n->cache_valid = false;
	n->mtime = st->st_mtim;
	n->size = st->st_size;
	n->stat_updated = *now;
out:
	pthread_mutex_unlock(&nt->lock);
}

/* auto_cache: is the snapshot still trusted, and is it older than timeout? */
bool fuse__nt_cache_check(struct hl_nodetab *nt, uint64_t nodeid, const struct timespec *now,
			  double timeout, bool *need_stat)
{
	struct hl_node *n;
	bool valid = false;

	*need_stat = false;
	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (n && n->cache_valid) {
		valid = true;
		*need_stat = ts_diff(now, &n->stat_updated) > timeout;
	}
	pthread_mutex_unlock(&nt->lock);
	return valid;
}

/* Sets the node's cache_valid; returns the value it had. */
bool fuse__nt_cache_set(struct hl_nodetab *nt, uint64_t nodeid, bool valid)
{
	struct hl_node *n;
	bool old = false;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (n) {
		old = n->cache_valid;
		n->cache_valid = valid;
	}
	pthread_mutex_unlock(&nt->lock);
	return old;
}

size_t fuse__nt_count(struct hl_nodetab *nt)
{
	size_t c;

	pthread_mutex_lock(&nt->lock);
	c = nt->nodes;
	pthread_mutex_unlock(&nt->lock);
	return c;
}

void fuse__nt_set_ctr(struct hl_nodetab *nt, uint32_t ctr)
{
	pthread_mutex_lock(&nt->lock);
	nt->ctr = ctr;
	pthread_mutex_unlock(&nt->lock);
}

uint64_t fuse__nt_nlookup(struct hl_nodetab *nt, uint64_t nodeid)
{
	struct hl_node *n;
	uint64_t c = 0;

	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (n)
		c = n->nlookup;
	pthread_mutex_unlock(&nt->lock);
	return c;
}

uint64_t fuse__nt_name_inserts(struct hl_nodetab *nt)
{
	uint64_t c;

	pthread_mutex_lock(&nt->lock);
	c = nt->name_inserts;
	pthread_mutex_unlock(&nt->lock);
	return c;
}

/* POSIX locks. The kernel gives absolute ranges (l_whence SEEK_SET); l_len 0 means to EOF. */
#define HL_OFF_MAX ((off_t)(~0ull >> 1))

/*
 * The kernel sends 0 <= start <= end, which arrives here as l_len >= 0. Anything else (a
 * corrupt request: the fuzzer found start > end, a negative l_len) must not overflow: a
 * negative length covers the bytes before l_start, as in fcntl(2), and the range is held to
 * [0, HL_OFF_MAX] and never empty, so that the lengths computed from it cannot overflow.
 */
static void flock_range(const struct flock *lk, off_t *start, off_t *end)
{
	off_t s = lk->l_start, len = lk->l_len, e;

	if (len < 0) {
		e = s > 0 ? s - 1 : 0;
		if (__builtin_add_overflow(s, len, &s))
			s = 0;
	} else if (len == 0 || s > HL_OFF_MAX - len) {
		e = HL_OFF_MAX;
	} else {
		e = s + len - 1;
	}
	if (s < 0)
		s = 0;
	if (e < s)
		e = s;
	*start = s;
	*end = e;
}

/*
 * GETLK: a lock of another owner that overlaps lk and conflicts with its type. Returns 1 and
 * rewrites lk to describe it, or 0.
 */
int fuse__nt_lock_conflict(struct hl_nodetab *nt, uint64_t nodeid, uint64_t owner,
			   struct flock *lk)
{
	struct hl_node *n;
	struct hl_lock *l;
	off_t start, end;
	int res = 0;

	flock_range(lk, &start, &end);
	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	for (l = n ? n->locks : NULL; l; l = l->next) {
		if (l->owner == owner || l->end < start || l->start > end)
			continue;
		if (l->type != F_WRLCK && lk->l_type != F_WRLCK)
			continue;
		lk->l_type = l->type;
		lk->l_whence = SEEK_SET;
		lk->l_start = l->start;
		lk->l_len = l->end == HL_OFF_MAX ? 0 : l->end - l->start + 1;
		lk->l_pid = l->pid;
		res = 1;
		break;
	}
	pthread_mutex_unlock(&nt->lock);
	return res;
}

/*
 * SETLK granted (or F_UNLCK): owner's locks in the range are replaced, split where the range
 * cuts one in two. Allocations are made before anything changes, so a failure leaves the
 * record as it was.
 */
int fuse__nt_lock_record(struct hl_nodetab *nt, uint64_t nodeid, uint64_t owner,
			 const struct flock *lk)
{
	struct hl_lock *nl = NULL, *split = NULL, **pp, *l;
	struct hl_node *n;
	off_t start, end;
	int err = 0;

	flock_range(lk, &start, &end);
	if (lk->l_type != F_UNLCK) {
		nl = calloc(1, sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		nl->type = lk->l_type;
		nl->start = start;
		nl->end = end;
		nl->pid = lk->l_pid;
		nl->owner = owner;
	}
	split = calloc(1, sizeof(*split));
	if (!split) {
		free(nl);
		return -ENOMEM;
	}
	pthread_mutex_lock(&nt->lock);
	n = get_node(nt, nodeid);
	if (!n) {
		err = -ENOENT;
		goto out;
	}
	for (pp = &n->locks; (l = *pp) != NULL;) {
		if (l->owner != owner || l->end < start || l->start > end) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			/* the new range is inside l: l keeps its head, split takes its tail */
			*split = *l;
			split->start = end + 1;
			split->next = l->next;
			l->end = start - 1;
			l->next = split;
			split = NULL;
			break;
		}
		if (l->start < start) {
			l->end = start - 1;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			free(l);
		}
	}
	if (nl) {
		nl->next = n->locks;
		n->locks = nl;
		nl = NULL;
	}
out:
	pthread_mutex_unlock(&nt->lock);
	free(nl);
	free(split);
	return err;
}
