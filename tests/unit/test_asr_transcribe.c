/**
 * @file test_asr_transcribe.c  Free-form transcripts (asr_transcribe):
 * the machinery through a test-double engine, then the real pass.
 *
 * The double: its language-model decode reads pcm[0] as the index of the
 * sentence "said" and pcm[1] as milliseconds to spend, and notes the
 * thread it ran on and how many decoders it built. Checked: the
 * transcript reaches the handler on the loop thread; one decoder and one
 * thread for the whole process, never the loop nor a grammar worker, and
 * a grammar recognition asked during a long transcription is answered
 * first; the bounded queue drops (and counts) what would wait beyond
 * lm_queue, and asr_transcribe_first() goes ahead of it, never
 * refused; cancelling a waiting request means it never runs, a running
 * one finishes unheard; freeing an asr with transcriptions in flight,
 * even from inside a handler; Mandarin says ENOTSUP.
 *
 * The real pass: a clean flite sentence in the four voices through the
 * default acoustic model and Debian's English language model, most of
 * its words right (a word-level count, not an exact string).
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "asr/asr.h"
#include "test.h"
#include "test_asr.h"
#include "test_wer.h"
#include "tests.h"

static const char *const sentences[] = {
	"what is the weather like today",
	"my dog likes to play in the park",
	"i lost my keys again",
};

/* ---- the double ----------------------------------------------------------*/

struct asr_model {
	int unused;
};

struct asr_cgram {
	int unused;
};

struct asr_dec {
	int unused;
};

struct asr_lmconf {
	int unused;
};

struct asr_lmdec {
	int unused;
};

static pthread_t loop_thread;
static pthread_t lm_thread;      /* the first transcription's thread */
static int lm_threads_differ;    /* atomic: another thread was used */
static int lm_on_loop;           /* atomic */
static int lm_built;             /* atomic */
static int lm_decodes;           /* atomic */
static int gram_decodes;         /* atomic */

static int d_model_alloc(struct asr_model **mp, const struct asr_conf *c,
			 const char *dir)
{
	(void)c;
	(void)dir;
	*mp = mem_zalloc(sizeof(**mp), NULL);
	return *mp ? 0 : ENOMEM;
}

static unsigned d_srate(const struct asr_model *m)
{
	(void)m;
	return 8000;
}

static const char *d_model_id(const struct asr_model *m)
{
	(void)m;
	return "double";
}

static int d_compile(struct asr_cgram **cgp, const struct asr_model *m,
		     const char *key, const char *name,
		     const char *const *phrases, size_t n, unsigned caps,
		     struct asr_grammar_stats *st)
{
	(void)m;
	(void)key;
	(void)name;
	(void)phrases;
	(void)caps;
	st->kept = n;
	*cgp = mem_zalloc(sizeof(**cgp), NULL);
	return *cgp ? 0 : ENOMEM;
}

static int d_dec_alloc(struct asr_dec **dp, const struct asr_model *m,
		       const struct asr_cgram *cg)
{
	(void)m;
	(void)cg;
	*dp = mem_zalloc(sizeof(**dp), NULL);
	return *dp ? 0 : ENOMEM;
}

static int d_decode(struct asr_dec *d, const int16_t *pcm, size_t n,
		    struct asr_engine_result *res)
{
	(void)d;
	(void)pcm;
	(void)n;
	__atomic_add_fetch(&gram_decodes, 1, __ATOMIC_SEQ_CST);
	snprintf(res->text, sizeof(res->text), "yes");
	res->confidence = 0.9;
	return 0;
}

static int d_lm_conf(struct asr_lmconf **lcp, unsigned *srate,
		     const char **id, const struct asr_conf *c,
		     const char *models_dir)
{
	(void)models_dir;
	if (strcmp(c->lang, "en"))
		return ENOTSUP;
	*lcp = mem_zalloc(sizeof(**lcp), NULL);
	if (!*lcp)
		return ENOMEM;
	*srate = 8000;
	*id = "double-lm";
	return 0;
}

static int d_lm_alloc(struct asr_lmdec **dp, const struct asr_lmconf *lc)
{
	(void)lc;
	*dp = mem_zalloc(sizeof(**dp), NULL);
	if (!*dp)
		return ENOMEM;
	__atomic_add_fetch(&lm_built, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int d_lm_decode(struct asr_lmdec *d, const int16_t *pcm, size_t n,
		       struct asr_engine_result *res)
{
	int idx = n ? pcm[0] : -1;

	(void)d;
	if (pthread_equal(pthread_self(), loop_thread))
		__atomic_add_fetch(&lm_on_loop, 1, __ATOMIC_SEQ_CST);
	/* the first decode notes its thread (no other runs meanwhile) */
	if (__atomic_add_fetch(&lm_decodes, 1, __ATOMIC_SEQ_CST) == 1)
		lm_thread = pthread_self();
	else if (!pthread_equal(pthread_self(), lm_thread))
		__atomic_add_fetch(&lm_threads_differ, 1, __ATOMIC_SEQ_CST);
	if (n > 1 && pcm[1] > 0)
		usleep((useconds_t)pcm[1] * 1000);
	if (idx < 0 || (size_t)idx >= sizeof(sentences) / sizeof(*sentences))
		return EINVAL;
	snprintf(res->text, sizeof(res->text), "%s", sentences[idx]);
	res->confidence = 0.5;
	return 0;
}

static const struct asr_engine double_engine = {
	.name = "double-lm",
	.model_alloc = d_model_alloc,
	.srate = d_srate,
	.model_id = d_model_id,
	.compile = d_compile,
	.dec_alloc = d_dec_alloc,
	.decode = d_decode,
	.lm_conf = d_lm_conf,
	.lm_alloc = d_lm_alloc,
	.lm_decode = d_lm_decode,
};

/* ---- the loop ------------------------------------------------------------*/

struct got {
	bool called;
	bool on_loop;
	int err;
	char text[256];
	char transcript[256];
	bool new_decoder;
	unsigned order;        /* 1, 2, ... in the order handled */
	struct asr **freeme;   /* free this asr in the handler */
};

static unsigned left, handled;

static void on_result(int err, const struct asr_result *r, void *arg)
{
	struct got *g = arg;

	g->called = true;
	g->on_loop = pthread_equal(pthread_self(), loop_thread);
	g->err = err;
	g->order = ++handled;
	if (r) {
		snprintf(g->text, sizeof(g->text), "%s", r->text);
		snprintf(g->transcript, sizeof(g->transcript), "%s",
			 r->transcript ? r->transcript : "(null)");
		g->new_decoder = r->new_decoder;
	}
	if (g->freeme)
		*g->freeme = mem_deref(*g->freeme);
	if (left && --left == 0)
		re_cancel();
}

static void on_timeout(void *arg)
{
	*(bool *)arg = true;
	re_cancel();
}

/* Run the loop until `left` handlers have run or ms pass: true if they
 * did. With left 0 it runs for ms. */
static bool run_loop(unsigned ms)
{
	struct tmr t;
	bool expired = false;

	tmr_init(&t);
	tmr_start(&t, ms, on_timeout, &expired);
	re_main(NULL);
	tmr_cancel(&t);
	return !expired;
}

static int say(struct asr_req **reqp, struct asr *asr, int idx, int ms,
	       struct got *g)
{
	int16_t pcm[2] = {(int16_t)idx, (int16_t)ms};

	return asr_transcribe(reqp, asr, pcm, 2, 8000, on_result, g);
}

static int say_first(struct asr *asr, int idx, struct got *g)
{
	int16_t pcm[2] = {(int16_t)idx, 0};

	return asr_transcribe_first(NULL, asr, pcm, 2, 8000, on_result, g);
}

#define CHECK(c)                                                           \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#c);                                       \
			err = EINVAL;                                      \
			goto out;                                          \
		}                                                          \
	} while (0)

int test_asr_transcribe(void)
{
	static const char *const phrases[] = {"yes", "no"};
	struct work_pool *pool = NULL;
	struct asr *en = NULL, *en2 = NULL, *zh = NULL;
	struct asr_grammar *g = NULL;
	struct asr_req *req[4] = {NULL};
	struct asr_transcribe_stats st;
	struct asr_conf c;
	struct got got[8], rec;
	int16_t pcm[2] = {0, 0};
	int err;

	/* the configuration keys */
	asr_conf_init(&c);
	ASSERT_EQ(8, c.lm_queue);
	ASSERT_EQ(19, c.lm_nice);
	ASSERT_EQ(0, asr_conf_set(&c, "lm_queue", "3"));
	ASSERT_EQ(0, asr_conf_set(&c, "lm_nice", "0"));
	ASSERT_EQ(0, asr_conf_set(&c, "lm_model", "en-us"));
	ASSERT_EQ(0, asr_conf_set(&c, "lm", "/x.lm.bin"));
	ASSERT_EQ(0, asr_conf_set(&c, "lm_dict", "/x.dict"));
	ASSERT_EQ(0, asr_conf_set(&c, "lm_args", "-fwdflat no"));
	ASSERT_TRUE(c.lm_queue == 3 && c.lm_nice == 0);
	ASSERT_STREQ("en-us", c.lm_model);
	ASSERT_STREQ("-fwdflat no", c.lm_args);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "lm_nice", "20"));
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "lm_queue", "-1"));

	memset(got, 0, sizeof(got));
	memset(&rec, 0, sizeof(rec));
	handled = 0;
	TEST_ERR(libre_init());
	loop_thread = pthread_self();
	err = asr_engine_register(&double_engine);
	if (!err)
		err = work_pool_alloc(&pool, 2);
	asr_conf_init(&c);
	c.engine = "double-lm";
	c.lm_queue = 2;
	c.lm_nice = 0;
	if (!err)
		err = asr_alloc(&en, &c, pool);
	if (!err)
		err = asr_alloc(&en2, &c, pool);
	c.lang = "zh";
	if (!err)
		err = asr_alloc(&zh, &c, pool);
	if (!err)
		err = asr_grammar_get(&g, en, "n", phrases, 2);
	if (err)
		goto out;

	/* Mandarin: no language model, the clip is what is kept */
	CHECK(asr_transcribe_check(zh) == ENOTSUP);
	CHECK(say(NULL, zh, 0, 0, &got[0]) == ENOTSUP);
	CHECK(asr_transcribe_check(en) == 0);

	/* the transcript reaches the handler, on the loop; the first
	 * request builds the decoder, the next ones (any asr) share it */
	left = 2;
	CHECK(!say(NULL, en, 0, 0, &got[0]));
	CHECK(!say(NULL, en2, 1, 0, &got[1]));
	CHECK(run_loop(5000));
	CHECK(got[0].called && got[0].on_loop && !got[0].err);
	CHECK(!strcmp(got[0].transcript, sentences[0]));
	CHECK(!strcmp(got[0].text, ""));
	CHECK(got[0].new_decoder && !got[1].new_decoder);
	CHECK(!strcmp(got[1].transcript, sentences[1]));
	CHECK(got[0].order == 1 && got[1].order == 2);
	CHECK(lm_built == 1 && !lm_on_loop);

	/* a grammar recognition asked during a long transcription is
	 * answered first: the transcriber has a thread of its own */
	memset(got, 0, sizeof(got));
	left = 2;
	CHECK(!say(NULL, en, 2, 400, &got[0]));
	CHECK(!asr_recognize(NULL, en, g, pcm, 2, 8000, on_result, &rec));
	CHECK(run_loop(5000));
	CHECK(rec.called && !strcmp(rec.text, "yes"));
	CHECK(rec.order < got[0].order);
	CHECK(!strcmp(got[0].transcript, sentences[2]));

	/* the queue: one running, lm_queue (2) waiting, the next dropped
	 * and counted; a waiting request cancelled never runs */
	memset(got, 0, sizeof(got));
	lm_decodes = 0;
	CHECK(!say(&req[0], en, 0, 200, &got[0]));
	CHECK(!say(&req[1], en, 1, 0, &got[1]));
	CHECK(!say(&req[2], en2, 2, 0, &got[2]));
	CHECK(say(&req[3], en, 0, 0, &got[3]) == EBUSY && !req[3]);
	asr_transcribe_stats(en, &st);
	CHECK(st.dropped == 1 && st.pending == 2 && st.queued == 2 &&
	      st.running);
	req[1] = mem_deref(req[1]);
	left = 2;
	CHECK(run_loop(5000));
	CHECK(got[0].called && got[2].called && !got[1].called);
	CHECK(lm_decodes == 2);
	asr_transcribe_stats(en, &st);
	CHECK(st.cancelled == 1 && st.pending == 0 && !st.running);
	req[0] = mem_deref(req[0]);
	req[2] = mem_deref(req[2]);

	/* a running request cancelled: it finishes, nobody hears it */
	memset(got, 0, sizeof(got));
	CHECK(!say(&req[0], en, 0, 100, &got[0]));
	for (int k = 0; k < 400 && __atomic_load_n(&lm_decodes,
						      __ATOMIC_SEQ_CST) < 3;
	     k++)
		usleep(5000); /* until the thread has started it */
	req[0] = mem_deref(req[0]);
	left = 0;
	(void)run_loop(300);
	CHECK(!got[0].called && lm_decodes == 3);
	asr_transcribe_stats(en, &st);
	CHECK(st.cancelled == 2 && !st.running && st.pending == 0);

	/* an engine failure reaches the handler as an error */
	memset(got, 0, sizeof(got));
	left = 1;
	CHECK(!say(NULL, en, 99, 0, &got[0]));
	CHECK(run_loop(5000));
	CHECK(got[0].called && got[0].err == EINVAL);

	/* asr_transcribe_first (the robot's second opinion): not refused
	 * for a full queue, ahead of the waiting requests, behind an
	 * earlier urgent one */
	memset(got, 0, sizeof(got));
	handled = 0;
	CHECK(!say(NULL, en, 0, 200, &got[0])); /* running */
	CHECK(!say(NULL, en, 1, 0, &got[1]));
	CHECK(!say(NULL, en2, 2, 0, &got[2])); /* the queue is full */
	CHECK(say(NULL, en, 0, 0, &got[5]) == EBUSY);
	CHECK(!say_first(en, 1, &got[3]));
	CHECK(!say_first(en2, 2, &got[4]));
	left = 5;
	CHECK(run_loop(5000));
	CHECK(got[0].order == 1 && got[3].order == 2 && got[4].order == 3 &&
	      got[1].order == 4 && got[2].order == 5 && !got[5].called);
	CHECK(!strcmp(got[3].transcript, sentences[1]));

	/* an asr freed with one running and one waiting: no handler; the
	 * other asr still holds the transcriber */
	memset(got, 0, sizeof(got));
	CHECK(!say(NULL, en2, 0, 100, &got[0]));
	CHECK(!say(NULL, en2, 1, 0, &got[1]));
	en2 = mem_deref(en2);
	left = 0;
	(void)run_loop(300);
	CHECK(!got[0].called && !got[1].called);

	/* the last asr freed from inside its own transcript's handler: the
	 * transcriber goes with it (its thread joined there) */
	memset(got, 0, sizeof(got));
	got[0].freeme = &en;
	left = 1;
	CHECK(!say(NULL, en, 0, 0, &got[0]));
	g = mem_deref(g);
	CHECK(run_loop(5000));
	CHECK(got[0].called && !en);
	CHECK(!lm_on_loop && !lm_threads_differ);
out:
	for (int k = 0; k < 4; k++)
		mem_deref(req[k]);
	mem_deref(g);
	mem_deref(en);
	mem_deref(en2);
	mem_deref(zh);
	mem_deref(pool);
	asr_engine_unregister(&double_engine);
	libre_close();
	if (err)
		TEST_FAIL("asr transcribe: %s", strerror(err));
	return 0;
}

/* ---- the real pass -------------------------------------------------------*/

#define DEBIAN_EN "/usr/share/pocketsphinx/model/en-us"

static bool have(const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "SKIP: no %s\n", path);
		return false;
	}
	return true;
}

int test_asr_transcribe_en(void)
{
	enum { NV = 4 };
	const char *text = sentences[0];
	struct work_pool *pool = NULL;
	struct asr *asr = NULL;
	struct asr_conf c;
	struct got got[NV];
	struct twer w;
	char tmp[] = "/tmp/callbot-transcribe-test-XXXXXX";
	int16_t *pcm[NV] = {NULL};
	size_t n[NV];
	unsigned hits = 0, nref = 0, errors = 0;
	int err = 0, k;

	if (!have(DEBIAN_EN "/en-us.lm.bin") ||
	    !have(DEBIAN_EN "/cmudict-en-us.dict"))
		return 0;
	if (!mkdtemp(tmp))
		return errno;
	for (k = 0; k < NV && !err; k++)
		err = tasr_synth(&pcm[k], &n[k], "en", tasr_voices_en[k], text,
				 0, 1, tmp);
	(void)rmdir(tmp);
	if (err == ENOENT) {
		fprintf(stderr, "SKIP: no flite or sox\n");
		err = 0;
		goto done;
	}
	if (err)
		goto done;

	memset(got, 0, sizeof(got));
	err = libre_init();
	if (err)
		goto done;
	loop_thread = pthread_self();
	err = work_pool_alloc(&pool, 1);
	asr_conf_init(&c);
	c.lm_nice = 0; /* not starved by whatever else runs */
	if (!err)
		err = asr_alloc(&asr, &c, pool);
	if (!err && asr_transcribe_check(asr) == ENOENT) {
		fprintf(stderr, "SKIP: no acoustic model for transcripts\n");
		goto out;
	}
	/* a model the pass does not know is a configuration error */
	if (!err) {
		struct asr *bad = NULL;

		c.lm_model = "nonsense";
		CHECK(asr_alloc(&bad, &c, pool) == EINVAL && !bad);
	}
	for (k = 0; k < NV && !err; k++)
		err = asr_transcribe(NULL, asr, pcm[k], n[k], 8000, on_result,
				     &got[k]);
	if (err)
		goto out;
	left = NV;
	CHECK(run_loop(60000));
	for (k = 0; k < NV; k++) {
		CHECK(got[k].called && !got[k].err);
		err = twer_align(&w, text, got[k].transcript);
		if (err)
			goto out;
		printf("  %s: \"%s\" (%u/%u words right, %u errors)\n",
		       tasr_voices_en[k], got[k].transcript, w.hits, w.ref,
		       w.errors);
		hits += w.hits;
		nref += w.ref;
		errors += w.errors;
	}
	/* measured (hub4wsj_sc_8k): 20/24 words right, 8 errors (slt all
	 * six, rms "what is the one for like two days"); a broken pass (a
	 * wrong rate, no language model, another model's features) gets a
	 * few at most */
	CHECK(hits * 3 >= nref * 2 && errors * 2 <= nref);
out:
	mem_deref(asr);
	mem_deref(pool);
	libre_close();
done:
	for (k = 0; k < NV; k++)
		free(pcm[k]);
	if (err)
		TEST_FAIL("asr transcribe en: %s", strerror(err));
	return 0;
}

/* The real engine has nothing for Mandarin: ENOTSUP, no decoder. */
int test_asr_transcribe_zh(void)
{
	struct work_pool *pool = NULL;
	struct asr *asr = NULL;
	struct asr_conf c;
	char dir[1024], path[1200];
	int16_t pcm[160] = {0};
	int err;

	snprintf(path, sizeof(path), "%s/zh-tdt_sc_8k/mdef",
		 asr_models_dir(NULL, dir, sizeof(dir)));
	if (!have(path))
		return 0;
	TEST_ERR(libre_init());
	err = work_pool_alloc(&pool, 1);
	asr_conf_init(&c);
	c.lang = "zh";
	if (!err)
		err = asr_alloc(&asr, &c, pool);
	if (err)
		goto out;
	CHECK(asr_transcribe_check(asr) == ENOTSUP);
	CHECK(asr_transcribe(NULL, asr, pcm, 160, 8000, on_result, NULL) ==
	      ENOTSUP);
out:
	mem_deref(asr);
	mem_deref(pool);
	libre_close();
	if (err)
		TEST_FAIL("asr transcribe zh: %s", strerror(err));
	return 0;
}
