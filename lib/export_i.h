/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library is built with -fvisibility=hidden; only functions marked FUSE_EXPORT can reach
 * the dynamic symbol table, and lib/fuse_versionscript then assigns each its libfuse version
 * node. Both gates are needed: the attribute keeps internal cross-file helpers out of the
 * table, the script gives public ones the exact version libfuse binaries were linked against.
 */
#ifndef RINGFUSE_EXPORT_I_H
#define RINGFUSE_EXPORT_I_H

#define FUSE_EXPORT __attribute__((visibility("default")))

/*
 * Bind an implementation to an extra (non-default) symbol version, e.g. the FUSE_3.0 variant of
 * fuse_parse_cmdline that binaries built against libfuse 3.0–3.11 resolve to.
 */
#define FUSE_SYMVER(impl, name_at_version) \
	__asm__(".symver " #impl "," name_at_version)

#endif
