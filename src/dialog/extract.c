/**
 * @file extract.c  Slot extractors: amounts, numbers, yes/no, callback
 * times and free text, from one utterance in Mandarin or English.
 *
 * Design. An utterance is one short turn of speech, so every extractor is a
 * single left-to-right scan of the NUL-terminated text: no allocation, no
 * copy, no locale (ASCII case is folded by hand), state on the stack and
 * const tables only, hence safe from any thread.
 *
 * The text may be anything: ASR output, typed text or fuzz. It is walked by
 * code point with a strict UTF-8 decoder that turns each invalid byte into
 * one U+FFFD step, and every look-ahead compares against a literal or tests
 * one byte at a time, so the NUL stops it and nothing reads past the end.
 *
 * Numbers have one grammar per script: Chinese (digits, 十百千万亿 and the
 * spoken shortcuts 一万五 = 15000, 两三万 = 20000, 十几万, 一万零五百),
 * English words (fifty thousand, a hundred and five) and digits, which may
 * lead either one (5万, 2 million, 50k). Values are kept in thousandths so
 * that 5.5万 and 1.5 million are exact, and every step is checked against
 * 10^12: a larger number is skipped as garbage rather than clamped, since a
 * clamped amount would be a made-up one. A range (两到三万, "ten to twenty
 * thousand", "between five and ten thousand") gives its lower bound: the
 * first number borrows the second one's multiplier. For the same reason a
 * guess at the order of magnitude (几万, 小几十万, 百八十万) is no amount,
 * while 十几万 and 十来万 are at least 十万.
 *
 * Yes/no and callback times are word lists. At each position the longest
 * word wins, which is how 不需要 beats 需要 and 银行 (bank) is not 行 (OK);
 * some lists exist only to swallow such look-alikes. English is matched by
 * whole words, so "yesterday" is not "yes". A callback time keeps what
 * the operator acts on: the day, "next" for next week's, the time and
 * whether it is a bound ("after 18:00"); its format is documented in
 * docs/scripts.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "dialog/extract.h"
#include "dialog/extract_priv.h"


/* ---- characters and words -------------------------------------------- */

/* Decode one code point; an invalid or cut sequence is one byte of U+FFFD,
 * so a scan always advances and never steps over the NUL. */
static uint32_t u8_get(const char *p, size_t *lenp)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t c = s[0], min;
	size_t n, i;

	*lenp = 1;
	if (c < 0xc2 || c > 0xf4)
		return c < 0x80 ? c : 0xfffd;
	n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
	c &= 0x3fu >> n;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	*lenp = n + 1;
	return c;
}

/* Length of the literal w if p starts with it, else 0. */
size_t ex_lit(const char *p, const char *w)
{
	size_t n = strlen(w);

	return strncmp(p, w, n) ? 0 : n;
}

/* Does the text s..p end with one of the characters of set? */
int ex_prev_in(const char *s, const char *p, const char *set)
{
	size_t m;

	for (; *set; set += m) {
		u8_get(set, &m);
		if ((size_t)(p - s) >= m && !memcmp(p - m, set, m))
			return 1;
	}
	return 0;
}

/* ASCII classes by hand: <ctype.h> would depend on the locale */

/* Is the last word of the text s..p, spaces aside, the lower-case English
 * word w, in any case? */
static int prev_word(const char *s, const char *p, const char *w)
{
	size_t n = strlen(w), i;

	while (p > s && is_space(p[-1]))
		--p;
	if ((size_t)(p - s) < n)
		return 0;
	p -= n; /* the start of the word, if it is one */
	if (p > s && is_alpha(p[-1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alpha(p[i]) || (p[i] | 0x20) != w[i])
			return 0;
	return 1;
}

const char *ex_skip_sp(const char *p)
{
	while (is_space(*p))
		++p;
	return p;
}

/* An ASCII or full-width digit (raw text may skip the matcher's folding):
 * its value, or -1. */
static int digit_at(const char *p, size_t *lenp)
{
	const unsigned char *s = (const unsigned char *)p;

	*lenp = 1;
	if (is_digit(p[0]))
		return s[0] - '0';
	if (s[0] == 0xef && s[1] == 0xbc && s[2] >= 0x90 && s[2] <= 0x99) {
		*lenp = 3;
		return s[2] - 0x90;
	}
	return -1;
}

/* Read the English word at p into w: lower case, apostrophes (' or U+2019)
 * dropped, "" when too long. Returns its length in bytes, 0 if p is not at
 * a letter; *aposp tells whether it had an apostrophe (don't). */
size_t ex_en_word(const char *p, char *w, size_t wsize, int *aposp)
{
	size_t i = 0, n = 0, k;

	if (aposp)
		*aposp = 0;
	for (;;) {
		if (is_alpha(p[i])) {
			if (n + 1 < wsize)
				w[n] = (char)(p[i] | 0x20);
			++n, ++i;
			continue;
		}
		k = p[i] == '\'' ? 1 : ex_lit(p + i, "\xe2\x80\x99");
		if (!n || !k || !is_alpha(p[i + k]))
			break;
		if (aposp)
			*aposp = 1;
		i += k;
	}
	w[n < wsize ? n : 0] = '\0';
	return i;
}

/* Skip to the next token: a word, a digit run, or one code point. */
const char *ex_skip_token(const char *p)
{
	size_t l;

	if (is_alpha(*p)) {
		while (is_alpha(*p))
			++p;
	} else if (digit_at(p, &l) >= 0) {
		while (digit_at(p, &l) >= 0)
			p += l;
	} else {
		u8_get(p, &l);
		p += l;
	}
	return p;
}

/* Length of the English phrase ph[0..n) (lower case, words separated by
 * one space) at the word start p, or 0. */
static size_t en_phrase(const char *p, const char *ph, size_t n)
{
	const char *q = p;
	char w[24];
	size_t l, k;

	for (;;) {
		l = ex_en_word(q, w, sizeof(w), NULL);
		for (k = 0; k < n && ph[k] != ' ';)
			++k;
		if (!l || strlen(w) != k || memcmp(w, ph, k))
			return 0;
		q += l;
		if (k == n)
			return (size_t)(q - p);
		ph += k + 1, n -= k + 1;
		while (is_space(*q) || *q == '-')
			++q;
	}
}

/* Length of the longest entry of a '|'-separated list found at p, or 0.
 * ASCII entries are English words, tried only where p starts a word. */
size_t ex_match(const char *list, const char *p)
{
	size_t best = 0, l, n;

	for (; *list; list += n + (list[n] == '|')) {
		n = strcspn(list, "|");
		if (is_alpha(*list))
			l = is_alpha(*p) ? en_phrase(p, list, n) : 0;
		else
			l = n && !strncmp(p, list, n) ? n : 0;
		best = l > best ? l : best;
	}
	return best;
}

/* ---- numbers ---------------------------------------------------------- */

/* *r = a * b + c, all >= 0, unless that passes the cap. */
static int mad(int64_t a, int64_t b, int64_t c, int64_t *r)
{
	if (c > CAPM || (b && a > (CAPM - c) / b))
		return 0;
	*r = a * b + c;
	return 1;
}

/* Keep lead * mult and lead2 * mult2 only if each still is the whole
 * value; lead2 * mult2 falls back on the first. */
static void num_done(struct num *n, const char *end, int64_t v,
		     int64_t lead, int64_t mult, int64_t lead2, int64_t mult2)
{
	n->end = end, n->v = v;
	n->lead = v, n->mult = 1;
	if (mult > 1 && v % mult == 0 && v / mult == lead)
		n->lead = lead, n->mult = mult;
	n->lead2 = n->lead, n->mult2 = n->mult;
	if (mult2 > n->mult && v % mult2 == 0 && v / mult2 == lead2)
		n->lead2 = lead2, n->mult2 = mult2;
}

/* Digits with optional 1,000 grouping and decimals, in thousandths in *vp,
 * -1 on overflow (the whole run is still read). Returns the end. */
static const char *arabic(const char *p, int64_t *vp, int *ndigp)
{
	int64_t v = 0, f = 0, scale = 100;
	int d, nd = 0, ovf = 0;
	size_t l;

	while ((d = digit_at(p, &l)) >= 0) {
		ovf |= v > (CAP - d) / 10;
		v = ovf ? v : v * 10 + d;
		p += l, ++nd;
		/* 50,000: a comma then exactly three digits */
		while (nd <= 3 && p[0] == ',' && is_digit(p[1]) &&
		       is_digit(p[2]) && is_digit(p[3]) && !is_digit(p[4])) {
			for (l = 1; l <= 3; l++) {
				ovf |= v > (CAP - 9) / 10;
				v = ovf ? v : v * 10 + (p[l] - '0');
			}
			p += 4;
		}
	}
	if (p[0] == '.' && is_digit(p[1]))
		for (++p; is_digit(*p); ++p, scale /= 10)
			f += (*p - '0') * scale;
	*vp = ovf ? -1 : v * MILLI + f;
	*ndigp = nd;
	return p;
}

/* The value of a Chinese digit, or -1; 〇 幺 两 兩 are variants. */
static int zh_digit(uint32_t c)
{
	static const char digits[] = "零一二三四五六七八九〇幺两兩";
	const char *p;
	size_t l;
	int i;

	for (p = digits, i = 0; *p; p += l, i++)
		if (u8_get(p, &l) == c)
			return i < 10 ? i : "\0\1\2\2"[i - 10];
	return -1;
}

/* The Chinese unit (十 to 亿) at p, or 0. */
static int64_t zh_unit(const char *p)
{
	size_t l;

	switch (u8_get(p, &l)) {
	case 0x5341: return 10;                     /* 十 */
	case 0x767e: return 100;                    /* 百 */
	case 0x5343: return 1000;                   /* 千 */
	case 0x4e07: case 0x842c: return 10000;     /* 万 萬 */
	case 0x4ebf: case 0x5104: return 100000000; /* 亿 億 */
	default: return 0;
	}
}

/* A run of Chinese digits: one digit, two neighbours giving a range whose
 * lower end counts (两三万, 三五万), or digits read out one by one, as in
 * years and phone numbers (二零二四). *vp in thousandths, -1 on overflow. */
static const char *zh_run(const char *p, int64_t *vp, int *singlep)
{
	int64_t v = 0;
	int d, first = 0, n = 0, ovf = 0;
	size_t l, m;

	while ((d = zh_digit(u8_get(p, &l))) >= 0) {
		first = n ? first : d;
		if (n == 1 && first &&
		    (d == first + 1 || (first == 3 && d == 5)) &&
		    zh_digit(u8_get(p + l, &m)) < 0) {
			v = first, n = 2, p += l;
			break;
		}
		ovf |= v > (CAP - d) / 10;
		v = ovf ? v : v * 10 + d;
		p += l, ++n;
	}
	*singlep = n == 1;
	*vp = ovf ? -1 : v * MILLI;
	return p;
}

/*
 * The Chinese grammar, which also takes digits as numerals (5万, 1万5);
 * with clock set, 点 is o'clock and never a decimal point. pend is the
 * numeral waiting for a unit, sec the part below 万, big the part of 万
 * and above. Returns 1, 0 when there is no number at p, or -1 on overflow
 * or for a number too vague to be a value (几万, 百八十万), with n->end
 * past the bad part.
 */
int ex_num_zh(const char *p, struct num *n, int clock)
{
	int64_t big = 0, sec = 0, pend = -1, unit, last = 0, secunit = 0;
	int64_t lead = 0, mult = 1, lead2 = 0, mult2 = 1, v, f, sc;
	int single = 0, glued = 0, loose = 0, wan = 0, yi = 0, vague = 0;
	int nd;
	const char *q = p, *r;
	uint32_t c;
	size_t l, m;

	for (;; q += l) {
		c = u8_get(q, &l);
		if (zh_digit(c) >= 0 || digit_at(q, &m) >= 0) {
			if (pend >= 0)
				break;
			if (zh_digit(c) == 0 && last) {
				loose = 1; /* 一万零五: no 一万五 shortcut */
				continue;
			}
			if (zh_digit(c) >= 0) {
				r = zh_run(q, &pend, &single);
			} else {
				r = arabic(q, &pend, &nd);
				single = nd == 1 && pend % MILLI == 0;
				/* "5 万": ASR spaces digits and units */
				if (zh_unit(ex_skip_sp(r)) >= 100)
					r = ex_skip_sp(r);
			}
			q = r, l = 0;
			if (pend < 0)
				goto ovf;
			glued = last && !loose;
			continue;
		}
		unit = zh_unit(q);
		/* 百八十, 千八百, 万八千: "a hundred or so", not 80 */
		if (q == p && unit >= 100 && ex_lit(q + l, "八") &&
		    zh_unit(q + l + 3) == unit / 10) {
			vague = 1;
			continue;
		}
		if (unit && unit < 10000) {
			if ((secunit && unit >= secunit) ||
			    (pend < 0 && (unit != 10 || sec)))
				break; /* 千万 (by all means) is no number */
			pend = pend < 0 ? MILLI : pend; /* 十 is 一十 */
			lead = pend, mult = unit;
			if (!mad(pend, unit, sec, &sec))
				goto ovf;
			last = secunit = unit;
			pend = -1, glued = loose = 0;
			continue;
		}
		if (unit) {
			v = sec + (pend < 0 ? 0 : pend);
			if (unit == 10000 ? wan : yi)
				break;
			if (unit > 10000)
				v += big, big = 0, yi = 1, wan = 0;
			else
				wan = 1;
			if (!v)
				break;
			/* 两百万 is also 2 * 10^6, for 一到两百万 */
			lead2 = v, mult2 = unit;
			if (pend < 0 && mult > 1 && v % mult == 0 &&
			    v / mult == lead)
				lead2 = lead, mult2 = mult * unit;
			lead = v, mult = unit;
			if (!mad(v, unit, big, &big))
				goto ovf;
			last = unit, secunit = sec = 0;
			pend = -1, glued = loose = 0;
			continue;
		}
		/* 一万多, 十多万, 十来万: "and some", keep the lower bound */
		if (last && pend < 0 && (c == 0x591a || c == 0x4f59 ||
					 (c == 0x6765 && zh_unit(q + l)))) {
			loose = 1;
			continue;
		}
		/* 十几万: "ten and some", at least 十; 几万, 几十万 and
		 * 小几十万 are "some" of a unit, a guess at the order of
		 * magnitude rather than an amount */
		if (c == 0x51e0 && pend < 0 && secunit == 10) {
			pend = 0, loose = 1, single = 0;
			continue;
		}
		if (c == 0x51e0 && pend < 0 && !last && zh_unit(q + l)) {
			pend = MILLI, vague = 1, single = 0;
			continue;
		}
		/* 五点五万: a decimal point, but only before a big unit */
		if (c == 0x70b9 && !clock && pend >= 0 &&
		    pend % MILLI == 0) {
			f = 0, sc = 100;
			for (r = q + l; zh_digit(u8_get(r, &m)) >= 0; r += m)
				f += zh_digit(u8_get(r, &m)) * sc, sc /= 10;
			if (r == q + l || zh_unit(r) < 1000)
				break;
			pend += f, single = 0;
			q = r, l = 0;
			continue;
		}
		break;
	}
	if (q == p)
		return 0;
	if (vague || !mad(sec, 1, big, &v))
		goto ovf;
	if (pend >= 0) {
		/* 一万五 is 15000 and 三千五 3500: a lone digit right after
		 * a unit counts one place below it */
		unit = glued && single && !loose && last >= 100 ? last / 10
								  : 1;
		if (!mad(pend, unit, v, &v))
			goto ovf;
		mult = mult2 = 1;
	}
	num_done(n, q, v, lead, mult, lead2, mult2);
	return 1;
ovf:
	n->end = q > p ? q : p + 1;
	n->vague = vague;
	return -1;
}

/* The value of an English number word below 100, or -1. */
int ex_en_num(const char *w)
{
	static const char words[] =
		"zero one two three four five six seven eight nine ten "
		"eleven twelve thirteen fourteen fifteen sixteen seventeen "
		"eighteen nineteen twenty thirty forty fifty sixty seventy "
		"eighty ninety ";
	const char *p = words;
	size_t n = strlen(w);
	int i;

	for (i = 0; *p; i++, p += strcspn(p, " ") + 1)
		if (n && !strncmp(p, w, n) && p[n] == ' ')
			return i < 20 ? i : 20 + 10 * (i - 20);
	return -1;
}

/* The multiplier an English word stands for, or 0; "w" (万) only glued to
 * digits, as in 5w. */
static int64_t en_scale(const char *w, int glued)
{
	if (!strcmp(w, "million") || !strcmp(w, "billion"))
		return *w == 'm' ? 1000000 : 1000000000;
	if (!strcmp(w, "thousand") || !strcmp(w, "grand") || !strcmp(w, "k"))
		return 1000;
	return glued && !strcmp(w, "w") ? 10000 : 0;
}

enum { EN_NONE, EN_A, EN_UNIT, EN_TEEN, EN_TENS, EN_HUNDRED, EN_SCALE };

/*
 * English number words and digits: "one hundred and fifty thousand",
 * "twenty-five", "2 million", "50k". g is the group below the last scale
 * word, total what the scale words made, hl what "hundred" multiplied.
 * Returns like ex_num_zh().
 */
static int num_en(const char *p, struct num *n)
{
	int64_t total = 0, g = 0, lastscale = CAP + 1, lead = 0, mult = 1;
	int64_t hl = 0, lead2 = 0, mult2 = 1, v;
	int last = EN_NONE, k, nd;
	const char *q = p, *end = p, *r;
	char w[16];
	size_t l;

	for (;;) {
		for (r = q; q != p && (is_space(*r) || *r == '-');)
			++r;
		if (digit_at(r, &l) >= 0) {
			if (last != EN_NONE && (last != EN_SCALE || g))
				break;
			q = end = arabic(r, &g, &nd);
			if (g < 0)
				goto ovf;
			last = EN_UNIT;
			continue;
		}
		if (!(l = ex_en_word(r, w, sizeof(w), NULL)))
			break;
		k = ex_en_num(w);
		if (k > 0 && k < 10 && (last == EN_NONE || last == EN_TENS ||
					last >= EN_HUNDRED)) {
			g += k * MILLI, last = EN_UNIT;
		} else if (k >= 10 &&
			   (last == EN_NONE || last >= EN_HUNDRED)) {
			g += k * MILLI, last = k < 20 ? EN_TEEN : EN_TENS;
		} else if (k == 0 && last == EN_NONE) {
			end = r + l;
			break;
		} else if (!strcmp(w, "hundred") && last != EN_NONE &&
			   last < EN_HUNDRED && g < 100 * MILLI) {
			hl = g, g *= 100, last = EN_HUNDRED;
		} else if ((v = en_scale(w, r == q)) && last != EN_NONE &&
			   last != EN_SCALE && v < lastscale) {
			/* "two hundred thousand" is also 2 * 10^5 */
			lead2 = last == EN_HUNDRED ? hl : g;
			mult2 = last == EN_HUNDRED ? 100 * v : v;
			lead = g, mult = lastscale = v;
			end = r + l;
			if (!mad(g, v, total, &total))
				goto ovf;
			g = 0, last = EN_SCALE;
		} else if ((!strcmp(w, "a") || !strcmp(w, "an")) &&
			   last == EN_NONE &&
			   ex_match("hundred|thousand|million|billion",
				 ex_skip_sp(r + l))) {
			g = MILLI, last = EN_A;
		} else if (!strcmp(w, "and") && last >= EN_HUNDRED &&
			   ex_en_word(ex_skip_sp(r + l), w, sizeof(w), NULL) &&
			   ex_en_num(w) > 0) {
			q = r + l; /* "and" counts only if a number follows */
			continue;
		} else {
			break;
		}
		q = end = r + l;
	}
	if (end == p)
		return 0;
	if (!mad(g, 1, total, &v))
		goto ovf;
	if (last == EN_HUNDRED) /* "two to three hundred" */
		lead = hl, mult = 100;
	num_done(n, end, v, lead, mult, lead2, mult2);
	return 1;
ovf:
	n->end = end > p ? end : p + 1;
	return -1;
}

/* One number at p, in whichever grammar its first character starts. */
static int num_one(const char *p, struct num *n)
{
	int64_t v;
	size_t l;
	int nd;

	n->vague = 0;
	if (digit_at(p, &l) >= 0)
		return zh_unit(ex_skip_sp(arabic(p, &v, &nd))) >= 100
			       ? ex_num_zh(p, n, 0)
			       : num_en(p, n);
	return is_alpha(*p) ? num_en(p, n) : ex_num_zh(p, n, 0);
}

/* Words between the two ends of a range; "and" only after "between". */
static const char range_words[] = "到|至|～|-|~|to|or";

/* Words after a number that make it money, or something else. */
static const char money_words[] =
	"块|元|圆|人民币|美元|美金|dollar|dollars|buck|bucks|usd|rmb|yuan|"
	"kuai";
static const char other_units[] =
	"年|岁|个|月|号|日|天|点|期|次|周|倍|小时|分钟|%|％|:|：|year|years|"
	"month|months|day|days|week|weeks|percent|hour|hours|minutes|am|pm|"
	"times|oclock";

/* +1 when a currency is next to the number, -1 when another unit follows
 * a plain one (2024年, 500%), 0 otherwise: 五万分期 stays money. */
static int money_near(const char *s, const char *p, const struct num *n)
{
	const char *q = ex_skip_sp(n->end);

	while (p > s && p[-1] == ' ')
		--p;
	if (ex_prev_in(s, p, "$¥￥") || ex_match(money_words, q))
		return 1;
	return n->mult < 1000 && ex_match(other_units, q) ? -1 : 0;
}

/* A lone 一 or 十 in a set phrase: 一下, 一定, 十分, 统一, 万一. */
static int idiom(const char *s, const char *p, const char *end)
{
	if (end - p != 3)
		return 0;
	if (ex_lit(p, "十"))
		return ex_lit(end, "分") && !ex_lit(end, "分钟");
	return ex_lit(p, "一") &&
	       (ex_match("下|些|直|定|般|起|样|会|旦|切|致|边|点|次|共", end) ||
		ex_prev_in(s, p, "统唯万同"));
}

/*
 * The number at p as a caller means it: a range gives its lower bound, or
 * nothing when that is vague (几万到十万), an idiom is none, and n->money
 * tells a currency from other units. Returns like ex_num_zh(); n->end is set
 * unless it returns 0.
 */
static int num_at(const char *s, const char *p, struct num *n)
{
	struct num m;
	const char *q;
	size_t l;
	int64_t lead, mult;
	int r = num_one(p, n);

	if (!r)
		return 0;
	q = ex_skip_sp(n->end);
	l = ex_match(range_words, q);
	if (!l && prev_word(s, p, "between"))
		l = ex_match("and", q);
	if (r < 0) {
		/* 几万到十万 has no lower bound to give */
		if (n->vague && l && num_one(ex_skip_sp(q + l), &m))
			n->end = m.end;
		return -1;
	}
	if (idiom(s, p, n->end))
		return -1;
	/* 两到三万, "ten to twenty thousand", "between five and ten
	 * thousand": the first number borrows the second one's largest
	 * multiplier that keeps it below (一到两百万 is 一百万 up) */
	if (l && num_one(ex_skip_sp(q + l), &m) > 0) {
		lead = n->v < m.lead2 ? m.lead2 : m.lead;
		mult = n->v < m.lead2 ? m.mult2 : m.mult;
		if (n->v < lead && n->mult < mult &&
		    mad(n->v, mult, 0, &n->v)) {
			n->end = m.end;
			n->lead = n->lead2 = n->v / mult;
			n->mult = n->mult2 = mult;
		}
	}
	n->money = money_near(s, p, n);
	return 1;
}

/* The first number, or with amount set the first that can be money: a
 * currency next to it, or a value of at least 100 (a bare 3 is not). */
static int get_number(const char *s, int amount, char *out)
{
	const char *p = s;
	struct num n;
	int r;

	while (*p) {
		r = num_at(s, p, &n);
		if (r > 0 && (!amount || n.money > 0 ||
			      (!n.money && n.v >= 100 * MILLI))) {
			snprintf(out, OUTSZ, "%" PRId64, n.v / MILLI);
			return 0;
		}
		p = r && n.end > p ? n.end : ex_skip_token(p);
	}
	return ENOENT;
}

/* ---- yes / no --------------------------------------------------------- */

static const char no_words[] =
	"不是|不要|不用|没有|不需要|不行|不可以|别|不对|不好|没|不|算了|拒绝|"
	"不必|甭|no|nope|not|never|nah|dont|cannot|no thanks|of course not";
static const char yes_words[] =
	"是|对|好|可以|行|要|需要|有|嗯|恩|没问题|没错|不错|当然|愿意|同意|"
	"绝对|yes|yeah|yep|yup|yea|sure|ok|okay|of course|i do|alright|"
	"all right|definitely|absolutely|certainly|correct|no problem|"
	"why not|sounds good|interested";
/* Look-alikes that mean neither: questions, idioms, words around one. */
static const char neither_words[] =
	"特别|区别|分别|级别|类别|性别|识别|告别|个别|差别|别人|别的|别处|"
	"不过|不好意思|不客气|差不多|不少|不管|对不起|不知道|不清楚|不一定|"
	"不然|不久|了不起|不得不|不要紧|要不|是不是|要不要|需不需要|好不好|"
	"行不行|可不可以|对不对|有没有|是否|没关系|没事|没什么|你好|您好|"
	"好像|好久|好多|好几|还好|只好|最好|银行|进行|旅行|执行|行业|流行|"
	"可是|可能|但是|还是|要是|只是|总是|于是|是谁|是哪|是什么|重要|"
	"主要|只要|要求|所有|只有|还有|有点|有时|有人|对方|对于|针对|面对|"
	"对面|not sure|dont know|no idea";

/* Any negation wins: "对，不需要" is a no. */
static int get_yesno(const char *s, char *out)
{
	const char *p = s;
	size_t l, ly, ln, lx;
	int yes = 0, no = 0, apos;
	char w[24];

	while (*p) {
		ly = ex_match(yes_words, p), ln = ex_match(no_words, p);
		lx = ex_match(neither_words, p);
		if (lx && lx >= ly && lx >= ln) {
			p += lx;
		} else if (ly || ln) {
			no |= ln > ly, yes |= ly > ln;
			p += ln > ly ? ln : ly;
		} else {
			/* don't, can't, isn't ... */
			ex_en_word(p, w, sizeof(w), &apos);
			l = strlen(w);
			no |= apos && l > 2 && !strcmp(w + l - 2, "nt");
			p = ex_skip_token(p);
		}
	}
	if (!yes && !no)
		return ENOENT;
	strcpy(out, no ? "no" : "yes");
	return 0;
}

/* ---- text and the API ------------------------------------------------- */

/* The utterance trimmed of spaces and controls (ASCII, U+00A0, U+3000, a
 * BOM), cut at a character boundary to fit. */
static int get_text(const char *s, char *buf, size_t size)
{
	const char *b = NULL, *e = NULL, *p;
	uint32_t c;
	size_t l;

	for (p = s; *p; p += l) {
		c = u8_get(p, &l);
		if (c > ' ' && c != 0xa0 && c != 0x3000 && c != 0xfeff)
			b = b ? b : p, e = p + l;
	}
	if (!b)
		return ENOENT;
	for (p = b; p < e; p += l) {
		u8_get(p, &l);
		if ((size_t)(p + l - b) >= size)
			break;
	}
	memcpy(buf, b, (size_t)(p - b));
	buf[p - b] = '\0';
	return 0;
}

static const char *const kind_names[] = {
	[EXTRACT_AMOUNT] = "amount",
	[EXTRACT_NUMBER] = "number",
	[EXTRACT_YESNO] = "yesno",
	[EXTRACT_CALLBACK_TIME] = "callback_time",
	[EXTRACT_TEXT] = "text",
};

int extract_kind_parse(const char *name, enum extract_kind *kindp)
{
	size_t i;

	if (!name || !kindp)
		return EINVAL;
	for (i = 0; i < NELEM(kind_names); i++)
		if (!strcmp(name, kind_names[i])) {
			*kindp = (enum extract_kind)i;
			return 0;
		}
	return ENOENT;
}

/* "?" for a kind out of range, so that a log line never gets NULL. */
const char *extract_kind_name(enum extract_kind kind)
{
	return (size_t)kind < NELEM(kind_names) ? kind_names[kind] : "?";
}

/* buf is "" on any failure, so a caller that ignores the error still has a
 * string; a value too long for buf fails rather than being cut, since a cut
 * number is a wrong one (text alone is cut, as documented). */
int extract_run(enum extract_kind kind, const char *text, char *buf,
		size_t size)
{
	char out[OUTSZ];
	int err;

	if (!buf || !size)
		return EINVAL;
	buf[0] = '\0';
	if (!text)
		return EINVAL;
	if (kind == EXTRACT_TEXT)
		return get_text(text, buf, size);
	if (kind == EXTRACT_AMOUNT || kind == EXTRACT_NUMBER)
		err = get_number(text, kind == EXTRACT_AMOUNT, out);
	else if (kind == EXTRACT_YESNO)
		err = get_yesno(text, out);
	else if (kind == EXTRACT_CALLBACK_TIME)
		err = ex_get_time(text, out);
	else
		return EINVAL;
	if (err)
		return err;
	if (strlen(out) >= size)
		return EINVAL;
	memcpy(buf, out, strlen(out) + 1);
	return 0;
}
