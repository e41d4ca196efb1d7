/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging entry points of the libfuse 3 API: the severity levels, the hook a program can
 * install to receive the library's messages, and fuse_log() itself. The names and values
 * match libfuse 3.14 so that programs built against either header behave the same.
 */
#ifndef FUSE_LOG_H_
#define FUSE_LOG_H_

/** @file
 * Library logging and the optional user hook that receives it.
 */

#include "libfuse_config.h"
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Severity of a message, in syslog(3) order: lower values are more severe.
 */
enum fuse_log_level {
	FUSE_LOG_EMERG,		/**< the system is unusable */
	FUSE_LOG_ALERT,		/**< action is needed now */
	FUSE_LOG_CRIT,		/**< critical condition */
	FUSE_LOG_ERR,		/**< error */
	FUSE_LOG_WARNING,	/**< warning */
	FUSE_LOG_NOTICE,	/**< normal but worth noting */
	FUSE_LOG_INFO,		/**< informational */
	FUSE_LOG_DEBUG		/**< debugging detail */
};

/**
 * Receiver of library messages.
 *
 * @param level severity of the message
 * @param fmt printf(3)-style format
 * @param ap arguments for @p fmt
 */
typedef void (*fuse_log_func_t)(enum fuse_log_level level,
				const char *fmt, va_list ap);

/**
 * Route all library messages to @p func.
 *
 * Passing NULL restores the default, which writes to standard error.
 *
 * @param func the new receiver, or NULL
 */
void fuse_set_log_func(fuse_log_func_t func);

/**
 * Emit one message through the installed receiver.
 *
 * @param level severity
 * @param fmt printf(3)-style format
 */
void fuse_log(enum fuse_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#if RINGFUSE_ABI >= 318
/**
 * Send the library's messages to syslog(3) instead of stderr (unless a function was
 * installed with fuse_set_log_func()); @p ident, @p option and @p facility go to openlog(3).
 */
void fuse_log_enable_syslog(const char *ident, int option, int facility);

/** Close what fuse_log_enable_syslog() opened and log to stderr again. */
void fuse_log_close_syslog(void);
#endif

#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOG_H_ */
