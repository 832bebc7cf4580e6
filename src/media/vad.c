/**
 * @file vad.c  Voice activity and end-of-utterance detection for 8 kHz
 * telephone audio, with the robot's echo gated out.
 *
 * Why not speexdsp's preprocess VAD: Debian 12's build says itself that
 * "the VAD has been replaced by a hack", and it marks every frame as
 * speech, pauses and noise alike (bench-vad: 100% of noise-only time).
 *
 * Per 20 ms frame, one 256-sample window (the frame and the last 96
 * samples of the one before; rising over 28 ms, falling over the last 4
 * so the newest samples weigh most) and a real FFT:
 *
 *  1. Band powers: 17 bands of 6 bins (187.5 Hz) from 250 to 3437 Hz,
 *     the telephone band, so hum, DC and what G.711 folds above 3.4 kHz
 *     never count.
 *  2. Echo. The robot's frames (the reference) get the same analysis and
 *     are kept for 18 frames (360 ms). The echo delay is the lag whose
 *     reference log band powers correlate best with the received ones,
 *     over about 1.5 s of frames with reference energy, once the peak is
 *     clear; until then the echo envelope is the maximum over all lags,
 *     after it over the lag and its neighbours. A per-band coupling
 *     (echo over reference power) tracks an upper percentile of what
 *     comes back while the robot talks, starting from 0 dB; rises more
 *     than 6 dB above it are taken for the callee talking over the robot
 *     (double talk) and barely move it. The predicted echo, twice over
 *     (3 dB margin), is subtracted from each band's power: what the echo
 *     explains is not speech, what exceeds it is. No sample-domain
 *     cancellation is needed, so a delay error of a few ms, G.711 and a
 *     slightly non-linear phone do not matter, and it costs one FFT more
 *     while the robot talks. Measured against speexdsp's NLMS canceller
 *     (300 ms filter) in front of this detector: 0 false barge-ins a
 *     minute instead of 1.2, at an eighth of the CPU (bench-vad).
 *  3. Noise floor per band: the larger of minimum statistics (minimum of
 *     the smoothed power over 1.6 s, times the bias measured on
 *     stationary noise: follows noise down at once and up within 1.6 s)
 *     and an 85th-percentile tracker divided by its stationary bias (it
 *     sits higher in noise that fluctuates, such as babble, where the
 *     minimum is far under the typical level). The percentile moves fast
 *     outside utterances and slowly inside, so a long utterance does not
 *     raise its own floor much; a second tracker at full rate takes over
 *     when an utterance hits max_ms (ten seconds without a pause is more
 *     likely a TV or babble than a callee). Digital silence (no RTP yet,
 *     a lost packet) is not noise and teaches nothing; bands the echo
 *     dominates hold their floor.
 *  4. Score: Sohn's log-likelihood ratio of speech over noise per band,
 *     gamma - 1 - ln(gamma) with the maximum-likelihood a priori SNR,
 *     capped at 20, averaged over bands. In stationary noise at any SNR
 *     the score of noise frames stays under 0.25; speech onsets reach 1
 *     to 10 within a frame or two. Periodicity (autocorrelation of the
 *     whitened spectrum) was measured and dropped: over 70 lags noise
 *     frames peak at 0.4-0.5 by chance with a 32 ms window, speech at
 *     0.5-0.9, and babble and echo are voiced anyway.
 *
 * Endpointing. A frame is hot at score >= 0.35 (or 3 times the 80th
 * percentile of scores outside utterances, if more: babble raises the
 * bar). Start: one frame >= 1.0 with no echo predicted in it, or two hot
 * frames summing 1.2, or three hot frames; and never when one 5 ms block
 * holds half of the last 40 ms (a click, which a 32 ms window shows in
 * two frames). The decision comes 20-80 ms after the onset (P.56
 * activity), 25-40 ms typically. The onset reported is the first hot
 * frame, moved back over up to three frames above 0.15. During an
 * utterance a frame is speech at >= 0.25 (or 1.5 times that percentile);
 * end_ms without one ends it, as END with the audio if min_ms of speech
 * frames were seen, else DISCARD (a cough, a fragment).
 *
 * The end is also held to the utterance's own level: a frame holds it
 * off only if its power over the floor is within 30 dB of the loudest
 * frame so far (that peak falling 10 dB/s, so a talker who trails off
 * is still followed). The floor alone does not tell the fading end of a
 * word from speech: on a clean line it sits near -75 dBFS, and flite's
 * words fade for 100-250 ms at -45 to -60 dBFS after the last syllable,
 * every frame of it scoring as speech, so END came that much later than
 * the 500 ms after the talker stopped (e2e, English: 120 ms median,
 * 220 ms p95; now 0 and 100 ms, the 100 ms being real final stops and
 * fricatives). In noise the fade is under the floor anyway, so noisy
 * speech is endpointed as before; the 30 dB is far below any syllable,
 * so pauses inside an utterance are no more likely to end it. Frames
 * counted towards min_ms are unchanged, and so is the audio handed
 * over: END's reaches tail_ms past the fade (seg_end()).
 *
 * Memory: about 3 KB per detector plus a ring of pre-roll + 140 ms of
 * audio (5.4 KB at the default 200 ms), and the audio of a running
 * utterance (grown by doubling from 2 s, at most max_ms + preroll_ms +
 * tail_ms, freed when it is handed over). CPU: 3-4 us per frame, 6-8 us
 * while the robot talks (bench-vad). Loop thread, one frame at a time.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "media/media.h"
#include "media/vad.h"

enum {
	WIN = 256,                 /* analysis window, 32 ms */
	RISE = 224,                /* its rising part */
	HALF = WIN / 2,
	OVL = WIN - MEDIA_FRAME,   /* samples kept from the last frame */
	LO_BIN = 8,                /* 250 Hz */
	BW = 6,                    /* bins per band */
	NB = 17,                   /* bands: bins 8..109, 250-3437 Hz */
	NLAG = 18,                 /* reference history, 0..340 ms */
	SUBWIN = 10,               /* min statistics: 200 ms sub-windows */
	NSUB = 8,                  /* ... 8 of them, 1.6 s */
	INIT = 10,                 /* frames to seed the floor (200 ms) */
	NSUBB = 8,                 /* 5 ms blocks in the last two frames */
	BACK = 3,                  /* frames an onset may move back */
};

/* thresholds on the score (mean band log-likelihood ratio); in
 * stationary noise the score of noise frames stays under 0.2 (99.5%) */
#define T_ON 0.35f       /* a frame that counts towards a start */
#define T_SUM 1.2f       /* two such frames summing this start */
#define T_ONE 1.0f       /* one frame this strong starts (no echo) */
#define T_BACK 0.15f     /* onset moves back over frames above this */
#define T_CONT 0.25f     /* speech inside an utterance */
#define K_ON 3.0f        /* ... or these times the idle 80th percentile */
#define K_CONT 1.5f
#define END_REL 1e-3f    /* and within 30 dB of the utterance's peak */
#define PEAK_FALL 0.955f /* that peak falls 0.2 dB a frame (10 dB/s) */
#define IMPULSE 0.5f     /* one 5 ms block holding this share: a click */
#define LLR_CAP 20.0f

#define NOISE_BIAS 2.2f  /* mean / minimum of smoothed band power */
#define Q85_BIAS 1.6f    /* 85th percentile / mean of band power */
#define GL_RATE 0.15f    /* its steps (ln) per frame outside */
#define GL_RATE_ACT 0.004f /* and during utterances, so that noise taken
			   * for speech is learned in time */
#define ECHO_OVS 2.0f    /* predicted echo is subtracted twice over */
#define H_INIT 1.0f      /* coupling before any is measured: 0 dB */
#define H_MIN 1e-5f
#define H_MAX 4.0f

/* band power of white noise of RMS s: 6 bins times the window's energy */
#define BANDPOW(s) ((float)BW * win2 * (s) * (s))

struct vad {
	struct vad_conf conf;
	unsigned end_f, min_f, max_f, pre_f, tail_f; /* in frames */
	uint64_t t;                 /* frames fed */
	unsigned seen;              /* frames that were not digital silence,
				     * up to INIT */

	/* analysis */
	float xh[OVL], rh[OVL];     /* last samples of rx and ref */
	float nbuf[NB];             /* noise floor per band */
	float sm[NB];               /* smoothed band power */
	float gl[NB];               /* ln of the 85th percentile of band
				     * power (slow during utterances) */
	float gs[NB];               /* ... at full rate throughout */
	float subm[NSUB][NB];       /* minima of past sub-windows */
	float curm[NB];             /* minimum of this sub-window */
	unsigned subpos, subidx;
	float score, snr;           /* last frame */
	float excess;               /* last frame: band power over the floor
				     * (echo removed), summed over bands */
	float peak;                 /* the utterance's loudest excess,
				     * falling slowly */
	float idle;                 /* 80th percentile of scores outside
				     * utterances */
	bool echo_on;               /* echo predicted over the floor */
	float sub[NSUBB];           /* energy of 5 ms blocks, newest last */

	/* echo */
	float refb[NLAG][NB];       /* reference band powers, ring */
	unsigned refpos;
	bool ref_seen;              /* any reference energy within NLAG */
	unsigned ref_quiet;         /* frames since reference energy */
	float hn[NB], ha[NB];       /* coupling: narrow / all-lag envelope */
	float cxy[NLAG], cxx, cyy;  /* delay correlation, smoothed */
	float mx[NB], my[NB];       /* log band power means */
	unsigned ref_frames;        /* frames the correlation has seen */
	int delay;                  /* lag in frames, -1 unknown */

	/* endpointing */
	bool active, restart;
	unsigned run;               /* hot frames in a row */
	float run_sum;
	float hist[BACK + 4];       /* scores of recent frames, newest last */
	uint64_t onset, last;       /* first / last speech frame */
	uint64_t fade;              /* last frame of the sound dying away
				     * right after it (scored as speech,
				     * but under the utterance's level) */
	bool fading;                /* ... and it goes on */
	unsigned speech;            /* speech frames in the utterance */

	/* audio: ring of recent frames (pre-roll, the frames an onset
	 * may move back over, the start run), and the running utterance */
	int16_t (*ring)[MEDIA_FRAME];
	unsigned nring;
	int16_t *ubuf;
	size_t ucap, un;            /* samples */
	bool uok;                   /* no allocation failed for it */
	uint64_t ufirst;            /* frame of ubuf[0] */
};

/* ---- tables and the real FFT -------------------------------------------- */

static float win[WIN];                /* analysis window */
static float win2;                    /* its sum of squares */
static float cs[HALF], sn[HALF];      /* e^-j2pi k/256, k < 128 */
static uint8_t bitrev[HALF];          /* 7-bit reversal for 128 points */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	int i, j;

	/* rise over 28 ms, fall over the last 4: the newest samples
	 * weigh most, so an onset shows a frame sooner than with Hann */
	for (i = 0; i < WIN; i++) {
		if (i < RISE)
			win[i] = 0.5f - 0.5f * cosf((float)M_PI * (float)i /
						    (float)RISE);
		else
			win[i] = cosf(0.5f * (float)M_PI * (float)(i - RISE) /
				      (float)(WIN - RISE));
		win2 += win[i] * win[i];
	}
	for (i = 0; i < HALF; i++) {
		cs[i] = cosf(2.0f * (float)M_PI * (float)i / (float)WIN);
		sn[i] = -sinf(2.0f * (float)M_PI * (float)i / (float)WIN);
	}
	for (i = 0; i < HALF; i++) {
		int r = 0;

		for (j = 0; j < 7; j++)
			r |= ((i >> j) & 1) << (6 - j);
		bitrev[i] = (uint8_t)r;
	}
}

/* in-place complex FFT of 128 points (re, im); twiddles are every other
 * one of the 256-point table */
static void fft128(float *re, float *im)
{
	int i, len;

	for (i = 0; i < HALF; i++) {
		int j = bitrev[i];

		if (j > i) {
			float t = re[i];

			re[i] = re[j];
			re[j] = t;
			t = im[i];
			im[i] = im[j];
			im[j] = t;
		}
	}
	for (len = 2; len <= HALF; len <<= 1) {
		int h = len / 2, step = WIN / len;

		for (i = 0; i < HALF; i += len) {
			int k;

			for (k = 0; k < h; k++) {
				float wr = cs[k * step], wi = sn[k * step];
				int a = i + k, b = a + h;
				float tr = re[b] * wr - im[b] * wi;
				float ti = re[b] * wi + im[b] * wr;

				re[b] = re[a] - tr;
				im[b] = im[a] - ti;
				re[a] += tr;
				im[a] += ti;
			}
		}
	}
}

/* power spectrum of 256 real samples: pw[0..128] */
static void power256(const float *x, float *pw)
{
	float re[HALF], im[HALF];
	int k;

	for (k = 0; k < HALF; k++) {
		re[k] = x[2 * k];
		im[k] = x[2 * k + 1];
	}
	fft128(re, im);

	pw[0] = (re[0] + im[0]) * (re[0] + im[0]);
	pw[HALF] = (re[0] - im[0]) * (re[0] - im[0]);
	for (k = 1; k < HALF; k++) {
		/* X[k] = E[k] + W^k O[k], E and O from Z[k], Z*[128-k] */
		float ar = re[k], ai = im[k];
		float br = re[HALF - k], bi = -im[HALF - k];
		float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
		float or_ = 0.5f * (ai - bi), oi = -0.5f * (ar - br);
		float xr = er + cs[k] * or_ - sn[k] * oi;
		float xi = ei + cs[k] * oi + sn[k] * or_;

		pw[k] = xr * xr + xi * xi;
	}
}

/* ---- life cycle --------------------------------------------------------- */

static void destructor(void *arg)
{
	struct vad *v = arg;

	free(v->ubuf);
	free(v->ring);
}

static unsigned frames_of(unsigned ms)
{
	return (ms + MEDIA_PTIME / 2) / MEDIA_PTIME;
}

int vad_alloc(struct vad **vp, const struct vad_conf *conf)
{
	struct vad_conf c = {500, 200, 10000, 200, 200};
	struct vad *v;
	int b, i;

	if (!vp)
		return EINVAL;
	if (conf) {
		if (conf->end_ms)
			c.end_ms = conf->end_ms;
		if (conf->min_ms)
			c.min_ms = conf->min_ms;
		if (conf->max_ms)
			c.max_ms = conf->max_ms;
		if (conf->preroll_ms)
			c.preroll_ms = conf->preroll_ms;
		if (conf->tail_ms)
			c.tail_ms = conf->tail_ms;
	}
	if (c.end_ms < 100 || c.end_ms > 5000 || c.max_ms < 1000 ||
	    c.max_ms > 120000 || c.min_ms > c.max_ms ||
	    c.preroll_ms > 400 || c.tail_ms > c.end_ms)
		return EINVAL;

	pthread_once(&tables_once, tables_init);

	v = mem_zalloc(sizeof(*v), destructor);
	if (!v)
		return ENOMEM;
	v->conf = c;
	v->end_f = frames_of(c.end_ms);
	v->min_f = frames_of(c.min_ms);
	v->max_f = frames_of(c.max_ms);
	v->pre_f = frames_of(c.preroll_ms);
	v->tail_f = frames_of(c.tail_ms);
	v->nring = v->pre_f + BACK + 4;
	v->ring = calloc(v->nring, sizeof(*v->ring));
	if (!v->ring) {
		mem_deref(v);
		return ENOMEM;
	}
	v->delay = -1;
	v->idle = 0.05f;
	for (b = 0; b < NB; b++) {
		v->hn[b] = v->ha[b] = H_INIT;
		for (i = 0; i < NSUB; i++)
			v->subm[i][b] = 1e30f;
		v->curm[b] = 1e30f;
	}
	*vp = v;
	return 0;
}

/* ---- echo --------------------------------------------------------------- */

static float logp(float p)
{
	return logf(p + BANDPOW(2.0f));
}

/* learn the delay from this frame's received and reference band powers */
static void delay_update(struct vad *v, const float *pb)
{
	const float a = 0.02f; /* about one second of frames */
	float lx[NB], best = -1, cur = 0, mean = 0;
	int d, b, arg = -1;

	for (b = 0; b < NB; b++) {
		lx[b] = logp(pb[b]);
		if (!v->ref_frames) {
			/* seed the means, or they take seconds to settle */
			v->mx[b] = lx[b];
			v->my[b] = logp(v->refb[v->refpos][b]);
		}
		v->mx[b] += a * (lx[b] - v->mx[b]);
		v->my[b] += a * (logp(v->refb[v->refpos][b]) - v->my[b]);
	}
	for (d = 0; d < NLAG; d++) {
		const float *y = v->refb[(v->refpos + NLAG - d) % NLAG];
		float sxy = 0;

		for (b = 0; b < NB; b++)
			sxy += (lx[b] - v->mx[b]) * (logp(y[b]) - v->my[b]);
		v->cxy[d] += a * (sxy - v->cxy[d]);
	}
	{
		const float *y = v->refb[v->refpos];
		float sxx = 0, syy = 0;

		for (b = 0; b < NB; b++) {
			float dx = lx[b] - v->mx[b];
			float dy = logp(y[b]) - v->my[b];

			sxx += dx * dx;
			syy += dy * dy;
		}
		v->cxx += a * (sxx - v->cxx);
		v->cyy += a * (syy - v->cyy);
	}
	if (++v->ref_frames < 75)
		return;
	for (d = 0; d < NLAG; d++) {
		float r = v->cxy[d] / sqrtf(v->cxx * v->cyy + 1e-9f);

		mean += r / NLAG;
		if (r > best) {
			best = r;
			arg = d;
		}
		if (d == v->delay)
			cur = r;
	}
	/* a clear peak; then some hysteresis: a new lag must do better.
	 * Double talk lowers the correlation but does not move the echo,
	 * so a delay once found is kept until another lag wins. */
	if (best > 0.3f && best > mean + 0.15f &&
	    (v->delay < 0 || best > cur + 0.05f))
		v->delay = arg;
}

/* the echo envelope per band; false if there is no reference around */
static bool echo_env(const struct vad *v, float *en, float *ea)
{
	int d, b;

	if (!v->ref_seen)
		return false;
	for (b = 0; b < NB; b++)
		en[b] = ea[b] = 0;
	for (d = 0; d < NLAG; d++) {
		const float *y = v->refb[(v->refpos + NLAG - d) % NLAG];
		bool near = v->delay >= 0 && d >= v->delay - 1 &&
			    d <= v->delay + 1;

		for (b = 0; b < NB; b++) {
			if (y[b] > ea[b])
				ea[b] = y[b];
			if (near && y[b] > en[b])
				en[b] = y[b];
		}
	}
	return true;
}

/* One band's coupling from rho, what came back over the floor divided by
 * the reference envelope. Far above the estimate is most likely the
 * callee talking over the robot: it only creeps up (slower during an
 * utterance), so double talk does not teach the gate to hide the callee,
 * while a louder echo path is still learned within seconds. */
static void coupling_update(float *h, float rho, bool active)
{
	if (rho >= 4.0f * *h)
		*h *= active ? 1.003f : 1.02f;
	else if (rho >= *h)
		*h += 0.2f * (rho - *h);
	else
		*h += 0.05f * (rho - *h);
	if (*h < H_MIN)
		*h = H_MIN;
	if (*h > H_MAX)
		*h = H_MAX;
}

/* subtract the predicted echo from pb (in place) and learn the coupling;
 * echo[b] gets the echo power predicted per band (0 without reference) */
static void echo_gate(struct vad *v, float *pb, float *echo)
{
	float en[NB], ea[NB];
	int b;

	if (!echo_env(v, en, ea)) {
		for (b = 0; b < NB; b++)
			echo[b] = 0;
		return;
	}
	for (b = 0; b < NB; b++) {
		float over = pb[b] - v->nbuf[b];

		if (over < 0)
			over = 0;
		/* learn only where an echo should be seen over the floor,
		 * or something is: else a quiet band would drag H to 0 */
		if (ea[b] * v->ha[b] > 0.5f * v->nbuf[b] ||
		    over > v->nbuf[b])
			coupling_update(&v->ha[b], over / (ea[b] + 1.0f),
					v->active);
		if (v->delay >= 0 && (en[b] * v->hn[b] > 0.5f * v->nbuf[b] ||
				      over > v->nbuf[b]))
			coupling_update(&v->hn[b], over / (en[b] + 1.0f),
					v->active);

		echo[b] = v->delay >= 0 ? v->hn[b] * en[b]
					: v->ha[b] * ea[b];
		pb[b] -= ECHO_OVS * echo[b];
		if (pb[b] < 0)
			pb[b] = 0;
	}
}

/* ---- noise floor -------------------------------------------------------- */

/* The floor is the larger of two estimates. Minimum statistics follow
 * stationary noise closely and recover from a rise within 1.6 s; the
 * geometric mean of the band power over frames outside utterances (each
 * step clamped to 10 dB, so the few speech frames before a start barely
 * move it) sits at the middle of fluctuating noise such as babble, whose
 * minimum is far under its typical level. */
static void noise_update(struct vad *v, const float *pb, const float *echo)
{
	int b, i;

	for (b = 0; b < NB; b++) {
		/* where echo dominates the band, the floor holds: the
		 * minimum sees the floor itself, not only what is left */
		if (ECHO_OVS * echo[b] > 0.5f * v->nbuf[b] &&
		    v->seen >= INIT) {
			if (v->nbuf[b] / NOISE_BIAS < v->curm[b])
				v->curm[b] = v->nbuf[b] / NOISE_BIAS;
			continue;
		}
		if (v->seen < INIT) {
			/* seed from the quietest of the first frames: noise
			 * or the start of a word, never its loud middle */
			v->sm[b] = pb[b];
			if (pb[b] < v->curm[b])
				v->curm[b] = pb[b];
			v->nbuf[b] = v->curm[b] * NOISE_BIAS;
			if (v->nbuf[b] < BANDPOW(4.0f))
				v->nbuf[b] = BANDPOW(4.0f);
			v->gl[b] = logf(v->nbuf[b] * Q85_BIAS + 1.0f);
			v->gs[b] = v->gl[b];
			continue;
		}
		else {
			float r = v->active ? GL_RATE_ACT : GL_RATE;

			v->sm[b] = 0.5f * v->sm[b] + 0.5f * pb[b];
			float lp = logf(pb[b] + 1.0f);

			/* the 85th percentile: up 0.85 r, down 0.15 r */
			v->gl[b] += lp > v->gl[b] ? 0.85f * r : -0.15f * r;
			v->gs[b] += lp > v->gs[b] ? 0.85f * GL_RATE
						  : -0.15f * GL_RATE;
		}
		if (v->sm[b] < v->curm[b])
			v->curm[b] = v->sm[b];
	}

	if (v->seen < INIT)
		return;
	if (++v->subpos >= SUBWIN) {
		v->subpos = 0;
		for (b = 0; b < NB; b++) {
			v->subm[v->subidx][b] = v->curm[b];
			v->curm[b] = 1e30f;
		}
		v->subidx = (v->subidx + 1) % NSUB;
	}
	for (b = 0; b < NB; b++) {
		float m = v->curm[b], g = expf(v->gl[b]) / Q85_BIAS;

		for (i = 0; i < NSUB; i++) {
			if (v->subm[i][b] < m)
				m = v->subm[i][b];
		}
		m *= NOISE_BIAS;
		if (g > m)
			m = g;
		if (m < BANDPOW(4.0f))
			m = BANDPOW(4.0f);
		if (m < 1e29f)
			v->nbuf[b] = m;
	}
}

/* ---- features ----------------------------------------------------------- */

/* Sohn's likelihood ratio of speech over noise, per band with the
 * maximum-likelihood a priori SNR: gamma - 1 - ln(gamma) above the floor,
 * capped so one loud band does not decide alone; the mean over bands.
 * *snr gets the frame's SNR over the whole band, in dB. */
static float band_score(const struct vad *v, const float *q, float *snr)
{
	float s = 0, eq = 0, en = 0;
	int b;

	for (b = 0; b < NB; b++) {
		float g = q[b] / v->nbuf[b];

		eq += q[b];
		en += v->nbuf[b];
		if (g <= 1.0f)
			continue;
		g = g - 1.0f - logf(g);
		s += g > LLR_CAP ? LLR_CAP : g;
	}
	*snr = 10.0f * log10f(eq / en + 1e-6f);
	return s / NB;
}

/* ---- audio -------------------------------------------------------------- */

static int seg_grow(struct vad *v, size_t need)
{
	size_t cap, lim;
	int16_t *p;

	if (need <= v->ucap)
		return 0;
	lim = (size_t)(v->max_f + v->pre_f + v->tail_f + 2) * MEDIA_FRAME;
	cap = v->ucap ? 2 * v->ucap : (size_t)100 * MEDIA_FRAME;
	while (cap < need)
		cap *= 2;
	if (cap > lim)
		cap = lim;
	if (cap < need)
		return EOVERFLOW;
	p = realloc(v->ubuf, cap * sizeof(*p));
	if (!p)
		return ENOMEM;
	v->ubuf = p;
	v->ucap = cap;
	return 0;
}

/* open the utterance's audio with what the ring holds from frame first */
static void seg_open(struct vad *v, uint64_t first)
{
	uint64_t f, oldest = v->t + 1 >= v->nring ? v->t + 1 - v->nring : 0;

	if (first < oldest)
		first = oldest;
	v->un = 0;
	v->ufirst = first;
	v->uok = !seg_grow(v, (size_t)(v->t + 1 - first) * MEDIA_FRAME);
	if (!v->uok)
		return;
	for (f = first; f <= v->t; f++) {
		memcpy(v->ubuf + v->un, v->ring[f % v->nring],
		       sizeof(v->ring[0]));
		v->un += MEDIA_FRAME;
	}
}

static void seg_append(struct vad *v)
{
	if (!v->uok)
		return;
	v->uok = !seg_grow(v, v->un + MEDIA_FRAME);
	if (!v->uok)
		return;
	memcpy(v->ubuf + v->un, v->ring[v->t % v->nring], sizeof(v->ring[0]));
	v->un += MEDIA_FRAME;
}

/* between utterances a detector holds no audio buffer: one allocation
 * per utterance costs less than 32 KB kept by every call */
static void seg_drop(struct vad *v)
{
	free(v->ubuf);
	v->ubuf = NULL;
	v->ucap = 0;
	v->un = 0;
}

static void seg_destructor(void *arg)
{
	struct vad_seg *s = arg;

	mem_deref(s->pcm);
}

/* The frame after an utterance's audio: tail frames after the last
 * sound, the fade of the last word included, as before the end was held
 * to the utterance's level. The recognizer is that sensitive to how the
 * audio ends: a weak final /s/ cut off while fading made "yes" come back
 * as "nine", and a Mandarin 别再打了 one frame shorter was rejected
 * instead of heard as a complaint. So it gets the same audio as before,
 * only sooner. */
static uint64_t seg_end(const struct vad *v)
{
	return v->fade + 1 + v->tail_f;
}

/* hand the utterance over, up to seg_end() */
static struct vad_seg *seg_close(struct vad *v, bool cut)
{
	struct vad_seg *s;
	uint64_t endf = cut ? v->t + 1 : seg_end(v);
	size_t n;

	if (endf > v->t + 1)
		endf = v->t + 1;
	n = (size_t)(endf - v->ufirst) * MEDIA_FRAME;
	if (n > v->un)
		n = v->un;

	if (!v->uok) {
		s = NULL;
		goto out;
	}
	s = mem_zalloc(sizeof(*s), seg_destructor);
	if (!s)
		goto out;
	s->pcm = mem_alloc(n ? n * sizeof(*s->pcm) : 1, NULL);
	if (!s->pcm) {
		s = mem_deref(s);
		goto out;
	}
	if (n)
		memcpy(s->pcm, v->ubuf, n * sizeof(*s->pcm));
	s->n = n;
	s->first = v->ufirst;
	s->onset = v->onset;
	s->end = v->last + 1;
	s->speech_ms = v->speech * MEDIA_PTIME;
	s->cut = cut;
 out:
	seg_drop(v);
	return s;
}

/* ---- the frame ---------------------------------------------------------- */

static void analyse(struct vad *v, const int16_t *rx, const int16_t *ref)
{
	float x[WIN], pw[HALF + 1], pb[NB], q[NB], echo[NB];
	bool ref_on = false, rx_on = false;
	int i, b;

	/* the reference first: its ring slot for this frame */
	v->refpos = (v->refpos + 1) % NLAG;
	if (ref) {
		for (i = 0; i < MEDIA_FRAME && !ref_on; i++)
			ref_on = ref[i] > 8 || ref[i] < -8;
	}
	if (ref_on || v->ref_quiet < 2) {
		float rpw[HALF + 1];

		memcpy(x, v->rh, sizeof(v->rh));
		for (i = 0; i < MEDIA_FRAME; i++)
			x[OVL + i] = ref ? ref[i] : 0.0f;
		memcpy(v->rh, x + MEDIA_FRAME, sizeof(v->rh));
		for (i = 0; i < WIN; i++)
			x[i] *= win[i];
		power256(x, rpw);
		for (b = 0; b < NB; b++) {
			float s = 0;

			for (i = 0; i < BW; i++)
				s += rpw[LO_BIN + b * BW + i];
			v->refb[v->refpos][b] = s;
		}
	}
	else {
		memset(v->refb[v->refpos], 0, sizeof(v->refb[0]));
		memset(v->rh, 0, sizeof(v->rh));
	}
	if (ref_on)
		v->ref_quiet = 0;
	else if (v->ref_quiet < NLAG)
		v->ref_quiet++;
	v->ref_seen = v->ref_quiet < NLAG;

	/* the received frame */
	memcpy(x, v->xh, sizeof(v->xh));
	for (i = 0; i < MEDIA_FRAME; i++)
		x[OVL + i] = rx[i];
	memcpy(v->xh, x + MEDIA_FRAME, sizeof(v->xh));
	for (i = 0; i < WIN; i++)
		x[i] *= win[i];
	power256(x, pw);
	for (b = 0; b < NB; b++) {
		float s = 0;

		for (i = 0; i < BW; i++)
			s += pw[LO_BIN + b * BW + i];
		pb[b] = q[b] = s;
	}

	if (v->ref_seen && ref_on)
		delay_update(v, pb);
	echo_gate(v, q, echo);

	/* digital silence (no RTP yet, a lost packet the jitter buffer
	 * filled, a muted line) is not noise: the floor learns only from
	 * frames with a signal, and starts from the first of them */
	for (i = 0; i < MEDIA_FRAME && !rx_on; i++)
		rx_on = rx[i] > 4 || rx[i] < -4;
	if (rx_on)
		noise_update(v, pb, echo);
	if (rx_on && v->seen < INIT) {
		v->seen++;
		v->score = 0;
		v->snr = 0;
		v->excess = 0;
		return;
	}

	if (v->seen < INIT) {
		v->score = 0;
		v->snr = 0;
		v->excess = 0;
		return;
	}
	v->score = band_score(v, q, &v->snr);
	v->excess = 0;
	for (b = 0; b < NB; b++) {
		if (q[b] > v->nbuf[b])
			v->excess += q[b] - v->nbuf[b];
	}
	v->echo_on = false;
	for (b = 0; b < NB; b++)
		v->echo_on |= ECHO_OVS * echo[b] > v->nbuf[b];
	if (!v->active) {
		/* a quantile moves by counts, not by how loud a cough was */
		v->idle *= v->score > v->idle ? 1.08f : 0.98f;
		if (v->idle < 0.01f)
			v->idle = 0.01f;
	}
}

/* Does one 5 ms block of the last 40 ms hold most of its energy (a
 * click, a knock on the handset)? A window that saw a click rates two
 * frames as speech; speech never puts half of 40 ms into 5 ms. */
static bool impulsive(struct vad *v, const int16_t *rx)
{
	float sum = 0, max = 0;
	int i, j;

	memmove(v->sub, v->sub + 4, (NSUBB - 4) * sizeof(v->sub[0]));
	for (i = 0; i < 4; i++) {
		float e = 0;

		for (j = 0; j < 40; j++) {
			float x = rx[i * 40 + j];

			e += x * x;
		}
		v->sub[NSUBB - 4 + i] = e;
	}
	for (i = 0; i < NSUBB; i++) {
		sum += v->sub[i];
		if (v->sub[i] > max)
			max = v->sub[i];
	}
	return max > IMPULSE * sum;
}

static void ev_set(struct vad_event *ev, enum vad_evtype type,
		   const struct vad *v)
{
	if (!ev)
		return;
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->frame = v->t;
	ev->onset = v->onset;
	ev->end = v->last + 1;
}

static void start(struct vad *v, uint64_t onset)
{
	memcpy(v->gs, v->gl, sizeof(v->gs));
	v->active = true;
	v->onset = onset;
	v->last = v->t;
	v->fade = v->t;
	v->fading = true;
	v->peak = v->excess;
	v->speech = (unsigned)(v->t + 1 - onset);
	seg_open(v, onset >= v->pre_f ? onset - v->pre_f : 0);
}

static void run_reset(struct vad *v)
{
	v->run = 0;
	v->run_sum = 0;
}

enum vad_evtype vad_feed(struct vad *v, const int16_t *rx,
			 const int16_t *ref, struct vad_event *ev)
{
	enum vad_evtype type = VAD_EV_NONE;
	float sc, t_on, t_cont;
	bool imp;
	int i;

	if (ev)
		memset(ev, 0, sizeof(*ev));
	if (!v || !rx)
		return VAD_EV_NONE;

	memcpy(v->ring[v->t % v->nring], rx, sizeof(v->ring[0]));
	analyse(v, rx, ref);
	imp = impulsive(v, rx);
	sc = v->score;
	memmove(v->hist, v->hist + 1, sizeof(v->hist) - sizeof(v->hist[0]));
	v->hist[BACK + 3] = sc;

	/* fluctuating noise (babble) raises the bar */
	t_on = K_ON * v->idle > T_ON ? K_ON * v->idle : T_ON;
	t_cont = K_CONT * v->idle > T_CONT ? K_CONT * v->idle : T_CONT;

	if (sc >= t_on) {
		v->run++;
		v->run_sum += sc;
	}
	else {
		run_reset(v);
	}

	if (!v->active) {
		uint64_t onset;

		if (v->restart && sc >= t_cont) {
			/* speech carries on past a cut */
			v->restart = false;
			start(v, v->t);
			ev_set(ev, VAD_EV_START, v);
			type = VAD_EV_START;
			goto out;
		}
		v->restart = false;
		if (imp || !v->run)
			goto out;
		if (v->run == 1 && (sc < T_ONE * t_on / T_ON || v->echo_on))
			goto out;
		if (v->run == 2 && v->run_sum < T_SUM * t_on / T_ON &&
		    sc < T_ONE * t_on / T_ON)
			goto out;

		onset = v->t + 1 - v->run;
		for (i = 0; i < BACK && onset > 0; i++) {
			/* hist[BACK + 3] is this frame */
			int h = BACK + 3 - (int)v->run - i;

			if (h < 0 || v->hist[h] < T_BACK)
				break;
			onset--;
		}
		start(v, onset);
		run_reset(v);
		ev_set(ev, VAD_EV_START, v);
		type = VAD_EV_START;
		goto out;
	}

	seg_append(v);
	v->peak *= PEAK_FALL;
	if (v->excess > v->peak)
		v->peak = v->excess;
	if (sc >= t_cont) {
		v->speech++;
		/* the fading end of a word, far under what the utterance
		 * reached, is not speech that holds the end off: clean,
		 * the floor is so low that the score alone would keep it
		 * for another 100-250 ms. Its audio is still handed over
		 * (seg_end()) */
		if (v->excess >= END_REL * v->peak) {
			v->last = v->t;
			v->fade = v->t;
			v->fading = true;
		}
		else if (v->fading) {
			v->fade = v->t;
		}
	}
	else {
		v->fading = false;
	}

	if (v->t + 1 - v->onset >= v->max_f) {
		/* max_ms without a pause of end_ms: more likely noise that
		 * fluctuates like speech (babble, a TV) than a callee, so
		 * the floor takes what the full-rate tracker learned */
		memcpy(v->gl, v->gs, sizeof(v->gl));
		v->active = false;
		v->restart = true;
		ev_set(ev, VAD_EV_END, v);
		if (ev)
			ev->seg = seg_close(v, true);
		else
			mem_deref(seg_close(v, true));
		type = VAD_EV_END;
	}
	else if (v->t - v->last >= v->end_f) {
		v->active = false;
		if (v->speech >= v->min_f) {
			ev_set(ev, VAD_EV_END, v);
			if (ev)
				ev->seg = seg_close(v, false);
			else
				mem_deref(seg_close(v, false));
			type = VAD_EV_END;
		}
		else {
			seg_drop(v);
			ev_set(ev, VAD_EV_DISCARD, v);
			type = VAD_EV_DISCARD;
		}
		run_reset(v);
	}
 out:
	v->t++;
	return type;
}

bool vad_active(const struct vad *v)
{
	return v && v->active;
}

unsigned vad_pause_ms(const struct vad *v)
{
	if (!v || !v->active || !v->t)
		return 0;
	return (unsigned)(v->t - 1 - v->last) * MEDIA_FRAME / 8;
}

size_t vad_peek(const struct vad *v, const int16_t **pcmp)
{
	uint64_t endf;
	size_t n;

	if (!v || !v->active || !v->uok || !v->ubuf || !pcmp)
		return 0;
	/* what END would hand over now: up to tail_ms after the last
	 * speech frame or, after a fade, after the fade, which is known
	 * only once it has died away and tail_ms have passed */
	endf = seg_end(v);
	if (v->fade > v->last && (v->fading || endf > v->t))
		return 0;
	if (endf > v->t)
		endf = v->t;
	if (endf <= v->ufirst)
		return 0;
	n = (size_t)(endf - v->ufirst) * MEDIA_FRAME;
	if (n > v->un)
		n = v->un;
	*pcmp = v->ubuf;
	return n;
}

void vad_cancel(struct vad *v)
{
	if (!v)
		return;
	v->active = false;
	v->restart = false;
	seg_drop(v);
	run_reset(v);
}

void vad_info(const struct vad *v, struct vad_info *info)
{
	float n = 0, h = 0;
	int b;

	if (!info)
		return;
	memset(info, 0, sizeof(*info));
	info->echo_delay_ms = -1;
	info->echo_db = -99;
	if (!v)
		return;
	info->frames = v->t;
	info->snr_db = v->snr;
	info->score = v->score;
	for (b = 0; b < NB; b++) {
		n += v->nbuf[b];
		h += v->delay >= 0 ? v->hn[b] : v->ha[b];
	}
	/* as white noise over the band: RMS^2 = n / (bins * window) */
	n /= (float)(NB * BW) * win2;
	info->noise_dbfs = n > 0 ? 10.0f * log10f(n / (32768.0f * 32768.0f))
				 : -120.0f;
	if (v->ref_frames) {
		info->echo_db = 10.0f * log10f(h / NB);
		if (v->delay >= 0)
			info->echo_delay_ms = v->delay * MEDIA_PTIME;
	}
}

const char *vad_evname(enum vad_evtype t)
{
	switch (t) {
	case VAD_EV_NONE:
		return "none";
	case VAD_EV_START:
		return "start";
	case VAD_EV_END:
		return "end";
	case VAD_EV_DISCARD:
		return "discard";
	}
	return "?";
}
