/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The private struct fuse_loop_config behind fuse_loop_cfg_*() (lib/helper.c), read by the
 * worker-pool loop. Programs only ever hold a pointer to it since libfuse 3.12; before that they
 * filled a public struct fuse_loop_config_v1 themselves, which fuse_loop_cfg_convert() copies in.
 */
#ifndef RINGFUSE_LOOP_CONFIG_I_H
#define RINGFUSE_LOOP_CONFIG_I_H

#include <limits.h>
#include <stdbool.h>

/*
 * Stored first, where a v1 structure has clone_fd (0 or 1): a loop entry point handed a v1
 * structure by an old binary through the 3.12 symbol can tell it apart from ours. libfuse uses
 * the same value at the same place.
 */
#define FUSE__LOOP_CONFIG_MAGIC (INT_MAX - 2)

/* max_idle_threads nobody set: the loop keeps idle workers instead of reaping them. */
#define FUSE__LOOP_IDLE_UNSET UINT_MAX
#define FUSE__LOOP_DEFAULT_MAX_THREADS 10U
/* Larger idle counts are rejected as typos (libfuse's bound too). */
#define FUSE__LOOP_MAX_IDLE_LIMIT 100000U

struct fuse_loop_config {
	int version_id;			/* FUSE__LOOP_CONFIG_MAGIC */
	int clone_fd;			/* each worker opens its own /dev/fuse fd */
	unsigned int max_idle_threads;	/* FUSE__LOOP_IDLE_UNSET or a bound */
	unsigned int max_threads;	/* upper bound on workers, >= 1 when used */
};

static inline bool fuse__loop_config_is_ours(const struct fuse_loop_config *config)
{
	return config != NULL && config->version_id == FUSE__LOOP_CONFIG_MAGIC;
}

/* Fill *config with the defaults of fuse_loop_cfg_create(). */
static inline void fuse__loop_config_init(struct fuse_loop_config *config)
{
	config->version_id = FUSE__LOOP_CONFIG_MAGIC;
	config->clone_fd = 0;
	config->max_idle_threads = FUSE__LOOP_IDLE_UNSET;
	config->max_threads = FUSE__LOOP_DEFAULT_MAX_THREADS;
}

#endif
