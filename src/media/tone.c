/**
 * @file tone.c  Call-progress tone detection: ringback, busy and
 * congestion in early media, Chinese and North American plans.
 *
 * Two stages. Each 20 ms frame is classified from a 40 ms window (this
 * frame and the one before) with Goertzel filters at 350, 440, 450, 480
 * and 620 Hz. Forty milliseconds are needed, not twenty: 440+480 Hz must
 * be told from 450 Hz, and a 20 ms window cannot resolve 30 Hz. A filter's
 * share of the window's energy, r = 2|X(f)|^2 / (N * sum x^2), is 1 for a
 * pure tone at f and about 0.5 for each half of an equal dual tone, so the
 * tests are ratios and do not depend on level. A frame is one of: a tone
 * (450 Hz; 440+480; 480+620; 350+440 dial tone), quiet (below a floor, or
 * 6 dB under the tone heard last: that is how noise in the gaps is told
 * from speech), or other (energy without a tone: speech, music, noise).
 *
 * The second stage is cadence. A class change lasting two frames ends a
 * segment (three for "other", because the window straddling a tone's edge
 * is neither tone nor quiet); shorter runs are absorbed into the segment
 * around them, so a click does not split a tone. Completed segments are
 * matched against the table of patterns. A tone is confirmed after on,
 * off, on of one pattern, each within 15% + 40 ms of its nominal length:
 * for Chinese busy that is about 1.1 s, for ringback 6 s (8 s in North
 * America). Once confirmed, every later segment must keep fitting, or the
 * detector drops the pattern; a segment running past its pattern's
 * longest ends it too. A tone is returned when confirmed unless it is the
 * one returned last, and that memory is cleared by half a second of
 * "other" (the callee speaking) while no pattern holds; so ringback then
 * busy gives both, and a busy tone is not reported again every time noise
 * breaks one of its segments. Speech does not pass the first stage for
 * long, and random on/off energy does not repeat one of six cadences.
 *
 * In tests it holds at 10 dB SNR with cadence and level off by 10%.
 * One detector per call, loop thread only, about 650 bytes.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "media/media.h"

enum cls {
	C_QUIET = 0,
	C_OTHER,
	C_450,     /* Chinese: busy, congestion, ringback */
	C_NA_RING, /* 440+480 */
	C_NA_BUSY, /* 480+620: busy and reorder */
	C_NA_DIAL, /* 350+440: a tone, but no cadence of ours */
};

enum {
	F350 = 0, F440, F450, F480, F620, NFREQ,
	WIN = 2 * MEDIA_FRAME,   /* 40 ms analysis window */
	DEBOUNCE = 2,            /* frames a new class must last */
	DEBOUNCE_OTHER = 3,
	OTHER_RESET = 25,        /* 500 ms */
};

static const float freqs[NFREQ] = {350, 440, 450, 480, 620};

/* minimum mean square of a tone window: -58 dBFS */
#define FLOOR_MS 1600.0f

struct pattern {
	enum media_tone tone;
	enum cls cls;
	uint16_t on_ms, off_ms;
};

static const struct pattern patterns[] = {
	{MEDIA_TONE_BUSY, C_450, 350, 350},
	{MEDIA_TONE_CONGESTION, C_450, 700, 700},
	{MEDIA_TONE_RINGBACK, C_450, 1000, 4000},
	{MEDIA_TONE_BUSY, C_NA_BUSY, 500, 500},
	{MEDIA_TONE_CONGESTION, C_NA_BUSY, 250, 250}, /* reorder */
	{MEDIA_TONE_RINGBACK, C_NA_RING, 2000, 4000},
};

struct seg {
	uint8_t cls;
	uint32_t len; /* frames */
};

struct media_tonedet {
	int16_t win[WIN];      /* previous frame, then the current one */
	size_t fill;           /* samples of the current frame in win */
	bool primed;           /* win holds a previous frame */

	uint8_t seg_cls;       /* the segment being measured */
	uint32_t seg_len;
	float seg_ms_sum;      /* sum of its frames' mean squares */
	uint8_t cand_cls;      /* a different class, not yet 2 frames */
	uint32_t cand_len;
	float cand_ms_sum;
	float tone_ms;         /* mean square of the last tone segment */

	struct seg hist[3];    /* completed segments, newest last */
	unsigned nhist;

	const struct pattern *pat; /* confirmed, or NULL */
	enum media_tone reported;  /* last returned */
	uint32_t other;            /* frames of other since, unconfirmed */
	enum media_tone found;     /* to return from the current feed */
};

static float coef[NFREQ];
static bool coef_ready;

static void coef_init(void)
{
	int i;

	/* benign race: every thread writes the same values */
	if (coef_ready)
		return;
	for (i = 0; i < NFREQ; i++)
		coef[i] = 2.0f * cosf(2.0f * (float)M_PI * freqs[i] /
				      MEDIA_SRATE);
	coef_ready = true;
}

const char *media_tone_name(enum media_tone t)
{
	switch (t) {
	case MEDIA_TONE_NONE:
		return "none";
	case MEDIA_TONE_RINGBACK:
		return "ringback";
	case MEDIA_TONE_BUSY:
		return "busy";
	case MEDIA_TONE_CONGESTION:
		return "congestion";
	}
	return "?";
}

int media_tonedet_alloc(struct media_tonedet **tp)
{
	struct media_tonedet *t;

	if (!tp)
		return EINVAL;

	coef_init();
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	t->seg_cls = C_QUIET;
	*tp = t;
	return 0;
}

/* classify the 40 ms window; *msq gets its mean square */
static enum cls classify(const struct media_tonedet *t, float *msq)
{
	float r[NFREQ], e = 0.0f;
	int i, k;

	for (i = 0; i < WIN; i++)
		e += (float)t->win[i] * (float)t->win[i];
	*msq = e / WIN;

	if (*msq < FLOOR_MS)
		return C_QUIET;

	for (k = 0; k < NFREQ; k++) {
		float s1 = 0.0f, s2 = 0.0f, p;

		for (i = 0; i < WIN; i++) {
			float s = (float)t->win[i] + coef[k] * s1 - s2;

			s2 = s1;
			s1 = s;
		}
		p = s1 * s1 + s2 * s2 - coef[k] * s1 * s2;
		r[k] = 2.0f * p / ((float)WIN * e);
	}

	/* a single 450 Hz leaks 0.57 into 440 but only 0.03 into 480; an
	 * equal 440+480 pair gives 0.4-0.6 to each of its two */
	if (r[F450] > 0.6f && r[F480] < 0.15f && r[F620] < 0.1f &&
	    r[F350] < 0.1f)
		return C_450;
	if (r[F440] > 0.25f && r[F480] > 0.25f && r[F440] + r[F480] > 0.7f)
		return C_NA_RING;
	if (r[F480] > 0.25f && r[F620] > 0.25f && r[F480] + r[F620] > 0.7f)
		return C_NA_BUSY;
	if (r[F350] > 0.25f && r[F440] > 0.25f && r[F350] + r[F440] > 0.7f)
		return C_NA_DIAL;

	/* energy without a tone: quiet if 6 dB under the tone we heard
	 * (noise in the gaps), else something else is on the line */
	if (t->tone_ms > 0.0f && *msq < t->tone_ms * 0.25f)
		return C_QUIET;
	return C_OTHER;
}

static bool is_tone(uint8_t c)
{
	return c >= C_450;
}

/* does len frames fit nominal ms, within 15% + 2 frames? */
static bool fits(uint32_t len, unsigned ms)
{
	uint32_t nom = ms / MEDIA_PTIME;
	uint32_t tol = nom * 15 / 100 + 2;

	return len + tol >= nom && len <= nom + tol;
}

static uint32_t longest(unsigned ms)
{
	uint32_t nom = ms / MEDIA_PTIME;

	return nom + nom * 15 / 100 + 2;
}

/* does a completed (or running) segment break the confirmed pattern? */
static bool breaks(const struct pattern *p, uint8_t cls, uint32_t len,
		   bool done)
{
	if (cls == p->cls)
		return done ? !fits(len, p->on_ms) : len > longest(p->on_ms);
	if (cls == C_QUIET)
		return done ? !fits(len, p->off_ms)
			    : len > longest(p->off_ms);
	return true;
}

static void seg_done(struct media_tonedet *t, uint8_t cls, uint32_t len)
{
	const struct seg *h;
	size_t i;

	if (t->nhist == 3)
		memmove(&t->hist[0], &t->hist[1], 2 * sizeof(t->hist[0]));
	else
		t->nhist++;
	t->hist[t->nhist - 1].cls = cls;
	t->hist[t->nhist - 1].len = len;

	/* half a second of something else since the tone was last in
	 * cadence (speech: the call was answered) makes the next
	 * confirmation news again; a stray bad segment does not */
	if (cls == C_OTHER && !t->pat) {
		t->other += len;
		if (t->other >= OTHER_RESET)
			t->reported = MEDIA_TONE_NONE;
	}

	if (t->pat) {
		if (breaks(t->pat, cls, len, true))
			t->pat = NULL;
		return;
	}
	if (t->nhist < 3)
		return;

	h = t->hist;
	if (!is_tone(h[0].cls) || h[1].cls != C_QUIET ||
	    h[2].cls != h[0].cls)
		return;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		const struct pattern *p = &patterns[i];

		if (p->cls != h[0].cls || !fits(h[0].len, p->on_ms) ||
		    !fits(h[1].len, p->off_ms) || !fits(h[2].len, p->on_ms))
			continue;
		t->pat = p;
		t->other = 0;
		if (p->tone != t->reported)
			t->found = t->reported = p->tone;
		return;
	}
}

static void frame(struct media_tonedet *t)
{
	float msq;
	uint8_t c = (uint8_t)classify(t, &msq);

	if (c == t->seg_cls) {
		/* an odd frame or two inside a segment belong to it */
		t->seg_len += t->cand_len + 1;
		t->seg_ms_sum += t->cand_ms_sum + msq;
		t->cand_len = 0;
		t->cand_ms_sum = 0.0f;
	}
	else if (c == t->cand_cls && t->cand_len) {
		t->cand_len++;
		t->cand_ms_sum += msq;
	}
	else {
		t->seg_len += t->cand_len;
		t->seg_ms_sum += t->cand_ms_sum;
		t->cand_cls = c;
		t->cand_len = 1;
		t->cand_ms_sum = msq;
	}

	/* the tone's level is known while it lasts, so the first frames
	 * of the gap after it are judged quiet or not against it */
	if (is_tone(t->seg_cls) && t->seg_len)
		t->tone_ms = t->seg_ms_sum / (float)t->seg_len;

	/* a tone's edges give up to two frames of "other" (the window half
	 * tone, half gap), so other must last longer to count */
	if (t->cand_len >= (t->cand_cls == C_OTHER ? DEBOUNCE_OTHER
						   : DEBOUNCE)) {
		if (t->seg_len)
			seg_done(t, t->seg_cls, t->seg_len);
		t->seg_cls = t->cand_cls;
		t->seg_len = t->cand_len;
		t->seg_ms_sum = t->cand_ms_sum;
		t->cand_len = 0;
		t->cand_ms_sum = 0.0f;
	}

	/* a tone that never stops (or silence that never ends) breaks the
	 * cadence without waiting for the segment to finish */
	if (t->pat && breaks(t->pat, t->seg_cls, t->seg_len, false))
		t->pat = NULL;

	/* cap: a segment this long matches nothing anyway */
	if (t->seg_len > 100000)
		t->seg_len = 100000;
}

enum media_tone media_tonedet_feed(struct media_tonedet *t,
				   const int16_t *pcm, size_t n)
{
	enum media_tone ret = MEDIA_TONE_NONE;
	size_t i = 0;

	if (!t || !pcm)
		return MEDIA_TONE_NONE;

	while (i < n) {
		size_t k = MEDIA_FRAME - t->fill;

		if (k > n - i)
			k = n - i;
		memcpy(&t->win[MEDIA_FRAME + t->fill], pcm + i,
		       k * sizeof(*pcm));
		t->fill += k;
		i += k;
		if (t->fill < MEDIA_FRAME)
			break;

		if (t->primed) {
			t->found = MEDIA_TONE_NONE;
			frame(t);
			if (t->found != MEDIA_TONE_NONE)
				ret = t->found;
		}
		memmove(t->win, &t->win[MEDIA_FRAME],
			MEDIA_FRAME * sizeof(t->win[0]));
		t->fill = 0;
		t->primed = true;
	}
	return ret;
}
