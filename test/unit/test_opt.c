/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_opt_parse() and the argument helpers. Each table case parses one command line with a
 * fixed option spec and renders everything observable (processing-function calls, log lines,
 * the output vector, the parsed data) as text, compared with a transcript recorded from Debian
 * 12's libfuse 3.14. To re-record against another library, build this file with
 * -DOPT_RECORD and link it with that library: it then prints the table instead of checking it.
 *
 * Command lines are split at spaces; "''" stands for an empty argument and "__" for a space
 * inside one. A leading '!' runs the case without a processing function.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_opt.h>
#include <fuse_log.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct data {
	char *s;
	unsigned int u;
	unsigned long lu;
	int i;
	int x;
	int o;
	double lf;
	int flag;
	int flag2;
	char *sp;
};

static const struct fuse_opt spec[] = {
	{ "--flag", offsetof(struct data, flag), 7 },
	{ "-f", offsetof(struct data, flag), 3 },
	{ "name=%s", offsetof(struct data, s), 0 },
	{ "u=%u", offsetof(struct data, u), 0 },
	{ "lu=%lu", offsetof(struct data, lu), 0 },
	{ "i=%d", offsetof(struct data, i), 0 },
	{ "x=%x", offsetof(struct data, x), 0 },
	{ "o=%o", offsetof(struct data, o), 0 },
	{ "lf=%lf", offsetof(struct data, lf), 0 },
	{ "-p %s", offsetof(struct data, sp), 0 },
	{ "both", offsetof(struct data, flag2), 5 },
	FUSE_OPT_KEY("both", 100),
	FUSE_OPT_KEY("-k", 101),
	FUSE_OPT_KEY("keepme", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_KEY("dropme", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("-K ", 102),
	FUSE_OPT_KEY("kv=", 103),
	FUSE_OPT_KEY("--long=", 104),
	FUSE_OPT_KEY("fail", 105),
	FUSE_OPT_KEY("drop", 106),
	FUSE_OPT_KEY("--gnu", 107),
	FUSE_OPT_END
};

/* Where the current case's transcript goes (the processing function and the logger write). */
static FILE *transcript;

static int proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	(void)data;
	fprintf(transcript, "proc %d [%s] %d\n", key, arg, out->argc);
	if (key == 105)
		return -1;
	if (key == 106)
		return 0;
	if (key == FUSE_OPT_KEY_OPT && strcmp(arg, "bad") == 0)
		return -1;
	if (key == FUSE_OPT_KEY_NONOPT && strcmp(arg, "nonkeep") == 0)
		return 0;
	if (key == 107)
		return fuse_opt_add_arg(out, "--added") == 0 ? 0 : -1;
	return 1;
}

static void log_to_transcript(enum fuse_log_level level, const char *fmt, va_list ap)
{
	fprintf(transcript, "log %d: ", (int)level);
	vfprintf(transcript, fmt, ap);
}

/* Parse one command line and return its transcript (malloc'd). */
static char *run_case(const char *line)
{
	int use_proc = line[0] != '!';
	char *copy = strdup(use_proc ? line : line + 1);
	char *argv[64];
	int argc = 0;
	char *tok, *save, *c;
	char *text = NULL;
	size_t text_len = 0;
	struct data d;
	int res, i;

	transcript = open_memstream(&text, &text_len);
	if (copy == NULL || transcript == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (tok = strtok_r(copy, " ", &save); tok != NULL && argc < 63;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "''") == 0)
			tok[0] = '\0';
		for (c = tok; *c != '\0'; c++) {
			if (c[0] == '_' && c[1] == '_') {
				c[0] = ' ';
				memmove(c + 1, c + 2, strlen(c + 2) + 1);
			}
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;

	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	memset(&d, 0, sizeof(d));
	fuse_set_log_func(log_to_transcript);
	res = fuse_opt_parse(&args, &d, spec, use_proc ? proc : NULL);
	fuse_set_log_func(NULL);

	fprintf(transcript, "res=%d alloc=%d argc=%d:", res, args.allocated, args.argc);
	for (i = 0; i < args.argc; i++)
		fprintf(transcript, " [%s]", args.argv[i]);
	if (args.argv != NULL && args.argv[args.argc] != NULL)
		fprintf(transcript, " NOT-NULL-TERMINATED");
	fprintf(transcript, "\nd: s=%s u=%u lu=%lu i=%d x=%x o=%o lf=%g flag=%d flag2=%d sp=%s\n",
		d.s ? d.s : "(null)", d.u, d.lu, d.i, d.x, d.o, d.lf, d.flag, d.flag2,
		d.sp ? d.sp : "(null)");
	/* On failure the input must be untouched: still the caller's vector. */
	if (res != 0 && args.argv != argv)
		fprintf(transcript, "INPUT VECTOR REPLACED ON FAILURE\n");
	if (res == 0)
		fuse_opt_free_args(&args);
	free(d.s);
	free(d.sp);
	free(copy);
	fclose(transcript);
	transcript = NULL;
	return text;
}

#ifdef OPT_RECORD
static void print_c_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '\n' && s[1] != '\0')
			fputs("\\n\"\n\t  \"", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int main(void)
{
	char line[1024];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		char *t = run_case(line);
		printf("\t{ ");
		print_c_string(line);
		printf(",\n\t  ");
		print_c_string(t);
		printf(" },\n");
		free(t);
	}
	return 0;
}
#else

struct parse_case {
	const char *line;
	const char *expect;
};

/* Recorded from libfuse 3.14 (Debian 12) with -DOPT_RECORD. */
static const struct parse_case cases[] = {
#include "test_opt_cases.h"
};

static void test_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = run_case(cases[i].line);

		if (strcmp(got, cases[i].expect) != 0)
			fprintf(stderr, "case `%s':\n", cases[i].line);
		CHECK_STR(got, cases[i].expect);
		free(got);
	}
}

static void test_match(void)
{
	static const struct fuse_opt m[] = {
		{ "name=%s", 0, 0 }, { "-p ", 0, 0 }, { "flag", 0, 1 }, { "kv=", 0, 0 },
		{ "--x", 0, 0 }, FUSE_OPT_END
	};

	CHECK_EQ(fuse_opt_match(m, "name=foo"), 1);
	CHECK_EQ(fuse_opt_match(m, "name="), 1);
	CHECK_EQ(fuse_opt_match(m, "name"), 0);
	CHECK_EQ(fuse_opt_match(m, "-p"), 1);
	CHECK_EQ(fuse_opt_match(m, "-pfoo"), 1);
	CHECK_EQ(fuse_opt_match(m, "flag"), 1);
	CHECK_EQ(fuse_opt_match(m, "flag=1"), 0);
	CHECK_EQ(fuse_opt_match(m, "kv"), 0);
	CHECK_EQ(fuse_opt_match(m, "kv=1"), 1);
	CHECK_EQ(fuse_opt_match(m, "--x"), 1);
	CHECK_EQ(fuse_opt_match(m, "--xy"), 0);
	CHECK_EQ(fuse_opt_match(m, ""), 0);
	CHECK_EQ(fuse_opt_match(NULL, "x"), 0);
	CHECK_EQ(fuse_opt_match(m, NULL), 0);
}

static void test_add_opt(void)
{
	char *o = NULL;

	CHECK_EQ(fuse_opt_add_opt(&o, "a"), 0);
	CHECK_EQ(fuse_opt_add_opt(&o, "b,c"), 0);
	CHECK_EQ(fuse_opt_add_opt_escaped(&o, "d,e\\f"), 0);
	CHECK_EQ(fuse_opt_add_opt(&o, ""), 0);
	CHECK_EQ(fuse_opt_add_opt(&o, "g"), 0);
	CHECK_STR(o, "a,b,c,d\\,e\\\\f,,g");
	free(o);

	/* An empty list takes no separator. */
	o = NULL;
	CHECK_EQ(fuse_opt_add_opt_escaped(&o, ""), 0);
	CHECK_EQ(fuse_opt_add_opt_escaped(&o, ","), 0);
	CHECK_STR(o, "\\,");
	free(o);

	CHECK_EQ(fuse_opt_add_opt(NULL, "x"), -1);
	o = NULL;
	CHECK_EQ(fuse_opt_add_opt(&o, NULL), -1);
	CHECK(o == NULL);
}

static void test_args(void)
{
	struct fuse_args a = FUSE_ARGS_INIT(0, NULL);
	char *argv[] = { "prog", "x", NULL };
	struct fuse_args b = FUSE_ARGS_INIT(2, argv);

	CHECK_EQ(fuse_opt_add_arg(&a, "p"), 0);
	CHECK_EQ(a.allocated, 1);
	CHECK_EQ(fuse_opt_add_arg(&a, "x"), 0);
	CHECK_EQ(fuse_opt_insert_arg(&a, 1, "i1"), 0);
	CHECK_EQ(fuse_opt_insert_arg(&a, 3, "end"), 0);
	CHECK_EQ(fuse_opt_insert_arg(&a, 0, "first"), 0);
	CHECK_EQ(a.argc, 5);
	CHECK_STR(a.argv[0], "first");
	CHECK_STR(a.argv[1], "p");
	CHECK_STR(a.argv[2], "i1");
	CHECK_STR(a.argv[3], "x");
	CHECK_STR(a.argv[4], "end");
	CHECK(a.argv[5] == NULL);
	CHECK_EQ(fuse_opt_insert_arg(&a, 7, "past the end"), -1);
	CHECK_EQ(fuse_opt_insert_arg(&a, -1, "negative"), -1);
	CHECK_EQ(a.argc, 5);
	fuse_opt_free_args(&a);
	CHECK_EQ(a.argc, 0);
	CHECK(a.argv == NULL);
	CHECK_EQ(a.allocated, 0);
	fuse_opt_free_args(&a);	/* twice is harmless */
	fuse_opt_free_args(NULL);

	/* Growing a vector we do not own copies it; the caller's array stays as it was. */
	CHECK_EQ(fuse_opt_add_arg(&b, "y"), 0);
	CHECK_EQ(b.allocated, 1);
	CHECK(b.argv != argv);
	CHECK_EQ(b.argc, 3);
	CHECK_STR(b.argv[0], "prog");
	CHECK_STR(b.argv[2], "y");
	CHECK(argv[2] == NULL);
	fuse_opt_free_args(&b);

	CHECK_EQ(fuse_opt_add_arg(NULL, "x"), -1);
	CHECK_EQ(fuse_opt_add_arg(&a, NULL), -1);
}

/* The output of one parse, parsed again with the same spec, comes out the same. */
static void test_reparse(void)
{
	char *argv[] = { "prog", "-o", "a\\,b,name=n,c", "mnt", "-f", "-o", "keepme", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(7, argv);
	struct data d;
	int i;

	memset(&d, 0, sizeof(d));
	CHECK_EQ(fuse_opt_parse(&args, &d, spec, NULL), 0);
	CHECK_EQ(args.argc, 4);
	CHECK_STR(args.argv[1], "-o");
	CHECK_STR(args.argv[2], "a\\,b,c,keepme");
	CHECK_STR(args.argv[3], "mnt");
	CHECK_STR(d.s, "n");
	CHECK_EQ(d.flag, 3);
	CHECK_EQ(fuse_opt_parse(&args, &d, spec, NULL), 0);
	CHECK_EQ(args.argc, 4);
	CHECK_STR(args.argv[2], "a\\,b,c,keepme");
	for (i = 0; i < args.argc; i++)
		CHECK(args.argv[i] != NULL);
	fuse_opt_free_args(&args);
	free(d.s);
}

static int proc_errno(void *data, const char *arg, int key, struct fuse_args *out)
{
	(void)data;
	(void)arg;
	(void)key;
	(void)out;
	return -22;	/* a negative errno counts as failure too */
}

static void test_edges(void)
{
	char *argv[] = { "prog", "unknown", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(2, argv);
	struct fuse_args none = FUSE_ARGS_INIT(0, NULL);

	CHECK_EQ(fuse_opt_parse(&args, NULL, NULL, proc_errno), -1);
	CHECK(args.argv == argv);
	CHECK_EQ(fuse_opt_parse(NULL, NULL, spec, NULL), 0);
	CHECK_EQ(fuse_opt_parse(&none, NULL, spec, NULL), 0);
	CHECK_EQ(none.argc, 0);

	/* NULL opts: every option is unknown and kept. */
	char *argv2[] = { "prog", "-x", "-o", "y", NULL };
	struct fuse_args args2 = FUSE_ARGS_INIT(4, argv2);
	CHECK_EQ(fuse_opt_parse(&args2, NULL, NULL, NULL), 0);
	CHECK_EQ(args2.argc, 4);
	CHECK_STR(args2.argv[1], "-o");
	CHECK_STR(args2.argv[2], "y");
	CHECK_STR(args2.argv[3], "-x");
	fuse_opt_free_args(&args2);

	/* An offset template without a data pointer is refused instead of writing to NULL. */
	char *argv3[] = { "prog", "-f", NULL };
	struct fuse_args args3 = FUSE_ARGS_INIT(2, argv3);
	fuse_set_log_func(NULL);
	CHECK_EQ(fuse_opt_parse(&args3, NULL, spec, NULL), -1);
}

int main(void)
{
	test_table();
	test_match();
	test_add_opt();
	test_args();
	test_reparse();
	test_edges();
	return check_result();
}
#endif
