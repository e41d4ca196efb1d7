/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the library: what the libfuse 3.17/3.18 API (built into libfuse3.so.4 only,
 * RINGFUSE_ABI 318) needs from the request core, and the core from it (api318.c).
 */
#ifndef RINGFUSE_API318_I_H
#define RINGFUSE_API318_I_H

#include "fuse_i.h"

#if RINGFUSE_ABI >= 318
/*
 * After init(): fold what the filesystem changed in conn->want (the 32-bit field of API
 * < 3.17, also changed by fuse_apply_conn_info_opts()) into conn->want_ext, and make want the
 * lower half of want_ext again. want_before is conn->want as it was handed to init(): a bit
 * that differs from it was changed through want and takes want's value; every other bit
 * keeps what want_ext (fuse_set_feature_flag()) says.
 */
void fuse__conn_want_merge(struct fuse_conn_info *conn, uint32_t want_before);

/*
 * The header version a program was compiled with, as the versioned constructors get it:
 * -EINVAL (logged, naming func) for another major version, a warning for newer headers.
 */
int fuse__api_version_check(const struct libfuse_version *version, const char *func);
#endif

#endif
