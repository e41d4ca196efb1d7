/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Assertions for the unit tests: on failure they print the expression, the file and line and
 * both operands, count the failure, and let the test go on, so one run shows every broken
 * case. A test's main() ends with `return check_result();` (exit 0 pass, 1 fail) and may exit
 * with CHECK_SKIP (77) when it cannot run here, after printing why.
 */
#ifndef RINGFUSE_TEST_CHECK_H
#define RINGFUSE_TEST_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CHECK_SKIP 77

static int check_failures;
static int check_passes;

/* Count a failure and print where, what, and (printf-style) both operands. */
__attribute__((format(printf, 4, 5)))
static inline void check_report(const char *file, int line, const char *expr,
				const char *detail_fmt, ...)
{
	va_list ap;

	check_failures++;
	fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, expr);
	if (detail_fmt[0] != '\0') {
		fputs("    ", stderr);
		va_start(ap, detail_fmt);
		vfprintf(stderr, detail_fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

#define CHECK(cond)								\
	do {									\
		if (cond)							\
			check_passes++;						\
		else								\
			check_report(__FILE__, __LINE__, #cond, "%s", "");	\
	} while (0)

#define CHECK_INT_OP(a, op, b)							\
	do {									\
		intmax_t check_a_ = (intmax_t)(a);				\
		intmax_t check_b_ = (intmax_t)(b);				\
		if (check_a_ op check_b_)					\
			check_passes++;						\
		else								\
			check_report(__FILE__, __LINE__, #a " " #op " " #b,	\
				     "left: %jd (%#jx)  right: %jd (%#jx)",	\
				     check_a_, (uintmax_t)check_a_, check_b_,	\
				     (uintmax_t)check_b_);			\
	} while (0)

#define CHECK_EQ(a, b) CHECK_INT_OP(a, ==, b)
#define CHECK_NE(a, b) CHECK_INT_OP(a, !=, b)
#define CHECK_GE(a, b) CHECK_INT_OP(a, >=, b)
#define CHECK_LT(a, b) CHECK_INT_OP(a, <, b)

#define CHECK_UEQ(a, b)								\
	do {									\
		uintmax_t check_a_ = (uintmax_t)(a);				\
		uintmax_t check_b_ = (uintmax_t)(b);				\
		if (check_a_ == check_b_)					\
			check_passes++;						\
		else								\
			check_report(__FILE__, __LINE__, #a " == " #b,		\
				     "left: %ju (%#jx)  right: %ju (%#jx)",	\
				     check_a_, check_a_, check_b_, check_b_);	\
	} while (0)

/* Strings; NULL compares equal only to NULL. */
#define CHECK_STR(a, b)								\
	do {									\
		const char *check_a_ = (a);					\
		const char *check_b_ = (b);					\
		if ((check_a_ == NULL && check_b_ == NULL) ||			\
		    (check_a_ != NULL && check_b_ != NULL &&			\
		     strcmp(check_a_, check_b_) == 0))				\
			check_passes++;						\
		else								\
			check_report(__FILE__, __LINE__, #a " == " #b,		\
				     "left: \"%s\"\n    right: \"%s\"",		\
				     check_a_ ? check_a_ : "(null)",		\
				     check_b_ ? check_b_ : "(null)");		\
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

static inline int check_result(void)
{
	if (check_failures) {
		fprintf(stderr, "%d check(s) failed, %d passed\n", check_failures, check_passes);
		return 1;
	}
	printf("all %d checks passed\n", check_passes);
	return 0;
}

#endif
