/**
 * @file prefilter.c  Required literals of a regex, so that the matcher
 * runs a regex only when it can match.
 *
 * Scripts carry dozens of regexes, and running every one of them on every
 * utterance cost more than all the rest of matching (measured: 78 regexes,
 * 80% of the time). Most regexes cannot match most utterances, and each
 * needs some literal text to match: `\b(i|we) (don'?t|do not|never) ...`
 * needs "don", "do not" or "never". This file finds such a set of literals
 * by walking the pattern; the loader adds them to the script's
 * Aho-Corasick automaton as triggers, so finding them costs nothing extra,
 * and a regex none of whose literals occurred is skipped.
 *
 * The walk is conservative: anything it does not understand means "no
 * set", and the regex then always runs. Only case-insensitive matching is
 * assumed (as the loader compiles regexes); literals are lower-cased.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"

#define LIT_MAX 48   /* literals in one set */
#define LIT_LEN 64   /* bytes in one literal */

struct litset {
	char s[LIT_MAX][LIT_LEN];
	size_t n;
	bool ok;     /* a usable set: every match contains one of s[] */
};

struct walk {
	const char *p;
	unsigned depth;
	bool bad;    /* something not understood: give up */
};

static size_t set_minlen(const struct litset *ls)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < ls->n; i++) {
		size_t l = strlen(ls->s[i]);

		if (l < m)
			m = l;
	}
	return ls->n ? m : 0;
}

/* Is a better than b as a filter? Longer shortest literal, then fewer. */
static bool better(const struct litset *a, const struct litset *b)
{
	size_t ma, mb;

	if (!a->ok)
		return false;
	if (!b->ok)
		return true;
	ma = set_minlen(a);
	mb = set_minlen(b);
	if (ma != mb)
		return ma > mb;
	return a->n < b->n;
}

static void set_one(struct litset *ls, const char *run, size_t len)
{
	memset(ls, 0, sizeof(*ls));
	if (!len || len >= LIT_LEN)
		return;
	memcpy(ls->s[0], run, len);
	ls->s[0][len] = '\0';
	ls->n = 1;
	ls->ok = true;
}

static void parse_alt(struct walk *w, struct litset *out);

/* Skip a quantifier after an atom; returns its minimum count. */
static unsigned quantifier(struct walk *w)
{
	unsigned min = 1;

	switch (*w->p) {
	case '?':
	case '*':
		min = 0;
		++w->p;
		break;
	case '+':
		++w->p;
		break;
	case '{': {
		char *end;
		unsigned long n = strtoul(w->p + 1, &end, 10);

		if (end == w->p + 1 || (*end != ',' && *end != '}')) {
			return 1; /* a literal '{' */
		}
		end = strchr(end, '}');
		if (!end) {
			w->bad = true;
			return 0;
		}
		w->p = end + 1;
		min = (unsigned)n;
		break;
	}
	default:
		return 1;
	}
	if (*w->p == '?' || *w->p == '+') /* lazy or possessive */
		++w->p;
	return min;
}

static void skip_class(struct walk *w)
{
	++w->p; /* '[' */
	if (*w->p == '^')
		++w->p;
	if (*w->p == ']')
		++w->p;
	while (*w->p && *w->p != ']') {
		if (*w->p == '\\' && w->p[1])
			++w->p;
		++w->p;
	}
	if (*w->p == ']')
		++w->p;
	else
		w->bad = true;
}

/* A sequence up to '|', ')' or the end: the best set of its parts. */
static void parse_seq(struct walk *w, struct litset *best)
{
	char run[LIT_LEN];
	size_t rl = 0;
	struct litset cand;

	memset(best, 0, sizeof(*best));

#define FLUSH()                                                            \
	do {                                                               \
		set_one(&cand, run, rl);                                   \
		if (better(&cand, best))                                   \
			*best = cand;                                      \
		rl = 0;                                                    \
	} while (0)

	while (*w->p && *w->p != '|' && *w->p != ')' && !w->bad) {
		const char *atom = w->p;
		char lit[8] = {0};
		size_t ll = 0;
		bool zero = false;   /* zero-width: \b, ^, $, lookaround */
		bool group = false;
		struct litset gs;

		if (*w->p == '(') {
			bool look = false;

			++w->p;
			if (*w->p == '?') {
				++w->p;
				if (*w->p == ':') {
					++w->p;
				}
				else if (*w->p == '=' || *w->p == '!') {
					++w->p;
					look = true;
				}
				else if (*w->p == '<' &&
					 (w->p[1] == '=' || w->p[1] == '!')) {
					w->p += 2;
					look = true;
				}
				else {
					/* flags (?i) or named groups: not ours */
					w->bad = true;
					break;
				}
			}
			if (++w->depth > 32) {
				w->bad = true;
				break;
			}
			parse_alt(w, &gs);
			--w->depth;
			if (*w->p != ')') {
				w->bad = true;
				break;
			}
			++w->p;
			if (look)
				zero = true;
			else
				group = true;
		}
		else if (*w->p == '[') {
			skip_class(w);
		}
		else if (*w->p == '\\') {
			char c = w->p[1];

			if (!c) {
				w->bad = true;
				break;
			}
			w->p += 2;
			if (strchr("bBAzZG", c)) {
				zero = true;
			}
			else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9')) {
				/* \d \w \s \p{..} \x{..} backreferences */
				if ((c == 'p' || c == 'P' || c == 'x') &&
				    *w->p == '{') {
					const char *e = strchr(w->p, '}');

					if (!e) {
						w->bad = true;
						break;
					}
					w->p = e + 1;
				}
			}
			else {
				lit[ll++] = c;
			}
		}
		else if (*w->p == '.') {
			++w->p;
		}
		else if (*w->p == '^' || *w->p == '$') {
			++w->p;
			zero = true;
		}
		else {
			/* a literal character, all of its UTF-8 bytes */
			unsigned char c = (unsigned char)*w->p;
			size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3
							  : 2;

			for (; n && *w->p; n--)
				lit[ll++] = *w->p++;
			if (ll == 1 && lit[0] >= 'A' && lit[0] <= 'Z')
				lit[0] += 'a' - 'A';
		}
		if (w->bad)
			break;

		if (zero) {
			/* nothing consumed; a run may not span it safely
			 * (lookarounds) but \b ^ $ do not break text either;
			 * end the run to stay simple */
			FLUSH();
			continue;
		}
		(void)atom;
		if (quantifier(w) == 0) {
			FLUSH();
			continue;
		}
		if (w->bad)
			break;
		if (group) {
			FLUSH();
			if (better(&gs, best))
				*best = gs;
			continue;
		}
		if (!ll || rl + ll >= LIT_LEN) {
			FLUSH();
			if (!ll)
				continue;
		}
		memcpy(run + rl, lit, ll);
		rl += ll;
		/* a repeated char (x+, x{2}) ends the run after one copy */
		if (atom[ll] != '\0' && w->p != atom + ll)
			FLUSH();
	}
	FLUSH();
#undef FLUSH
}

/* Alternatives: every one must have a set; the result is their union. */
static void parse_alt(struct walk *w, struct litset *out)
{
	struct litset one;
	bool first = true;

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t i;

		parse_seq(w, &one);
		if (w->bad || !one.ok) {
			out->ok = false;
			/* keep walking to find the group's end */
			while (*w->p == '|') {
				++w->p;
				parse_seq(w, &one);
			}
			out->n = 0;
			return;
		}
		if (first) {
			*out = one;
			first = false;
		}
		else {
			for (i = 0; i < one.n; i++) {
				if (out->n == LIT_MAX) {
					out->ok = false;
					out->n = 0;
					break;
				}
				memcpy(out->s[out->n++], one.s[i], LIT_LEN);
			}
		}
		if (*w->p != '|')
			break;
		++w->p;
	}
	if (!out->ok)
		out->n = 0;
}

int regex_literals(const char *pattern, struct strvec *out)
{
	struct walk w = {pattern, 0, false};
	struct litset ls;
	size_t i;
	int err = 0;

	if (!pattern || !out)
		return EINVAL;
	parse_alt(&w, &ls);
	if (w.bad || *w.p || !ls.ok || !ls.n)
		return ENOENT;
	/* a literal of one byte filters nothing worth the bookkeeping */
	if (set_minlen(&ls) < 2)
		return ENOENT;
	for (i = 0; i < ls.n && !err; i++)
		err = strvec_push(out, ls.s[i]);
	return err;
}
