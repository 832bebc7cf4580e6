/**
 * @file test_media_detect.c  The call-progress tone and in-band DTMF
 * detectors on synthesized signals.
 *
 * Tones: each of the six cadences (Chinese busy, congestion, ringback;
 * North American busy, reorder, ringback) clean, then with white noise at
 * 20 dB SNR, burst levels varying by +-10% and the cadence stretched or
 * shrunk by 8%, starting at an arbitrary offset: the right tone exactly
 * once, and never another. Negatives: a speech-like voice, white noise,
 * silence, a steady 450 Hz tone and the North American dial tone.
 *
 * DTMF: all 16 keys with normal and reverse twist inside the limits, with
 * noise and at a low level; "1234#" with 50 ms gaps at every block
 * alignment; a repeated key; a dropout inside a press; tones too short or
 * too twisted to count; and no digits from voice or noise. Audio is fed
 * in chunks of odd sizes, as the stream never does, to test reassembly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/media_priv.h"
#include "test.h"
#include "tests.h"
#include "test_media.h"

/* ---- tones -------------------------------------------------------------- */

struct cadence {
	const char *name;
	double f1, f2;        /* f2 0: single tone */
	unsigned on, off;     /* ms */
	double secs;          /* long enough for three segments + margin */
	enum media_tone want;
};

static const struct cadence cadences[] = {
	{"cn-busy", 450, 0, 350, 350, 3.5, MEDIA_TONE_BUSY},
	{"cn-congestion", 450, 0, 700, 700, 5, MEDIA_TONE_CONGESTION},
	{"cn-ringback", 450, 0, 1000, 4000, 12, MEDIA_TONE_RINGBACK},
	{"na-busy", 480, 620, 500, 500, 4, MEDIA_TONE_BUSY},
	{"na-reorder", 480, 620, 250, 250, 3, MEDIA_TONE_CONGESTION},
	{"na-ringback", 440, 480, 2000, 4000, 15, MEDIA_TONE_RINGBACK},
};

/* feed x to a new detector in odd-sized chunks; count what it says */
static void tone_run(const int16_t *x, size_t n, unsigned counts[4],
		     uint32_t seed)
{
	struct media_tonedet *t = NULL;
	size_t i = 0;

	memset(counts, 0, 4 * sizeof(counts[0]));
	if (media_tonedet_alloc(&t))
		return;
	while (i < n) {
		size_t k = 1 + tm_rand(&seed) % 400;
		enum media_tone r;

		if (k > n - i)
			k = n - i;
		r = media_tonedet_feed(t, x + i, k);
		if (r >= 0 && r < 4)
			counts[r]++;
		i += k;
	}
	mem_deref(t);
}

static int16_t *cadence_make(const struct cadence *c, double on_scale,
			     double off_scale, double snr_db, bool vary,
			     uint32_t seed, size_t *np)
{
	size_t n = (size_t)(c->secs * 8000), at;
	double *x = calloc(n, sizeof(*x));
	int16_t *out = malloc(n * sizeof(*out));
	double amp = c->f2 ? 2300 : 3300; /* about -20 dBFS */
	bool on = true;

	if (!x || !out) {
		free(x);
		free(out);
		return NULL;
	}

	/* start anywhere in the first 300 ms, inside a burst or a gap */
	at = tm_rand(&seed) % 2400;
	if (tm_rand(&seed) & 1)
		on = false;

	while (at < n) {
		double ms = on ? c->on * on_scale : c->off * off_scale;
		size_t len = (size_t)(ms * 8), k = n - at < len ? n - at : len;

		if (on) {
			double a = amp * (vary ? 0.9 + 0.2 * tm_unif(&seed)
					       : 1.0);

			tm_sine(x + at, k, c->f1, a, at);
			if (c->f2)
				tm_sine(x + at, k, c->f2, a, at);
		}
		at += len;
		on = !on;
	}
	if (snr_db < 100) {
		double rms = (c->f2 ? amp : amp / M_SQRT2) /
			     pow(10, snr_db / 20);

		tm_noise(x, n, rms, &seed);
	}
	tm_to16(out, x, n);
	free(x);
	*np = n;
	return out;
}

static int tone_case(const struct cadence *c, double on_s, double off_s,
		     double snr, bool vary, uint32_t seed)
{
	unsigned counts[4];
	size_t n;
	int16_t *x = cadence_make(c, on_s, off_s, snr, vary, seed, &n);
	int i;

	ASSERT_TRUE(x != NULL);
	tone_run(x, n, counts, seed);
	free(x);

	for (i = 1; i < 4; i++) {
		unsigned want = (enum media_tone)i == c->want ? 1 : 0;

		if (counts[i] != want)
			TEST_FAIL("%s (on x%.2f, off x%.2f, snr %.0f): %s "
				  "reported %u times, want %u",
				  c->name, on_s, off_s, snr,
				  media_tone_name((enum media_tone)i),
				  counts[i], want);
	}
	return 0;
}

/* ringback, then busy (rejected); busy again after speech: each is a
 * change and reported, the busy tone carrying on is not */
static int tone_sequence(void)
{
	const struct cadence *ring = &cadences[2], *busy = &cadences[0];
	size_t n1, n2, n3 = 2 * 8000, n = 0;
	int16_t *a = cadence_make(ring, 1, 1, 30, false, 3, &n1);
	int16_t *b = cadence_make(busy, 1, 1, 30, false, 4, &n2);
	int16_t *x = malloc((n1 + 3 * n2 + n3) * sizeof(*x));
	double *v = calloc(n3, sizeof(*v));
	unsigned counts[4];

	if (!a || !b || !x || !v) {
		free(a);
		free(b);
		free(x);
		free(v);
		return ENOMEM;
	}
	tm_voice(v, n3, 6000, 77);
	memcpy(x, a, n1 * sizeof(*x));
	n += n1;
	memcpy(x + n, b, n2 * sizeof(*x));
	n += n2;
	memcpy(x + n, b, n2 * sizeof(*x));
	n += n2;
	tm_to16(x + n, v, n3);
	n += n3;
	memcpy(x + n, b, n2 * sizeof(*x));
	n += n2;
	tone_run(x, n, counts, 8);
	free(a);
	free(b);
	free(x);
	free(v);

	ASSERT_EQ(1, counts[MEDIA_TONE_RINGBACK]);
	ASSERT_EQ(2, counts[MEDIA_TONE_BUSY]);
	ASSERT_EQ(0, counts[MEDIA_TONE_CONGESTION]);
	return 0;
}

int test_media_tone(void)
{
	size_t i;

	for (i = 0; i < sizeof(cadences) / sizeof(cadences[0]); i++) {
		const struct cadence *c = &cadences[i];

		TEST_ERR(tone_case(c, 1, 1, 200, false, 1 + (uint32_t)i));
		TEST_ERR(tone_case(c, 1.08, 0.92, 20, true, 7 + (uint32_t)i));
		TEST_ERR(tone_case(c, 0.92, 1.08, 20, true, 9 + (uint32_t)i));
		TEST_ERR(tone_case(c, 1.1, 1.1, 20, true, 11 + (uint32_t)i));
		TEST_ERR(tone_case(c, 0.9, 0.9, 20, true, 13 + (uint32_t)i));
	}
	TEST_ERR(tone_sequence());
	ASSERT_STREQ("busy", media_tone_name(MEDIA_TONE_BUSY));
	ASSERT_STREQ("none", media_tone_name(MEDIA_TONE_NONE));
	return 0;
}

static int tone_none(const char *what, const int16_t *x, size_t n)
{
	unsigned counts[4];
	int i;

	tone_run(x, n, counts, 5);
	for (i = 1; i < 4; i++)
		if (counts[i])
			TEST_FAIL("%s: %s reported", what,
				  media_tone_name((enum media_tone)i));
	return 0;
}

int test_media_tone_negative(void)
{
	size_t n = 30 * 8000;
	double *x = calloc(n, sizeof(*x));
	int16_t *s = malloc(n * sizeof(*s));
	uint32_t seed = 42;
	int err = ENOMEM;
	unsigned k;

	if (!x || !s)
		goto out;

	for (k = 0; k < 3; k++) {
		memset(x, 0, n * sizeof(*x));
		tm_voice(x, n, 4000 + 3000 * k, 100 + k);
		tm_noise(x, n, 30, &seed);
		tm_to16(s, x, n);
		err = tone_none("voice", s, n);
		if (err)
			goto out;
	}

	memset(x, 0, n * sizeof(*x));
	tm_noise(x, n, 3000, &seed);
	tm_to16(s, x, n);
	err = tone_none("white noise", s, n);
	if (err)
		goto out;

	memset(s, 0, n * sizeof(*s));
	err = tone_none("silence", s, n);
	if (err)
		goto out;

	memset(x, 0, n * sizeof(*x));
	tm_sine(x, n, 450, 3300, 0);
	tm_to16(s, x, n);
	err = tone_none("steady 450 Hz", s, n);
	if (err)
		goto out;

	memset(x, 0, n * sizeof(*x));
	tm_sine(x, n, 350, 2300, 0);
	tm_sine(x, n, 440, 2300, 0);
	tm_to16(s, x, n);
	err = tone_none("dial tone", s, n);

out:
	free(x);
	free(s);
	return err;
}

/* ---- DTMF --------------------------------------------------------------- */

/* one key: ms of tone, each group at its own peak amplitude */
static size_t key_add(double *x, size_t at, char key, double ms,
		      double a_lo, double a_hi)
{
	float lo, hi;
	size_t n = (size_t)(ms * 8);

	if (!media_dtmf_freqs(key, &lo, &hi))
		return at;
	tm_sine(x + at, n, lo, a_lo, 0);
	tm_sine(x + at, n, hi, a_hi, 0);
	return at + n;
}

/* run a new detector over x in odd chunks; the digits into out */
static size_t dtmf_run(const int16_t *x, size_t n, char *out, size_t size,
		       uint32_t seed)
{
	struct media_dtmfdet *d = NULL;
	size_t i = 0, nd = 0;
	char buf[8];

	out[0] = '\0';
	if (media_dtmfdet_alloc(&d))
		return 0;
	while (i < n) {
		size_t k = 1 + tm_rand(&seed) % 300, got, j;

		if (k > n - i)
			k = n - i;
		got = media_dtmfdet_feed(d, x + i, k, buf, sizeof(buf));
		for (j = 0; j < got && nd + 1 < size; j++)
			out[nd++] = buf[j];
		out[nd] = '\0';
		i += k;
	}
	mem_deref(d);
	return nd;
}

/* keys played as (tone, gap) pairs after a lead-in; what is heard */
static int dtmf_case(const char *keys, double on_ms, double gap_ms,
		     double a_lo, double a_hi, double snr_db, size_t lead,
		     const char *want)
{
	size_t n = lead + (size_t)((on_ms + gap_ms) * 8 * strlen(keys)) +
		   1600, at = lead, i;
	double *x = calloc(n, sizeof(*x));
	int16_t *s = malloc(n * sizeof(*s));
	uint32_t seed = (uint32_t)(lead * 31 + 7);
	char got[64];

	ASSERT_TRUE(x && s);
	for (i = 0; keys[i]; i++) {
		at = key_add(x, at, keys[i], on_ms, a_lo, a_hi);
		at += (size_t)(gap_ms * 8);
	}
	if (snr_db < 100)
		tm_noise(x, n, sqrt((a_lo * a_lo + a_hi * a_hi) / 2) /
				       pow(10, snr_db / 20),
			 &seed);
	tm_to16(s, x, n);
	dtmf_run(s, n, got, sizeof(got), seed);
	free(x);
	free(s);

	if (strcmp(got, want))
		TEST_FAIL("keys \"%s\" (%.0f/%.0f ms, %.0f/%.0f, snr %.0f, "
			  "lead %zu): heard \"%s\", want \"%s\"",
			  keys, on_ms, gap_ms, a_lo, a_hi, snr_db, lead, got,
			  want);
	return 0;
}

int test_media_dtmf(void)
{
	static const char all[] = "0123456789*#ABCD";
	double lvl = 7000; /* about -13 dBFS per tone */
	size_t i, lead;

	for (i = 0; all[i]; i++) {
		char k[2] = {all[i], '\0'};

		TEST_ERR(dtmf_case(k, 80, 100, lvl, lvl, 200, 400, k));
		/* normal twist 6 dB, reverse 3 dB, both in noise */
		TEST_ERR(dtmf_case(k, 80, 100, lvl, lvl / 2, 20, 123, k));
		TEST_ERR(dtmf_case(k, 80, 100, lvl / 1.41, lvl, 20, 77, k));
		/* quiet: -36 dBFS per tone */
		TEST_ERR(dtmf_case(k, 60, 100, 520, 520, 25, 50, k));
	}
	TEST_ERR(dtmf_case(all, 70, 50, lvl, lvl * 0.7, 20, 0, all));

	/* every alignment of the 105-sample blocks */
	for (lead = 0; lead < 105; lead += 7)
		TEST_ERR(dtmf_case("1234#", 70, 50, lvl, lvl, 20, lead,
				   "1234#"));
	TEST_ERR(dtmf_case("11", 60, 50, lvl, lvl, 20, 10, "11"));
	TEST_ERR(dtmf_case("5", 45, 100, lvl, lvl, 200, 33, "5"));

	/* too short, too twisted, too quiet */
	for (lead = 0; lead < 105; lead += 15) {
		TEST_ERR(dtmf_case("7", 22, 100, lvl, lvl, 200, lead, ""));
		TEST_ERR(dtmf_case("7", 80, 100, lvl, lvl / 4, 200, lead,
				   ""));
		TEST_ERR(dtmf_case("7", 80, 100, lvl / 2, lvl, 200, lead,
				   ""));
		TEST_ERR(dtmf_case("7", 80, 100, 100, 100, 200, lead, ""));
	}
	return 0;
}

int test_media_dtmf_dropout(void)
{
	size_t n = 4000;
	double x[4000] = {0};
	int16_t s[4000];
	char got[16];

	/* 150 ms of '9' with 10 ms missing in the middle: one press */
	key_add(x, 400, '9', 70, 7000, 7000);
	key_add(x, 400 + 560 + 80, '9', 70, 7000, 7000);
	tm_to16(s, x, n);
	dtmf_run(s, n, got, sizeof(got), 3);
	ASSERT_STREQ("9", got);
	return 0;
}

int test_media_dtmf_negative(void)
{
	size_t n = 30 * 8000;
	double *x = calloc(n, sizeof(*x));
	int16_t *s = malloc(n * sizeof(*s));
	uint32_t seed = 9;
	char got[64];
	unsigned k;
	int err = 0;

	ASSERT_TRUE(x && s);
	for (k = 0; k < 4 && !err; k++) {
		memset(x, 0, n * sizeof(*x));
		tm_voice(x, n, 3000 + 4000 * k, 200 + k);
		tm_to16(s, x, n);
		if (dtmf_run(s, n, got, sizeof(got), k)) {
			fprintf(stderr, "voice %u: heard \"%s\"\n", k, got);
			err = EINVAL;
		}
	}
	if (!err) {
		memset(x, 0, n * sizeof(*x));
		tm_noise(x, n, 4000, &seed);
		tm_to16(s, x, n);
		if (dtmf_run(s, n, got, sizeof(got), 1)) {
			fprintf(stderr, "noise: heard \"%s\"\n", got);
			err = EINVAL;
		}
	}
	free(x);
	free(s);
	return err;
}
