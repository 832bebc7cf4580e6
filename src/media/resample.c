/**
 * @file resample.c  Whole-buffer sample-rate conversion with speexdsp.
 *
 * Used when a prompt is loaded or synthesized at another rate, never on
 * the live media path, so it works on a complete buffer and returns a
 * complete one: the filter's start-up delay is skipped and its tail is
 * flushed with zeros, so n samples at from_rate give round(n * to /
 * from) samples at to_rate, aligned with the input. Quality 5 is speex's
 * VoIP default: clean to well past the 3.4 kHz telephone band at a cost
 * that does not matter for prompts. Any thread (no shared state).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <speex/speex_resampler.h>
#include "media/media.h"

enum {
	QUALITY = 5,
	CHUNK = 4096,        /* input samples per process call */
	RATE_MIN = 1000,
	RATE_MAX = 384000,
};

int media_resample(const int16_t *in, size_t n, unsigned from_rate,
		   unsigned to_rate, int16_t **outp, size_t *outn)
{
	static const int16_t zeros[256];
	SpeexResamplerState *st = NULL;
	int16_t *out = NULL;
	size_t want, used = 0, pos = 0;
	int err = 0, serr = 0;

	if ((!in && n) || !outp || !outn || from_rate < RATE_MIN ||
	    from_rate > RATE_MAX || to_rate < RATE_MIN || to_rate > RATE_MAX)
		return EINVAL;

	/* one hour at the highest rate: beyond that the size maths (and
	 * the caller) is wrong, not the audio */
	if (n > (size_t)RATE_MAX * 3600)
		return EINVAL;

	want = (size_t)(((uint64_t)n * to_rate + from_rate / 2) / from_rate);

	/* +1: malloc(0) may return NULL, and an empty result is valid */
	out = malloc((want + 1) * sizeof(*out));
	if (!out)
		return ENOMEM;

	if (from_rate == to_rate) {
		if (n)
			memcpy(out, in, n * sizeof(*in));
		goto out;
	}

	st = speex_resampler_init(1, from_rate, to_rate, QUALITY, &serr);
	if (!st) {
		err = serr == RESAMPLER_ERR_ALLOC_FAILED ? ENOMEM : EINVAL;
		goto out;
	}
	speex_resampler_skip_zeros(st);

	/* the input, then zeros until the tail of the filter is out */
	while (used < want) {
		spx_uint32_t ilen, olen;
		const int16_t *src;

		if (pos < n) {
			src = in + pos;
			ilen = (spx_uint32_t)(n - pos < CHUNK ? n - pos
							      : CHUNK);
		}
		else {
			src = zeros;
			ilen = sizeof(zeros) / sizeof(zeros[0]);
		}
		olen = (spx_uint32_t)(want - used);

		if (speex_resampler_process_int(st, 0, src, &ilen,
						out + used, &olen)) {
			err = EINVAL;
			goto out;
		}
		if (pos < n)
			pos += ilen;
		used += olen;

		/* no progress on either side would loop forever */
		if (!ilen && !olen) {
			err = EINVAL;
			goto out;
		}
	}

out:
	if (st)
		speex_resampler_destroy(st);
	if (err) {
		free(out);
	}
	else {
		*outp = out;
		*outn = want;
	}
	return err;
}
