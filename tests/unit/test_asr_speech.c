/**
 * @file test_asr_speech.c  Speech in, intent out, with the real engine:
 * the sample scripts' first listening node, utterances synthesized at run
 * time (tests/asr/LANG.tsv, two voices, 8 kHz G.711), recognized through
 * the worker pool, and the text matched by the dialog's matcher.
 * In-grammar phrases are said by both voices, off-topic sentences by
 * one voice each, in turn.
 *
 * English asserts the brief's floor: >= 90% of in-grammar phrases get
 * the right intent and >= 80% of off-topic sentences are rejected.
 * Mandarin's model is weaker (SPEECH-NOTES.md; bench-asr measures it):
 * the floors there only catch a broken pipeline.
 *
 * Also checked: results arrive on the loop thread, decoders are pooled
 * (one per concurrent utterance, reused afterwards), and everything is
 * freed (ASan/LSan; see tests/lsan-pocketsphinx.supp for the library's
 * own leaks).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "dialog/dialog.h"
#include "dialog/extract.h"
#include "asr/asr.h"
#include "test.h"
#include "test_asr.h"
#include "tests.h"

struct outcome {
	bool called;
	bool on_loop;
	int err;
	char text[256];
	bool rejected;
	double score;
	unsigned audio_ms;
	unsigned decode_ms;
};

static pthread_t loop_thread;
static unsigned left;
static bool verbose; /* $CALLBOT_TEST_VERBOSE: print every miss */

static void on_result(int err, const struct asr_result *r, void *arg)
{
	struct outcome *o = arg;

	o->called = true;
	o->on_loop = pthread_equal(pthread_self(), loop_thread);
	o->err = err;
	if (r) {
		snprintf(o->text, sizeof(o->text), "%s", r->text);
		o->rejected = r->rejected;
		o->score = r->score;
		o->audio_ms = r->audio_ms;
		o->decode_ms = r->decode_ms;
	}
	if (left && --left == 0)
		re_cancel();
}

static void on_timeout(void *arg)
{
	*(bool *)arg = true;
	re_cancel();
}

struct drain {
	struct tmr t;
	struct work_pool *pool;
	unsigned polls;
};

static void poll_drain(void *arg)
{
	struct drain *d = arg;

	if (!work_pending(d->pool) || ++d->polls > 4000) {
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

static bool have_model(const char *folder)
{
	char dir[1024], path[1200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/mdef",
		 asr_models_dir(NULL, dir, sizeof(dir)), folder);
	if (stat(path, &st)) {
		fprintf(stderr, "SKIP: no model %s\n", path);
		return false;
	}
	return true;
}

static int speech(const char *lang, const char *model,
		  const char *const *voices, int nvoices, double min_acc,
		  double min_rej)
{
	struct dialog_diags diags = {0};
	struct dialog_script *s = NULL;
	const struct dialog_grammar *dg = NULL;
	struct work_pool *pool = NULL;
	struct asr *asr = NULL;
	struct asr_grammar *g = NULL;
	struct asr_conf conf;
	struct asr_stats st;
	struct tasr_set set;
	struct outcome *out = NULL;
	size_t *utt = NULL; /* sentence of each request */
	char path[1024], tmp[] = "/tmp/callbot-asr-test-XXXXXX";
	unsigned nin = 0, ok = 0, noff = 0, rej = 0;
	unsigned long audio = 0, dec = 0;
	size_t i, n = 0;
	bool expired = false;
	struct tmr t;
	int v, err;

	memset(&set, 0, sizeof(set));
	tmr_init(&t);
	TEST_ERR(libre_init());
	loop_thread = pthread_self();
	snprintf(path, sizeof(path), "%s/scripts/loan-%s.yaml",
		 tasr_srcdir(), lang);
	err = dialog_script_load(&s, path, &diags);
	dialog_diags_reset(&diags);
	if (!err)
		err = tasr_listen_grammar(s, &dg);
	if (!err)
		err = tasr_set_load(&set, tasr_srcdir(), lang, s);
	if (!err)
		err = work_pool_alloc(&pool, 2);
	asr_conf_init(&conf);
	conf.lang = lang;
	conf.model = model;
	conf.max_busy = 2;
	if (!err)
		err = asr_alloc(&asr, &conf, pool);
	if (!err)
		err = asr_grammar_get_caps(&g, asr, dg->node, dg->phrases,
					   dg->n, dg->captures);
	if (!err && !mkdtemp(tmp))
		err = errno;
	if (!err) {
		out = calloc(set.n * (size_t)nvoices, sizeof(*out));
		utt = calloc(set.n * (size_t)nvoices, sizeof(*utt));
		if (!out || !utt)
			err = ENOMEM;
	}
	if (err)
		goto out;

	/* synthesize and queue each utterance at once: the grammar and a
	 * first decoder are being prepared meanwhile */
	for (i = 0; i < set.n && !err; i++) {
		for (v = 0; v < nvoices && !err; v++) {
			int16_t *pcm = NULL;
			size_t np = 0;

			/* off-topic sentences: one voice each, in turn */
			if (!set.v[i].in && v != (int)(i % (size_t)nvoices))
				continue;

			err = tasr_synth(&pcm, &np, lang, voices[v],
					 set.v[i].speak, 0, 0, tmp);
			if (!err)
				err = asr_recognize(NULL, asr, g, pcm, np,
						    8000, on_result, &out[n]);
			free(pcm);
			if (!err) {
				utt[n] = i;
				++n;
				++left;
			}
		}
	}
	(void)rmdir(tmp);
	if (err) {
		fprintf(stderr, "synthesis or recognition failed: %s\n",
			strerror(err));
		goto out;
	}
	tmr_start(&t, 50000, on_timeout, &expired);
	if (left)
		re_main(NULL);
	tmr_cancel(&t);
	if (expired) {
		fprintf(stderr, "%u results missing\n", left);
		err = ETIMEDOUT;
		goto out;
	}

	verbose = getenv("CALLBOT_TEST_VERBOSE") != NULL;
	for (i = 0; i < n; i++) {
		const struct tasr_utt *u = &set.v[utt[i]];
		struct dialog_match m = {0};

		if (!out[i].called || out[i].err || !out[i].on_loop) {
			fprintf(stderr, "\"%s\": called %d err %d loop %d\n",
				u->text, out[i].called, out[i].err,
				out[i].on_loop);
			err = EINVAL;
			goto out;
		}
		if (out[i].text[0])
			dialog_match(s, NULL, out[i].text, &m);
		if (u->in) {
			bool right = !out[i].rejected && m.intent &&
				     !strcmp(m.intent, u->intent);

			++nin;
			ok += right;
			if (!right && verbose)
				printf("     miss: \"%s\" heard \"%s\"%s\n",
				       u->text, out[i].text,
				       out[i].rejected ? " (rejected)" : "");
		}
		else {
			++noff;
			rej += out[i].rejected;
			if (!out[i].rejected && verbose)
				printf("     accepted: \"%s\" heard \"%s\" "
				       "(%.1f)\n",
				       u->text, out[i].text, out[i].score);
		}
		audio += out[i].audio_ms;
		dec += out[i].decode_ms;
	}
	asr_stats(asr, &st);
	printf("     %s %s: intent right %u/%u (%.1f%%), off-topic rejected "
	       "%u/%u (%.1f%%), RTF %.3f, decoders built %u for %u "
	       "requests\n",
	       lang, model, ok, nin, 100.0 * ok / nin, rej, noff,
	       100.0 * rej / noff, audio ? (double)dec / audio : 0, st.built,
	       st.requests);
	/* one decoder per concurrent utterance, reused for the rest */
	if (st.built > conf.max_busy || st.reused + conf.max_busy < n) {
		fprintf(stderr, "decoders not pooled\n");
		err = EINVAL;
	}
	if (100.0 * ok < min_acc * nin || 100.0 * rej < min_rej * noff) {
		fprintf(stderr, "below %.0f%% accuracy / %.0f%% rejection\n",
			min_acc, min_rej);
		err = EINVAL;
	}
out:
	free(out);
	free(utt);
	mem_deref(g);
	mem_deref(asr);
	if (pool)
		drain(pool);
	mem_deref(pool);
	tasr_set_free(&set);
	mem_deref(s);
	libre_close();
	if (err)
		TEST_FAIL("%s speech: %s", lang, strerror(err));
	return 0;
}

int test_asr_speech_en(void)
{
	static const char *const voices[] = {"slt", "rms"};

	if (!have_model("en-hub4wsj_sc_8k"))
		return 0;
	return speech("en", "hub4wsj_sc_8k", voices, 2, 90, 80);
}

int test_asr_speech_zh(void)
{
	static const char *const voices[] = {"150/50", "175/70"};

	if (!have_model("zh-tdt_sc_8k"))
		return 0;
	return speech("zh", "tdt_sc_8k", voices, 2, 40, 60);
}

/* Wait until the asr has nothing pending. */
struct idle_wait {
	struct tmr t;
	struct asr *asr;
	unsigned polls;
};

static void poll_idle(void *arg)
{
	struct idle_wait *w = arg;
	struct asr_stats st;

	asr_stats(w->asr, &st);
	if (!st.pending || ++w->polls > 2000) {
		re_cancel();
		return;
	}
	tmr_start(&w->t, 5, poll_idle, w);
}

static void wait_idle(struct asr *asr)
{
	struct idle_wait w = {.asr = asr};

	tmr_init(&w.t);
	tmr_start(&w.t, 0, poll_idle, &w);
	re_main(NULL);
	tmr_cancel(&w.t);
}

/* A compiled grammar goes to the cache folder; the next recognizer
 * (a restart) loads it from there instead of compiling. */
int test_asr_cache(void)
{
	static const char *const ext[] = {"jsgf", "dict", "stats"};
	static const char *const ph[] = {"yes", "no thanks", "call me later",
					 "20,000 dollars"};
	char dir[] = "/tmp/callbot-asr-cache-XXXXXX", path[1200];
	char key[2][33];
	struct asr_grammar_stats st[2];
	struct work_pool *pool = NULL;
	struct asr_conf conf;
	int k, err = 0;

	if (!have_model("en-hub4wsj_sc_8k"))
		return 0;
	TEST_ERR(libre_init());
	if (!mkdtemp(dir))
		err = errno;
	if (!err)
		err = work_pool_alloc(&pool, 2);
	asr_conf_init(&conf);
	conf.cache_dir = dir;
	memset(key, 0, sizeof(key));
	for (k = 0; k < 2 && !err; k++) {
		struct asr *asr = NULL;
		struct asr_grammar *g = NULL;

		err = asr_alloc(&asr, &conf, pool);
		if (!err)
			err = asr_grammar_get(&g, asr, "t", ph, 4);
		if (!err) {
			wait_idle(asr); /* compiled, with a first decoder */
			asr_grammar_stats(g, &st[k]);
			snprintf(key[k], sizeof(key[k]), "%s", st[k].key);
			if (!st[k].compiled || st[k].err || st[k].kept != 4 ||
			    st[k].words != 8 || st[k].from_cache != (k == 1))
				err = EINVAL;
		}
		mem_deref(g);
		mem_deref(asr);
		if (pool)
			drain(pool);
	}
	if (!err && strcmp(key[0], key[1]))
		err = EINVAL;
	for (k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "%s/%s.%s", dir, key[0], ext[k]);
		if (unlink(path) && !err)
			err = ENOENT;
	}
	(void)rmdir(dir);
	mem_deref(pool);
	libre_close();
	if (err)
		TEST_FAIL("grammar cache: %s", strerror(err));
	return 0;
}

/* ---- spoken values: amounts and times ---------------------------------- */

/*
 * Values said where the sample scripts capture them (node amount captures
 * an amount, node followup a callback time): recognized against the
 * node's grammar with its captures, and the text given to the dialog's
 * extractor, which must find the value the callee meant. A few
 * off-topic sentences (the first of tests/asr/LANG.tsv) are decoded
 * against both nodes' grammars with the captures: the phone-loop
 * rejection must still hold with the value rules in.
 *
 * English asserts >= 75% of values right (measured 11/12) and >= 75% of
 * off-topic rejected. Mandarin's tdt_sc_8k hears espeak-ng's numbers
 * badly (measured 1/12: 万 heard as 元 or 吧, 十 as 一, 下午 as 上午),
 * so its floors only catch a broken pipeline. With
 * $CALLBOT_TEST_FULL, every off-topic sentence, also against the
 * grammars without captures, for comparison (slower).
 */
struct value_case {
	const char *node;  /* amount or followup */
	const char *text;  /* what the callee says */
	const char *speak; /* pinyin for espeak-ng (Mandarin) */
	const char *want;  /* the slot value the extractor must give */
};

static const struct value_case values_en[] = {
	{"amount", "twenty thousand dollars", NULL, "20000"},
	{"amount", "about fifty thousand", NULL, "50000"},
	{"amount", "maybe a hundred thousand", NULL, "100000"},
	{"amount", "i need around fifteen thousand", NULL, "15000"},
	{"amount", "five thousand bucks", NULL, "5000"},
	{"amount", "two hundred and fifty thousand dollars", NULL, "250000"},
	{"amount", "seventy five thousand", NULL, "75000"},
	{"amount", "roughly eight thousand dollars", NULL, "8000"},
	{"followup", "tomorrow afternoon", NULL, "tomorrow afternoon"},
	{"followup", "next monday at ten am", NULL, "next monday 10:00"},
	{"followup", "friday morning", NULL, "friday morning"},
	{"followup", "this evening after six", NULL, "today after 18:00"},
};

static const struct value_case values_zh[] = {
	{"amount", "五万", "wu3 wan4", "50000"},
	{"amount", "三十万块", "san1 shi2 wan4 kuai4", "300000"},
	{"amount", "大概二十万", "da4 gai4 er4 shi2 wan4", "200000"},
	{"amount", "一百万左右", "yi4 bai3 wan4 zuo3 you4", "1000000"},
	{"amount", "八千块钱", "ba1 qian1 kuai4 qian2", "8000"},
	{"amount", "两万元", "liang3 wan4 yuan2", "20000"},
	{"amount", "十万", "shi2 wan4", "100000"},
	{"amount", "一万五", "yi2 wan4 wu3", "15000"},
	{"followup", "明天下午", "ming2 tian1 xia4 wu3", "tomorrow afternoon"},
	{"followup", "后天上午十点", "hou4 tian1 shang4 wu3 shi2 dian3",
	 "day_after_tomorrow 10:00"},
	{"followup", "周五晚上", "zhou1 wu3 wan3 shang4", "friday evening"},
	{"followup", "下午三点以后", "xia4 wu3 san1 dian3 yi3 hou4",
	 "after 15:00"},
};

/* The first n off-topic lines of the set. */
static size_t off_topic(const struct tasr_set *set, size_t *idx, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < set->n && k < n; i++) {
		if (!set->v[i].in)
			idx[k++] = i;
	}
	return k;
}

enum { NOFF = 4, NOFF_FULL = 40 };

static int values(const char *lang, const char *model,
		  const struct value_case *cases, size_t ncases,
		  const char *voice, double min_acc, double min_rej)
{
	static const char *const nodes[2] = {"amount", "followup"};
	struct dialog_diags diags = {0};
	struct dialog_script *s = NULL;
	struct work_pool *pool = NULL;
	struct asr *asr = NULL;
	struct asr_grammar *g[2][2] = {{NULL, NULL}, {NULL, NULL}};
	struct asr_conf conf;
	struct tasr_set set;
	struct outcome out[16 + 4 * NOFF_FULL];
	size_t off[NOFF_FULL], noff = 0, i, k, n = 0;
	bool full = getenv("CALLBOT_TEST_FULL") != NULL;
	unsigned per = full ? 4 : 2; /* grammars per off-topic sentence */
	char path[1024], tmp[] = "/tmp/callbot-asr-test-XXXXXX";
	unsigned ok = 0, rej[2] = {0, 0}, nrej[2] = {0, 0};
	bool expired = false;
	struct tmr t;
	int err;

	memset(&set, 0, sizeof(set));
	memset(out, 0, sizeof(out));
	tmr_init(&t);
	if (ncases > 16)
		TEST_FAIL("too many cases");
	TEST_ERR(libre_init());
	loop_thread = pthread_self();
	snprintf(path, sizeof(path), "%s/scripts/loan-%s.yaml",
		 tasr_srcdir(), lang);
	err = dialog_script_load(&s, path, &diags);
	dialog_diags_reset(&diags);
	if (!err)
		err = tasr_set_load(&set, tasr_srcdir(), lang, s);
	if (!err)
		err = work_pool_alloc(&pool, 2);
	asr_conf_init(&conf);
	conf.lang = lang;
	conf.model = model;
	conf.max_busy = 2;
	if (!err)
		err = asr_alloc(&asr, &conf, pool);
	/* g[node][0]: the phrases alone; g[node][1]: with the captures */
	for (k = 0; k < 2 && !err; k++) {
		const struct dialog_grammar *dg =
			dialog_script_grammar(s, nodes[k]);

		if (!dg || !dg->captures) {
			fprintf(stderr, "node %s captures nothing\n",
				nodes[k]);
			err = EINVAL;
			break;
		}
		err = asr_grammar_get(&g[k][0], asr, dg->node, dg->phrases,
				      dg->n);
		if (!err)
			err = asr_grammar_get_caps(&g[k][1], asr, dg->node,
						   dg->phrases, dg->n,
						   dg->captures);
	}
	if (!err && !mkdtemp(tmp))
		err = errno;
	if (err)
		goto out;
	noff = off_topic(&set, off, full ? NOFF_FULL : NOFF);

	/* the values against their node's grammar with captures; each
	 * off-topic sentence against both (full: all four) grammars */
	for (i = 0; i < ncases + noff && !err; i++) {
		const char *speak = i < ncases
					    ? (cases[i].speak ? cases[i].speak
							      : cases[i].text)
					    : set.v[off[i - ncases]].speak;
		int16_t *pcm = NULL;
		size_t np = 0, j;

		err = tasr_synth(&pcm, &np, lang, voice, speak, 0, 0, tmp);
		for (j = 0; !err && j < (i < ncases ? 1u : per); j++) {
			struct asr_grammar *gg =
				i < ncases ? g[strcmp(cases[i].node,
						      "amount") != 0][1]
				: full	   ? g[j / 2][j % 2]
					   : g[j][1];

			err = asr_recognize(NULL, asr, gg, pcm, np, 8000,
					    on_result, &out[n++]);
			if (!err)
				++left;
		}
		free(pcm);
	}
	(void)rmdir(tmp);
	if (err) {
		fprintf(stderr, "synthesis or recognition failed: %s\n",
			strerror(err));
		goto out;
	}
	tmr_start(&t, 50000, on_timeout, &expired);
	if (left)
		re_main(NULL);
	tmr_cancel(&t);
	if (expired) {
		fprintf(stderr, "%u results missing\n", left);
		err = ETIMEDOUT;
		goto out;
	}

	verbose = getenv("CALLBOT_TEST_VERBOSE") != NULL;
	for (i = 0; i < n; i++) {
		if (!out[i].called || out[i].err || !out[i].on_loop) {
			fprintf(stderr,
				"result %zu: called %d err %d loop %d\n", i,
				out[i].called, out[i].err, out[i].on_loop);
			err = EINVAL;
			goto out;
		}
	}
	for (i = 0; i < ncases; i++) {
		const struct value_case *c = &cases[i];
		enum extract_kind kind = strcmp(c->node, "amount")
						 ? EXTRACT_CALLBACK_TIME
						 : EXTRACT_AMOUNT;
		char val[64] = "";
		bool right;

		if (!out[i].rejected)
			(void)extract_run(kind, out[i].text, val, sizeof(val));
		right = !strcmp(val, c->want);
		ok += right;
		if (verbose || !right)
			printf("     %s \"%s\" heard \"%s\"%s -> \"%s\" "
			       "(%.1f)\n",
			       right ? "ok:  " : "miss:", c->text,
			       out[i].text,
			       out[i].rejected ? " (rejected)" : "", val,
			       out[i].score);
	}
	for (i = ncases; i < n; i++) {
		size_t caps = full ? (i - ncases) % 2 : 1;

		++nrej[caps];
		rej[caps] += out[i].rejected;
		if (verbose)
			printf("     off-topic \"%s\" heard \"%s\"%s (%s, "
			       "%.1f)\n",
			       set.v[off[(i - ncases) / per]].text,
			       out[i].text,
			       out[i].rejected ? " (rejected)" : "",
			       caps ? "captures" : "phrases", out[i].score);
	}
	printf("     %s %s: values right %u/%zu (%.0f%%); off-topic "
	       "rejected %u/%u with the captures",
	       lang, model, ok, ncases, 100.0 * ok / ncases, rej[1],
	       nrej[1]);
	if (full)
		printf(", %u/%u without", rej[0], nrej[0]);
	printf("\n");
	if (100.0 * ok < min_acc * ncases ||
	    100.0 * rej[1] < min_rej * nrej[1]) {
		fprintf(stderr, "below %.0f%% values / %.0f%% rejection\n",
			min_acc, min_rej);
		err = EINVAL;
	}
out:
	for (k = 0; k < 2; k++) {
		mem_deref(g[k][0]);
		mem_deref(g[k][1]);
	}
	mem_deref(asr);
	if (pool)
		drain(pool);
	mem_deref(pool);
	tasr_set_free(&set);
	mem_deref(s);
	libre_close();
	if (err)
		TEST_FAIL("%s spoken values: %s", lang, strerror(err));
	return 0;
}

int test_asr_values_en(void)
{
	if (!have_model("en-hub4wsj_sc_8k"))
		return 0;
	return values("en", "hub4wsj_sc_8k", values_en,
		      sizeof(values_en) / sizeof(values_en[0]), "slt", 75, 75);
}

int test_asr_values_zh(void)
{
	if (!have_model("zh-tdt_sc_8k"))
		return 0;
	return values("zh", "tdt_sc_8k", values_zh,
		      sizeof(values_zh) / sizeof(values_zh[0]), "150/50", 8,
		      60);
}

/* ---- the weight of what a node does not expect ------------------------- */

/*
 * "call me later" is a phrase the node does not expect (it expects "call
 * me back later" and "no"). Weighed at 1e-3 it still wins, and its
 * rejection score is the one it has unweighed (the decoder takes the
 * weight back out); weighed at 1e-300 (below a float: no path through
 * the others) the node's own neighbour wins instead, so the weight
 * reaches the search. On clean speech it takes that much: at 1e-30,
 * about 5.6 per frame here, "call me later" still won.
 */
int test_asr_prior(void)
{
	static const char *const ph[] = {"call me back later", "no",
					 "call me later"};
	static const char *const w[3] = {"1", "1e-3", "1e-300"};
	char tmp[] = "/tmp/callbot-asr-prior-XXXXXX";
	struct work_pool *pool = NULL;
	struct asr *asr[3] = {NULL, NULL, NULL};
	struct asr_grammar *g[3] = {NULL, NULL, NULL};
	struct outcome out[3];
	int16_t *pcm = NULL;
	size_t np = 0, k;
	bool expired = false;
	struct tmr t;
	int err;

	if (!have_model("en-hub4wsj_sc_8k"))
		return 0;
	memset(out, 0, sizeof(out));
	tmr_init(&t);
	TEST_ERR(libre_init());
	loop_thread = pthread_self();
	err = work_pool_alloc(&pool, 2);
	for (k = 0; k < 3 && !err; k++) {
		struct asr_conf conf;

		asr_conf_init(&conf);
		err = asr_conf_set(&conf, "other_weight", w[k]);
		if (!err)
			err = asr_alloc(&asr[k], &conf, pool);
		if (!err)
			err = asr_grammar_get_node(&g[k], asr[k], "t", ph, 3, 2,
						   0);
	}
	if (!err && !mkdtemp(tmp))
		err = errno;
	if (!err) {
		err = tasr_synth(&pcm, &np, "en", "slt", "call me later", 0, 0,
				 tmp);
		(void)rmdir(tmp);
	}
	for (k = 0; k < 3 && !err; k++) {
		err = asr_recognize(NULL, asr[k], g[k], pcm, np, 8000,
				    on_result, &out[k]);
		if (!err)
			++left;
	}
	free(pcm);
	if (!err) {
		tmr_start(&t, 30000, on_timeout, &expired);
		if (left)
			re_main(NULL);
		tmr_cancel(&t);
		if (expired)
			err = ETIMEDOUT;
	}
	for (k = 0; k < 3; k++) {
		printf("     other_weight %-5s: \"%s\" score %.2f%s\n", w[k],
		       out[k].text, out[k].score,
		       out[k].rejected ? " (rejected)" : "");
		mem_deref(g[k]);
		mem_deref(asr[k]);
	}
	if (pool)
		drain(pool);
	mem_deref(pool);
	libre_close();
	if (err)
		TEST_FAIL("prior: %s", strerror(err));
	ASSERT_STREQ("call me later", out[0].text);
	ASSERT_STREQ("call me later", out[1].text);
	ASSERT_TRUE(fabs(out[1].score - out[0].score) < 0.01);
	ASSERT_STREQ("call me back later", out[2].text);
	return 0;
}
