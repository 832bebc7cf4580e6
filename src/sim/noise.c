/**
 * @file noise.c  Levels, speech spans and noise for the simulated callee.
 *
 * Noise is deterministic: every sample comes from a splitmix64 stream
 * seeded by the run's --seed, the persona and the turn, so a run can be
 * repeated exactly. Its level is set against the speech alone (frames
 * above -40 dBFS), not the whole utterance with its silent edges, so an
 * snr_db means what a listener would call it.
 *
 * Babble is built from other synthesized utterances of the same persona
 * file: four of them overlapped at random offsets and looped, which
 * sounds like people talking nearby and, unlike pink or white noise, has
 * the spectrum and rhythm of speech that fools a VAD.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/work.h"
#include "media/media.h"
#include "tts/tts.h"
#include "sip/ua.h"
#include "call/call.h"
#include "sim/persona.h"
#include "sim/sim.h"

#define BABBLE_VOICES 4

void sim_rng_seed(struct sim_rng *r, uint64_t seed, const char *name,
		  unsigned idx)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	const char *p;

	for (p = name ? name : ""; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	r->s = seed ^ h ^ ((uint64_t)idx * 0x9e3779b97f4a7c15ULL);
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) / 9007199254740992.0;
}

static double rms(const int16_t *pcm, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	return sqrt(sum / (double)n);
}

double sim_level_dbfs(const int16_t *pcm, size_t n)
{
	double r = rms(pcm, n);

	return r < 1e-3 ? -120 : 20 * log10(r / 32768.0);
}

bool sim_speech_span(const int16_t *pcm, size_t n, size_t *startp,
		     size_t *endp)
{
	size_t i, start = 0, end = 0;
	bool any = false;

	for (i = 0; i < n; i += MEDIA_FRAME) {
		size_t len = n - i < MEDIA_FRAME ? n - i : MEDIA_FRAME;

		if (sim_level_dbfs(pcm + i, len) <= SIM_UTT_DBFS)
			continue;
		if (!any)
			start = i;
		any = true;
		end = i + len;
	}
	if (any) {
		*startp = start;
		*endp = end;
	}
	return any;
}

/* the RMS of the frames above -40 dBFS */
static double speech_rms(const int16_t *pcm, size_t n)
{
	double sum = 0;
	size_t i, cnt = 0;

	for (i = 0; i + MEDIA_FRAME <= n; i += MEDIA_FRAME) {
		size_t k;

		if (sim_level_dbfs(pcm + i, MEDIA_FRAME) <= SIM_UTT_DBFS)
			continue;
		for (k = 0; k < MEDIA_FRAME; k++)
			sum += (double)pcm[i + k] * pcm[i + k];
		cnt += MEDIA_FRAME;
	}
	return cnt ? sqrt(sum / (double)cnt) : rms(pcm, n);
}

static double gauss(struct sim_rng *r)
{
	/* sum of four uniforms: close enough to normal for noise */
	return (sim_rng_unit(r) + sim_rng_unit(r) + sim_rng_unit(r) +
		sim_rng_unit(r) - 2.0) * 1.7320508;
}

static void white(double *v, size_t n, struct sim_rng *r)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = gauss(r);
}

/* white noise through three one-pole low-passes whose sum falls at about
 * 3 dB per octave over the telephone band */
static void pink(double *v, size_t n, struct sim_rng *r)
{
	double a = 0, b = 0, c = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double w = gauss(r);

		a = 0.99765 * a + 0.0990460 * w;
		b = 0.96300 * b + 0.2965164 * w;
		c = 0.57000 * c + 1.0526913 * w;
		v[i] = a + b + c + 0.1848 * w;
	}
}

static void babble(double *v, size_t n, struct sim_rng *r,
		   const struct media_prompt *const *srcv, size_t nsrc)
{
	size_t k, i;

	memset(v, 0, n * sizeof(*v));
	for (k = 0; k < BABBLE_VOICES; k++) {
		const struct media_prompt *s = srcv[sim_rng_next(r) % nsrc];
		size_t off;

		if (!s->n)
			continue;
		off = (size_t)(sim_rng_next(r) % s->n);
		for (i = 0; i < n; i++)
			v[i] += s->pcm[(off + i) % s->n];
	}
}

/* add noise of the kind at RMS level to pcm */
static int noise_mix(int16_t *pcm, size_t n, int kind, double level,
		     struct sim_rng *rng, const struct media_prompt *const *srcv,
		     size_t nsrc)
{
	double *v, nrms = 0, gain;
	size_t i;

	if (kind == PERSONA_NOISE_NONE || !n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return ENOMEM;

	if (kind == PERSONA_NOISE_WHITE)
		white(v, n, rng);
	else if (kind == PERSONA_NOISE_BABBLE && nsrc)
		babble(v, n, rng, srcv, nsrc);
	else
		pink(v, n, rng);

	for (i = 0; i < n; i++)
		nrms += v[i] * v[i];
	nrms = sqrt(nrms / (double)n);
	gain = nrms > 1e-9 ? level / nrms : 0;

	for (i = 0; i < n; i++) {
		double x = pcm[i] + v[i] * gain;

		pcm[i] = (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768
								   : lrint(x));
	}
	free(v);
	return 0;
}

int sim_noise_add(int16_t *pcm, size_t n, int kind, double snr_db,
		  struct sim_rng *rng, const struct media_prompt *const *srcv,
		  size_t nsrc)
{
	if (kind == PERSONA_NOISE_NONE || !n)
		return 0;
	return noise_mix(pcm, n, kind,
			 speech_rms(pcm, n) / pow(10.0, snr_db / 20.0), rng,
			 srcv, nsrc);
}

int sim_noise_bed(int16_t *pcm, size_t n, int kind, double snr_db,
		  const int16_t *speech, size_t sn, struct sim_rng *rng,
		  const struct media_prompt *const *srcv, size_t nsrc)
{
	if (kind == PERSONA_NOISE_NONE || !n || !sn)
		return 0;
	memset(pcm, 0, n * sizeof(*pcm));
	return noise_mix(pcm, n, kind,
			 speech_rms(speech, sn) / pow(10.0, snr_db / 20.0),
			 rng, srcv, nsrc);
}
