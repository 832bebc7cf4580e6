/**
 * @file test_media.h  Shared by the media tests: signal generators (a
 * seeded PRNG, Gaussian noise, tones, a speech-like voice), measures (RMS,
 * zero-crossing frequency, normalized correlation), and the stream
 * helpers of test_media_util.c. Include media/media.h first.
 *
 * The voice is the hard negative for both detectors: a glottal pulse
 * train (25 harmonics of a pitch wandering over 90-260 Hz) shaped by two
 * moving formants, in syllables of 120-300 ms with pauses, so it has
 * strong, briefly stable harmonics anywhere in the telephone band.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static inline uint32_t tm_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* uniform in [0, 1) */
static inline double tm_unif(uint32_t *s)
{
	return (tm_rand(s) >> 8) / 16777216.0;
}

/* approximately N(0, 1): Irwin-Hall with 12 terms */
static inline double tm_gauss(uint32_t *s)
{
	double v = 0;
	int i;

	for (i = 0; i < 12; i++)
		v += tm_unif(s);
	return v - 6.0;
}

static inline int16_t tm_clip(double v)
{
	if (v > 32767)
		return 32767;
	if (v < -32768)
		return -32768;
	return (int16_t)lrint(v);
}

/* add a sine of peak amp at f Hz, 8 kHz, starting at sample t0 */
static inline void tm_sine(double *x, size_t n, double f, double amp,
			   size_t t0)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] += amp * sin(2 * M_PI * f * (double)(t0 + i) / 8000.0);
}

static inline void tm_noise(double *x, size_t n, double rms, uint32_t *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] += rms * tm_gauss(s);
}

static inline void tm_to16(int16_t *dst, const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = tm_clip(x[i]);
}

/* a speech-like voice of peak roughly amp, seconds at 8 kHz */
static inline void tm_voice(double *x, size_t n, double amp, uint32_t seed)
{
	double ph[25] = {0};
	uint32_t s = seed;
	size_t i, syl_end = 0;
	double syl_len = 1, f0_base = 150;
	int on = 0;

	for (i = 0; i < n; i++) {
		double t = (double)i / 8000.0, f0, f1, f2, env, v = 0;
		int k;

		if (i >= syl_end) {
			on = tm_unif(&s) < 0.8;
			syl_len = (on ? 120 + 180 * tm_unif(&s)
				      : 40 + 200 * tm_unif(&s)) * 8;
			syl_end = i + (size_t)syl_len;
			f0_base = 100 + 120 * tm_unif(&s);
		}
		if (!on)
			continue;
		env = sin(M_PI * (1.0 - (double)(syl_end - i) / syl_len));
		f0 = f0_base * (1 + 0.15 * sin(2 * M_PI * 3.1 * t)) +
		     20 * sin(2 * M_PI * 0.7 * t);
		f1 = 550 + 250 * sin(2 * M_PI * 2.3 * t);
		f2 = 1500 + 600 * sin(2 * M_PI * 1.7 * t + 1);

		for (k = 1; k <= 25; k++) {
			double f = k * f0, a;

			if (f > 3800)
				break;
			a = 1 / (1 + pow((f - f1) / 90, 2)) +
			    0.6 / (1 + pow((f - f2) / 130, 2)) + 0.03;
			ph[k - 1] += 2 * M_PI * f / 8000.0;
			v += a * sin(ph[k - 1]);
		}
		x[i] += amp * 0.5 * env * v;
	}
}

static inline double tm_rms16(const int16_t *x, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return n ? sqrt(e / (double)n) : 0;
}

/* frequency from rising zero crossings, over the middle of the signal */
static inline double tm_freq16(const int16_t *x, size_t n, unsigned srate)
{
	size_t i, first = 0, last = 0, cnt = 0;

	for (i = n / 10 + 1; i < n - n / 10; i++) {
		if (x[i - 1] < 0 && x[i] >= 0) {
			if (!cnt)
				first = i;
			last = i;
			cnt++;
		}
	}
	if (cnt < 2)
		return 0;
	return (double)(cnt - 1) * srate / (double)(last - first);
}

/* normalized correlation of a and b */
static inline double tm_corr16(const int16_t *a, const int16_t *b, size_t n)
{
	double ab = 0, aa = 0, bb = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* ---- streams in a loop (test_media_util.c) ------------------------------ */

struct media_stream;
struct media_prompt;

/* what one stream's handlers reported */
struct side {
	struct media_stream *ms;
	int16_t *rx;
	size_t rx_n, rx_cap;
	char digits[64];
	enum media_dtmf_src src[64];
	size_t nd;
	unsigned tones[4];
	unsigned timeouts;
	uint64_t timeout_at;
	unsigned ticks;         /* audio handler calls */
	unsigned rx_tick;       /* ... the last that saw a new packet */
	unsigned timeout_tick;  /* ... and the last before the timeout */
	uint32_t rx_seen;       /* packets received as of rx_tick */
	unsigned done, done_intr;
	struct media_prompt *first_done;
	bool drop_on_timeout;   /* mem_deref own stream in the handler */
	unsigned after_drop;    /* handler calls after dropping: must be 0 */
	bool dropped;
};

/* handlers that fill the struct side given as arg */
extern const struct media_stream_h tm_handlers;

/* free the stream and the collected audio; zero the side */
void tm_side_reset(struct side *s);
/* run re_main for ms milliseconds */
void tm_run_for(unsigned ms);
/* two streams on 127.0.0.1 started towards each other */
int tm_pair(struct side *a, struct side *b, int pt, int telev_pt);
/* a speech-like prompt of secs seconds */
struct media_prompt *tm_voice_prompt(double secs, double amp,
				     uint32_t seed);
