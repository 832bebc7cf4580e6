/**
 * @file utf8.c  UTF-8 decoding and encoding.
 */
#include <stddef.h>
#include "core/utf8.h"

uint32_t u8_decode(const char **pp, const char *end)
{
	const unsigned char *p = (const unsigned char *)*pp;
	const unsigned char *e = (const unsigned char *)end;
	uint32_t cp, min;
	size_t n, i;

	if (p[0] < 0x80) {
		*pp += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	}
	else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	}
	else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	}
	else {
		goto bad;
	}
	if ((size_t)(e - p) < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*pp += n;
	return cp;
bad:
	*pp += 1;
	return U8_BAD;
}

size_t u8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = U8_BAD;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t u8_len(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	size_t len = 0;

	while (p < end) {
		(void)u8_decode(&p, end);
		++len;
	}
	return len;
}

size_t u8_trim(const char *s, size_t n)
{
	const char *p = s, *end = s + n, *last = s;

	while (p < end) {
		const char *q = p;
		uint32_t cp = u8_decode(&q, end);

		/* a truncated sequence at the end decodes as bad: cut it */
		if (cp == U8_BAD && q == p + 1 &&
		    ((unsigned char)*p & 0xc0) == 0xc0 && (size_t)(end - p) < 4)
			break;
		p = q;
		last = p;
	}
	return (size_t)(last - s);
}
