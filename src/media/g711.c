/**
 * @file g711.c  G.711 mu-law and A-law, from 16-bit linear PCM.
 *
 * Both laws are segmented logarithmic quantizers: 8 segments of 16 steps,
 * each segment twice as coarse as the one below. Encoding finds the
 * segment from the position of the highest set bit (one CLZ instead of a
 * table walk); decoding returns the middle of the step, so the error of a
 * round trip is at most half a step (1/32 of the magnitude, roughly).
 *
 * mu-law works on the magnitude plus a bias of 132, which makes the
 * segments start at powers of two and gives the small-signal region its
 * fine steps; the code word is inverted (0xFF is zero) as on the line.
 * A-law works on 13 bits, its two lowest segments have the same step, and
 * even bits are inverted (XOR 0x55). Both are pure functions: any thread.
 */
#include <stdint.h>
#include "media/media.h"

enum {
	ULAW_BIAS = 0x84,  /* 132: moves segment edges to powers of two */
	ULAW_CLIP = 32635, /* largest magnitude before the bias overflows */
};

/* index of the highest set bit of v (v > 0) */
static inline int msb(unsigned v)
{
	return 31 - __builtin_clz(v);
}

uint8_t media_ulaw_enc(int16_t s)
{
	unsigned mask, v;
	int seg;

	if (s < 0) {
		/* -32768 has no positive twin in 16 bits: work in int */
		v = (unsigned)(-(int)s);
		mask = 0x7f;
	}
	else {
		v = (unsigned)s;
		mask = 0xff;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS; /* 132..32767: bits 7..14 */

	seg = msb(v) - 7;

	return (uint8_t)(((unsigned)seg << 4 | ((v >> (seg + 3)) & 0x0f)) ^
			 mask);
}

int16_t media_ulaw_dec(uint8_t u)
{
	int v, seg;

	u = (uint8_t)~u;
	seg = (u >> 4) & 0x07;

	/* the middle of the step, minus the bias the encoder added */
	v = ((((u & 0x0f) << 3) + ULAW_BIAS) << seg) - ULAW_BIAS;

	return (int16_t)((u & 0x80) ? -v : v);
}

uint8_t media_alaw_enc(int16_t s)
{
	unsigned mask, v;
	int seg;

	/* A-law is sign-magnitude on the ones' complement: -1 codes as the
	 * smallest negative step, not as zero */
	if (s < 0) {
		v = (unsigned)~(int)s;
		mask = 0x55;
	}
	else {
		v = (unsigned)s;
		mask = 0xd5;
	}
	v >>= 3; /* 13-bit magnitude, 0..4095 */

	if (v < 32)
		return (uint8_t)((v >> 1) ^ mask);

	seg = msb(v) - 4; /* 1..7 */

	return (uint8_t)(((unsigned)seg << 4 | ((v >> seg) & 0x0f)) ^ mask);
}

int16_t media_alaw_dec(uint8_t a)
{
	int v, seg, mant;

	a ^= 0x55;
	seg = (a >> 4) & 0x07;
	mant = a & 0x0f;

	/* segments 0 and 1 share the step of 16 (in 16-bit terms); above,
	 * the implicit leading one (0x100) comes back with the half step */
	if (seg == 0)
		v = (mant << 4) + 8;
	else
		v = ((mant << 4) + 0x108) << (seg - 1);

	return (int16_t)((a & 0x80) ? v : -v);
}
