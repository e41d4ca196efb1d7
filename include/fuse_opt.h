/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Option parsing of the libfuse 3 API: the option template table (struct fuse_opt), the
 * growable argument vector (struct fuse_args), the special keys handed to a processing
 * callback, and the helpers that build and edit argument and option strings. Layouts and
 * values follow libfuse 3.14 exactly, because programs embed these structures in static
 * tables and pass them across the library boundary.
 */
#ifndef FUSE_OPT_H_
#define FUSE_OPT_H_

/** @file
 * Parsing of command-line arguments and `-o` option strings.
 */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One entry of an option template table.
 *
 * @c templ is matched against each option. Forms understood:
 * - `"-x"`, `"--long"`, `"name"`: an exact match;
 * - `"name="`, `"-x "`: the option takes a value;
 * - `"name=%fmt"`, `"-x %fmt"`: the value is converted with a scanf(3) format (`%s` stores a
 *   newly allocated string) and stored at @c offset in the caller's data structure.
 *
 * When @c offset is -1U the match is instead reported to the processing callback with @c value
 * as the key; otherwise @c value is stored (as an int) at @c offset when the template has no
 * format.
 *
 * A table ends with FUSE_OPT_END.
 */
struct fuse_opt {
	/** template the option is matched against */
	const char *templ;

	/** offset in the data structure, or -1U to hand the match to the callback */
	unsigned long offset;

	/** value stored at @c offset, or the key passed to the callback */
	int value;
};

/** A template that is reported to the processing callback under @p key. */
#define FUSE_OPT_KEY(templ, key) { templ, -1U, key }

/** Terminator of an option template table. */
#define FUSE_OPT_END { NULL, 0, 0 }

/**
 * An argument vector that the library may grow.
 */
struct fuse_args {
	/** number of arguments */
	int argc;

	/** the arguments, NULL terminated */
	char **argv;

	/** non-zero when @c argv was allocated by the library and must be freed */
	int allocated;
};

/** Initialiser for a struct fuse_args that borrows a caller's vector. */
#define FUSE_ARGS_INIT(argc, argv) { argc, argv, 0 }

/** Key for an option (`-o x` or `-x`) that matched no template. */
#define FUSE_OPT_KEY_OPT     (-1)

/** Key for an argument that is not an option. */
#define FUSE_OPT_KEY_NONOPT  (-2)

/** Template value: always keep the option in the output, do not call the callback. */
#define FUSE_OPT_KEY_KEEP    (-3)

/** Template value: always drop the option, do not call the callback. */
#define FUSE_OPT_KEY_DISCARD (-4)

/**
 * Callback for options that the template table hands over.
 *
 * @param data the user data passed to fuse_opt_parse()
 * @param arg the whole argument or option
 * @param key the template's key, FUSE_OPT_KEY_OPT or FUSE_OPT_KEY_NONOPT
 * @param outargs the output argument vector
 * @return -1 on error, 0 to drop @p arg, 1 to keep it in @p outargs
 */
typedef int (*fuse_opt_proc_t)(void *data, const char *arg, int key,
			       struct fuse_args *outargs);

/**
 * Parse @p args against @p opts.
 *
 * Matches are stored into @p data or passed to @p proc; what is kept is left in @p args
 * (which is replaced by a newly allocated vector).
 *
 * @param args the argument vector, rewritten in place
 * @param data user data for stores and for @p proc
 * @param opts template table, may be NULL
 * @param proc callback, may be NULL
 * @return 0 on success, -1 on failure
 */
int fuse_opt_parse(struct fuse_args *args, void *data,
		   const struct fuse_opt opts[], fuse_opt_proc_t proc);

/**
 * Append @p opt to the comma-separated option string @p *opts (allocating it if NULL).
 *
 * @return 0 on success, -1 on allocation failure
 */
int fuse_opt_add_opt(char **opts, const char *opt);

/**
 * Like fuse_opt_add_opt(), but escape commas and backslashes in @p opt first.
 *
 * @return 0 on success, -1 on allocation failure
 */
int fuse_opt_add_opt_escaped(char **opts, const char *opt);

/**
 * Append a copy of @p arg to @p args.
 *
 * @return 0 on success, -1 on allocation failure
 */
int fuse_opt_add_arg(struct fuse_args *args, const char *arg);

/**
 * Insert a copy of @p arg at index @p pos of @p args.
 *
 * @return 0 on success, -1 on failure
 */
int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg);

/**
 * Free a vector that the library allocated and reset @p args to empty.
 */
void fuse_opt_free_args(struct fuse_args *args);

/**
 * Tell whether @p opt matches some template of @p opts.
 *
 * @return 1 when it matches, 0 otherwise
 */
int fuse_opt_match(const struct fuse_opt opts[], const char *opt);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_OPT_H_ */
