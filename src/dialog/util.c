/**
 * @file util.c  Diagnostics and small containers for the dialog engine.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"

void diag_add(struct dialog_diags *d, enum dialog_severity sev,
	      unsigned line, unsigned col, const char *fmt, ...)
{
	struct dialog_diag *dg;
	va_list ap;

	if (!d)
		return;
	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 16;
		struct dialog_diag *v = realloc(d->v, na * sizeof(*v));

		if (!v)
			return;
		d->v = v;
		d->alloc = na;
	}
	dg = &d->v[d->n++];
	dg->sev = sev;
	dg->line = line;
	dg->col = col;
	va_start(ap, fmt);
	vsnprintf(dg->msg, sizeof(dg->msg), fmt, ap);
	va_end(ap);
	if (sev == DIALOG_ERROR)
		++d->errors;
	else
		++d->warnings;
}

void dialog_diags_reset(struct dialog_diags *d)
{
	if (!d)
		return;
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int diag_cmp(const void *a, const void *b)
{
	const struct dialog_diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

void dialog_diags_print(const struct dialog_diags *d, const char *file,
			FILE *f)
{
	size_t i;

	if (!d || !d->n)
		return;
	/* stable enough: messages at one place keep insertion order */
	qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
	for (i = 0; i < d->n; i++) {
		const struct dialog_diag *dg = &d->v[i];
		const char *sev = dg->sev == DIALOG_ERROR ? "error" : "warning";

		if (dg->line)
			fprintf(f, "%s:%u:%u: %s: %s\n", file, dg->line,
				dg->col, sev, dg->msg);
		else
			fprintf(f, "%s: %s: %s\n", file, sev, dg->msg);
	}
}

char *dstrdup(const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

unsigned dstr_distance(const char *a, const char *b)
{
	unsigned row[64], i, j;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned c = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < c)
				c = row[j] + 1;
			if (row[j - 1] + 1 < c)
				c = row[j - 1] + 1;
			row[j] = c;
			prev = cur;
		}
	}
	return row[lb];
}

int strvec_push(struct strvec *sv, const char *s)
{
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (!v)
		return ENOMEM;
	sv->v = v;
	sv->v[sv->n] = dstrdup(s);
	if (!sv->v[sv->n])
		return ENOMEM;
	++sv->n;
	return 0;
}

void strvec_reset(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

int idxvec_push(struct idxvec *iv, int x)
{
	int *v = realloc(iv->v, (iv->n + 1) * sizeof(*v));

	if (!v)
		return ENOMEM;
	iv->v = v;
	iv->v[iv->n++] = x;
	return 0;
}

void idxvec_reset(struct idxvec *iv)
{
	free(iv->v);
	iv->v = NULL;
	iv->n = 0;
}

bool idxvec_has(const struct idxvec *iv, int x)
{
	size_t i;

	for (i = 0; i < iv->n; i++) {
		if (iv->v[i] == x)
			return true;
	}
	return false;
}
