/**
 * @file denoise.c  Noise suppression of one utterance before decoding,
 * with speexdsp's preprocessor (denoiser only: no AGC, no dereverberation;
 * its VAD is off by default, and setting it prints a warning to stderr).
 *
 * Why. The acoustic models were trained on clean speech; a telephone
 * line's steady hiss or hum fills the silences and the spectral valleys
 * of the speech, and short answers get mapped onto other short phrases
 * ("yes" heard as "thieves"). The suppressor takes the steady part out.
 *
 * Learning. The preprocessor estimates the noise spectrum as it goes
 * (minima tracking, with a fast start over its first frames), so the
 * first few hundred milliseconds it processes are barely cleaned. A VAD
 * segment starts with a pre-roll of noise before the onset (200 ms), so
 * the state is first taught with that pre-roll, fed several times, or
 * with a whole pass over the segment whose output is thrown away; then
 * the segment is cleaned with what was learned. A fresh state per
 * utterance: nothing carries from one caller to the next.
 *
 * Threads: any; the state is local to the call.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <speex/speex_preprocess.h>
#include "asr/asr.h"
#include "asr/asr_priv.h"

enum {
	PREROLL_MS = 200, /* the VAD's default pre-roll */
	PREROLL_REPEAT = 4,
};

/* Process frame by frame; a last partial frame is padded with zeros. */
static void pass(SpeexPreprocessState *st, int16_t *pcm, size_t n,
		 size_t frame, bool keep)
{
	spx_int16_t tmp[480];
	size_t i;

	for (i = 0; i < n; i += frame) {
		size_t len = n - i < frame ? n - i : frame;

		memcpy(tmp, pcm + i, len * sizeof(*tmp));
		memset(tmp + len, 0, (frame - len) * sizeof(*tmp));
		speex_preprocess_run(st, tmp);
		if (keep)
			memcpy(pcm + i, tmp, len * sizeof(*tmp));
	}
}

int asr_denoise(int16_t *pcm, size_t n, unsigned srate, int level_db,
		enum asr_denoise_learn learn)
{
	size_t frame = srate / 50, pre;
	SpeexPreprocessState *st;
	int on = 1, off = 0, k;

	if (!pcm || !srate || frame > 480)
		return EINVAL;
	if (n < frame)
		return 0;
	st = speex_preprocess_state_init((int)frame, (int)srate);
	if (!st)
		return ENOMEM;
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DENOISE, &on);
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_AGC, &off);
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DEREVERB, &off);
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS,
			     &level_db);

	/* learning passes: their output is discarded (pass() works on a
	 * copy of each frame) */
	pre = learn == ASR_DENOISE_SEGMENT
		      ? n
		      : (size_t)srate * PREROLL_MS / 1000 / frame * frame;
	if (pre > n)
		pre = n / frame * frame;
	for (k = 0; k < (learn == ASR_DENOISE_SEGMENT ? 1 : PREROLL_REPEAT);
	     k++)
		pass(st, pcm, pre, frame, false);
	pass(st, pcm, n, frame, true);
	speex_preprocess_state_destroy(st);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Mean power of each 10 ms block: e[0..nb) in order, then the same
 * sorted in e[nb..2nb). NULL when too short (under 10 blocks) or out of
 * memory; free() it.
 */
static double *block_power(const int16_t *pcm, size_t n, unsigned srate,
			   size_t *nbp)
{
	size_t blk = srate / 100, nb, i, k;
	double *e;

	if (!pcm || !blk || n < 10 * blk)
		return NULL;
	nb = n / blk;
	e = malloc(2 * nb * sizeof(*e));
	if (!e)
		return NULL;
	for (i = 0; i < nb; i++) {
		double s = 0;

		for (k = 0; k < blk; k++)
			s += (double)pcm[i * blk + k] * pcm[i * blk + k];
		e[i] = e[nb + i] = s / (double)blk;
	}
	qsort(e + nb, nb, sizeof(*e), cmp_double);
	*nbp = nb;
	return e;
}

double asr_segment_snr(const int16_t *pcm, size_t n, unsigned srate)
{
	size_t nb;
	double *e = block_power(pcm, n, srate, &nb), lo, hi, snr;

	if (!e)
		return 0;
	lo = e[nb + nb / 10];
	hi = e[nb + nb * 9 / 10];
	free(e);
	if (hi <= 0)
		return 0;
	if (lo <= 0)
		return ASR_SNR_MAX;
	snr = 10 * log10(hi / lo);
	return snr < 0 ? 0 : snr > ASR_SNR_MAX ? ASR_SNR_MAX : snr;
}

void asr_gate(int16_t *pcm, size_t n, unsigned srate, double open_db,
	      double depth_db)
{
	size_t blk = srate / 100, nb, i, k;
	double *e = block_power(pcm, n, srate, &nb), open, g, gmin, prev = -1;

	if (!e)
		return;
	open = e[nb + nb / 10] * pow(10, open_db / 10);
	gmin = pow(10, -depth_db / 20);
	for (i = 0; i < nb; i++) {
		/* open if this block or a neighbour is above the level */
		bool on = e[i] > open || (i > 0 && e[i - 1] > open) ||
			  (i + 1 < nb && e[i + 1] > open);

		g = on ? 1 : gmin;
		if (prev < 0)
			prev = g; /* no ramp into the first block */
		for (k = 0; k < blk; k++) {
			double x = prev + (g - prev) * (double)(k + 1) / blk;

			pcm[i * blk + k] = (int16_t)lrint(pcm[i * blk + k] * x);
		}
		prev = g;
	}
	for (i = nb * blk; i < n; i++)
		pcm[i] = (int16_t)lrint(pcm[i] * prev);
	free(e);
}

void asr_highpass(int16_t *pcm, size_t n, unsigned srate, double fc)
{
	const double w0 = 2 * M_PI * fc / srate;
	const double al = sin(w0) / (2 * M_SQRT1_2), cs = cos(w0);
	const double a0 = 1 + al;
	const double b0 = (1 + cs) / 2 / a0, b1 = -(1 + cs) / a0, b2 = b0;
	const double a1 = -2 * cs / a0, a2 = (1 - al) / a0;
	double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
	size_t i;

	if (!pcm || !srate || fc <= 0)
		return;
	for (i = 0; i < n; i++) {
		double x = pcm[i];
		double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;

		x2 = x1;
		x1 = x;
		y2 = y1;
		y1 = y;
		pcm[i] = (int16_t)lrint(y > 32767 ? 32767 : y < -32768 ? -32768
									: y);
	}
}
