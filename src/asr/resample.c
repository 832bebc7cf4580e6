/**
 * @file resample.c  8 <-> 16 kHz for models whose rate differs from the
 * telephone's (Debian's en-us model wants 16 kHz).
 *
 * asr/ may use core only, so media/'s speexdsp resampler is out of
 * reach; a factor of two needs no more than a half-band low-pass: every
 * other tap is zero, so a 47-tap Blackman-windowed sinc costs 12
 * multiply-adds per output sample: -0.2 dB at 3.4 kHz (all a G.711 call
 * carries), -78 dB at 5 kHz. Any thread (no state).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/asr_priv.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum { M = 12 }; /* odd taps on each side: 1, 3, ..., 2M-1 */

/* h[2j+1] of the half-band filter (h[0] = 0.5, even taps 0) */
static void halfband(double c[M])
{
	const double len = 4.0 * M; /* window spans taps -(2M-1)..2M-1 */
	int j;

	for (j = 0; j < M; j++) {
		double n = 2.0 * j + 1, x = (n + len / 2) / len;
		double w = 0.42 - 0.5 * cos(2 * M_PI * x) +
			   0.08 * cos(4 * M_PI * x);

		c[j] = sin(M_PI * n / 2) / (M_PI * n) * w;
	}
}

static int16_t clip(double v)
{
	if (v > 32767)
		return 32767;
	if (v < -32768)
		return -32768;
	return (int16_t)lrint(v);
}

static double at(const int16_t *in, size_t n, long i)
{
	return i < 0 || (size_t)i >= n ? 0.0 : in[i];
}

void asr_upsample2(int16_t *out, const int16_t *in, size_t n)
{
	double c[M];
	size_t k;
	int j;

	halfband(c);
	for (k = 0; k < n; k++) {
		double v = 0;

		for (j = 0; j < M; j++)
			v += c[j] * (at(in, n, (long)k - j) +
				     at(in, n, (long)k + 1 + j));
		out[2 * k] = in[k];
		out[2 * k + 1] = clip(2 * v);
	}
}

void asr_downsample2(int16_t *out, const int16_t *in, size_t n)
{
	double c[M];
	size_t k;
	int j;

	halfband(c);
	for (k = 0; k < n / 2; k++) {
		long i = (long)(2 * k);
		double v = 0.5 * in[i];

		for (j = 0; j < M; j++)
			v += c[j] * (at(in, n, i - (2 * j + 1)) +
				     at(in, n, i + (2 * j + 1)));
		out[k] = clip(v);
	}
}

int asr_resample_mem(int16_t **pcmp, size_t *np, unsigned srate,
		     unsigned out_srate)
{
	int16_t *out;
	size_t n;

	if (srate == out_srate)
		return 0;
	if (out_srate == 2 * srate)
		n = 2 * *np;
	else if (2 * out_srate == srate)
		n = *np / 2;
	else
		return ENOTSUP;
	out = mem_alloc((n ? n : 1) * sizeof(*out), NULL);
	if (!out)
		return ENOMEM;
	if (n > *np)
		asr_upsample2(out, *pcmp, *np);
	else
		asr_downsample2(out, *pcmp, *np);
	mem_deref(*pcmp);
	*pcmp = out;
	*np = n;
	return 0;
}
