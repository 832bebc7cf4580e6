/**
 * @file log.c  Logging: formatted into one buffer, written with one
 * write() so lines from threads never interleave.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"

static int level = -1;

static enum log_level env_level(void)
{
	const char *e = getenv("CALLBOT_LOG");

	if (!e)
		return LOG_INFO;
	if (!strcasecmp(e, "debug"))
		return LOG_DEBUG;
	if (!strcasecmp(e, "warn"))
		return LOG_WARN;
	if (!strcasecmp(e, "error"))
		return LOG_ERROR;
	return LOG_INFO;
}

void log_level_set(enum log_level lvl)
{
	level = (int)lvl;
}

enum log_level log_level_get(void)
{
	if (level < 0)
		level = (int)env_level();
	return (enum log_level)level;
}

void log_msg(enum log_level lvl, const char *ctx, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;
	int k;

	if (lvl < log_level_get())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %-5s %s%s",
		     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     names[lvl & 3], ctx ? ctx : "", ctx ? ": " : "");
	n = k > 0 ? (size_t)k : 0;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n += k > 0 ? (size_t)k : 0;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

const char *log_mask(const char *s, char *buf, size_t size)
{
	size_t i, n, run = 0, start = 0, o = 0;

	if (!buf || !size)
		return "";
	if (!s) {
		snprintf(buf, size, "(none)");
		return buf;
	}
	n = strlen(s);
	for (i = 0; i <= n && o + 1 < size; i++) {
		bool digit = i < n && s[i] >= '0' && s[i] <= '9';

		if (digit) {
			if (!run)
				start = i;
			++run;
			continue;
		}
		if (run) {
			size_t j;

			/* mask runs that look like phone numbers */
			for (j = start; j < i && o + 1 < size; j++) {
				bool keep = run < 7 || j - start < 3 ||
					    i - j <= 2;

				buf[o++] = keep ? s[j] : '*';
			}
			run = 0;
		}
		if (i < n && o + 1 < size)
			buf[o++] = s[i];
	}
	buf[o] = '\0';
	return buf;
}
