/**
 * @file words.c  From a script phrase to dictionary words.
 *
 * The recognizer can only say words its dictionary can pronounce, and the
 * text it returns must read like the script's own phrases so the dialog's
 * matcher finds them. So:
 *
 * - English: lower case, letters, digits and apostrophes only (curly
 *   quotes become '); a word the dictionary lacks is dropped from the
 *   phrase (the caller warns).
 * - Mandarin: runs of Chinese characters are cut into dictionary words by
 *   longest match; a character the dictionary lacks drops the phrase.
 *   Latin abbreviations (ok, ai, wx) are spelled by their letters, as
 *   people say them, when the word itself is not in the dictionary.
 * - Digits stay digits in the output ("12315", "5000") but are pronounced
 *   as spoken: each number becomes a pseudo-word whose pronunciation is
 *   the reading's (English cardinal; Mandarin cardinal for round amounts,
 *   digit by digit, with 一 and 幺 variants, for numbers like hotlines).
 *   Its entries go to `extra` for the cut dictionary.
 *
 * Pure functions of (lexicon, text): any thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "core/utf8.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

enum { MAXPRON = 8, PRONSZ = 512 };

/* ---- numbers -------------------------------------------------------------*/

static const char *const en_ones[] = {
	"zero",    "one",     "two",       "three",    "four",
	"five",    "six",     "seven",     "eight",    "nine",
	"ten",     "eleven",  "twelve",    "thirteen", "fourteen",
	"fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
};
static const char *const en_tens[] = {
	"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
	"eighty", "ninety",
};

static void cat(char *out, size_t sz, const char *w)
{
	size_t n = strlen(out);

	if (n && n < sz - 1)
		out[n++] = ' ';
	if (n < sz)
		snprintf(out + n, sz - n, "%s", w);
}

static void en_under1000(char *out, size_t sz, unsigned v)
{
	if (v >= 100) {
		cat(out, sz, en_ones[v / 100]);
		cat(out, sz, "hundred");
		v %= 100;
	}
	if (v >= 20) {
		cat(out, sz, en_tens[v / 10]);
		v %= 10;
		if (v)
			cat(out, sz, en_ones[v]);
	}
	else if (v) {
		cat(out, sz, en_ones[v]);
	}
}

int asr_number_en(char *out, size_t sz, const char *digits, size_t n)
{
	static const char *const scale[] = {"billion", "million", "thousand",
					    ""};
	unsigned long long v = 0;
	size_t i;

	if (!out || !sz || !digits || !n)
		return EINVAL;
	out[0] = '\0';
	if (n > 12 || (n > 1 && digits[0] == '0')) {
		for (i = 0; i < n; i++)
			cat(out, sz, en_ones[digits[i] - '0']);
		return 0;
	}
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(digits[i] - '0');
	if (!v) {
		cat(out, sz, "zero");
		return 0;
	}
	for (i = 0; i < 4; i++) {
		unsigned long long div = 1;
		unsigned part;
		size_t k;

		for (k = i; k < 3; k++)
			div *= 1000;
		part = (unsigned)(v / div % 1000);
		if (!part)
			continue;
		en_under1000(out, sz, part);
		if (*scale[i])
			cat(out, sz, scale[i]);
	}
	return 0;
}

static const char *const zh_digit[] = {"零", "一", "二", "三", "四",
				       "五", "六", "七", "八", "九"};

/* 0 < v < 10000; lead: nothing before it (10-19 read 十…) */
static void zh_section(char *out, size_t sz, unsigned v, bool lead)
{
	static const char *const unit[] = {"千", "百", "十", ""};
	unsigned div = 1000;
	bool zero = false, any = false;
	int i;

	for (i = 0; i < 4; i++, div /= 10) {
		unsigned d = v / div % 10;

		if (!d) {
			zero = any;
			continue;
		}
		if (zero)
			strncat(out, "零", sz - strlen(out) - 1);
		zero = false;
		if (i == 2 && d == 1 && lead && !any)
			; /* 十五, not 一十五 */
		else if (d == 2 && i < 2 && !any)
			strncat(out, "两", sz - strlen(out) - 1);
		else
			strncat(out, zh_digit[d], sz - strlen(out) - 1);
		strncat(out, unit[i], sz - strlen(out) - 1);
		any = true;
	}
}

int asr_number_zh(char *out, size_t sz, const char *digits, size_t n,
		  bool yao)
{
	unsigned long v = 0;
	bool round = true;
	size_t i;

	if (!out || !sz || !digits || !n)
		return EINVAL;
	out[0] = '\0';
	for (i = 2; i < n; i++)
		round &= digits[i] == '0';
	if (n > 8 || (n > 2 && !round) || (n > 1 && digits[0] == '0')) {
		for (i = 0; i < n; i++) {
			const char *d = zh_digit[digits[i] - '0'];

			if (yao && digits[i] == '1')
				d = "幺";
			strncat(out, d, sz - strlen(out) - 1);
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(digits[i] - '0');
	if (!v) {
		strncat(out, "零", sz - 1);
		return 0;
	}
	if (v >= 10000) {
		if (v / 10000 == 2)
			strncat(out, "两", sz - strlen(out) - 1);
		else
			zh_section(out, sz, (unsigned)(v / 10000), true);
		strncat(out, "万", sz - strlen(out) - 1);
		v %= 10000;
		if (v && v < 1000)
			strncat(out, "零", sz - strlen(out) - 1);
		if (v)
			zh_section(out, sz, (unsigned)v, false);
		return 0;
	}
	zh_section(out, sz, (unsigned)v, true);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void put_word(struct mbuf *mb, const char *w, size_t n)
{
	if (mb->end)
		mbuf_write_u8(mb, ' ');
	mbuf_write_mem(mb, (const uint8_t *)w, n);
}

static void set_bad(char *bad, size_t badsz, const char *w, size_t n)
{
	if (!bad || !badsz || bad[0])
		return;
	if (n >= badsz)
		n = u8_trim(w, badsz - 1);
	memcpy(bad, w, n);
	bad[n] = '\0';
}

/* Append pron to acc (space-separated); false when it does not fit. */
static bool pron_cat(char *acc, size_t sz, const char *pron)
{
	size_t n = strlen(acc), m = strlen(pron);

	if (n + m + 2 > sz)
		return false;
	if (n)
		acc[n++] = ' ';
	memcpy(acc + n, pron, m + 1);
	return true;
}

/* The first pronunciation of each space-separated English word of text,
 * concatenated. */
static bool en_reading_pron(char *acc, size_t sz, const struct asr_lex *lex,
			    const char *text)
{
	acc[0] = '\0';
	while (*text) {
		size_t len = strcspn(text, " ");
		const char *p[1];

		if (!asr_lex_prons(lex, text, len, p, 1) ||
		    !pron_cat(acc, sz, p[0]))
			return false;
		text += len;
		if (*text == ' ')
			++text;
	}
	return acc[0] != '\0';
}

/* Longest-match segmentation of Chinese text (no spaces); words go to
 * mb (if not NULL) and the first pronunciations to acc (if not NULL). */
static bool zh_segment(struct mbuf *mb, char *acc, size_t accsz,
		       const struct asr_lex *lex, const char *s, size_t n,
		       char *bad, size_t badsz, size_t *nw)
{
	size_t maxlen = asr_lex_maxlen(lex);
	const char *end = s + n;

	while (s < end) {
		const char *q = s;
		size_t take = 0, len, k;

		/* byte length of up to maxlen code points */
		for (k = 0; k < maxlen && q < end; k++)
			(void)u8_decode(&q, end);
		len = (size_t)(q - s);
		while (len) {
			const char *p[1];

			if (asr_lex_prons(lex, s, len, p, 1)) {
				take = len;
				if (acc && !pron_cat(acc, accsz, p[0]))
					return false;
				break;
			}
			/* one code point less */
			len = u8_trim(s, len - 1);
		}
		if (!take) {
			const char *c = s;

			(void)u8_decode(&c, end);
			set_bad(bad, badsz, s, (size_t)(c - s));
			return false;
		}
		if (mb)
			put_word(mb, s, take);
		if (nw)
			++*nw;
		s += take;
	}
	return true;
}

/* "word phones\n" for a pseudo-word, alternates as word(2) ... */
static void put_extra(struct mbuf *extra, const char *w, size_t n,
		      const char *const *prons, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		mbuf_write_mem(extra, (const uint8_t *)w, n);
		if (i)
			mbuf_printf(extra, "(%zu)", i + 1);
		mbuf_printf(extra, " %s\n", prons[i]);
	}
}

/* ---- English -------------------------------------------------------------*/

/*
 * Pronunciations for an English word the dictionary lacks, in the ways
 * scripts write spoken words: without its apostrophe ("thats", "dont",
 * "im"), run together ("moneywise", "chatbot": two dictionary words), or
 * an abbreviation spelled by letters ("apr", "ftc"). The word keeps its
 * script spelling in the output. @return how many (0: none of these)
 */
static size_t en_fallback(const struct asr_lex *lex, const char *w, size_t n,
			  char pron[][PRONSZ], size_t max)
{
	const char *p[MAXPRON], *q[1];
	char t[130];
	size_t k, i;

	if (n < 2 || n > sizeof(t) - 2 || strchr(w, '\''))
		return 0;
	for (i = 0; i < n; i++) {
		if (!isalpha((unsigned char)w[i]))
			return 0;
	}
	/* a lost apostrophe: that's, don't, i'm, you're */
	for (k = 1; k <= 3 && k < n; k++) {
		memcpy(t, w, n - k);
		t[n - k] = '\'';
		memcpy(t + n - k + 1, w + n - k, k);
		size_t np = asr_lex_prons(lex, t, n + 1, p,
					  max < MAXPRON ? max : MAXPRON);

		for (i = 0; i < np; i++)
			snprintf(pron[i], PRONSZ, "%s", p[i]);
		if (np)
			return np;
	}
	/* two words run together, the first as long as possible */
	for (k = n - 2; k >= 2; k--) {
		if (asr_lex_prons(lex, w, k, p, 1) &&
		    asr_lex_prons(lex, w + k, n - k, q, 1)) {
			snprintf(pron[0], PRONSZ, "%s %s", p[0], q[0]);
			return 1;
		}
	}
	/* an abbreviation: letters "a." "p." "r." */
	if (n > 4)
		return 0;
	pron[0][0] = '\0';
	for (i = 0; i < n; i++) {
		char letter[2] = {w[i], '.'};

		if (!asr_lex_prons(lex, letter, 2, p, 1) ||
		    !pron_cat(pron[0], PRONSZ, p[0]))
			return 0;
	}
	return 1;
}

static size_t words_en(struct mbuf *mb, struct mbuf *extra,
		       const struct asr_lex *lex, const char *s,
		       size_t *dropped, char *bad, size_t badsz)
{
	const char *end = s + strlen(s);
	char tok[128];
	size_t nw = 0;

	while (s < end) {
		size_t n = 0;
		bool digits = true, alpha = false;
		const char *p[1];

		/* gather one token: [a-z0-9'] with 1,000 commas and ’ */
		while (s < end) {
			const char *q = s;
			uint32_t c = u8_decode(&q, end);

			if (c == 0x2019 || c == 0x2018)
				c = '\'';
			if (c < 0x80 && (isalnum((int)c) || c == '\'')) {
				if (n < sizeof(tok) - 1)
					tok[n++] = (char)tolower((int)c);
				digits &= isdigit((int)c) != 0;
				alpha |= isalpha((int)c) != 0;
			}
			else if (c == ',' && n && digits && q < end &&
				 isdigit((unsigned char)*q)) {
				; /* 20,000 */
			}
			else {
				s = q;
				break;
			}
			s = q;
		}
		/* trim apostrophes */
		while (n && tok[n - 1] == '\'')
			--n;
		tok[n] = '\0';
		{
			size_t b = strspn(tok, "'");

			memmove(tok, tok + b, n - b + 1);
			n -= b;
		}
		if (!n)
			continue;
		if (digits && !alpha) {
			char reading[256], pron[PRONSZ];

			if (!asr_number_en(reading, sizeof(reading), tok, n) &&
			    en_reading_pron(pron, sizeof(pron), lex,
					    reading)) {
				const char *pv[1] = {pron};

				put_word(mb, tok, n);
				put_extra(extra, tok, n, pv, 1);
				++nw;
				continue;
			}
		}
		else if (asr_lex_prons(lex, tok, n, p, 1)) {
			put_word(mb, tok, n);
			++nw;
			continue;
		}
		else {
			char fb[MAXPRON][PRONSZ];
			const char *pv[MAXPRON];
			size_t nf = en_fallback(lex, tok, n, fb, MAXPRON), k;

			for (k = 0; k < nf; k++)
				pv[k] = fb[k];
			if (nf) {
				put_word(mb, tok, n);
				put_extra(extra, tok, n, pv, nf);
				++nw;
				continue;
			}
		}
		set_bad(bad, badsz, tok, n);
		++*dropped;
	}
	return nw;
}

/* ---- Mandarin ----------------------------------------------------------- */

static bool is_han(uint32_t c)
{
	return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0x20000 && c <= 0x2ffff) || c == 0x3007; /* 〇 */
}

/* Fold full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ) to ASCII. */
static uint32_t fold_width(uint32_t c)
{
	if (c >= 0xff10 && c <= 0xff5a)
		return c - 0xfee0;
	return c;
}

static bool zh_latin(struct mbuf *mb, struct mbuf *extra,
		     const struct asr_lex *lex, const char *w, size_t n)
{
	char pron[PRONSZ] = "";
	const char *p[MAXPRON];
	size_t np, i;

	np = asr_lex_prons(lex, w, n, p, MAXPRON);
	if (np) {
		put_word(mb, w, n);
		return true;
	}
	if (n > 6)
		return false;
	for (i = 0; i < n; i++) {
		char letter[3] = {(char)toupper((unsigned char)w[i]), '.', 0};

		if (!isalpha((unsigned char)w[i]) ||
		    !asr_lex_prons(lex, letter, 2, p, 1) ||
		    !pron_cat(pron, sizeof(pron), p[0]))
			return false;
	}
	p[0] = pron;
	put_word(mb, w, n);
	put_extra(extra, w, n, p, 1);
	return true;
}

static bool zh_digits(struct mbuf *mb, struct mbuf *extra,
		      const struct asr_lex *lex, const char *w, size_t n)
{
	char reading[256], pron[2][PRONSZ];
	const char *p[2];
	size_t np = 0;
	int v;

	for (v = 0; v < 2; v++) {
		if (asr_number_zh(reading, sizeof(reading), w, n, v == 1))
			return false;
		if (v == 1 && !strstr(reading, "幺"))
			break; /* no 1 read digit by digit: one reading */
		pron[np][0] = '\0';
		if (!zh_segment(NULL, pron[np], PRONSZ, lex, reading,
				strlen(reading), NULL, 0, NULL))
			continue;
		p[np] = pron[np];
		++np;
	}
	if (!np)
		return false;
	put_word(mb, w, n);
	put_extra(extra, w, n, p, np);
	return true;
}

static size_t words_zh(struct mbuf *mb, struct mbuf *extra,
		       const struct asr_lex *lex, const char *s, char *bad,
		       size_t badsz)
{
	const char *end = s + strlen(s);
	size_t nw = 0;

	while (s < end) {
		const char *q = s, *run = s;
		uint32_t c = fold_width(u8_decode(&q, end));

		if (is_han(c)) {
			const char *r = q;

			while (r < end) {
				const char *t = r;

				if (!is_han(u8_decode(&t, end)))
					break;
				r = t;
			}
			if (!zh_segment(mb, NULL, 0, lex, run,
					(size_t)(r - run), bad, badsz, &nw))
				return 0;
			s = r;
		}
		else if (c < 0x80 && isalnum((int)c)) {
			char tok[64];
			size_t n = 0;
			bool dig = isdigit((int)c) != 0;

			/* a run of the same class (digits or letters) */
			while (s < end) {
				const char *t = s;
				uint32_t d = fold_width(u8_decode(&t, end));

				if (d >= 0x80 || !isalnum((int)d) ||
				    (isdigit((int)d) != 0) != dig)
					break;
				if (n < sizeof(tok) - 1)
					tok[n++] = (char)tolower((int)d);
				s = t;
			}
			tok[n] = '\0';
			if (!(dig ? zh_digits(mb, extra, lex, tok, n)
				  : zh_latin(mb, extra, lex, tok, n))) {
				set_bad(bad, badsz, tok, n);
				return 0;
			}
			++nw;
		}
		else {
			s = q; /* spaces and punctuation */
		}
	}
	return nw;
}

size_t asr_words(struct mbuf *mb, struct mbuf *extra,
		 const struct asr_lex *lex, enum asr_lang_id lang,
		 const char *phrase, size_t *dropped, char *bad,
		 size_t badsz)
{
	size_t d = 0, start = mb ? mb->end : 0, n;

	if (!mb || !extra || !lex || !phrase)
		return 0;
	if (bad && badsz)
		bad[0] = '\0';
	if (lang == ASR_ZH)
		n = words_zh(mb, extra, lex, phrase, bad, badsz);
	else
		n = words_en(mb, extra, lex, phrase, &d, bad, badsz);
	if (!n) {
		mb->end = mb->pos = start;
		/* a Mandarin phrase may have written words before failing */
	}
	if (dropped)
		*dropped = d;
	return n;
}
