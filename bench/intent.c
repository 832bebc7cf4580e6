/**
 * @file intent.c  Benchmark: utterances matched per second on one core.
 *
 *   bench-intent SCRIPT UTTERANCES.tsv [SECONDS]
 *
 * Matches every utterance of the file (the second column of a paraphrase
 * TSV, or whole lines) in a loop, as heard in the first listening node,
 * for SECONDS (default 3) of thread CPU time, and prints the rate. The
 * work per utterance is the whole runtime path: normalization, the
 * automaton, vetoes, regexes, scoring and the choice.
 *
 * As a peer measured in the same run (these machines are noisy), it also
 * times the naive approach many call robots take: strstr() of every
 * phrase of the script against the lower-cased utterance, which finds the
 * phrases but does none of the rest. The ratio is the figure to watch.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "dialog/dialog.h"

struct phrases {
	char **v;
	size_t n;
};

static void collect(const char *intent, const char *phrase, void *arg)
{
	struct phrases *p = arg;
	char *c = strdup(phrase), *q;

	(void)intent;
	for (q = c; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q += 'a' - 'A';
	p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n++] = c;
}

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	struct dialog_script *s = NULL;
	struct dialog_diags d;
	char **utt = NULL, *line = NULL;
	size_t n = 0, cap = 0, i, bytes = 0;
	unsigned long long done = 0, matched = 0;
	double secs = argc > 3 ? atof(argv[3]) : 3.0, t0, el;
	ssize_t len;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-intent SCRIPT UTTERANCES.tsv "
				"[SECONDS]\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	if (dialog_script_load(&s, argv[1], &d)) {
		dialog_diags_print(&d, argv[1], stderr);
		return 1;
	}
	dialog_diags_reset(&d);
	f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *tab = strchr(line, '\t'), *u = tab ? tab + 1 : line;

		u[strcspn(u, "\r\n")] = '\0';
		if (!*u || line[0] == '#')
			continue;
		utt = realloc(utt, (n + 1) * sizeof(*utt));
		utt[n++] = strdup(u);
		bytes += strlen(u);
	}
	fclose(f);
	free(line);
	if (!n) {
		fprintf(stderr, "%s: no utterances\n", argv[2]);
		return 1;
	}

	t0 = cpu_now();
	do {
		for (i = 0; i < n; i++) {
			struct dialog_match m;

			dialog_match(s, NULL, utt[i], &m);
			matched += m.intent != NULL;
		}
		done += n;
	} while ((el = cpu_now() - t0) < secs);

	{
		struct phrases ph = {NULL, 0};
		unsigned long long ndone = 0;
		volatile unsigned long long found = 0;
		double nel, rate = (double)done / el, nrate;
		size_t j;

		dialog_phrases_apply(s, collect, &ph);
		t0 = cpu_now();
		do {
			for (i = 0; i < n; i++) {
				char low[4096], *q;

				snprintf(low, sizeof(low), "%s", utt[i]);
				for (q = low; *q; q++)
					if (*q >= 'A' && *q <= 'Z')
						*q += 'a' - 'A';
				for (j = 0; j < ph.n; j++)
					found += strstr(low, ph.v[j]) != NULL;
			}
			ndone += n;
		} while ((nel = cpu_now() - t0) < secs / 2);
		nrate = (double)ndone / nel;

		printf("%s: %zu utterances (avg %.1f bytes), %zu phrases: "
		       "%.0f utterances/s (%.2f us each); naive strstr scan "
		       "%.0f/s; ratio %.1fx\n",
		       dialog_script_name(s), n, (double)bytes / (double)n,
		       ph.n, rate, 1e6 / rate, nrate, rate / nrate);
		for (j = 0; j < ph.n; j++)
			free(ph.v[j]);
		free(ph.v);
		(void)found;
	}
	(void)matched;
	for (i = 0; i < n; i++)
		free(utt[i]);
	free(utt);
	mem_deref(s);
	return 0;
}
