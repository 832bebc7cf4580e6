/**
 * @file match.c  The intent matcher: normalization, one Aho-Corasick
 * automaton over Unicode code points for every phrase of a script, vetoes,
 * scores and the choice of a winner. The rule is documented for script
 * authors in docs/scripts.md ("How an utterance is matched"); keep the two
 * in step.
 *
 * Mandarin needs no segmenter: phrases are found as code point substrings.
 * English phrases only match at word boundaries. Everything here runs per
 * utterance on the loop thread, so it allocates nothing while matching:
 * the normalized text lives on the caller's stack and the automaton is
 * built once when the script loads.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "core/utf8.h"
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"

bool match_no_prefilter; /* tests: run every regex, to compare */

struct acedge {
	uint64_t key; /* state << 32 | code point; 0 = empty slot */
	int32_t to;
};

/* ---- normalization ------------------------------------------------------- */

static bool is_word(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'';
}

static bool is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xa0 ||
	       c == 0x3000 || c == '\v' || c == '\f';
}

/* Punctuation of both scripts: it ends a clause. */
static bool is_punct(uint32_t c)
{
	if (c < 0x80)
		return c < 0x20 || (c > ' ' && !is_word(c) &&
				    !(c >= 'A' && c <= 'Z'));
	return (c >= 0x2000 && c <= 0x206f) || (c >= 0x3001 && c <= 0x303f) ||
	       (c >= 0xff01 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
	       (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65) ||
	       c == 0xfe50 || c == 0xfe51 || c == 0xfe52 || c == 0xfe54 ||
	       c == 0xfe55 || c == 0xfe56 || c == 0xfe57 || c == 0xb7 ||
	       c == U8_BAD || (c >= 0xfe10 && c <= 0xfe19);
}

static uint32_t fold(uint32_t c)
{
	if (c == 0x2018 || c == 0x2019 || c == 0xff07)
		return '\'';
	if (c >= 0xff10 && c <= 0xff19) /* full-width digits */
		c = c - 0xff10 + '0';
	else if (c >= 0xff21 && c <= 0xff3a)
		c = c - 0xff21 + 'a';
	else if (c >= 0xff41 && c <= 0xff5a)
		c = c - 0xff41 + 'a';
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return c;
}

/* Mandarin fillers and particles that carry no meaning on their own. */
static bool zh_filler(uint32_t c)
{
	static const uint32_t f[] = {
		0x55ef, /* 嗯 */ 0x554a, /* 啊 */ 0x5443, /* 呃 */
		0x54e6, /* 哦 */ 0x5662, /* 噢 */ 0x989d, /* 额 */
		0x5509, /* 唉 */ 0x54ce, /* 哎 */ 0x5440, /* 呀 */
		0x561b, /* 嘛 */ 0x5566, /* 啦 */ 0x5462, /* 呢 */
		0x5427, /* 吧 */ 0x54c8, /* 哈 */ 0x5582, /* 喂 */
		0x54c7, /* 哇 */ 0x5457, /* 呗 */
	};
	size_t i;

	if (c < 0x5440 || c > 0x989d) /* the range the fillers lie in */
		return false;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i] == c)
			return true;
	}
	return false;
}

/* Two-character Mandarin fillers: discourse words that carry no intent. */
static bool zh_filler2(uint32_t a, uint32_t b)
{
	static const uint32_t f[][2] = {
		{0x90a3, 0x4e2a}, /* 那个 */ {0x8fd9, 0x4e2a}, /* 这个 */
		{0x5c31, 0x662f}, /* 就是 */ {0x7136, 0x540e}, /* 然后 */
		{0x5176, 0x5b9e}, /* 其实 */ {0x53cd, 0x6b63}, /* 反正 */
		{0x90a3, 0x4e48}, /* 那么 */ {0x8fd9, 0x6837}, /* 这样 */
	};
	size_t i;

	if (a < 0x4e00)
		return false;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i][0] == a && f[i][1] == b)
			return true;
	}
	return false;
}

static const char *const en_fillers[] = {
	"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm",
	"mm", "mhm", "oh", "well", "like", "so", "actually", "basically",
	"just", "hey", "hello", "hi", "ok", "okay", "alright", "right",
};

static bool en_filler(const uint32_t *w, size_t len)
{
	size_t i, j;

	if (len > 9 || !strchr("uehmoswlabjr", (int)w[0]))
		return false;

	for (i = 0; i < sizeof(en_fillers) / sizeof(en_fillers[0]); i++) {
		const char *f = en_fillers[i];

		for (j = 0; j < len && f[j] && (uint32_t)f[j] == w[j]; j++)
			;
		if (j == len && !f[j])
			return true;
	}
	return false;
}

/*
 * Normalize text into code points. Spaces survive only between two ASCII
 * word characters (Mandarin ASR output puts spaces between words, which
 * would otherwise break phrases apart); punctuation becomes one BREAK.
 */
static size_t normalize(const char *text, uint32_t *out, size_t max)
{
	const char *p = text, *end = text + strlen(text);
	size_t n = 0;
	bool pend_space = false;

	while (p < end && n < max) {
		uint32_t c = fold(u8_decode(&p, end));

		if (is_space(c)) {
			pend_space = true;
			continue;
		}
		if (is_punct(c)) {
			/* an apostrophe folds to a word char above */
			if (n && out[n - 1] != MATCH_BREAK)
				out[n++] = MATCH_BREAK;
			pend_space = false;
			continue;
		}
		if (pend_space && n && is_word(c) && is_word(out[n - 1])) {
			out[n++] = ' ';
			if (n == max)
				break;
		}
		pend_space = false;
		out[n++] = c;
	}
	while (n && out[n - 1] == MATCH_BREAK)
		--n;
	return n;
}

void norm_text(struct normtext *nt, const char *text)
{
	size_t i, w0;

	nt->n = normalize(text, nt->cp, MATCH_MAXLEN);
	nt->u8_len = 0;
	for (i = 0; i < nt->n; i++) {
		uint32_t c = nt->cp[i] == MATCH_BREAK ? ' ' : nt->cp[i];

		nt->boff[i] = (uint32_t)nt->u8_len;
		nt->u8_len += u8_encode(c, nt->utf8 + nt->u8_len);
		nt->filler[i] = zh_filler(c);
	}
	nt->boff[nt->n] = (uint32_t)nt->u8_len;
	nt->utf8[nt->u8_len] = '\0';

	/* Mandarin fillers of two characters: 那个, 就是, 然后 … */
	for (i = 0; i + 1 < nt->n; i++) {
		if (zh_filler2(nt->cp[i], nt->cp[i + 1]))
			nt->filler[i] = nt->filler[i + 1] = 1;
	}

	/* English fillers are whole words */
	for (i = 0; i < nt->n;) {
		if (!is_word(nt->cp[i])) {
			++i;
			continue;
		}
		w0 = i;
		while (i < nt->n && is_word(nt->cp[i]))
			++i;
		if (en_filler(nt->cp + w0, i - w0))
			memset(nt->filler + w0, 1, i - w0);
	}
}

uint32_t *norm_phrase(const char *phrase, size_t *lenp)
{
	uint32_t buf[256], *v;
	size_t n, i, k = 0;

	n = normalize(phrase, buf, sizeof(buf) / sizeof(buf[0]));
	/* inside a phrase, punctuation is just a space */
	for (i = 0; i < n; i++) {
		if (buf[i] != MATCH_BREAK) {
			buf[k++] = buf[i];
		}
		else if (k && i + 1 < n && is_word(buf[k - 1]) &&
			 is_word(buf[i + 1])) {
			buf[k++] = ' ';
		}
	}
	v = malloc((k ? k : 1) * sizeof(*v));
	if (!v)
		return NULL;
	memcpy(v, buf, k * sizeof(*v));
	*lenp = k;
	return v;
}

/* ---- the automaton ---------------------------------------------------- */

static uint64_t edge_key(int32_t state, uint32_t cp)
{
	return ((uint64_t)(uint32_t)state << 32) | cp;
}

/* Fibonacci hashing: the high bits of the product mix every key bit. */
static size_t edge_slot(const struct matcher *m, uint64_t key)
{
	uint64_t h = (key ^ (key >> 29)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> m->edge_shift);
}

static int32_t edge_get(const struct matcher *m, int32_t state, uint32_t cp)
{
	uint64_t key;
	size_t i;

	/* most lookups miss: a code point no phrase uses, or at the root */
	if (cp < 0x10000 && !(m->alpha[cp >> 3] & (1u << (cp & 7))))
		return -1;
	if (state == 0 && cp < 128)
		return m->root[cp];
	key = edge_key(state, cp);
	i = edge_slot(m, key);

	while (m->edges[i].key) {
		if (m->edges[i].key == key)
			return m->edges[i].to;
		i = (i + 1) & m->edge_mask;
	}
	return -1;
}

static void edge_put(struct matcher *m, int32_t state, uint32_t cp,
		     int32_t to)
{
	uint64_t key = edge_key(state, cp);
	size_t i = edge_slot(m, key);

	while (m->edges[i].key)
		i = (i + 1) & m->edge_mask;
	m->edges[i].key = key;
	m->edges[i].to = to;
}

void matcher_free(struct matcher *m)
{
	size_t i;

	for (i = 0; i < m->nphrases; i++) {
		free(m->phrases[i].text);
		free(m->phrases[i].cp);
	}
	free(m->phrases);
	free(m->edges);
	free(m->fail);
	free(m->out);
	free(m->dict);
	free(m->outlist);
	memset(m, 0, sizeof(*m));
}

/*
 * Build the automaton over m->phrases (already filled by the loader).
 * Children are kept as first-child/next-sibling lists while building, for
 * the breadth-first pass that sets the failure links.
 */
int matcher_build(struct dialog_script *s, struct dialog_diags *diags)
{
	struct matcher *m = &s->m;
	size_t total = 1, i, cap;
	int32_t *child = NULL, *sibling = NULL, *queue = NULL;
	uint32_t *label = NULL;
	size_t nout = 0;
	int err = 0;

	for (i = 0; i < m->nphrases; i++)
		total += m->phrases[i].len;

	for (cap = 16, m->edge_shift = 60; cap < total * 2; cap *= 2)
		--m->edge_shift;
	m->edges = calloc(cap, sizeof(*m->edges));
	m->edge_mask = cap - 1;
	m->fail = calloc(total, sizeof(int32_t));
	m->out = malloc(total * sizeof(int32_t));
	m->dict = calloc(total, sizeof(int32_t));
	m->outlist = malloc((m->nphrases * 2 + 1) * sizeof(int32_t));
	child = malloc(total * sizeof(int32_t));
	sibling = malloc(total * sizeof(int32_t));
	label = malloc(total * sizeof(uint32_t));
	queue = malloc(total * sizeof(int32_t));
	if (!m->edges || !m->fail || !m->out || !m->dict || !m->outlist ||
	    !child || !sibling || !label || !queue) {
		err = ENOMEM;
		goto out;
	}
	for (i = 0; i < total; i++)
		m->out[i] = child[i] = sibling[i] = -1;
	for (i = 0; i < 128; i++)
		m->root[i] = -1;
	memset(m->alpha, 0xff, sizeof(m->alpha)); /* all present while built */
	m->nstates = 1;

	for (i = 0; i < m->nphrases; i++) {
		const struct phrase *ph = &m->phrases[i];
		int32_t st = 0;
		size_t j;

		if (!ph->len)
			continue;
		for (j = 0; j < ph->len; j++) {
			int32_t nx = edge_get(m, st, ph->cp[j]);

			if (nx < 0) {
				nx = (int32_t)m->nstates++;
				edge_put(m, st, ph->cp[j], nx);
				if (st == 0 && ph->cp[j] < 128)
					m->root[ph->cp[j]] = nx;
				label[nx] = ph->cp[j];
				sibling[nx] = child[st];
				child[st] = nx;
			}
			st = nx;
		}
		m->outlist[nout] = (int32_t)i;
		m->outlist[nout + 1] = m->out[st];
		m->out[st] = (int32_t)nout;
		nout += 2;
	}

	memset(m->alpha, 0, sizeof(m->alpha));
	for (i = 0; i < m->nphrases; i++) {
		const struct phrase *ph = &m->phrases[i];
		size_t j;

		for (j = 0; j < ph->len; j++) {
			if (ph->cp[j] < 0x10000)
				m->alpha[ph->cp[j] >> 3] |=
					(uint8_t)(1u << (ph->cp[j] & 7));
		}
	}

	/* breadth-first: fail links and dictionary (output) links */
	{
		size_t qh = 0, qt = 0;
		int32_t c;

		for (c = child[0]; c >= 0; c = sibling[c]) {
			m->fail[c] = 0;
			m->dict[c] = 0;
			queue[qt++] = c;
		}
		while (qh < qt) {
			int32_t st = queue[qh++];

			for (c = child[st]; c >= 0; c = sibling[c]) {
				int32_t f = m->fail[st], nx;

				for (;;) {
					nx = edge_get(m, f, label[c]);
					if (nx >= 0 || f == 0)
						break;
					f = m->fail[f];
				}
				m->fail[c] = (nx >= 0 && nx != c) ? nx : 0;
				f = m->fail[c];
				m->dict[c] = m->out[f] >= 0 ? f : m->dict[f];
				queue[qt++] = c;
			}
		}
	}
	(void)diags;
out:
	free(child);
	free(sibling);
	free(label);
	free(queue);
	return err;
}

/* ---- finding and scoring ------------------------------------------------ */

struct hit {
	int32_t phrase;
	int32_t intent; /* after negation redirect */
	uint32_t start, end;
	bool dead;
};

#define MAX_HITS 256

static bool boundary_ok(const struct normtext *nt, uint32_t s, uint32_t e)
{
	if (is_word(nt->cp[s]) && s > 0 && is_word(nt->cp[s - 1]))
		return false;
	if (is_word(nt->cp[e - 1]) && e < nt->n && is_word(nt->cp[e]))
		return false;
	return true;
}

static size_t find_hits(const struct matcher *m, const struct normtext *nt,
			struct hit *hits, uint8_t *triggered)
{
	size_t nh = 0, i;
	int32_t st = 0;

	if (!m->nstates || !m->edges)
		return 0;
	for (i = 0; i < nt->n; i++) {
		int32_t nx, t;

		for (;;) {
			nx = edge_get(m, st, nt->cp[i]);
			if (nx >= 0 || st == 0)
				break;
			st = m->fail[st];
		}
		st = nx >= 0 ? nx : 0;

		for (t = m->out[st] >= 0 ? st : m->dict[st]; t > 0;
		     t = m->dict[t]) {
			int32_t o;

			for (o = m->out[t]; o >= 0; o = m->outlist[o + 1]) {
				const struct phrase *ph =
					&m->phrases[m->outlist[o]];
				uint32_t s = (uint32_t)(i + 1 - ph->len);

				if (ph->trigger >= 0) {
					triggered[ph->trigger] = 1;
					continue;
				}
				if (!boundary_ok(nt, s, (uint32_t)i + 1))
					continue;
				if (nh == MAX_HITS)
					return nh;
				hits[nh].phrase = m->outlist[o];
				hits[nh].intent = ph->intent;
				hits[nh].start = s;
				hits[nh].end = (uint32_t)i + 1;
				hits[nh].dead = false;
				++nh;
			}
		}
	}
	return nh;
}

static bool zh_negator(uint32_t c)
{
	/* 不 没 别 甭 未 无 非 莫 勿 */
	return c == 0x4e0d || c == 0x6ca1 || c == 0x522b || c == 0x752d ||
	       c == 0x672a || c == 0x65e0 || c == 0x975e || c == 0x83ab ||
	       c == 0x52ff;
}

static bool word_is(const uint32_t *w, size_t len, const char *s)
{
	size_t j;

	for (j = 0; j < len && s[j] && (uint32_t)s[j] == w[j]; j++)
		;
	return j == len && !s[j];
}

static const char *const en_negators[] = {
	"not", "don't", "dont", "never", "doesn't", "doesnt", "isn't",
	"isnt", "aren't", "wasn't", "won't", "wont", "wouldn't", "can't",
	"cant", "cannot", "didn't", "didnt", "nor", "neither", "hardly",
	"haven't", "hasn't", "without", "shouldn't", "nothing",
};

/*
 * Is the match at [s, e) negated? Mandarin: a negator among the three
 * content characters before it; English: a negator among the three words
 * before it ("no" only right before). Both stop at a clause break.
 */
static bool negated(const struct normtext *nt, uint32_t s)
{
	uint32_t i = s, seen = 0;

	if (s && !is_word(nt->cp[s])) {
		while (i > 0 && seen < 3) {
			uint32_t c = nt->cp[--i];

			if (c == MATCH_BREAK || is_word(c) || c == ' ')
				break;
			if (zh_negator(c))
				return true;
			if (!nt->filler[i])
				++seen;
		}
		return false;
	}

	/* English: walk back word by word */
	while (i > 0 && seen < 3) {
		uint32_t e, b;
		size_t k;

		if (nt->cp[i - 1] == ' ')
			--i;
		if (!i || !is_word(nt->cp[i - 1]))
			break;
		e = i;
		while (i > 0 && is_word(nt->cp[i - 1]))
			--i;
		b = i;
		if (seen == 0 && word_is(nt->cp + b, e - b, "no"))
			return true;
		for (k = 0; k < sizeof(en_negators) / sizeof(en_negators[0]);
		     k++) {
			if (word_is(nt->cp + b, e - b, en_negators[k]))
				return true;
		}
		++seen;
	}
	return false;
}

static void apply_vetoes(const struct dialog_script *s,
			 const struct normtext *nt, struct hit *h, size_t nh)
{
	const struct phrase *ph = s->m.phrases;
	size_t i, j;

	for (i = 0; i < nh; i++) {
		const struct phrase *pi = &ph[h[i].phrase];

		if (pi->negative) {
			h[i].dead = true; /* negatives only veto */
			continue;
		}
		for (j = 0; j < nh; j++) {
			const struct phrase *pj = &ph[h[j].phrase];

			if (j == i || h[j].start > h[i].start ||
			    h[j].end < h[i].end)
				continue;
			if (pj->negative) {
				if (pj->intent == pi->intent)
					break;
				continue;
			}
			if (pj->intent != pi->intent &&
			    h[j].end - h[j].start > h[i].end - h[i].start)
				break;
		}
		if (j < nh) {
			h[i].dead = true;
			continue;
		}
		if (s->intents[pi->intent].negatable != -1 &&
		    negated(nt, h[i].start)) {
			int to = s->intents[pi->intent].negatable;

			if (to < 0)
				h[i].dead = true;
			else
				h[i].intent = to;
		}
	}
}

static pcre2_match_data *match_data(void)
{
	static __thread pcre2_match_data *md;

	if (!md)
		md = pcre2_match_data_create(1, NULL);
	return md;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->intent != y->intent)
		return x->intent - y->intent;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : (x->end > y->end);
}

void match_scores(const struct dialog_script *s, const char *text,
		  struct match_result *r)
{
	struct normtext nt;
	struct hit hits[MAX_HITS + DIALOG_MAX_INTENTS * 4];
	uint32_t pc[MATCH_MAXLEN + 1], pf[MATCH_MAXLEN + 1];
	size_t nh, i, k, ni = s->nintents;
	pcre2_match_data *md;
	uint8_t triggered[DIALOG_MAX_REGEX];
	double content;

	norm_text(&nt, text);
	for (i = 0; i < ni; i++) {
		r->score[i] = 0;
		r->phrase[i] = -1;
		r->end[i] = 0;
	}

	memset(triggered, 0, s->nregex);
	nh = find_hits(&s->m, &nt, hits, triggered);
	apply_vetoes(s, &nt, hits, nh);

	/* regexes add hits of their own; the match data is per thread and
	 * reused, since creating it per utterance costs more than the match */
	md = s->nregex ? match_data() : NULL;
	for (i = 0; md && i < ni; i++) {
		const struct intent *in = &s->intents[i];

		for (k = 0; k < in->nregex; k++) {
			PCRE2_SIZE *ov;
			int rc;

			/* none of the literals it needs is there */
			if (in->filtered[k] && !triggered[in->regex_id[k]] &&
			    !match_no_prefilter)
				continue;
			rc = pcre2_match(in->regex[k], (PCRE2_SPTR)nt.utf8,
					 nt.u8_len, 0, 0, md, NULL);
			/* rc 0: matched, ovector too small for the groups */
			ov = pcre2_get_ovector_pointer(md);
			if (rc >= 0 && ov[1] > ov[0] &&
			    nh < sizeof(hits) / sizeof(hits[0])) {
				uint32_t a = 0, b;

				while (a < nt.n && nt.boff[a] < ov[0])
					++a;
				b = a;
				while (b < nt.n && nt.boff[b] < ov[1])
					++b;
				hits[nh].phrase = -2 - (int32_t)k; /* regex k */
				hits[nh].intent = (int32_t)i;
				hits[nh].start = a;
				hits[nh].end = b;
				hits[nh].dead = false;
				++nh;
			}
		}
	}

	/* prefix sums: content characters and filler characters */
	pc[0] = pf[0] = 0;
	for (i = 0; i < nt.n; i++) {
		bool c = nt.cp[i] != ' ' && nt.cp[i] != MATCH_BREAK;

		pc[i + 1] = pc[i] + c;
		pf[i + 1] = pf[i] + (c && nt.filler[i]);
	}
	content = (double)(pc[nt.n] - pf[nt.n]);

	qsort(hits, nh, sizeof(hits[0]), hit_cmp);
	for (i = 0; i < nh;) {
		int32_t in = hits[i].intent;
		uint32_t cov = 0, fil = 0, cs = 0, ce = 0, bestlen = 0;
		bool open = false;
		double denom;

		for (; i < nh && hits[i].intent == in; i++) {
			const struct hit *h = &hits[i];

			if (h->dead)
				continue;
			if (h->end - h->start > bestlen) {
				bestlen = h->end - h->start;
				r->phrase[in] = h->phrase;
			}
			if (h->end > r->end[in])
				r->end[in] = h->end;
			if (open && h->start <= ce) {
				if (h->end > ce)
					ce = h->end;
				continue;
			}
			if (open) {
				cov += pc[ce] - pc[cs];
				fil += pf[ce] - pf[cs];
			}
			cs = h->start;
			ce = h->end;
			open = true;
		}
		if (!open || in < 0 || (size_t)in >= ni)
			continue;
		cov += pc[ce] - pc[cs];
		fil += pf[ce] - pf[cs];
		denom = content + fil;
		if (denom < 1)
			denom = 1;
		r->score[in] = s->intents[in].weight *
			       sqrt(cov / denom > 1 ? 1 : cov / denom);
	}
}

int match_choose(const struct dialog_script *s, const struct match_result *r,
		 const struct idxvec *heard)
{
	int best = -1;
	size_t i, n = heard ? heard->n : s->nintents;

	for (i = 0; i < n; i++) {
		int in = heard ? heard->v[i] : (int)i;
		const struct intent *a, *b;

		if (r->score[in] < s->threshold || r->score[in] <= 0)
			continue;
		if (best < 0) {
			best = in;
			continue;
		}
		a = &s->intents[in];
		b = &s->intents[best];
		if (a->priority != b->priority) {
			if (a->priority > b->priority)
				best = in;
			continue;
		}
		if (r->score[in] != r->score[best]) {
			if (r->score[in] > r->score[best])
				best = in;
			continue;
		}
		if (r->end[in] != r->end[best]) {
			if (r->end[in] > r->end[best])
				best = in;
			continue;
		}
		if (strcmp(a->name, b->name) < 0)
			best = in;
	}
	return best;
}

static void fill_match(const struct dialog_script *s,
		       const struct match_result *r, int best,
		       const struct idxvec *heard, struct dialog_match *m)
{
	size_t i, n = heard ? heard->n : s->nintents;

	memset(m, 0, sizeof(*m));
	if (best < 0) {
		/* report the best score below threshold, for tuning */
		for (i = 0; i < n; i++) {
			int in = heard ? heard->v[i] : (int)i;

			if (r->score[in] > m->score)
				m->score = r->score[in];
		}
		return;
	}
	m->intent = s->intents[best].name;
	m->score = r->score[best];
	if (r->phrase[best] >= 0)
		m->phrase = s->m.phrases[r->phrase[best]].text;
	else if (r->phrase[best] <= -2 &&
		 (size_t)(-2 - r->phrase[best]) <
			 s->intents[best].regex_src.n)
		m->phrase = s->intents[best].regex_src.v[-2 - r->phrase[best]];
}

int dialog_match(const struct dialog_script *s, const char *node,
		 const char *text, struct dialog_match *m)
{
	struct match_result r;
	int ni, best;

	if (!s || !text || !m)
		return EINVAL;
	ni = node ? script_node_find(s, node) : s->first_listen;
	if (ni < 0)
		return ENOENT;
	match_scores(s, text, &r);
	best = match_choose(s, &r, &s->nodes[ni].heard);
	fill_match(s, &r, best, &s->nodes[ni].heard, m);
	return 0;
}

void dialog_match_all(const struct dialog_script *s, const char *text,
		      struct dialog_match *m)
{
	struct match_result r;
	int best;

	match_scores(s, text, &r);
	best = match_choose(s, &r, NULL);
	fill_match(s, &r, best, NULL, m);
}

void dialog_phrases_apply(const struct dialog_script *s, dialog_phrase_h *fn,
			  void *arg)
{
	size_t i;

	for (i = 0; i < s->m.nphrases; i++) {
		const struct phrase *ph = &s->m.phrases[i];

		if (!ph->negative && ph->trigger < 0)
			fn(s->intents[ph->intent].name, ph->text, arg);
	}
}
