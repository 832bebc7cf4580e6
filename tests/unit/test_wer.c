/**
 * @file test_wer.c  Word error rate (test_wer.h): a Levenshtein alignment
 * over words, one row of the table at a time.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "test_wer.h"

enum { MAX_WORDS = 256, MAX_LEN = 48 };

struct words {
	char w[MAX_WORDS][MAX_LEN];
	unsigned n;
};

/* Lower case words of letters, digits and apostrophes. */
static void split(struct words *ws, const char *s)
{
	size_t len = 0;

	ws->n = 0;
	for (; s && ws->n < MAX_WORDS; s++) {
		int c = (unsigned char)*s;

		if (c && (isalnum(c) || c == '\'')) {
			if (len + 1 < MAX_LEN)
				ws->w[ws->n][len++] = (char)tolower(c);
			continue;
		}
		if (len) {
			ws->w[ws->n++][len] = '\0';
			len = 0;
		}
		if (!c)
			break;
	}
}

/* One cell: cost so far and the hits along that path (the best path is
 * the cheapest, then the one with more hits). */
struct cell {
	unsigned cost;
	unsigned hits;
};

static struct cell pick(struct cell a, struct cell b)
{
	if (a.cost != b.cost)
		return a.cost < b.cost ? a : b;
	return a.hits >= b.hits ? a : b;
}

int twer_align(struct twer *w, const char *ref, const char *hyp)
{
	struct words *r = malloc(sizeof(*r)), *h = malloc(sizeof(*h));
	struct cell *prev = NULL, *cur = NULL;
	unsigned i, j;
	int err = 0;

	if (!r || !h)
		goto nomem;
	split(r, ref);
	split(h, hyp);
	prev = calloc(h->n + 1, sizeof(*prev));
	cur = calloc(h->n + 1, sizeof(*cur));
	if (!prev || !cur)
		goto nomem;
	for (j = 0; j <= h->n; j++)
		prev[j].cost = j; /* insertions */
	for (i = 1; i <= r->n; i++) {
		cur[0].cost = i; /* deletions */
		cur[0].hits = 0;
		for (j = 1; j <= h->n; j++) {
			struct cell diag = prev[j - 1], del = prev[j],
				    ins = cur[j - 1];

			if (!strcmp(r->w[i - 1], h->w[j - 1]))
				++diag.hits;
			else
				++diag.cost;
			++del.cost;
			++ins.cost;
			cur[j] = pick(diag, pick(del, ins));
		}
		memcpy(prev, cur, (h->n + 1) * sizeof(*cur));
	}
	w->ref = r->n;
	w->errors = prev[h->n].cost;
	w->hits = prev[h->n].hits;
	goto out;
nomem:
	err = ENOMEM;
out:
	free(r);
	free(h);
	free(prev);
	free(cur);
	return err;
}
