/**
 * @file clock.c  The media clock: one 20 ms timerfd for every stream.
 *
 * One periodic timerfd, registered with libre's fd_listen(), ticks all
 * started streams in turn. Not a libre timer per stream: libre keeps its
 * timers in one sorted list, and a thousand 20 ms timers re-inserted fifty
 * times a second would cost more than the media itself. A timerfd also
 * counts expirations, so a loop that was late (a slow handler, a page
 * fault storm) finds out by how much: it runs the ticks it owes, back to
 * back, up to CATCHUP_MAX (100 ms), and counts the rest as missed. Missed
 * ticks still advance media_clock_now(), so RTP timestamps jump and the
 * peer's jitter buffer sees real time rather than compressed audio.
 *
 * The tick loop holds a reference on the stream it ticks (and takes the
 * next one before letting go), so handlers may drop any stream, their
 * own included; see media_stream_hold(). The timerfd is opened with the
 * first stream and closed with the last, so an idle process does not
 * wake fifty times a second. Loop thread only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "media/media_priv.h"

enum {
	CATCHUP_MAX = 5,
};

static struct {
	int fd;
	struct list streams;   /* attached streams */
	uint64_t ticks;        /* including missed */
	uint64_t late;         /* expirations beyond the first per wakeup */
	uint64_t missed;       /* ticks skipped, not run */
} clk = {.fd = -1};

static void tick_all(void)
{
	struct le *le = list_head(&clk.streams);
	struct media_stream *cur = le ? media_stream_hold(le->data) : NULL;

	while (cur) {
		struct media_stream *next;

		media_stream_tick(cur);

		/* cur is held, so le is still linked; a stream dropped
		 * during the tick has been unlinked already */
		le = le->next;
		next = le ? media_stream_hold(le->data) : NULL;
		media_stream_release(cur);
		cur = next;
	}
}

static void clock_handler(int flags, void *arg)
{
	uint64_t exp = 0, i, run;
	ssize_t n;

	(void)flags;
	(void)arg;

	n = read(clk.fd, &exp, sizeof(exp));
	if (n != (ssize_t)sizeof(exp) || !exp)
		return; /* EAGAIN: nothing expired yet */

	clk.late += exp - 1;
	run = exp;
	if (run > CATCHUP_MAX) {
		clk.missed += run - CATCHUP_MAX;
		clk.ticks += run - CATCHUP_MAX;
		run = CATCHUP_MAX;
	}

	for (i = 0; i < run && clk.fd >= 0; i++) {
		++clk.ticks;
		tick_all();
	}
}

static int clock_open(void)
{
	struct itimerspec its;
	int err;

	clk.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (clk.fd < 0)
		return errno;

	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = MEDIA_PTIME * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(clk.fd, 0, &its, NULL) < 0) {
		err = errno;
		goto out;
	}

	err = fd_listen(clk.fd, FD_READ, clock_handler, NULL);

out:
	if (err) {
		close(clk.fd);
		clk.fd = -1;
	}
	return err;
}

void media_clock_close(void)
{
	if (clk.fd < 0)
		return;
	fd_close(clk.fd);
	close(clk.fd);
	clk.fd = -1;
}

int media_clock_attach(struct le *le, struct media_stream *ms)
{
	int err;

	if (!le || !ms)
		return EINVAL;
	if (le->list)
		return 0; /* already ticking */

	if (clk.fd < 0) {
		err = clock_open();
		if (err) {
			log_msg(LOG_ERROR, "media", "media clock: %s",
				strerror(err));
			return err;
		}
	}
	list_append(&clk.streams, le, ms);
	return 0;
}

void media_clock_detach(struct le *le)
{
	if (!le || !le->list)
		return;
	list_unlink(le);
	if (list_isempty(&clk.streams))
		media_clock_close();
}

uint64_t media_clock_now(void)
{
	return clk.ticks;
}

void media_clock_stats(struct media_clock_stats *st)
{
	if (!st)
		return;
	st->ticks = clk.ticks;
	st->late = clk.late;
	st->missed = clk.missed;
	st->streams = list_count(&clk.streams);
}
