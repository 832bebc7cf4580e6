/**
 * @file asr.c  bench-asr: speech-to-intent accuracy, off-topic rejection,
 * real-time factor and memory per decoder of the recognizer, per
 * language, model and rejection method.
 *
 * The utterances of tests/asr/LANG.tsv are synthesized with several
 * voices (flite for English, espeak-ng variants for Mandarin), shaped as
 * the VAD hands them over (200 ms of pre-roll before the speech, 200 ms
 * of tail after it), in three conditions: clean, pink noise at 15 dB SNR
 * and white noise at 20 dB (the e2e simulator's line), high-passed at
 * 300 Hz and G.711 round-tripped. They are recognized against the grammar of the sample
 * script's first listening node, through the real API (worker pool,
 * decoder pool), and the text goes through the dialog's matcher:
 *
 * - accuracy: in-grammar utterances accepted with the right intent
 *   ("grammar only": right intent ignoring rejection);
 * - rejection: off-topic utterances rejected by the recognizer ("no
 *   intent": rejected, or text in which the matcher finds no intent);
 * - RTF: decoding wall time / audio time on a pooled decoder (both passes
 *   for the loop method); memory: heap and RSS growth per decoder.
 *
 * For the loop method the threshold is also tuned by 2-fold
 * cross-validation split by sentence, as in SPEECH-NOTES.md. Figures
 * only, no asserts.
 *
 *   bench-asr [--models DIR] [--lang en|zh] [--model M] [--reject M]
 *             [--quick] [-v] [--threshold T] [--garbage-weight W]
 *             [--loop-p P] [--denoise D] [--denoise-learn L]
 *             [--engine-args A] [--no-pad] [--values on|off]
 *             [--variant "key=val|key=val"]... [SRCDIR]
 *
 * --quick: two voices instead of four, no en-us model; -v: every miss
 * and false accept, and accuracy/rejection over a range of thresholds;
 * the next six override the engine's measured defaults (tuning: the asr
 * configuration keys of the same names); --no-pad: the synthesizer's
 * own leading and trailing silence instead of the VAD's; --values: the
 * node's spoken amounts and times in the grammar (default as the robot:
 * English on, Mandarin off); --variant: asr settings, each measured on
 * the same audio.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "dialog/dialog.h"
#include "asr/asr.h"
#include "sip/ua.h"
#include "robot/robot.h"
#include "mem.h"
#include "../tests/unit/test_asr.h"

enum { NCOND = 3 };
static const char *const cond_name[NCOND] = {"clean", "pink15",
					     "white20"};

struct audio {
	size_t utt;     /* index in the set */
	int voice;
	int cond;       /* index in cond_name */
	int16_t *pcm;
	size_t n;
};

struct outcome {
	bool done;
	int err;
	char text[256];
	double conf;
	double score;
	bool rejected;
	bool value;     /* heard as a spoken value: judged by its own
			   threshold, not the swept one */
	unsigned audio_ms;
	unsigned decode_ms;
	bool newdec;
};

static unsigned remaining;
static bool verbose;
static const char *only_reject; /* --reject: one method only */
static const char *only_model;  /* --model: one model only */
static const char *opt_gw, *opt_loop_p, *opt_thr; /* tuning */
static const char *opt_denoise, *opt_learn, *opt_args;
static bool no_pad;
static int opt_values = -1; /* --values: -1 as the robot (English only) */
/* --variant: asr configuration keys, "key=value|key=value", each
 * variant measured on the same audio */
static const char *variants[16];
static int nvariants;
static const char *variant; /* the one being measured, or NULL */

static int set_variant(struct asr_conf *conf, const char *v, char *buf,
		       size_t sz)
{
	char *p, *save = NULL;

	snprintf(buf, sz, "%s", v);
	for (p = strtok_r(buf, "|", &save); p;
	     p = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(p, '=');

		if (!eq)
			return EINVAL;
		*eq = '\0';
		if (asr_conf_set(conf, p, eq + 1)) {
			printf("bad variant key %s=%s\n", p, eq + 1);
			return EINVAL;
		}
	}
	return 0;
}

static void on_result(int err, const struct asr_result *r, void *arg)
{
	struct outcome *o = arg;

	o->done = true;
	o->err = err;
	if (!err) {
		snprintf(o->text, sizeof(o->text), "%s", r->text);
		o->conf = r->confidence;
		o->score = r->score;
		o->rejected = r->rejected;
		o->value = r->value;
		o->audio_ms = r->audio_ms;
		o->decode_ms = r->decode_ms;
		o->newdec = r->new_decoder;
	}
	if (--remaining == 0)
		re_cancel();
}

/* ---- waiting on the loop ------------------------------------------------ */

struct waiter {
	struct tmr t;
	struct asr *asr;
	unsigned idle;
	unsigned waited; /* polls with nothing pending */
};

static void poll_idle(void *arg)
{
	struct waiter *w = arg;
	struct asr_stats st;

	asr_stats(w->asr, &st);
	if (!st.pending && (st.idle >= w->idle || w->waited++ > 2)) {
		re_cancel();
		return;
	}
	tmr_start(&w->t, 5, poll_idle, w);
}

static void wait_idle(struct asr *asr, unsigned idle)
{
	struct waiter w = {.asr = asr, .idle = idle};

	tmr_init(&w.t);
	tmr_start(&w.t, 0, poll_idle, &w);
	re_main(NULL);
	tmr_cancel(&w.t);
}

struct drain {
	struct tmr t;
	struct work_pool *pool;
};

static void poll_drain(void *arg)
{
	struct drain *d = arg;

	if (!work_pending(d->pool)) {
		re_cancel();
		return;
	}
	tmr_start(&d->t, 5, poll_drain, d);
}

static void drain(struct work_pool *pool)
{
	struct drain d = {.pool = pool};

	tmr_init(&d.t);
	tmr_start(&d.t, 0, poll_drain, &d);
	re_main(NULL);
	tmr_cancel(&d.t);
}

static const char *const *voices_of(const char *lang)
{
	return strcmp(lang, "zh") ? tasr_voices_en : tasr_voices_zh;
}

/* ---- figures ------------------------------------------------------------ */

struct tally {
	unsigned nin, gram_ok, ok, noff, rej, nointent;
	unsigned long audio_ms, decode_ms;
};

static const char *intent_of(const struct dialog_script *s,
			     const char *text)
{
	struct dialog_match m;

	if (!text[0] || dialog_match(s, NULL, text, &m))
		return NULL;
	return m.intent;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static void count(struct tally *t, const struct tasr_set *set,
		  const struct dialog_script *s, const struct audio *a,
		  const struct outcome *o, bool rejected)
{
	const struct tasr_utt *u = &set->v[a->utt];
	const char *intent = o->err ? NULL : intent_of(s, o->text);

	if (u->in) {
		++t->nin;
		t->gram_ok += same(intent, u->intent);
		t->ok += !rejected && same(intent, u->intent);
	}
	else {
		++t->noff;
		t->rej += rejected;
		t->nointent += rejected || !intent;
	}
	if (!o->err && !o->newdec) {
		t->audio_ms += o->audio_ms;
		t->decode_ms += o->decode_ms;
	}
}

static double pct(unsigned a, unsigned b)
{
	return b ? 100.0 * a / b : 0;
}

static void print_tally(const char *name, const struct tally *t)
{
	printf("  %-7s %4u %7.1f%% %8.1f%%  %4u %7.1f%% %8.1f%%  %.4f\n",
	       name, t->nin, pct(t->gram_ok, t->nin), pct(t->ok, t->nin),
	       t->noff, pct(t->rej, t->noff), pct(t->nointent, t->noff),
	       t->audio_ms ? (double)t->decode_ms / t->audio_ms : 0);
}

/* Accuracy apart for the phrases the node expects (its branches' intents
 * and the opt-out) and for the rest, which other_weight weighs. */
static void split_expected(const struct tasr_set *set,
			   const struct dialog_script *s,
			   const struct dialog_grammar *dg,
			   const struct audio *au, const struct outcome *out,
			   size_t na)
{
	unsigned n[2] = {0, 0}, ok[2] = {0, 0};
	size_t i, k;

	for (i = 0; i < na; i++) {
		const struct tasr_utt *u = &set->v[au[i].utt];
		int exp = 0;

		if (!u->in)
			continue;
		for (k = 0; k < dg->nexpected; k++) {
			if (!strcmp(dg->phrases[k], u->text)) {
				exp = 1;
				break;
			}
		}
		++n[exp];
		ok[exp] += !out[i].err && !out[i].rejected &&
			   same(intent_of(s, out[i].text), u->intent);
	}
	printf("  accepted +right: expected here %u, %.1f%%; the others "
	       "%u, %.1f%%\n",
	       n[1], pct(ok[1], n[1]), n[0], pct(ok[0], n[0]));
}

/* Decision at threshold thr for the loop method (empty text: rejected);
 * a spoken value keeps the engine's decision, made by value_threshold. */
static bool rejected_at(const struct outcome *o, double thr)
{
	if (o->value)
		return o->err || o->rejected;
	return o->err || !o->text[0] || o->score < thr;
}

/* Accuracy and rejection at fixed thresholds, clean and noisy apart. */
static void sweep(const struct tasr_set *set, const struct dialog_script *s,
		  const struct audio *au, const struct outcome *out,
		  size_t na)
{
	double thr;

	printf("  threshold   accuracy clean/pink15/white20   "
	       "rejection clean/pink15/white20\n");
	for (thr = -12; thr <= 2; thr += 1) {
		struct tally t[NCOND];
		size_t i;

		memset(t, 0, sizeof(t));
		for (i = 0; i < na; i++)
			count(&t[au[i].cond], set, s, &au[i], &out[i],
			      rejected_at(&out[i], thr));
		printf("  %6.1f      %5.1f%% %5.1f%% %5.1f%%          "
		       "%5.1f%% %5.1f%% %5.1f%%\n",
		       thr, pct(t[0].ok, t[0].nin), pct(t[1].ok, t[1].nin),
		       pct(t[2].ok, t[2].nin), pct(t[0].rej, t[0].noff),
		       pct(t[1].rej, t[1].noff), pct(t[2].rej, t[2].noff));
	}
}

/* 2-fold cross-validation by sentence: tune on one half, test on the
 * other, pooled. */
static void crossval(const struct tasr_set *set,
		     const struct dialog_script *s, const struct audio *au,
		     const struct outcome *out, size_t na)
{
	struct tally t;
	double thr[2];
	int f;

	memset(&t, 0, sizeof(t));
	for (f = 0; f < 2; f++) {
		double best = -1, bthr = 0;
		size_t i, k;

		/* candidates: every score of the training half */
		for (k = 0; k < na; k++) {
			double cand = out[k].score, sum;
			unsigned ok = 0, nin = 0, rej = 0, noff = 0;

			if (au[k].utt % 2 == (size_t)f)
				continue;
			for (i = 0; i < na; i++) {
				const struct tasr_utt *u = &set->v[au[i].utt];
				bool r;

				if (au[i].utt % 2 == (size_t)f)
					continue;
				r = rejected_at(&out[i], cand);
				if (u->in) {
					++nin;
					ok += !r && same(intent_of(
							    s, out[i].text),
							u->intent);
				}
				else {
					++noff;
					rej += r;
				}
			}
			sum = pct(ok, nin) + pct(rej, noff);
			if (sum > best) {
				best = sum;
				bthr = cand;
			}
		}
		thr[f] = bthr;
		for (i = 0; i < na; i++) {
			if (au[i].utt % 2 == (size_t)f)
				count(&t, set, s, &au[i], &out[i],
				      rejected_at(&out[i], bthr));
		}
	}
	printf("  2-fold tuned thresholds %.2f / %.2f: accuracy %.1f%%, "
	       "rejection %.1f%%\n",
	       thr[0], thr[1], pct(t.ok, t.nin), pct(t.rej, t.noff));
}

/* ---- one configuration -------------------------------------------------- */

/* ---- the second opinion ------------------------------------------------- */

struct second {
	bool asked;
	int err;
	char text[256];
	unsigned audio_ms, decode_ms;
};

static void on_transcript(int err, const struct asr_result *r, void *arg)
{
	struct second *o = arg;

	o->err = err;
	if (!err) {
		snprintf(o->text, sizeof(o->text), "%s", r->transcript);
		o->audio_ms = r->audio_ms;
		o->decode_ms = r->decode_ms;
	}
	if (--remaining == 0)
		re_cancel();
}

/* Would the robot's second opinion take it? */
static bool verified(const struct dialog_script *s, const char *node,
		     const struct outcome *o, const struct second *so)
{
	return !o->err && o->rejected && so->asked && !so->err &&
	       robot_second_opinion_agrees(s, node, o->text, so->text);
}

/* The robot's second opinion on the rejected utterances (English): each
 * rejected guess that names an intent is transcribed with the language
 * model, one at a time, and accepted when both name the same intent. */
static void second_opinion(struct asr *asr, const struct tasr_set *set,
			   const struct dialog_script *s, const char *node,
			   const struct audio *au, const struct outcome *out,
			   size_t na)
{
	struct second *so;
	unsigned nin[NCOND] = {0}, ok0[NCOND] = {0}, ok1[NCOND] = {0};
	unsigned noff[NCOND] = {0}, rej0[NCOND] = {0}, rej1[NCOND] = {0};
	unsigned asked = 0, wrong = 0;
	unsigned long a_ms = 0, d_ms = 0;
	size_t i;
	int c;

	if (asr_transcribe_check(asr))
		return;
	so = calloc(na, sizeof(*so));
	if (!so)
		return;
	for (i = 0; i < na; i++) {
		if (out[i].err || !out[i].rejected ||
		    !robot_second_opinion_wanted(s, node, out[i].text,
						 out[i].conf))
			continue;
		remaining = 1;
		if (asr_transcribe(NULL, asr, au[i].pcm, au[i].n, 8000,
				   on_transcript, &so[i]))
			continue;
		re_main(NULL);
		so[i].asked = true;
		++asked;
		a_ms += so[i].audio_ms;
		d_ms += so[i].decode_ms;
	}
	for (i = 0; i < na; i++) {
		const struct tasr_utt *u = &set->v[au[i].utt];
		const char *it = out[i].err ? NULL : intent_of(s, out[i].text);
		bool acc0 = !out[i].err && !out[i].rejected;
		bool v = verified(s, node, &out[i], &so[i]);

		c = au[i].cond;
		if (verbose && v)
			printf("  VERIFIED %s %s: \"%s\" -> \"%s\" / LM "
			       "\"%s\" (%s)\n",
			       u->in ? "in " : "off", cond_name[c], u->text,
			       out[i].text, so[i].text, it);
		if (u->in) {
			++nin[c];
			ok0[c] += acc0 && same(it, u->intent);
			ok1[c] += (acc0 || v) && same(it, u->intent);
			wrong += v && !same(it, u->intent);
		}
		else {
			++noff[c];
			rej0[c] += !acc0;
			rej1[c] += !acc0 && !v;
		}
	}
	printf("  second opinion (LM transcript, same intent as the rejected "
	       "guess): %u transcribed, RTF %.3f; %u in-grammar accepted "
	       "with a wrong intent\n",
	       asked, a_ms ? (double)d_ms / a_ms : 0, wrong);
	for (c = 0; c < NCOND; c++)
		printf("    %-7s accepted +right %.1f%% -> %.1f%%, off-topic "
		       "rejected %.1f%% -> %.1f%%\n",
		       cond_name[c], pct(ok0[c], nin[c]), pct(ok1[c], nin[c]),
		       pct(rej0[c], noff[c]), pct(rej1[c], noff[c]));
	free(so);
}

static int bench_config(const char *models, const char *lang,
			const char *model, const char *reject,
			struct work_pool *pool, unsigned threads,
			struct dialog_script *s,
			const struct dialog_grammar *dg,
			const struct tasr_set *set, const struct audio *au,
			size_t na)
{
	struct asr_conf conf;
	struct asr *asr = NULL;
	struct asr_grammar *g = NULL;
	struct asr_grammar_stats gst;
	struct asr_stats st;
	struct outcome *out = NULL, probe[2];
	unsigned caps;
	struct tally tc[NCOND], ta;
	double h0, h1, h2, h3, r0, r1, r2, r3;
	char idle[16], vbuf[512];
	uint64_t t0;
	size_t i;
	int err;

	if ((only_reject && strcmp(only_reject, reject)) ||
	    (only_model && strcmp(only_model, model)))
		return 0;
	asr_conf_init(&conf);
	conf.lang = lang;
	conf.model = model;
	conf.models_dir = models;
	snprintf(idle, sizeof(idle), "%u", threads + 1);
	asr_conf_set(&conf, "max_idle", idle);
	err = asr_conf_set(&conf, "reject", reject);
	if (err)
		return err;
	if (opt_gw)
		err |= asr_conf_set(&conf, "garbage_weight", opt_gw);
	if (opt_loop_p)
		err |= asr_conf_set(&conf, "loop_p", opt_loop_p);
	if (opt_thr)
		err |= asr_conf_set(&conf, "reject_threshold", opt_thr);
	if (opt_denoise)
		err |= asr_conf_set(&conf, "denoise", opt_denoise);
	if (opt_learn)
		err |= asr_conf_set(&conf, "denoise_learn", opt_learn);
	if (opt_args)
		err |= asr_conf_set(&conf, "engine_args", opt_args);
	if (variant)
		err |= set_variant(&conf, variant, vbuf, sizeof(vbuf));
	if (err)
		return EINVAL;

	h0 = bench_heap_mb();
	r0 = bench_rss_mb();
	err = asr_alloc(&asr, &conf, pool);
	if (err) {
		printf("== %s %s: cannot start (%s)\n", lang, model,
		       strerror(err));
		return err;
	}
	h1 = bench_heap_mb();
	r1 = bench_rss_mb();
	t0 = tmr_jiffies();
	caps = opt_values < 0 ? (strcmp(lang, "zh") ? dg->captures : 0u)
	       : opt_values ? dg->captures : 0u;
	err = asr_grammar_get_node(&g, asr, dg->node, dg->phrases, dg->n,
				   dg->nexpected, caps);
	if (err)
		goto out;
	wait_idle(asr, 1); /* compiled, with a first decoder */
	h2 = bench_heap_mb();
	r2 = bench_rss_mb();
	asr_grammar_stats(g, &gst);
	printf("== %s, model %s, rejection %s, %u workers; denoise %s "
	       "(learn %s), engine args \"%s\"\n",
	       lang, model, reject, threads,
	       opt_denoise ? opt_denoise : "default",
	       opt_learn ? opt_learn : "default", opt_args ? opt_args : "");
	if (variant)
		printf("  variant: %s\n", variant);
	printf("  spoken values %s\n", caps ? "on" : "off");
	if (gst.err) {
		printf("  grammar did not compile: %s\n", strerror(gst.err));
		err = gst.err;
		goto out;
	}
	printf("  grammar \"%s\": %zu phrases, %zu kept, %zu dropped, %zu "
	       "words dropped from phrases, %zu words; compiled with a "
	       "first decoder in %llu ms\n",
	       dg->node, gst.phrases, gst.kept, gst.dropped,
	       gst.words_dropped, gst.words,
	       (unsigned long long)(tmr_jiffies() - t0));

	/* a second decoder, built while the first one works */
	memset(probe, 0, sizeof(probe));
	remaining = 2;
	for (i = 0; i < 2; i++) {
		err = asr_recognize(NULL, asr, g, au[0].pcm, au[0].n, 8000,
				    on_result, &probe[i]);
		if (err)
			goto out;
	}
	re_main(NULL);
	wait_idle(asr, 2);
	h3 = bench_heap_mb();
	r3 = bench_rss_mb();
	printf("  memory: dictionary %.1f MB; first decoder with the "
	       "grammar %.1f MB; each further decoder %.1f MB heap, "
	       "%.1f MB RSS\n",
	       h1 - h0, h2 - h1, h3 - h2, r3 - r2);
	(void)r0;
	(void)r1;

	out = calloc(na, sizeof(*out));
	if (!out) {
		err = ENOMEM;
		goto out;
	}
	remaining = (unsigned)na;
	for (i = 0; i < na; i++) {
		err = asr_recognize(NULL, asr, g, au[i].pcm, au[i].n, 8000,
				    on_result, &out[i]);
		if (err)
			goto out;
	}
	re_main(NULL);

	memset(tc, 0, sizeof(tc));
	memset(&ta, 0, sizeof(ta));
	for (i = 0; i < na; i++) {
		const struct tasr_utt *u = &set->v[au[i].utt];
		const char *it = intent_of(s, out[i].text);

		if (verbose && (u->in ? !same(it, u->intent) || out[i].rejected
				      : !out[i].rejected))
			printf("  %s %-5s %s %s: \"%s\" -> \"%s\" (%s) "
			       "score %.2f%s\n",
			       u->in ? "MISS" : "FA  ",
			       voices_of(lang)[au[i].voice],
			       cond_name[au[i].cond],
			       u->intent ? u->intent : "-", u->text,
			       out[i].text, it ? it : "-", out[i].score,
			       out[i].rejected ? " rejected" : "");
		count(&tc[au[i].cond], set, s, &au[i], &out[i],
		      out[i].err || out[i].rejected);
		count(&ta, set, s, &au[i], &out[i],
		      out[i].err || out[i].rejected);
	}
	printf("         in-grammar: n  grammar  accepted   off-topic: n  "
	       "rejected  no-intent  RTF\n");
	printf("                          only   +right\n");
	for (i = 0; i < NCOND; i++)
		print_tally(cond_name[i], &tc[i]);
	print_tally("all", &ta);
	split_expected(set, s, dg, au, out, na);
	if (!strcmp(reject, "loop")) {
		if (verbose)
			sweep(set, s, au, out, na);
		crossval(set, s, au, out, na);
		second_opinion(asr, set, s, dg->node, au, out, na);
	}
	asr_stats(asr, &st);
	printf("  decoders built %u, requests %u served by a pooled "
	       "decoder %u\n",
	       st.built, st.requests, st.reused);
out:
	free(out);
	mem_deref(g);
	mem_deref(asr);
	drain(pool);
	return err;
}

/* ---- one language ------------------------------------------------------- */

static void bench_models(const char *models, const char *lang, bool quick,
			 struct work_pool *pool, unsigned threads,
			 struct dialog_script *s,
			 const struct dialog_grammar *dg,
			 const struct tasr_set *set, const struct audio *au,
			 size_t na)
{
	if (!strcmp(lang, "en")) {
		bench_config(models, lang, "hub4wsj_sc_8k", "loop", pool,
			     threads, s, dg, set, au, na);
		bench_config(models, lang, "hub4wsj_sc_8k", "garbage", pool,
			     threads, s, dg, set, au, na);
		if (!quick || only_model)
			bench_config(models, lang, "en-us", "loop", pool,
				     threads, s, dg, set, au, na);
	}
	else {
		bench_config(models, lang, "tdt_sc_8k", "loop", pool, threads,
			     s, dg, set, au, na);
		bench_config(models, lang, "tdt_sc_8k", "garbage", pool,
			     threads, s, dg, set, au, na);
	}
}

static int bench_lang(const char *src, const char *models, const char *lang,
		      bool quick, struct work_pool *pool, unsigned threads)
{
	const char *const *voices = strcmp(lang, "zh") ? tasr_voices_en
						       : tasr_voices_zh;
	struct dialog_diags diags = {0};
	struct dialog_script *s = NULL;
	const struct dialog_grammar *dg = NULL;
	struct tasr_set set;
	struct audio *au = NULL;
	char path[1024], tmp[] = "/tmp/bench-asr-XXXXXX";
	int nvoices = quick ? 2 : 4, v, c;
	size_t i, na = 0;
	uint64_t t0;
	int err;

	memset(&set, 0, sizeof(set));
	snprintf(path, sizeof(path), "%s/scripts/loan-%s.yaml", src, lang);
	err = dialog_script_load(&s, path, &diags);
	dialog_diags_reset(&diags);
	if (err) {
		printf("cannot load %s\n", path);
		return err;
	}
	err = tasr_listen_grammar(s, &dg);
	if (!err)
		err = tasr_set_load(&set, src, lang, s);
	if (err)
		goto out;
	if (!mkdtemp(tmp)) {
		err = errno;
		goto out;
	}
	au = calloc(set.n * (size_t)nvoices * NCOND, sizeof(*au));
	if (!au) {
		err = ENOMEM;
		goto out;
	}
	t0 = tmr_jiffies();
	for (i = 0; i < set.n; i++) {
		for (v = 0; v < nvoices; v++) {
			for (c = 0; c < NCOND; c++) {
				struct audio *a = &au[na];
				struct tasr_synth_opt o = {
					.snr_db = c == 1 ? 15 : c == 2 ? 20 : 0,
					.white = c == 2,
					.pad_ms = no_pad ? 0 : 200,
				};

				err = tasr_synth_ex(&a->pcm, &a->n, lang,
						    voices[v], set.v[i].speak,
						    &o,
						    (uint32_t)(i * 31 + v + 1),
						    tmp);
				if (err) {
					printf("synthesis failed (%s): %s\n",
					       set.v[i].speak, strerror(err));
					goto out;
				}
				a->utt = i;
				a->voice = v;
				a->cond = c;
				++na;
			}
		}
	}
	printf("\n### %s: %zu utterances (%zu sentences x %d voices x clean "
	       "/ pink 15 dB / white 20 dB SNR, %s), synthesized in "
	       "%llu ms\n",
	       lang, na, set.n, nvoices,
	       no_pad ? "as synthesized" : "200 ms pre-roll and tail",
	       (unsigned long long)(tmr_jiffies() - t0));
	for (v = 0; v < (nvariants ? nvariants : 1); v++) {
		variant = nvariants ? variants[v] : NULL;
		bench_models(models, lang, quick, pool, threads, s, dg, &set,
			     au, na);
	}
out:
	(void)rmdir(tmp);
	for (i = 0; i < na; i++)
		free(au[i].pcm);
	free(au);
	tasr_set_free(&set);
	mem_deref(s);
	return err;
}

int main(int argc, char *argv[])
{
	const char *models = NULL, *lang = NULL, *src = NULL;
	struct work_pool *pool = NULL;
	unsigned threads;
	bool quick = false;
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--models") && i + 1 < argc)
			models = argv[++i];
		else if (!strcmp(argv[i], "--lang") && i + 1 < argc)
			lang = argv[++i];
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--reject") && i + 1 < argc)
			only_reject = argv[++i];
		else if (!strcmp(argv[i], "--model") && i + 1 < argc)
			only_model = argv[++i];
		else if (!strcmp(argv[i], "--garbage-weight") && i + 1 < argc)
			opt_gw = argv[++i];
		else if (!strcmp(argv[i], "--loop-p") && i + 1 < argc)
			opt_loop_p = argv[++i];
		else if (!strcmp(argv[i], "--threshold") && i + 1 < argc)
			opt_thr = argv[++i];
		else if (!strcmp(argv[i], "--denoise") && i + 1 < argc)
			opt_denoise = argv[++i];
		else if (!strcmp(argv[i], "--denoise-learn") && i + 1 < argc)
			opt_learn = argv[++i];
		else if (!strcmp(argv[i], "--engine-args") && i + 1 < argc)
			opt_args = argv[++i];
		else if (!strcmp(argv[i], "--no-pad"))
			no_pad = true;
		else if (!strcmp(argv[i], "--values") && i + 1 < argc)
			opt_values = !strcmp(argv[++i], "on");
		else if (!strcmp(argv[i], "--variant") && i + 1 < argc &&
			 nvariants < 16)
			variants[nvariants++] = argv[++i];
		else if (argv[i][0] != '-')
			src = argv[i];
		else {
			fprintf(stderr,
				"usage: bench-asr [--models DIR] "
				"[--lang en|zh] [--model M] [--reject M] "
				"[--quick] [-v]\n"
				"  [--threshold T] [--garbage-weight W] "
				"[--loop-p P] [--denoise D]\n"
				"  [--denoise-learn preroll|segment] "
				"[--engine-args A] [--no-pad]\n"
				"  [--values on|off] "
				"[--variant \"key=val|key=val\"]... [SRCDIR]\n");
			return 2;
		}
	}
	if (src)
		setenv("CALLBOT_SRCDIR", src, 1);
	src = tasr_srcdir();
	threads = nproc > 0 ? (unsigned)nproc : 2;
	err = libre_init();
	if (err)
		return 1;
	err = work_pool_alloc(&pool, threads);
	if (err)
		goto out;
	if (!lang || !strcmp(lang, "en"))
		err |= bench_lang(src, models, "en", quick, pool, threads);
	if (!lang || !strcmp(lang, "zh"))
		err |= bench_lang(src, models, "zh", quick, pool, threads);
out:
	mem_deref(pool);
	libre_close();
	return err ? 1 : 0;
}
