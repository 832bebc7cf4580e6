/**
 * @file extract_priv.h  What the slot extractors share between their
 * files: number parsing (extract.c) and callback times (extract_time.c).
 */
#include <stdint.h>

#define MILLI 1000                   /* values are kept in thousandths */
#define CAP   INT64_C(1000000000000) /* largest value, 10^12 */
#define CAPM  (CAP * MILLI)
#define OUTSZ 64 /* every value but text fits */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define is_alpha(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define is_digit(c) ((c) >= '0' && (c) <= '9')
#define is_space(c) ((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))

/* v == lead * mult, the last unit its multiplier, for ranges; lead2 and
 * mult2 the same with every trailing unit: 两百万 is 200 * 10^4 and
 * 2 * 10^6. */
struct num {
	const char *end;    /* just past the number */
	int64_t v;          /* value in thousandths */
	int64_t lead, mult;
	int64_t lead2, mult2;
	int money;          /* +1 currency next to it, -1 another unit */
	int vague;          /* 几万: no value, returned as -1 */
};


size_t ex_lit(const char *p, const char *w);
size_t ex_match(const char *list, const char *p);
int ex_prev_in(const char *s, const char *p, const char *set);
const char *ex_skip_sp(const char *p);
const char *ex_skip_token(const char *p);
size_t ex_en_word(const char *p, char *w, size_t wsize, int *aposp);
int ex_en_num(const char *w);
int ex_num_zh(const char *p, struct num *n, int clock);

/** The callback_time extractor (extract_time.c). */
int ex_get_time(const char *s, char *out);
