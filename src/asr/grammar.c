/**
 * @file grammar.c  The grammar compiler: a node's phrases -> a JSGF
 * grammar and a dictionary cut to its words.
 *
 * Shape of the grammar. An utterance is one phrase of the node (the VAD
 * gives one segment per answer, and the script's phrases are what the
 * matcher knows). The phrases are merged into a trie of words before
 * they are written, "i ( need ( a loan | money ) | am )", because
 * pocketsphinx builds one search node per word arc: for the 1,500 phrases
 * of the sample script's first node this halves the search graph (10 MB
 * instead of 19 MB per decoder) and the decoding time (RTF 0.05 instead
 * of 0.12) with the same results. JSGF alternatives carry no probability
 * in pocketsphinx (weight 1 is log 0), so the trie does not change the
 * scores.
 *
 * The dictionary is cut to the grammar's words (all their alternate
 * pronunciations) plus one pseudo-word "g_xx" per phone of the full
 * dictionary: the rejection searches (phone loop, garbage branch) are made
 * of those. The full dictionaries hold 100k+ words; a decoder only needs
 * the few hundred its grammar uses, which keeps building one fast.
 *
 * Compiled grammars are cached in memory by the recognizer and, with a
 * cache folder, on disk as KEY.jsgf, KEY.dict and KEY.stats (readable, so
 * an operator can see what a node can hear). Any thread; no shared state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/log.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

enum { MAXPRON = 8 };

static void gtext_destructor(void *arg)
{
	struct asr_gtext *gt = arg;
	size_t i;

	mem_deref(gt->jsgf);
	mem_deref(gt->body);
	mem_deref(gt->utt);
	mem_deref(gt->rules);
	mem_deref(gt->others);
	mem_deref(gt->dict);
	for (i = 0; i < gt->ngwords; i++)
		mem_deref(gt->gwords[i]);
	mem_deref(gt->gwords);
}

/* The whole mbuf as a string (mbuf_strdup reads from pos). */
static int mb_str(struct mbuf *mb, char **strp)
{
	mb->pos = 0;
	return mbuf_strdup(mb, strp, mb->end);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the trie ------------------------------------------------------------*/

/*
 * v[lo..hi) are sorted, distinct, and share their first `off` bytes,
 * which end at a word boundary; none ends at off. Writes the
 * alternatives, grouped by the word at off. @return how many
 */
static size_t emit_alts(struct mbuf *mb, char **v, size_t lo, size_t hi,
			size_t off)
{
	size_t nalt = 0, i = lo;

	while (i < hi) {
		const char *w = v[i] + off;
		size_t wl = strcspn(w, " "), j = i, sub;
		bool opt = false;

		/* the group: strings with the same word at off */
		while (j < hi && !strncmp(v[j] + off, w, wl) &&
		       (v[j][off + wl] == ' ' || v[j][off + wl] == '\0'))
			++j;
		if (nalt++)
			mbuf_write_str(mb, " | ");
		mbuf_write_mem(mb, (const uint8_t *)w, wl);
		sub = i;
		if (v[i][off + wl] == '\0') {
			opt = true; /* the phrase may end here */
			++sub;
		}
		if (sub < j) {
			struct mbuf *in = mbuf_alloc(256);
			size_t n;

			if (!in)
				return nalt;
			n = emit_alts(in, v, sub, j, off + wl + 1);
			mbuf_write_str(mb, opt ? " [ " : n > 1 ? " ( " : " ");
			mbuf_write_mem(mb, in->buf, in->end);
			mbuf_write_str(mb, opt ? " ]" : n > 1 ? " )" : "");
			mem_deref(in);
		}
		i = j;
	}
	return nalt;
}

/* The trie of the sorted, distinct v[0..n), which share their first off
 * bytes, onto mb: "( a ( b | c ) | d )", or the alternative alone. */
static void emit_trie(struct mbuf *mb, char **v, size_t n, size_t off)
{
	struct mbuf *in = mbuf_alloc(4096);

	if (!in)
		return;
	if (emit_alts(in, v, 0, n, off) > 1) {
		mbuf_write_str(mb, "( ");
		mbuf_write_mem(mb, in->buf, in->end);
		mbuf_write_str(mb, " )");
	}
	else {
		mbuf_write_mem(mb, in->buf, in->end);
	}
	mem_deref(in);
}

/* ---- the cut dictionary ------------------------------------------------- */

/* Pseudo-word lines ("w phones", "w(2) phones") for word w, or 0. */
static size_t extra_find(const char *extra, const char *w, size_t wl,
			 struct mbuf *out)
{
	const char *p = extra;
	size_t n = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > wl && !strncmp(p, w, wl) &&
		    (p[wl] == ' ' || p[wl] == '(')) {
			/* the word's lines repeat for each phrase using it:
			 * stop where its base line comes again */
			if (n && p[wl] == ' ')
				break;
			mbuf_write_mem(out, (const uint8_t *)p, len);
			mbuf_write_u8(out, '\n');
			++n;
			if (n >= MAXPRON)
				break;
		}
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

static int cut_dict(struct mbuf *out, const struct asr_lex *lex,
		    char **v, size_t nv, const char *extra, size_t *nwords)
{
	const char *const *phones;
	char **words = NULL;
	size_t nw = 0, cap = 0, i, k, np;
	int err = 0;

	/* every word of every phrase, sorted and made distinct */
	for (i = 0; i < nv; i++) {
		const char *p = v[i];

		while (*p) {
			size_t len = strcspn(p, " ");

			if (nw == cap) {
				char **t;

				cap = cap ? cap * 2 : 256;
				t = realloc(words, cap * sizeof(*t));
				if (!t) {
					err = ENOMEM;
					goto out;
				}
				words = t;
			}
			words[nw] = malloc(len + 1);
			if (!words[nw]) {
				err = ENOMEM;
				goto out;
			}
			memcpy(words[nw], p, len);
			words[nw++][len] = '\0';
			p += len;
			if (*p == ' ')
				++p;
		}
	}
	qsort(words, nw, sizeof(*words), cmp_strp);
	for (i = 0, k = 0; i < nw; i++) {
		const char *pr[MAXPRON];
		size_t j, wl = strlen(words[i]);

		if (i && !strcmp(words[i], words[i - 1]))
			continue;
		++k;
		if (extra_find(extra, words[i], wl, out))
			continue;
		np = asr_lex_prons(lex, words[i], wl, pr, MAXPRON);
		for (j = 0; j < np; j++) {
			mbuf_write_str(out, words[i]);
			if (j)
				mbuf_printf(out, "(%zu)", j + 1);
			mbuf_printf(out, " %s\n", pr[j]);
		}
	}
	*nwords = k;
	np = asr_lex_phones(lex, &phones);
	for (i = 0; i < np; i++) {
		const char *c;

		mbuf_write_str(out, "g_");
		for (c = phones[i]; *c; c++)
			mbuf_write_u8(out, (uint8_t)((*c >= 'A' && *c <= 'Z')
							     ? *c + 32
							     : *c));
		mbuf_printf(out, " %s\n", phones[i]);
	}
out:
	for (i = 0; i < nw; i++)
		free(words[i]);
	free(words);
	return err;
}

static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

/* The garbage pseudo-words, from the "g_xx PHONE" lines of a cut
 * dictionary. */
static int dict_gwords(struct asr_gtext *gt)
{
	const char *p;
	size_t n = 0;

	for (p = gt->dict; p && *p; p = next_line(p))
		n += !strncmp(p, "g_", 2);
	gt->gwords = mem_zalloc((n ? n : 1) * sizeof(char *), NULL);
	if (!gt->gwords)
		return ENOMEM;
	for (p = gt->dict; p && *p; p = next_line(p)) {
		size_t wl = strcspn(p, " \n");
		int err;

		if (strncmp(p, "g_", 2) || p[wl] != ' ')
			continue;
		err = re_sdprintf(&gt->gwords[gt->ngwords], "%b", p, wl);
		if (err)
			return err;
		++gt->ngwords;
	}
	return 0;
}

static bool jsgf_line(const char *jsgf, const char *name, const char **bp,
		      const char **ep);

/* The trie text t ("( a ( b | c ) | d e )" or "a b") with the weight w on
 * the first word of each top-level alternative: pocketsphinx takes a
 * JSGF weight on a word, not on a rule reference. */
static void weigh_top(struct mbuf *mb, const char *t, const char *w)
{
	int depth = 0;
	bool start = true;

	t += strspn(t, " ");
	if (*t != '(') {
		mbuf_printf(mb, "/%s/ %s", w, t);
		return;
	}
	for (; *t; t++) {
		if (start && depth == 1 && *t != ' ') {
			mbuf_printf(mb, "/%s/ ", w);
			start = false;
		}
		if (*t == '(' || *t == '[')
			++depth;
		else if (*t == ')' || *t == ']')
			--depth;
		else if (*t == '|' && depth == 1)
			start = true;
		mbuf_write_u8(mb, (uint8_t)*t);
		if (depth == 1 && *t == '(' && t[1] == ' ' && !start)
			start = true;
	}
}

int asr_gtext_jsgf(char **jsgfp, const struct asr_gtext *gt,
		   const char *alt, const char *more, double other_w)
{
	static const char oname[] = "<others> = ";
	struct mbuf *mb;
	const char *b, *e;
	char w[32];
	int err;

	if (other_w == 1.0 || !jsgf_line(gt->rules, oname, &b, &e))
		return re_sdprintf(jsgfp,
				   "#JSGF V1.0;\n"
				   "grammar callbot;\n"
				   "public <utt> = %s%s%s;\n"
				   "%s%s%s"
				   "%s%s",
				   gt->utt, alt ? " | " : "", alt ? alt : "",
				   gt->body[0] ? "<phrases> = " : "",
				   gt->body, gt->body[0] ? ";\n" : "",
				   gt->rules, more ? more : "");
	/* %g: re_printf has none, and the JSGF scanner takes "1e-05" */
	snprintf(w, sizeof(w), "%g", other_w);
	mb = mbuf_alloc(strlen(gt->rules) + 1024);
	if (!mb)
		return ENOMEM;
	/* the rules before <others>, <others> weighed, the rules after */
	mbuf_write_mem(mb, (const uint8_t *)gt->rules,
		       (size_t)(b - strlen(oname) - gt->rules));
	mbuf_write_str(mb, oname);
	{
		char *t = NULL;

		err = re_sdprintf(&t, "%b", b, (size_t)(e - b));
		if (err) {
			mem_deref(mb);
			return err;
		}
		weigh_top(mb, t, w);
		mem_deref(t);
	}
	mbuf_write_str(mb, e);
	mb->pos = 0;
	err = re_sdprintf(jsgfp,
			  "#JSGF V1.0;\n"
			  "grammar callbot;\n"
			  "public <utt> = %s%s%s;\n"
			  "%s%s%s"
			  "%b%s",
			  gt->utt, alt ? " | " : "", alt ? alt : "",
			  gt->body[0] ? "<phrases> = " : "", gt->body,
			  gt->body[0] ? ";\n" : "", mb->buf, mb->end,
			  more ? more : "");
	mem_deref(mb);
	return err;
}

/* ---- compile -------------------------------------------------------------*/

int asr_compile_text(struct asr_gtext **gtp, const struct asr_lex *lex,
		     enum asr_lang_id lang, const char *name,
		     const char *const *phrases, size_t n, unsigned caps,
		     struct asr_grammar_stats *st)
{
	struct mbuf *mb = NULL, *extra = NULL, *out = NULL;
	struct mbuf *rules = NULL, *top = NULL, *cwords = NULL;
	struct asr_gtext *gt = NULL;
	char **v = NULL, bad[64];
	size_t nv = 0, no = 0, lo, i, k;
	int err = 0;

	if (!gtp || !lex || (!phrases && n) || !st)
		return EINVAL;
	name = name ? name : "?";
	st->phrases = n;
	st->kept = st->dropped = st->words_dropped = st->words = 0;
	st->caps = caps;
	st->caps_kept = 0;
	mb = mbuf_alloc(128);
	extra = mbuf_alloc(256);
	out = mbuf_alloc(4096);
	rules = mbuf_alloc(1024);
	top = mbuf_alloc(64);
	cwords = mbuf_alloc(1024);
	v = calloc(n + 1, sizeof(*v)); /* + the captures' words */
	gt = mem_zalloc(sizeof(*gt), gtext_destructor);
	if (!mb || !extra || !out || !rules || !top || !cwords || !v || !gt) {
		err = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const bool other = phrases[i][0] == ASR_OTHER_MARK;
		const char *ph = phrases[i] + other;
		size_t dropped = 0, nw;

		mbuf_rewind(mb);
		nw = asr_words(mb, extra, lex, lang, ph, &dropped, bad,
			       sizeof(bad));
		if (!nw) {
			++st->dropped;
			log_msg(LOG_WARN, "asr",
				"grammar %s: phrase \"%s\" dropped: \"%s\" "
				"is not in the dictionary",
				name, ph, bad);
			continue;
		}
		if (dropped) {
			st->words_dropped += dropped;
			log_msg(LOG_WARN, "asr",
				"grammar %s: \"%s\" is not in the dictionary, "
				"dropped from \"%s\"",
				name, bad, ph);
		}
		v[nv] = malloc(mb->end + 2);
		if (!v[nv]) {
			err = ENOMEM;
			goto out;
		}
		/* the mark kept as the first byte sorts the others first */
		if (other)
			v[nv][0] = ASR_OTHER_MARK;
		memcpy(v[nv] + other, mb->buf, mb->end);
		v[nv++][mb->end + other] = '\0';
	}
	st->caps_kept = asr_caps_rules(rules, top, cwords, extra, lex, lang,
				       caps, name);
	if (!nv && !st->caps_kept) {
		log_msg(LOG_WARN, "asr", "grammar %s: no phrase left", name);
		err = ENOENT;
		goto out;
	}
	if (nv) {
		qsort(v, nv, sizeof(*v), cmp_strp);
		for (i = 1, k = 1; i < nv; i++) {
			if (strcmp(v[i], v[k - 1]))
				v[k++] = v[i];
			else
				free(v[i]);
		}
		nv = k;
	}
	/* the others (marked, sorted first): not those the node expects */
	for (lo = 0; lo < nv && v[lo][0] == ASR_OTHER_MARK;)
		++lo;
	for (i = 0, k = 0; i < lo; i++) {
		char *key = v[i] + 1;

		if (bsearch(&key, v + lo, nv - lo, sizeof(*v), cmp_strp))
			free(v[i]);
		else
			v[k++] = v[i];
	}
	no = k;
	if (k < i) {
		memmove(v + k, v + i, (nv - i) * sizeof(*v));
		nv -= i - k;
	}
	st->kept = nv;

	if (nv > no) {
		emit_trie(out, v + no, nv - no, 0);
		err = mb_str(out, &gt->body);
	}
	else {
		err = re_sdprintf(&gt->body, "%s", "");
	}
	if (!err && no) {
		mbuf_write_str(rules, "<others> = ");
		emit_trie(rules, v, no, 1);
		mbuf_write_str(rules, ";\n");
		mbuf_rewind(mb);
		for (i = 0; i < no; i++)
			mbuf_printf(mb, "%s\n", v[i] + 1);
		err = mb_str(mb, &gt->others);
	}
	if (!err)
		err = mb_str(rules, &gt->rules);
	/* top holds " | <c_x>" per capture */
	if (!err)
		err = re_sdprintf(&gt->utt, "%s%s%b",
				  nv > no ? " | <phrases>" : "",
				  no ? " | <others>" : "", top->buf, top->end);
	if (!err) /* without the first " | " */
		memmove(gt->utt, gt->utt + 3, strlen(gt->utt + 3) + 1);
	if (!err)
		err = asr_gtext_jsgf(&gt->jsgf, gt, NULL, NULL, 1.0);
	if (err)
		goto out;
	for (i = 0; i < no; i++) /* the dictionary wants words alone */
		memmove(v[i], v[i] + 1, strlen(v[i]));

	/* the captures' words go to the dictionary as one more "phrase" */
	if (cwords->end) {
		v[nv] = malloc(cwords->end + 1);
		if (!v[nv]) {
			err = ENOMEM;
			goto out;
		}
		memcpy(v[nv], cwords->buf, cwords->end);
		v[nv++][cwords->end] = '\0';
	}
	mbuf_write_u8(extra, '\0');
	mbuf_rewind(out);
	err = cut_dict(out, lex, v, nv, (const char *)extra->buf, &st->words);
	if (err)
		goto out;
	err = mb_str(out, &gt->dict);
	if (err)
		goto out;
	err = dict_gwords(gt);
out:
	for (i = 0; i < nv; i++)
		free(v[i]);
	free(v);
	mem_deref(mb);
	mem_deref(extra);
	mem_deref(out);
	mem_deref(rules);
	mem_deref(top);
	mem_deref(cwords);
	if (err)
		mem_deref(gt);
	else
		*gtp = gt;
	return err;
}

/* ---- the disk cache ----------------------------------------------------- */

static int write_atomic(const char *dir, const char *key, const char *ext,
			const char *text)
{
	char path[1024], tmp[1100];
	size_t len = strlen(text);
	FILE *f;
	int err = 0;

	if (snprintf(path, sizeof(path), "%s/%s.%s", dir, key, ext) >=
	    (int)sizeof(path))
		return ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f)
		return errno ? errno : EIO;
	if (fwrite(text, 1, len, f) != len)
		err = errno ? errno : EIO;
	if (fclose(f) && !err)
		err = errno ? errno : EIO;
	if (!err && rename(tmp, path))
		err = errno ? errno : EIO;
	if (err)
		(void)unlink(tmp);
	return err;
}

int asr_gtext_save(const struct asr_gtext *gt, const char *dir,
		   const char *key, const struct asr_grammar_stats *st)
{
	char stats[200];
	int err;

	if (!gt || !dir || !key || !st)
		return EINVAL;
	snprintf(stats, sizeof(stats), "%zu %zu %zu %zu %zu %u %u\n",
		 st->phrases, st->kept, st->dropped, st->words_dropped,
		 st->words, st->caps, st->caps_kept);
	/* the stats file last: its presence means the rest is complete */
	err = write_atomic(dir, key, "jsgf", gt->jsgf);
	if (!err)
		err = write_atomic(dir, key, "dict", gt->dict);
	if (!err && gt->others)
		err = write_atomic(dir, key, "other", gt->others);
	if (!err)
		err = write_atomic(dir, key, "stats", stats);
	return err;
}

static int slurp(char **textp, const char *dir, const char *key,
		 const char *ext)
{
	char path[1024];
	struct mbuf *mb;
	FILE *f;
	size_t n;
	uint8_t buf[8192];
	int err = 0;

	if (snprintf(path, sizeof(path), "%s/%s.%s", dir, key, ext) >=
	    (int)sizeof(path))
		return ENAMETOOLONG;
	f = fopen(path, "rb");
	if (!f)
		return errno ? errno : ENOENT;
	mb = mbuf_alloc(8192);
	if (!mb) {
		fclose(f);
		return ENOMEM;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		err = mbuf_write_mem(mb, buf, n);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = EIO;
	fclose(f);
	if (!err)
		err = mb_str(mb, textp);
	mem_deref(mb);
	return err;
}

/* The line "<name> = RHS;\n" of jsgf (at its start or after a newline):
 * RHS's start and end, or false. */
static bool jsgf_line(const char *jsgf, const char *name, const char **bp,
		      const char **ep)
{
	size_t nl = strlen(name);
	const char *p = jsgf;

	while (p && *p) {
		if (!strncmp(p, name, nl)) {
			*bp = p + nl;
			*ep = strstr(*bp, ";\n");
			return *ep != NULL;
		}
		p = next_line(p);
	}
	return false;
}

/* Cut a loaded grammar back into utt, body and rules (the lines after
 * <utt> and <phrases>, as asr_gtext_jsgf() wrote them). */
static int jsgf_split(struct asr_gtext *gt)
{
	const char *b, *e, *rest;
	int err;

	if (!jsgf_line(gt->jsgf, "public <utt> = ", &b, &e))
		return EINVAL;
	err = re_sdprintf(&gt->utt, "%b", b, (size_t)(e - b));
	if (err)
		return err;
	rest = e + 2;
	if (jsgf_line(gt->jsgf, "<phrases> = ", &b, &e)) {
		err = re_sdprintf(&gt->body, "%b", b, (size_t)(e - b));
		rest = e + 2;
	}
	else {
		err = re_sdprintf(&gt->body, "%s", "");
	}
	if (!err)
		err = re_sdprintf(&gt->rules, "%s", rest);
	return err;
}

int asr_gtext_load(struct asr_gtext **gtp, const char *dir, const char *key,
		   struct asr_grammar_stats *st)
{
	struct asr_gtext *gt;
	char *stats = NULL;
	int err;

	if (!gtp || !dir || !key || !st)
		return EINVAL;
	gt = mem_zalloc(sizeof(*gt), gtext_destructor);
	if (!gt)
		return ENOMEM;
	err = slurp(&stats, dir, key, "stats");
	if (err)
		goto out;
	st->caps = st->caps_kept = 0;
	if (sscanf(stats, "%zu %zu %zu %zu %zu %u %u", &st->phrases,
		   &st->kept, &st->dropped, &st->words_dropped, &st->words,
		   &st->caps, &st->caps_kept) < 5) {
		err = EINVAL;
		goto out;
	}
	err = slurp(&gt->jsgf, dir, key, "jsgf");
	if (!err)
		err = slurp(&gt->dict, dir, key, "dict");
	if (!err)
		err = jsgf_split(gt);
	if (!err && strstr(gt->utt, "<others>"))
		err = slurp(&gt->others, dir, key, "other");
	if (!err)
		err = dict_gwords(gt);
out:
	mem_deref(stats);
	if (err)
		mem_deref(gt);
	else
		*gtp = gt;
	return err;
}
