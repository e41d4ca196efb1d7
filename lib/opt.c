/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_opt_*: the option parser every libfuse filesystem drives its command line through, and
 * the argument-vector helpers around it. Filesystems depend on its exact output (argv[0] kept,
 * unconsumed -o options gathered into one "-o a,b" pair right after argv[0], commas escaped
 * with backslashes, a trailing "--" dropped), so the rules below follow libfuse's documented
 * behaviour and were checked case by case against the system libfuse 3.14 (see
 * test/unit/test_opt.c).
 */
#include "export_i.h"
#include "fuse_log.h"
#include "fuse_opt.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One parse in progress: the input vector, where we are in it, and what we keep. */
struct opt_ctx {
	void *data;
	const struct fuse_opt *opts;
	fuse_opt_proc_t proc;
	int argc;
	char **argv;
	int argi;		/* index of the argument being processed */
	struct fuse_args out;	/* kept arguments, argv[0] first */
	char *kept_opts;	/* kept -o options, escaped, comma separated */
	int nonopt_from;	/* out.argc just after "--" was kept; 0 before any "--" */
};

/* What opt_match() learnt about a template that matched. */
struct opt_match {
	bool has_sep;	/* the template takes a parameter ("=" or " " form) */
	size_t sep;	/* index of the '=' or ' ' within the template */
};

static void opt_nomem(void)
{
	fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
}

/*
 * Templates "name=", "name=%fmt", "-x " and "-x %fmt" match any argument beginning with their
 * name part (including the '=', excluding the ' '); every other template only matches itself.
 * A '=' wins over a ' ' so that "-x name=%s" keeps the usual meaning.
 */
static bool opt_match(const char *templ, const char *arg, struct opt_match *m)
{
	const char *sep = strchr(templ, '=');

	if (sep == NULL)
		sep = strchr(templ, ' ');
	if (sep != NULL && (sep[1] == '\0' || sep[1] == '%')) {
		size_t prefix = (size_t)(sep - templ) + (*sep == '=' ? 1 : 0);

		if (strncmp(arg, templ, prefix) == 0) {
			m->has_sep = true;
			m->sep = (size_t)(sep - templ);
			return true;
		}
	}
	if (strcmp(templ, arg) == 0) {
		m->has_sep = false;
		m->sep = 0;
		return true;
	}
	return false;
}

/*
 * FUSE_OPT_KEY() stores -1U in an unsigned long, so the "call the processing function" marker
 * is 0xffffffff, not ULONG_MAX. Programs that spell it -1 or -1UL get ULONG_MAX; accept both
 * rather than treat it as an offset into their data.
 */
static bool opt_is_key(const struct fuse_opt *o)
{
	return o->offset == (unsigned long)-1U || o->offset == ULONG_MAX;
}

static int opt_keep(struct opt_ctx *ctx, const char *arg, bool in_list)
{
	int res;

	if (in_list)
		res = fuse_opt_add_opt_escaped(&ctx->kept_opts, arg);
	else
		res = fuse_opt_add_arg(&ctx->out, arg);
	return res < 0 ? -1 : 0;
}

static int opt_call_proc(struct opt_ctx *ctx, const char *arg, int key, bool in_list)
{
	int res;

	if (key == FUSE_OPT_KEY_DISCARD)
		return 0;
	if (key != FUSE_OPT_KEY_KEEP && ctx->proc != NULL) {
		res = ctx->proc(ctx->data, arg, key, &ctx->out);
		/* libfuse documents -1; any negative errno is taken as the same failure. */
		if (res < 0)
			return -1;
		if (res == 0)
			return 0;
	}
	return opt_keep(ctx, arg, in_list);
}

/* Store the parameter of "name=%fmt" into the user's structure. */
static int opt_store_param(struct opt_ctx *ctx, const struct fuse_opt *o, const char *arg,
			   const struct opt_match *m)
{
	const char *format = o->templ + m->sep + 1;
	const char *param = arg + m->sep + (o->templ[m->sep] == '=' ? 1 : 0);
	void *var = (char *)ctx->data + o->offset;

	if (strcmp(format, "%s") == 0) {
		char *copy = strdup(param);
		char **slot = var;

		if (copy == NULL) {
			opt_nomem();
			return -1;
		}
		free(*slot);
		*slot = copy;
		return 0;
	}
	/*
	 * The template's own format decides the type of the variable (%u, %lu, %d, %x, %o, %lf,
	 * ...), exactly as with scanf(3); that is the documented contract of fuse_opt templates.
	 */
	if (sscanf(param, format, var) != 1) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid parameter in option `%s'\n", arg);
		return -1;
	}
	return 0;
}

static int opt_apply(struct opt_ctx *ctx, const struct fuse_opt *o, const char *arg,
		     const struct opt_match *m, bool in_list)
{
	if (opt_is_key(o))
		return opt_call_proc(ctx, arg, o->value, in_list);
	if (ctx->data == NULL) {
		fuse_log(FUSE_LOG_ERR, "fuse: option `%s' needs a data pointer\n", arg);
		return -1;
	}
	if (m->has_sep && o->templ[m->sep + 1] != '\0')
		return opt_store_param(ctx, o, arg, m);
	*(int *)((char *)ctx->data + o->offset) = o->value;
	return 0;
}

static int opt_process(struct opt_ctx *ctx, const char *arg, bool in_list);

/*
 * "-x param" given as two arguments: glue them into "-xparam" (the documented form the
 * processing function sees) and process that instead.
 */
static int opt_process_joined(struct opt_ctx *ctx, const char *arg)
{
	const char *param;
	char *joined;
	int res;

	if (ctx->argi + 1 >= ctx->argc) {
		fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", arg);
		return -1;
	}
	param = ctx->argv[++ctx->argi];
	if (asprintf(&joined, "%s%s", arg, param) < 0) {
		opt_nomem();
		return -1;
	}
	res = opt_process(ctx, joined, false);
	free(joined);
	return res;
}

/*
 * One option, from the command line or from an -o list. Every matching template acts, in
 * order; an option no template matches goes to the processing function as FUSE_OPT_KEY_OPT.
 */
static int opt_process(struct opt_ctx *ctx, const char *arg, bool in_list)
{
	const struct fuse_opt *o;
	struct opt_match m;
	bool matched = false;
	int res;

	for (o = ctx->opts; o != NULL && o->templ != NULL; o++) {
		if (!opt_match(o->templ, arg, &m))
			continue;
		if (m.has_sep && o->templ[m.sep] == ' ' && arg[m.sep] == '\0') {
			/* Inside an -o list there is no "next argument" to take the value from. */
			if (in_list) {
				fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", arg);
				return -1;
			}
			return opt_process_joined(ctx, arg);
		}
		matched = true;
		res = opt_apply(ctx, o, arg, &m, in_list);
		if (res < 0)
			return res;
	}
	if (!matched)
		return opt_call_proc(ctx, arg, FUSE_OPT_KEY_OPT, in_list);
	return 0;
}

/*
 * An -o list: split at commas that are not escaped, undo the escapes ("\," is a comma inside an
 * option, "\\" a backslash, a backslash before anything else just drops), and process each item,
 * empty ones included, as libfuse does.
 */
static int opt_process_list(struct opt_ctx *ctx, const char *list)
{
	char *item = malloc(strlen(list) + 1);
	const char *s = list;
	char *d;
	int res = 0;

	if (item == NULL) {
		opt_nomem();
		return -1;
	}
	for (;;) {
		d = item;
		while (*s != '\0' && *s != ',') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			*d++ = *s++;
		}
		*d = '\0';
		res = opt_process(ctx, item, true);
		if (res < 0 || *s == '\0')
			break;
		s++;	/* past the comma */
	}
	free(item);
	return res;
}

static int opt_process_arg(struct opt_ctx *ctx)
{
	const char *arg = ctx->argv[ctx->argi];

	if (ctx->nonopt_from > 0 || arg[0] != '-')
		return opt_call_proc(ctx, arg, FUSE_OPT_KEY_NONOPT, false);
	if (arg[1] == 'o') {
		if (arg[2] != '\0')
			return opt_process_list(ctx, arg + 2);
		if (ctx->argi + 1 >= ctx->argc) {
			fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", arg);
			return -1;
		}
		return opt_process_list(ctx, ctx->argv[++ctx->argi]);
	}
	if (strcmp(arg, "--") == 0) {
		if (fuse_opt_add_arg(&ctx->out, arg) < 0)
			return -1;
		ctx->nonopt_from = ctx->out.argc;
		return 0;
	}
	return opt_process(ctx, arg, false);
}

/*
 * The kept -o options go right after argv[0] as one "-o" "a,b,c" pair. A "--" that nothing
 * followed is dropped again; libfuse 3.14 only does so when no -o pair was inserted, and
 * programs that re-parse the output see the same vector either way, so we match it exactly.
 */
static int opt_finish(struct opt_ctx *ctx)
{
	if (ctx->kept_opts != NULL) {
		if (fuse_opt_insert_arg(&ctx->out, 1, "-o") < 0 ||
		    fuse_opt_insert_arg(&ctx->out, 2, ctx->kept_opts) < 0)
			return -1;
		return 0;
	}
	if (ctx->nonopt_from > 0 && ctx->nonopt_from == ctx->out.argc &&
	    strcmp(ctx->out.argv[ctx->out.argc - 1], "--") == 0) {
		free(ctx->out.argv[--ctx->out.argc]);
		ctx->out.argv[ctx->out.argc] = NULL;
	}
	return 0;
}

FUSE_EXPORT int fuse_opt_parse(struct fuse_args *args, void *data, const struct fuse_opt opts[],
			       fuse_opt_proc_t proc)
{
	struct opt_ctx ctx = {
		.data = data,
		.opts = opts,
		.proc = proc,
	};
	int res = -1;

	if (args == NULL || args->argc <= 0 || args->argv == NULL)
		return 0;
	ctx.argc = args->argc;
	ctx.argv = args->argv;

	if (fuse_opt_add_arg(&ctx.out, ctx.argv[0]) < 0)
		goto out_free;
	for (ctx.argi = 1; ctx.argi < ctx.argc; ctx.argi++) {
		if (opt_process_arg(&ctx) < 0)
			goto out_free;
	}
	if (opt_finish(&ctx) < 0)
		goto out_free;

	fuse_opt_free_args(args);
	*args = ctx.out;
	ctx.out = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	res = 0;
out_free:
	free(ctx.kept_opts);
	fuse_opt_free_args(&ctx.out);
	return res;
}

/*
 * libfuse asserts when asked to grow a vector it does not own (FUSE_ARGS_INIT(argc, argv)
 * straight from main()). Taking a private copy instead lets the call succeed and keeps the
 * caller's argv untouched.
 */
static int opt_args_own(struct fuse_args *args)
{
	char **copy;
	int i;

	if (args->argv == NULL && args->argc != 0)
		return -1;	/* a count without a vector: nothing sane to grow */
	if (args->allocated || args->argv == NULL) {
		args->allocated = 1;
		return 0;
	}
	copy = calloc((size_t)args->argc + 1, sizeof(*copy));
	if (copy == NULL)
		goto err;
	for (i = 0; i < args->argc; i++) {
		copy[i] = strdup(args->argv[i]);
		if (copy[i] == NULL)
			goto err_free;
	}
	args->argv = copy;
	args->allocated = 1;
	return 0;

err_free:
	while (i-- > 0)
		free(copy[i]);
	free(copy);
err:
	opt_nomem();
	return -1;
}

FUSE_EXPORT int fuse_opt_add_arg(struct fuse_args *args, const char *arg)
{
	char *copy;
	char **grown;

	if (args == NULL || arg == NULL || args->argc < 0)
		return -1;
	if (opt_args_own(args) < 0)
		return -1;
	copy = strdup(arg);
	if (copy == NULL)
		goto err;
	grown = realloc(args->argv, ((size_t)args->argc + 2) * sizeof(*grown));
	if (grown == NULL)
		goto err_copy;
	args->argv = grown;
	args->argv[args->argc++] = copy;
	args->argv[args->argc] = NULL;
	return 0;

err_copy:
	free(copy);
err:
	opt_nomem();
	return -1;
}

FUSE_EXPORT int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg)
{
	char *moved;

	if (args == NULL || pos < 0 || pos > args->argc)
		return -1;
	if (fuse_opt_add_arg(args, arg) < 0)
		return -1;
	moved = args->argv[args->argc - 1];
	memmove(&args->argv[pos + 1], &args->argv[pos],
		(size_t)(args->argc - 1 - pos) * sizeof(*args->argv));
	args->argv[pos] = moved;
	return 0;
}

FUSE_EXPORT void fuse_opt_free_args(struct fuse_args *args)
{
	int i;

	if (args == NULL)
		return;
	if (args->argv != NULL && args->allocated) {
		for (i = 0; i < args->argc; i++)
			free(args->argv[i]);
		free(args->argv);
	}
	args->argc = 0;
	args->argv = NULL;
	args->allocated = 0;
}

/* Append opt to a comma separated list, escaping ',' and '\' when asked to. */
static int opt_list_append(char **opts, const char *opt, bool escape)
{
	size_t old = *opts != NULL ? strlen(*opts) : 0;
	size_t need = old + 1 + (escape ? 2 * strlen(opt) : strlen(opt)) + 1;
	char *list = realloc(*opts, need);
	char *d;

	if (list == NULL) {
		opt_nomem();
		return -1;
	}
	d = list + old;
	/* As in libfuse, an empty list gets no separator: "" + "b" is "b", not ",b". */
	if (old > 0)
		*d++ = ',';
	for (; *opt != '\0'; opt++) {
		if (escape && (*opt == ',' || *opt == '\\'))
			*d++ = '\\';
		*d++ = *opt;
	}
	*d = '\0';
	*opts = list;
	return 0;
}

FUSE_EXPORT int fuse_opt_add_opt(char **opts, const char *opt)
{
	if (opts == NULL || opt == NULL)
		return -1;
	return opt_list_append(opts, opt, false);
}

FUSE_EXPORT int fuse_opt_add_opt_escaped(char **opts, const char *opt)
{
	if (opts == NULL || opt == NULL)
		return -1;
	return opt_list_append(opts, opt, true);
}

FUSE_EXPORT int fuse_opt_match(const struct fuse_opt opts[], const char *opt)
{
	const struct fuse_opt *o;
	struct opt_match m;

	if (opts == NULL || opt == NULL)
		return 0;
	for (o = opts; o->templ != NULL; o++) {
		if (opt_match(o->templ, opt, &m))
			return 1;
	}
	return 0;
}
