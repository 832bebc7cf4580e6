/**
 * @file utf8.h  UTF-8 decoding and encoding, strict about bad bytes.
 *
 * Callers feed outside text (ASR output, YAML, terminals), so a bad byte
 * never stops decoding: it decodes as U+FFFD and the cursor moves one byte.
 */
#include <stdint.h>

#define U8_BAD 0xfffdu

/**
 * Decode one code point at *p (p < end) and advance *p past it.
 * Overlong forms, surrogates and values above U+10FFFF give U8_BAD.
 */
uint32_t u8_decode(const char **p, const char *end);

/** Encode cp into out (room for 4 bytes); returns the byte count. */
size_t u8_encode(uint32_t cp, char *out);

/** Number of code points in s (bad bytes count one each). */
size_t u8_len(const char *s, size_t n);

/** Largest prefix length <= n of s that does not cut a character. */
size_t u8_trim(const char *s, size_t n);
