/**
 * @file test_media_util.c  What the media stream tests share: a "side"
 * that collects everything a stream's handlers report, a pair of streams
 * on 127.0.0.1 sending to each other, and running the re_main loop for a
 * while. Not a test itself.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "test_media.h"

static void on_audio(const int16_t *pcm, const int16_t *tx, size_t n,
			void *arg)
{
	(void)tx;
	struct side *s = arg;

	if (s->dropped)
		s->after_drop++;
	s->ticks++;
	if (s->ms) {
		struct media_stats st;

		media_stream_stats(s->ms, &st);
		if (st.rx_packets != s->rx_seen) {
			s->rx_seen = st.rx_packets;
			s->rx_tick = s->ticks;
		}
	}
	if (s->rx_n + n > s->rx_cap) {
		size_t cap = s->rx_cap ? 2 * s->rx_cap : 16000;
		int16_t *p = realloc(s->rx, cap * sizeof(*p));

		if (!p)
			return;
		s->rx = p;
		s->rx_cap = cap;
	}
	memcpy(s->rx + s->rx_n, pcm, n * sizeof(*pcm));
	s->rx_n += n;
}

static void on_dtmf(char digit, enum media_dtmf_src src, void *arg)
{
	struct side *s = arg;

	if (s->nd + 1 < sizeof(s->digits)) {
		s->src[s->nd] = src;
		s->digits[s->nd++] = digit;
		s->digits[s->nd] = '\0';
	}
}

static void on_tone(enum media_tone tone, void *arg)
{
	struct side *s = arg;

	if (tone < 4)
		s->tones[tone]++;
}

static void on_timeout(void *arg)
{
	struct side *s = arg;

	if (s->dropped)
		s->after_drop++;
	s->timeouts++;
	s->timeout_at = tmr_jiffies();
	s->timeout_tick = s->ticks;
	if (s->drop_on_timeout) {
		s->ms = mem_deref(s->ms);
		s->dropped = true;
	}
}

static void on_play_done(struct media_prompt *p, bool interrupted,
			 void *arg)
{
	struct side *s = arg;

	if (!s->done++)
		s->first_done = p;
	if (interrupted)
		s->done_intr++;
}

const struct media_stream_h tm_handlers = {
	.audio = on_audio,
	.dtmf = on_dtmf,
	.tone = on_tone,
	.timeout = on_timeout,
	.play_done = on_play_done,
};

void tm_side_reset(struct side *s)
{
	mem_deref(s->ms);
	free(s->rx);
	memset(s, 0, sizeof(*s));
}

static void loop_stop(void *arg)
{
	(void)arg;
	re_cancel();
}

/* run the loop for ms milliseconds */
void tm_run_for(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, loop_stop, NULL);
	re_main(NULL);
	tmr_cancel(&t);
}

int tm_pair(struct side *a, struct side *b, int pt, int telev_pt)
{
	struct sa ip;
	int err;

	sa_set_str(&ip, "127.0.0.1", 0);
	err = media_stream_alloc(&a->ms, &ip, &tm_handlers, a);
	if (!err)
		err = media_stream_alloc(&b->ms, &ip, &tm_handlers, b);
	if (!err)
		err = media_stream_start(a->ms, media_stream_laddr(b->ms), pt,
					 telev_pt);
	if (!err)
		err = media_stream_start(b->ms, media_stream_laddr(a->ms), pt,
					 telev_pt);
	return err;
}

struct media_prompt *tm_voice_prompt(double secs, double amp,
				     uint32_t seed)
{
	struct media_prompt *p = NULL;
	size_t n = (size_t)(secs * 8000);
	double *x = calloc(n, sizeof(*x));
	int16_t *s = malloc(n * sizeof(*s));

	if (x && s) {
		tm_voice(x, n, amp, seed);
		tm_to16(s, x, n);
		(void)media_prompt_alloc(&p, s, n, 8000, "voice");
	}
	free(x);
	free(s);
	return p;
}

/* find p in rx at the best lag; its correlation and level ratio */
