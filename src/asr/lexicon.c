/**
 * @file lexicon.c  A pronunciation dictionary held in memory for the
 * grammar compiler.
 *
 * Debian's cmudict-en-us.dict has 135k entries and mandarin_notone.dic 97k;
 * one entry per allocation would cost more than the text itself. So the
 * file is read into one buffer, each line is cut in place into
 * "word\0phones\0" (phones with single spaces), and an open-addressing
 * table of entry indices (FNV-1a hash of the word) finds a word in one or
 * two probes. Loaded once per recognizer on the loop thread, then only
 * read, from any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core/utf8.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

struct lex_ent {
	uint32_t word; /* offsets into buf */
	uint32_t pron;
};

struct asr_lex {
	char *buf;
	size_t len;
	struct lex_ent *ent;
	size_t nent;
	uint32_t *tab;  /* entry index + 1, 0 = empty */
	size_t tabmask;
	size_t maxlen;
	const char **phones; /* sorted; the strings are in phonebuf */
	char *phonebuf;
	size_t nphones;
};

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

static void lex_destructor(void *arg)
{
	struct asr_lex *l = arg;

	free(l->buf);
	free(l->ent);
	free(l->tab);
	free(l->phones);
	free(l->phonebuf);
}

static int read_file(const char *path, char **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long sz;
	int err = 0;

	if (!f)
		return errno ? errno : ENOENT;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err = errno ? errno : EIO;
		goto out;
	}
	if ((unsigned long)sz >= UINT32_MAX) {
		err = EFBIG;
		goto out;
	}
	buf = malloc((size_t)sz + 1);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}
	if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		err = EIO;
		goto out;
	}
	buf[sz] = '\0';
	*bufp = buf;
	*lenp = (size_t)sz;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return err;
}

/* Cut one line at p in place; returns the next line, sets word/pron
 * offsets (word empty for a blank or comment line). */
static char *cut_line(char *base, char *p, char *end, struct lex_ent *e,
		      bool *ok)
{
	char *w, *o;

	*ok = false;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		++p;
	if (p >= end)
		return end;
	if (*p == '\n')
		return p + 1;
	if (p[0] == ';' && p[1] == ';') { /* cmudict comment */
		char *nl = memchr(p, '\n', (size_t)(end - p));

		return nl ? nl + 1 : end;
	}
	w = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
	       *p != '\r')
		++p;
	if (p >= end || *p == '\n' || *p == '\r') {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (p < end)
			*p = '\0';
		return nl ? nl + 1 : end; /* a word without phones */
	}
	*p++ = '\0';
	/* phones: copy over themselves with single spaces */
	o = p;
	e->pron = (uint32_t)(o - base);
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			++p;
		if (p >= end || *p == '\n')
			break;
		if (o != base + e->pron)
			*o++ = ' ';
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\n')
			*o++ = *p++;
	}
	if (o == base + e->pron)
		return p < end ? p + 1 : end;
	/* o < p here unless at the very end: there is room for the NUL */
	if (p < end)
		++p;
	*o = '\0';
	e->word = (uint32_t)(w - base);
	*ok = true;
	return p;
}

static int index_entries(struct asr_lex *l)
{
	size_t i, sz = 16;

	while (sz < l->nent * 2)
		sz <<= 1;
	l->tab = calloc(sz, sizeof(*l->tab));
	if (!l->tab)
		return ENOMEM;
	l->tabmask = sz - 1;
	for (i = 0; i < l->nent; i++) {
		const char *w = l->buf + l->ent[i].word;
		size_t n = strlen(w), k = fnv1a(w, n) & l->tabmask;
		size_t cp = u8_len(w, n);

		/* the first of duplicate words wins, as in pocketsphinx */
		while (l->tab[k] &&
		       strcmp(l->buf + l->ent[l->tab[k] - 1].word, w))
			k = (k + 1) & l->tabmask;
		if (!l->tab[k])
			l->tab[k] = (uint32_t)i + 1;
		if (cp > l->maxlen && !strchr(w, '('))
			l->maxlen = cp;
	}
	return 0;
}

/* The distinct phones, through a small table keyed by hash. */
static int collect_phones(struct asr_lex *l)
{
	enum { NT = 1024 };
	const char *seen[NT] = {0};
	size_t seenlen[NT] = {0};
	size_t i, n = 0, tot = 0;
	char *s;

	for (i = 0; i < l->nent; i++) {
		const char *p = l->buf + l->ent[i].pron;

		while (*p) {
			size_t len = strcspn(p, " ");
			size_t k = fnv1a(p, len) & (NT - 1);

			while (seen[k] && (seenlen[k] != len ||
					   memcmp(seen[k], p, len)))
				k = (k + 1) & (NT - 1);
			if (!seen[k]) {
				if (++n > NT / 2)
					return EINVAL; /* not a phone set */
				seen[k] = p;
				seenlen[k] = len;
				tot += len + 1;
			}
			p += len;
			if (*p == ' ')
				++p;
		}
	}
	l->phones = calloc(n, sizeof(*l->phones));
	l->phonebuf = malloc(tot);
	if (!l->phones || !l->phonebuf)
		return ENOMEM;
	for (i = 0, s = l->phonebuf; i < NT; i++) {
		if (!seen[i])
			continue;
		memcpy(s, seen[i], seenlen[i]);
		s[seenlen[i]] = '\0';
		l->phones[l->nphones++] = s;
		s += seenlen[i] + 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int asr_lex_load(struct asr_lex **lexp, const char *path)
{
	struct asr_lex *l;
	char *p, *end;
	size_t cap;
	int err;

	if (!lexp || !path)
		return EINVAL;
	l = mem_zalloc(sizeof(*l), lex_destructor);
	if (!l)
		return ENOMEM;
	err = read_file(path, &l->buf, &l->len);
	if (err)
		goto out;
	cap = 1024;
	l->ent = malloc(cap * sizeof(*l->ent));
	if (!l->ent) {
		err = ENOMEM;
		goto out;
	}
	p = l->buf;
	end = l->buf + l->len;
	while (p < end) {
		struct lex_ent e;
		bool ok;

		p = cut_line(l->buf, p, end, &e, &ok);
		if (!ok)
			continue;
		if (l->nent == cap) {
			struct lex_ent *v;

			cap *= 2;
			v = realloc(l->ent, cap * sizeof(*v));
			if (!v) {
				err = ENOMEM;
				goto out;
			}
			l->ent = v;
		}
		l->ent[l->nent++] = e;
	}
	if (!l->nent) {
		err = EINVAL;
		goto out;
	}
	err = index_entries(l);
	if (err)
		goto out;
	err = collect_phones(l);
	if (err)
		goto out;
	qsort(l->phones, l->nphones, sizeof(*l->phones), cmp_str);
out:
	if (err)
		mem_deref(l);
	else
		*lexp = l;
	return err;
}

static const char *lookup(const struct asr_lex *l, const char *w, size_t n)
{
	size_t k = fnv1a(w, n) & l->tabmask;

	while (l->tab[k]) {
		const struct lex_ent *e = &l->ent[l->tab[k] - 1];
		const char *ew = l->buf + e->word;

		if (!strncmp(ew, w, n) && ew[n] == '\0')
			return l->buf + e->pron;
		k = (k + 1) & l->tabmask;
	}
	return NULL;
}

size_t asr_lex_prons(const struct asr_lex *lex, const char *word,
		     size_t len, const char **prons, size_t max)
{
	char alt[256];
	size_t n = 0;
	unsigned i;

	if (!lex || !word || !len || !max || len > sizeof(alt) - 8)
		return 0;
	prons[0] = lookup(lex, word, len);
	if (!prons[0])
		return 0;
	n = 1;
	memcpy(alt, word, len);
	for (i = 2; n < max && i < 100; i++) {
		int k = snprintf(alt + len, sizeof(alt) - len, "(%u)", i);
		const char *p = lookup(lex, alt, len + (size_t)k);

		if (!p)
			break;
		prons[n++] = p;
	}
	return n;
}

size_t asr_lex_maxlen(const struct asr_lex *lex)
{
	return lex ? lex->maxlen : 0;
}

size_t asr_lex_phones(const struct asr_lex *lex, const char *const **v)
{
	if (!lex)
		return 0;
	*v = lex->phones;
	return lex->nphones;
}

size_t asr_lex_count(const struct asr_lex *lex)
{
	return lex ? lex->nent : 0;
}
