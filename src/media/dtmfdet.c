/**
 * @file dtmfdet.c  In-band DTMF: detection (Goertzel) and generation.
 *
 * Detection works on blocks of 105 samples (13.1 ms): long enough for
 * Goertzel filters 76 Hz wide to separate 697 from 770 Hz, short enough
 * to measure durations. Each block is a hit for a digit when
 *  - the strongest row and column tones are each above a floor (-42 dBFS);
 *  - each is 8 dB above the other tones of its group (relative peak);
 *  - twist is within limits: the high group at most 4 dB above the low
 *    (reverse twist) and at most 8 dB below it (normal twist), the Q.24
 *    figures most detectors use;
 *  - the two tones carry 70% of the block's energy, which is what rejects
 *    speech and music (their energy is spread over many harmonics) and
 *    also blocks only partly covered by a tone.
 * A digit is reported after 3 consecutive hits, so a 45 ms tone is always
 * caught and a 26 ms one never, whatever the alignment of blocks and tone
 * (a block counts only when the tone fills 70% of it); it is not reported
 * again until 2 blocks without it: one key press gives one digit even if
 * a block drops out in noise, and a 50 ms gap is enough between presses
 * of the same key.
 *
 * Generation (for peers that offered no telephone-event) is here because
 * it shares the frequency table. Loop thread only; ~100 bytes per call.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "media/media.h"
#include "media/media_priv.h"

enum {
	BLOCK = 105,
	HITS = 3,          /* consecutive hits to report a digit */
	RELEASE = 2,       /* blocks without the digit to end the press */
};

static const float row_hz[4] = {697, 770, 852, 941};
static const float col_hz[4] = {1209, 1336, 1477, 1633};
static const char keys[4][4] = {
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
};

/* (A * N / 2)^2 for A = 260 (-42 dBFS): weaker tones are not digits */
#define LEVEL_MIN (260.0f * BLOCK / 2 * 260.0f * BLOCK / 2)
#define PEAK_RATIO 6.3f      /* 8 dB */
#define TWIST_REV 2.5f       /* 4 dB: high group louder */
#define TWIST_NORM 6.3f      /* 8 dB: high group quieter */
#define CONCENTRATION 0.7f

struct media_dtmfdet {
	float s1[8], s2[8];  /* Goertzel state, rows then columns */
	float energy;        /* sum of x^2 over the block */
	unsigned n;          /* samples in the block so far */
	char cand;           /* digit of the last hits, or 0 */
	unsigned cand_n;
	char down;           /* digit reported and still held, or 0 */
	unsigned miss_n;     /* blocks since down was last seen */
};

static float coef[8];
static bool coef_ready;

static void coef_init(void)
{
	int i;

	/* benign race: every thread writes the same values */
	if (coef_ready)
		return;
	for (i = 0; i < 4; i++) {
		coef[i] = 2.0f * cosf(2.0f * (float)M_PI * row_hz[i] /
				      MEDIA_SRATE);
		coef[4 + i] = 2.0f * cosf(2.0f * (float)M_PI * col_hz[i] /
					  MEDIA_SRATE);
	}
	coef_ready = true;
}

int media_dtmfdet_alloc(struct media_dtmfdet **dp)
{
	struct media_dtmfdet *d;

	if (!dp)
		return EINVAL;

	coef_init();
	d = mem_zalloc(sizeof(*d), NULL);
	if (!d)
		return ENOMEM;
	*dp = d;
	return 0;
}

static int peak(const float *p, float *best)
{
	int i, k = 0;

	for (i = 1; i < 4; i++)
		if (p[i] > p[k])
			k = i;
	for (i = 0; i < 4; i++)
		if (i != k && p[k] < p[i] * PEAK_RATIO)
			return -1;
	*best = p[k];
	return k;
}

/* the digit in the finished block, or 0 */
static char block_digit(const struct media_dtmfdet *d)
{
	float p[8], r, c;
	int i, ri, ci;

	for (i = 0; i < 8; i++)
		p[i] = d->s1[i] * d->s1[i] + d->s2[i] * d->s2[i] -
		       coef[i] * d->s1[i] * d->s2[i];

	ri = peak(p, &r);
	ci = peak(p + 4, &c);
	if (ri < 0 || ci < 0)
		return 0;
	if (r < LEVEL_MIN || c < LEVEL_MIN)
		return 0;
	if (c > r * TWIST_REV || r > c * TWIST_NORM)
		return 0;
	if (2.0f * (r + c) < CONCENTRATION * (float)BLOCK * d->energy)
		return 0;

	return keys[ri][ci];
}

/* one block's verdict through the duration and debounce rules */
static char block_done(struct media_dtmfdet *d, char k)
{
	char out = 0;

	if (d->down) {
		if (k == d->down) {
			d->miss_n = 0;
			return 0;
		}
		if (++d->miss_n >= RELEASE)
			d->down = 0;
	}

	if (k && k == d->cand) {
		d->cand_n++;
	}
	else {
		d->cand = k;
		d->cand_n = k ? 1 : 0;
	}

	if (!d->down && d->cand && d->cand_n >= HITS) {
		out = d->cand;
		d->down = d->cand;
		d->miss_n = 0;
	}
	return out;
}

size_t media_dtmfdet_feed(struct media_dtmfdet *d, const int16_t *pcm,
			  size_t n, char *digits, size_t size)
{
	size_t i, nd = 0;
	int k;

	if (digits && size)
		digits[0] = '\0';
	if (!d || !pcm)
		return 0;

	for (i = 0; i < n; i++) {
		float x = pcm[i];
		char dig;

		d->energy += x * x;
		for (k = 0; k < 8; k++) {
			float s = x + coef[k] * d->s1[k] - d->s2[k];

			d->s2[k] = d->s1[k];
			d->s1[k] = s;
		}

		if (++d->n < BLOCK)
			continue;

		dig = block_done(d, block_digit(d));

		if (dig && digits && nd + 1 < size) {
			digits[nd++] = dig;
			digits[nd] = '\0';
		}
		memset(d->s1, 0, sizeof(d->s1));
		memset(d->s2, 0, sizeof(d->s2));
		d->energy = 0.0f;
		d->n = 0;
	}
	return nd;
}

bool media_dtmf_freqs(char digit, float *lo, float *hi)
{
	int r, c;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');

	for (r = 0; r < 4; r++) {
		for (c = 0; c < 4; c++) {
			if (keys[r][c] != digit)
				continue;
			*lo = row_hz[r];
			*hi = col_hz[c];
			return true;
		}
	}
	return false;
}

void media_dtmf_synth(int16_t *pcm, size_t n, char digit, size_t pos,
		      float amp)
{
	float lo, hi;
	size_t i;

	if (!media_dtmf_freqs(digit, &lo, &hi)) {
		memset(pcm, 0, n * sizeof(*pcm));
		return;
	}
	for (i = 0; i < n; i++) {
		float t = (float)(pos + i) / MEDIA_SRATE;
		float v = amp * (sinf(2.0f * (float)M_PI * lo * t) +
				 sinf(2.0f * (float)M_PI * hi * t));

		pcm[i] = (int16_t)lrintf(v);
	}
}
