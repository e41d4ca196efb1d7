/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_log() and fuse_set_log_func(): the one place every message of the library goes
 * through, so that a filesystem can send them to syslog or its own log instead of stderr.
 */
#include "export_i.h"
#include "fuse_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static void log_to_stderr(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)vfprintf(stderr, fmt, ap);
}

/*
 * Process-global on purpose: libfuse's API installs the logger with fuse_set_log_func(),
 * which takes no session or context, and messages are logged from places (option parsing,
 * mount helpers) that run before any session exists. Accessed atomically because a ring
 * thread may log while the main thread swaps the function.
 */
static fuse_log_func_t log_func = log_to_stderr;

FUSE_EXPORT void fuse_set_log_func(fuse_log_func_t func)
{
	if (func == NULL)
		func = log_to_stderr;
	__atomic_store_n(&log_func, func, __ATOMIC_RELEASE);
}

FUSE_EXPORT void fuse_log(enum fuse_log_level level, const char *fmt, ...)
{
	fuse_log_func_t func = __atomic_load_n(&log_func, __ATOMIC_ACQUIRE);
	va_list ap;

	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	func(level, fmt, ap);
	va_end(ap);
}

#if RINGFUSE_ABI >= 318
#include <syslog.h>

/* fuse_log_level follows syslog(3)'s priority order, LOG_EMERG (0) to LOG_DEBUG (7). */
static void log_to_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsyslog((int)level, fmt, ap);
}

/*
 * Only the default destination changes: a function installed with fuse_set_log_func() keeps
 * receiving the messages, as the program asked.
 */
FUSE_EXPORT void fuse_log_enable_syslog(const char *ident, int option, int facility)
{
	fuse_log_func_t expected = log_to_stderr;

	openlog(ident, option, facility);
	(void)__atomic_compare_exchange_n(&log_func, &expected, log_to_syslog, false,
					  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

FUSE_EXPORT void fuse_log_close_syslog(void)
{
	fuse_log_func_t expected = log_to_syslog;

	(void)__atomic_compare_exchange_n(&log_func, &expected, log_to_stderr, false,
					  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	closelog();
}
#endif
