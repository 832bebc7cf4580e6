/**
 * @file test_tts.h  Shared by the TTS tests: level, duration and pitch
 * measures of synthesized speech. Include <re.h>, tts/tts.h first.
 */
#include <math.h>
#include <stdlib.h>

/* RMS over the whole buffer */
static inline double tt_rms(const int16_t *x, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return n ? sqrt(e / n) : 0;
}

static inline double tt_seconds(const struct tts_audio *a)
{
	return (double)a->n / a->srate;
}

static inline int tt_dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median pitch of the voiced frames (normalized autocorrelation over 40
 * ms frames every 20 ms, 60-400 Hz, peak above 0.6 in loud frames): a
 * rough measure, enough to see a pitch change of 20%. 0 when unvoiced.
 */
static inline double tt_pitch(const struct tts_audio *a)
{
	size_t fl = a->srate / 25, hop = a->srate / 50, st, np = 0, cap;
	double *f0, med = 0;
	int lmin = (int)(a->srate / 400), lmax = (int)(a->srate / 60);

	cap = a->n / hop + 1;
	f0 = calloc(cap, sizeof(*f0));
	if (!f0)
		return 0;
	for (st = 0; st + fl <= a->n && np < cap; st += hop) {
		const int16_t *x = a->pcm + st;
		double best = 0;
		int l, bl = 0;

		if (tt_rms(x, fl) < 300)
			continue;
		for (l = lmin; l < lmax && (size_t)l < fl; l++) {
			double r = 0, e1 = 0, e2 = 0;
			size_t i;

			for (i = 0; i + l < fl; i++) {
				r += (double)x[i] * x[i + l];
				e1 += (double)x[i] * x[i];
				e2 += (double)x[i + l] * x[i + l];
			}
			r /= sqrt(e1 * e2) + 1;
			if (r > best) {
				best = r;
				bl = l;
			}
		}
		if (best > 0.6 && bl)
			f0[np++] = (double)a->srate / bl;
	}
	if (np) {
		qsort(f0, np, sizeof(*f0), tt_dcmp);
		med = f0[np / 2];
	}
	free(f0);
	return med;
}
