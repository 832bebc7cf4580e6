/**
 * @file log.h  Logging to stderr, one line per event, safe from any thread.
 *
 * Every line carries its context: the call id (and campaign, later), so a
 * busy log can be followed one call at a time. Phone numbers never appear
 * whole: log_mask() keeps the first three and last two digits.
 */
#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

/** Lines below this level are dropped; default LOG_INFO (env
 *  CALLBOT_LOG=debug|info|warn|error sets it at the first call). */
void log_level_set(enum log_level lvl);
enum log_level log_level_get(void);

/** Log one line. ctx is the call id or subsystem ("ua", "media"), or
 *  NULL. */
void log_msg(enum log_level lvl, const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Write a masked copy of a number or SIP URI into buf:
 *  "sip:13812345678@host" -> "sip:138******78@host". */
const char *log_mask(const char *s, char *buf, size_t size);
