/**
 * @file asr.c  The recognizer: engines, grammar cache, decoder pool and
 * the hand-off between the loop thread and the workers.
 *
 * Ownership. The loop thread owns the asr, its grammar cache (a list, most
 * recently used last, at most max_grammars), the idle decoders (one LRU
 * list over all grammars, at most max_idle, plus a list per grammar), the
 * queue of requests waiting for a slot and the list of jobs on workers
 * (at most max_busy). A job is a mem object owned by the queue while it
 * waits and by the work pool from work_submit() to its done handler; it
 * holds a reference to its grammar and owns its decoder and a copy of the
 * audio. The decoder is chosen when the job leaves the queue, so a burst
 * of requests shares the decoders that come back instead of each building
 * one. Workers touch nothing but their job, the job's grammar (compiled
 * once, under the grammar's mutex) and the engine's read-only model, and
 * never take or drop mem references to shared objects (libre's counts are
 * not atomic).
 *
 * Lifetimes. A request (asr_req) is the caller's handle on a job:
 * dropping it clears the job's handler (a job still queued goes at once),
 * so a result arriving after a hang-up is dropped on the floor. Freeing
 * the asr drops the queue and detaches the jobs on workers (their
 * decoders are freed instead of pooled when they come back); no handler
 * runs after that. Grammars live while someone holds them: the cache, a
 * caller, a job or a pooled decoder.
 *
 * Decoders are freed on a worker (ps_free takes ~5 ms), queued on the same
 * pool.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

#define COMPILER_VERSION "2" /* 2: capture rules */

struct asr {
	const struct asr_engine *eng;
	struct asr_model *model;
	struct work_pool *pool;
	char lang[4];
	unsigned srate;        /* the engine's */
	unsigned max_idle;
	unsigned max_grammars;
	unsigned max_ms;
	struct list grammars;  /* cached, least recently used first */
	struct list idle;      /* idle decoders, least recently used first */
	struct list queue;     /* waiting for a worker */
	struct list jobs;      /* on a worker */
	unsigned busy;         /* jobs on a worker */
	unsigned max_busy;
	struct asr_stats st;
	struct asr_tx *tx;     /* transcripts (transcribe.c) */
};

struct asr_grammar {
	struct le le;          /* in asr->grammars while cached */
	const struct asr_engine *eng;
	struct asr_model *model;
	char key[33];
	char *name;
	char **phrases;
	size_t n;
	unsigned caps;         /* enum asr_cap */
	struct list idle;      /* idle decoders of this grammar (loop) */
	unsigned busy;         /* jobs in flight (loop) */
	bool warming;          /* a prepare job is queued (loop) */

	pthread_mutex_t mtx;   /* protects the fields below (workers) */
	bool compiled;
	int cerr;
	struct asr_cgram *cg;  /* immutable once set */
	struct asr_grammar_stats st;
};

/* One pooled decoder. */
struct decoder {
	struct le le;          /* in asr->idle */
	struct le gle;         /* in grammar->idle */
	struct asr_grammar *g;
	struct asr_dec *dec;
	struct work_pool *pool; /* where to free dec */
};

struct asr_job {
	struct le le;          /* in asr->queue, then asr->jobs */
	struct asr *asr;       /* NULL once the asr is gone */
	bool queued;           /* in asr->queue, owned by it */
	struct asr_req *req;
	asr_result_h *resh;    /* NULL once cancelled */
	void *arg;
	struct asr_grammar *g;
	struct decoder *dw;    /* a pooled decoder, or NULL */
	struct asr_dec *newdec; /* built on the worker */
	struct work_pool *pool;
	bool prepare;          /* compile and build a decoder only */
	int16_t *pcm;          /* at srate */
	size_t n;
	unsigned srate;
	unsigned out_srate;    /* the engine's */
	uint64_t t_queue;      /* ns, CLOCK_MONOTONIC */
	uint64_t t_start;      /* handed to the work pool */
	uint64_t t_work;       /* a worker took it */
	unsigned audio_ms;
	unsigned decode_ms;
	struct asr_engine_result res;
};

/* ---- engines -------------------------------------------------------------*/

static const struct asr_engine *engines[16] = {&asr_pocketsphinx};

int asr_engine_register(const struct asr_engine *e)
{
	size_t i;

	if (!e || !e->name || !e->model_alloc || !e->srate || !e->model_id ||
	    !e->compile || !e->dec_alloc || !e->decode)
		return EINVAL;
	/* transcription: all of it or none */
	if (!e->lm_conf != !e->lm_alloc || !e->lm_conf != !e->lm_decode)
		return EINVAL;
	if (asr_engine_find(e->name))
		return EALREADY;
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (!engines[i]) {
			engines[i] = e;
			return 0;
		}
	}
	return ENOSPC;
}

void asr_engine_unregister(const struct asr_engine *e)
{
	size_t i;

	for (i = 1; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (engines[i] == e)
			engines[i] = NULL;
	}
}

const struct asr_engine *asr_engine_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (engines[i] && !strcmp(engines[i]->name, name))
			return engines[i];
	}
	return NULL;
}

/* ---- configuration -------------------------------------------------------*/

void asr_conf_init(struct asr_conf *conf)
{
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);

	if (!conf)
		return;
	memset(conf, 0, sizeof(*conf));
	conf->engine = "pocketsphinx";
	conf->lang = "en";
	conf->reject = ASR_REJECT_LOOP;
	conf->reject_threshold = NAN;
	conf->value_threshold = NAN;
	conf->garbage_weight = NAN;
	conf->loop_p = NAN;
	conf->max_idle = 8;
	conf->max_busy = nproc > 0 ? (unsigned)nproc : 2;
	conf->max_grammars = 64;
	conf->max_ms = 20000;
	conf->denoise = NAN;
	conf->denoise_learn = ASR_DENOISE_SEGMENT;
	conf->denoise_snr = NAN;
	conf->gate = NAN;
	conf->highpass = NAN;
	conf->other_weight = NAN;
	conf->lm_queue = 8;
	conf->lm_nice = 19;
}

static int parse_uint(const char *s, unsigned max, unsigned *v)
{
	char *end;
	unsigned long x;

	if (!s || !*s)
		return EINVAL;
	x = strtoul(s, &end, 10);
	if (*end || x > max || s[0] == '-')
		return EINVAL;
	*v = (unsigned)x;
	return 0;
}

int asr_conf_set(struct asr_conf *conf, const char *key, const char *val)
{
	char *end;

	if (!conf || !key || !val)
		return EINVAL;
	if (!strcmp(key, "engine"))
		conf->engine = val;
	else if (!strcmp(key, "lang")) {
		if (strcmp(val, "en") && strcmp(val, "zh"))
			return EINVAL;
		conf->lang = val;
	}
	else if (!strcmp(key, "model"))
		conf->model = *val ? val : NULL;
	else if (!strcmp(key, "models"))
		conf->models_dir = *val ? val : NULL;
	else if (!strcmp(key, "dict"))
		conf->dict = *val ? val : NULL;
	else if (!strcmp(key, "cache"))
		conf->cache_dir = *val ? val : NULL;
	else if (!strcmp(key, "reject")) {
		if (!strcmp(val, "off") || !strcmp(val, "no"))
			conf->reject = ASR_REJECT_OFF;
		else if (!strcmp(val, "loop") || !strcmp(val, "yes"))
			conf->reject = ASR_REJECT_LOOP;
		else if (!strcmp(val, "garbage"))
			conf->reject = ASR_REJECT_GARBAGE;
		else
			return EINVAL;
	}
	else if (!strcmp(key, "reject_threshold") ||
		 !strcmp(key, "value_threshold") ||
		 !strcmp(key, "garbage_weight") || !strcmp(key, "loop_p")) {
		double v = strtod(val, &end);

		if (!*val || *end || !isfinite(v))
			return EINVAL;
		if (key[0] == 'r')
			conf->reject_threshold = v;
		else if (key[0] == 'v')
			conf->value_threshold = v;
		else if (v <= 0 || v > 1)
			return EINVAL;
		else if (key[0] == 'g')
			conf->garbage_weight = v;
		else
			conf->loop_p = v;
	}
	else if (!strcmp(key, "denoise")) {
		double v;

		if (!strcmp(val, "off") || !strcmp(val, "no"))
			conf->denoise = 0;
		else if (!strcmp(val, "on") || !strcmp(val, "yes"))
			conf->denoise = NAN;
		else if (v = strtod(val, &end), *val && !*end && v <= 0 &&
			 v >= -60)
			conf->denoise = v;
		else
			return EINVAL;
	}
	else if (!strcmp(key, "denoise_snr")) {
		double v = strtod(val, &end);

		if (!*val || *end || v < 0 || v > 100)
			return EINVAL;
		conf->denoise_snr = v;
	}
	else if (!strcmp(key, "highpass")) {
		double v = strtod(val, &end);

		if (!strcmp(val, "off") || !strcmp(val, "no"))
			conf->highpass = 0;
		else if (!*val || *end || v < 0 || v > 1000)
			return EINVAL;
		else
			conf->highpass = v;
	}
	else if (!strcmp(key, "other_weight")) {
		double v = strtod(val, &end);

		if (!strcmp(val, "off") || !strcmp(val, "no"))
			conf->other_weight = 1;
		else if (!*val || *end || !(v > 0) || v > 1)
			return EINVAL;
		else
			conf->other_weight = v;
	}
	else if (!strcmp(key, "gate")) {
		double v = strtod(val, &end);

		if (!strcmp(val, "off") || !strcmp(val, "no"))
			conf->gate = 0;
		else if (!*val || *end || v < 0 || v > 40)
			return EINVAL;
		else
			conf->gate = v;
	}
	else if (!strcmp(key, "denoise_learn")) {
		if (!strcmp(val, "preroll"))
			conf->denoise_learn = ASR_DENOISE_PREROLL;
		else if (!strcmp(val, "segment"))
			conf->denoise_learn = ASR_DENOISE_SEGMENT;
		else
			return EINVAL;
	}
	else if (!strcmp(key, "engine_args"))
		conf->engine_args = *val ? val : NULL;
	else if (!strcmp(key, "max_idle"))
		return parse_uint(val, 10000, &conf->max_idle);
	else if (!strcmp(key, "max_busy"))
		return parse_uint(val, 10000, &conf->max_busy);
	else if (!strcmp(key, "max_grammars"))
		return parse_uint(val, 100000, &conf->max_grammars);
	else if (!strcmp(key, "max_ms"))
		return parse_uint(val, 600000, &conf->max_ms);
	else if (!strcmp(key, "lm_model"))
		conf->lm_model = *val ? val : NULL;
	else if (!strcmp(key, "lm"))
		conf->lm = *val ? val : NULL;
	else if (!strcmp(key, "lm_dict"))
		conf->lm_dict = *val ? val : NULL;
	else if (!strcmp(key, "lm_args"))
		conf->lm_args = *val ? val : NULL;
	else if (!strcmp(key, "lm_queue"))
		return parse_uint(val, 10000, &conf->lm_queue);
	else if (!strcmp(key, "lm_nice")) {
		unsigned v;

		if (parse_uint(val, 19, &v))
			return EINVAL;
		conf->lm_nice = (int)v;
	}
	else
		return ENOENT;
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *asr_models_dir(const char *configured, char *buf, size_t sz)
{
	const char *env = getenv("CALLBOT_MODELS");
	const char *src = getenv("CALLBOT_SRCDIR");

	if (!buf || !sz)
		return NULL;
	if (configured) {
		snprintf(buf, sz, "%s", configured);
		return buf;
	}
	if (env && *env) {
		snprintf(buf, sz, "%s", env);
		return buf;
	}
	if (src && *src) {
		snprintf(buf, sz, "%s/../shared/models", src);
		if (is_dir(buf))
			return buf;
	}
#ifdef ASR_SRCDIR
	snprintf(buf, sz, "%s/../shared/models", ASR_SRCDIR);
	if (is_dir(buf))
		return buf;
#endif
	snprintf(buf, sz, "/usr/share/callbot/models");
	return buf;
}

/* ---- the cache key -------------------------------------------------------*/

static void fnv64(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		*h ^= *b++;
		*h *= 0x100000001b3ull;
	}
}

void asr_key(char key[33], const char *engine, const char *lang,
	     const char *model_id, const char *const *phrases, size_t n,
	     size_t nexpected, unsigned caps)
{
	/* two FNV-1a streams with different seeds: a 128-bit key */
	uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
	const char *parts[4] = {engine, lang, model_id, COMPILER_VERSION};
	size_t i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 4; i++)
			fnv64(&h[k], parts[i] ? parts[i] : "",
			      strlen(parts[i] ? parts[i] : "") + 1);
		for (i = 0; i < n; i++)
			fnv64(&h[k], phrases[i], strlen(phrases[i]) + 1);
		fnv64(&h[k], &caps, sizeof(caps));
		if (nexpected < n) /* all alike keeps the keys it had */
			fnv64(&h[k], &nexpected, sizeof(nexpected));
	}
	snprintf(key, 33, "%016llx%016llx", (unsigned long long)h[0],
		 (unsigned long long)h[1]);
}

/* ---- decoders ------------------------------------------------------------*/

static int dec_free_work(void *arg)
{
	mem_deref(arg); /* the only reference: safe on a worker */
	return 0;
}

static void decoder_destructor(void *arg)
{
	struct decoder *d = arg;

	list_unlink(&d->le);
	list_unlink(&d->gle);
	if (d->dec && (!d->pool || work_submit(d->pool, dec_free_work, NULL,
					       d->dec)))
		mem_deref(d->dec);
	mem_deref(d->g);
}

static void pool_trim(struct asr *asr, unsigned keep)
{
	while (list_count(&asr->idle) > keep) {
		mem_deref(list_ledata(list_head(&asr->idle)));
		++asr->st.evicted;
	}
}

static void pool_put(struct asr *asr, struct decoder *d)
{
	list_append(&asr->idle, &d->le, d);
	list_append(&d->g->idle, &d->gle, d);
	pool_trim(asr, asr->max_idle);
}

static struct decoder *pool_take(struct asr_grammar *g)
{
	struct decoder *d;

	if (list_isempty(&g->idle))
		return NULL;
	d = list_ledata(list_tail(&g->idle));
	list_unlink(&d->le);
	list_unlink(&d->gle);
	return d;
}

/* ---- grammars ------------------------------------------------------------*/

static void grammar_destructor(void *arg)
{
	struct asr_grammar *g = arg;
	size_t i;

	list_unlink(&g->le);
	/* idle decoders hold a reference: none can be left here */
	mem_deref(g->cg);
	for (i = 0; i < g->n; i++)
		mem_deref(g->phrases[i]);
	mem_deref(g->phrases);
	mem_deref(g->name);
	mem_deref(g->model);
	pthread_mutex_destroy(&g->mtx);
}

/* Compile once, on whichever worker gets there first. */
static int grammar_compile(struct asr_grammar *g)
{
	int err;

	pthread_mutex_lock(&g->mtx);
	if (!g->compiled) {
		struct asr_grammar_stats st = g->st;

		g->cerr = g->eng->compile(&g->cg, g->model, g->key, g->name,
					  (const char *const *)g->phrases,
					  g->n, g->caps, &st);
		st.compiled = true;
		st.err = g->cerr;
		g->st = st;
		g->compiled = true;
	}
	err = g->cerr;
	pthread_mutex_unlock(&g->mtx);
	return err;
}

static void grammar_uncache(struct asr_grammar *g)
{
	struct le *le;

	list_unlink(&g->le);
	while ((le = list_head(&g->idle)) != NULL)
		mem_deref(list_ledata(le));
	mem_deref(g); /* the cache's reference */
}

void asr_grammar_stats(const struct asr_grammar *g,
		       struct asr_grammar_stats *st)
{
	if (!g || !st)
		return;
	pthread_mutex_lock((pthread_mutex_t *)&g->mtx);
	*st = g->st;
	pthread_mutex_unlock((pthread_mutex_t *)&g->mtx);
	st->key = g->key;
}

/* ---- jobs ----------------------------------------------------------------*/

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void job_destructor(void *arg)
{
	struct asr_job *j = arg;

	list_unlink(&j->le);
	if (j->req)
		j->req->job = NULL;
	mem_deref(j->dw);
	mem_deref(j->newdec);
	mem_deref(j->g);
	mem_deref(j->pcm);
}

static void req_destructor(void *arg)
{
	struct asr_req *r = arg;
	struct asr_job *j = r->job;

	if (!j)
		return;
	j->resh = NULL;
	j->req = NULL;
	if (j->queued) /* never started: it goes now */
		mem_deref(j);
}

static int job_work(void *arg)
{
	struct asr_job *j = arg;
	struct asr_grammar *g = j->g;
	struct asr_dec *dec;
	uint64_t t0 = now_ns();
	int err;

	j->t_work = t0;
	err = grammar_compile(g);
	if (err)
		goto out;
	dec = j->dw ? j->dw->dec : NULL;
	if (!dec) {
		err = g->eng->dec_alloc(&j->newdec, g->model, g->cg);
		if (err)
			goto out;
		dec = j->newdec;
	}
	if (j->prepare)
		goto out;
	err = asr_resample_mem(&j->pcm, &j->n, j->srate, j->out_srate);
	j->res.snr_db = NAN;
	if (!err)
		err = g->eng->decode(dec, j->pcm, j->n, &j->res);
out:
	j->decode_ms = (unsigned)((now_ns() - t0) / 1000000);
	return err;
}

static void dispatch(struct asr *asr);

static void job_done(int err, void *arg)
{
	struct asr_job *j = arg;
	struct asr *asr = j->asr;
	struct asr_grammar *g = j->g;
	struct decoder *d = j->dw;
	bool built = j->newdec != NULL;

	j->dw = NULL;
	list_unlink(&j->le);
	--g->busy;
	if (j->prepare)
		g->warming = false;
	if (j->newdec && asr) {
		d = mem_zalloc(sizeof(*d), decoder_destructor);
		if (d) {
			d->g = mem_ref(g);
			d->dec = j->newdec;
			d->pool = j->pool;
			j->newdec = NULL;
			++asr->st.built;
		}
	}
	/* a decoder goes back to the pool only if it is sound, its asr is
	 * alive and its grammar is still cached */
	if (d && asr && !err && g->le.list == &asr->grammars)
		pool_put(asr, d);
	else
		mem_deref(d);
	if (err)
		log_msg(LOG_WARN, "asr", "%s failed (grammar %s): %s",
			j->prepare ? "preparing a decoder" : "recognition",
			g->name, strerror(err));
	if (asr) {
		--asr->busy;
		dispatch(asr); /* before the handler, which may free asr */
	}
	if (j->resh) {
		struct asr_result r;
		asr_result_h *h = j->resh;

		memset(&r, 0, sizeof(r));
		r.text = j->res.text;
		r.confidence = j->res.confidence;
		r.rejected = j->res.rejected;
		r.value = j->res.value;
		r.transcript = "";
		r.score = j->res.score;
		r.snr_db = j->res.snr_db;
		r.audio_ms = j->audio_ms;
		r.decode_ms = j->decode_ms;
		r.wait_ms = (unsigned)((j->t_work - j->t_queue) / 1000000);
		r.new_decoder = built;
		j->resh = NULL;
		h(err, err ? NULL : &r, j->arg);
	}
	mem_deref(j);
}

/*
 * Start queued jobs while fewer than max_busy run. The decoder is chosen
 * now, not when the request came: a burst of requests for one grammar
 * then shares the decoders that come back instead of each building its
 * own. A job left in the queue when its request is dropped never runs.
 */
static void dispatch(struct asr *asr)
{
	struct le *le;

	while (asr->busy < asr->max_busy &&
	       (le = list_head(&asr->queue)) != NULL) {
		struct asr_job *j = list_ledata(le);

		list_unlink(&j->le);
		if (j->prepare && !list_isempty(&j->g->idle)) {
			j->g->warming = false; /* already warm */
			mem_deref(j);
			continue;
		}
		j->dw = pool_take(j->g);
		j->t_start = now_ns();
		if (work_submit(asr->pool, job_work, job_done, j)) {
			/* out of memory: retry when a job comes back */
			if (j->dw) {
				pool_put(asr, j->dw);
				j->dw = NULL;
			}
			list_prepend(&asr->queue, &j->le, j);
			break;
		}
		j->queued = false;
		list_append(&asr->jobs, &j->le, j);
		++asr->busy;
		++j->g->busy;
		if (j->dw)
			++asr->st.reused;
	}
}

static void job_queue(struct asr_job *j, struct asr *asr)
{
	j->asr = asr;
	j->pool = asr->pool;
	j->out_srate = asr->srate;
	j->t_queue = now_ns();
	j->queued = true;
	list_append(&asr->queue, &j->le, j);
	dispatch(asr);
}

/* Compile and build a first decoder in the background. */
static void grammar_warm(struct asr *asr, struct asr_grammar *g)
{
	struct asr_job *j;

	if (!asr->max_idle || g->warming || g->busy ||
	    !list_isempty(&g->idle))
		return;
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return;
	j->g = mem_ref(g);
	j->prepare = true;
	g->warming = true;
	job_queue(j, asr);
}

/* ---- the recognizer ------------------------------------------------------*/

static void asr_destructor(void *arg)
{
	struct asr *asr = arg;
	struct le *le;

	/* queued jobs go; jobs in flight finish on their own; no handler
	 * is called for either */
	while ((le = list_head(&asr->queue)) != NULL) {
		struct asr_job *j = list_ledata(le);

		j->resh = NULL;
		mem_deref(j);
	}
	while ((le = list_head(&asr->jobs)) != NULL) {
		struct asr_job *j = list_ledata(le);

		list_unlink(&j->le);
		j->asr = NULL;
		j->resh = NULL;
		if (j->req) {
			j->req->job = NULL;
			j->req = NULL;
		}
	}
	list_flush(&asr->idle);
	while ((le = list_head(&asr->grammars)) != NULL)
		grammar_uncache(list_ledata(le));
	mem_deref(asr->tx); /* cancels its transcriptions */
	mem_deref(asr->model);
}

int asr_alloc(struct asr **asrp, const struct asr_conf *conf,
	      struct work_pool *pool)
{
	const struct asr_engine *eng;
	struct asr *asr;
	char dir[1024];
	int err;

	if (!asrp || !conf || !pool || !conf->lang)
		return EINVAL;
	if (strcmp(conf->lang, "en") && strcmp(conf->lang, "zh"))
		return EINVAL;
	eng = asr_engine_find(conf->engine ? conf->engine : "pocketsphinx");
	if (!eng) {
		log_msg(LOG_ERROR, "asr", "no speech engine \"%s\"",
			conf->engine);
		return ENOENT;
	}
	asr = mem_zalloc(sizeof(*asr), asr_destructor);
	if (!asr)
		return ENOMEM;
	asr->eng = eng;
	asr->pool = pool;
	snprintf(asr->lang, sizeof(asr->lang), "%s", conf->lang);
	asr->max_idle = conf->max_idle;
	asr->max_busy = conf->max_busy ? conf->max_busy : 1;
	asr->max_grammars = conf->max_grammars ? conf->max_grammars : 1;
	asr->max_ms = conf->max_ms ? conf->max_ms : 20000;
	err = eng->model_alloc(&asr->model, conf,
			       asr_models_dir(conf->models_dir, dir,
					      sizeof(dir)));
	if (err)
		goto out;
	asr->srate = eng->srate(asr->model);
	err = asr_tx_alloc(&asr->tx, eng, conf, dir);
out:
	if (err)
		mem_deref(asr);
	else
		*asrp = asr;
	return err;
}

const char *asr_lang(const struct asr *asr)
{
	return asr ? asr->lang : NULL;
}

struct asr_tx *asr_tx_get(const struct asr *asr)
{
	return asr ? asr->tx : NULL;
}

int asr_grammar_get(struct asr_grammar **gp, struct asr *asr,
		    const char *name, const char *const *phrases, size_t n)
{
	return asr_grammar_get_caps(gp, asr, name, phrases, n, 0);
}

int asr_grammar_get_caps(struct asr_grammar **gp, struct asr *asr,
			 const char *name, const char *const *phrases,
			 size_t n, unsigned caps)
{
	return asr_grammar_get_node(gp, asr, name, phrases, n, n, caps);
}

int asr_grammar_get_node(struct asr_grammar **gp, struct asr *asr,
			 const char *name, const char *const *phrases,
			 size_t n, size_t nexpected, unsigned caps)
{
	struct asr_grammar *g;
	char key[33];
	struct le *le;
	size_t i;
	int err = 0;

	if (!gp || !asr || (n && !phrases))
		return EINVAL;
	for (i = 0; i < n; i++) {
		if (!phrases[i])
			return EINVAL;
	}
	caps &= ASR_CAP_ALL;
	asr_key(key, asr->eng->name, asr->lang,
		asr->eng->model_id(asr->model), phrases, n, nexpected, caps);
	LIST_FOREACH(&asr->grammars, le)
	{
		g = le->data;
		if (!strcmp(g->key, key)) {
			/* most recently used last */
			list_unlink(&g->le);
			list_append(&asr->grammars, &g->le, g);
			grammar_warm(asr, g);
			*gp = mem_ref(g);
			return 0;
		}
	}
	g = mem_zalloc(sizeof(*g), grammar_destructor);
	if (!g)
		return ENOMEM;
	pthread_mutex_init(&g->mtx, NULL);
	g->eng = asr->eng;
	g->model = mem_ref(asr->model);
	memcpy(g->key, key, sizeof(key));
	g->st.phrases = n;
	g->caps = caps;
	g->st.caps = caps;
	err = re_sdprintf(&g->name, "%s", name ? name : "");
	if (err)
		goto out;
	g->phrases = mem_zalloc((n ? n : 1) * sizeof(char *), NULL);
	if (!g->phrases) {
		err = ENOMEM;
		goto out;
	}
	/* the phrases the node does not expect carry the compiler's mark */
	for (g->n = 0; g->n < n; g->n++) {
		err = re_sdprintf(&g->phrases[g->n], "%s%s",
				  g->n < nexpected ? "" : ASR_OTHER_MARK_S,
				  phrases[g->n]);
		if (err)
			goto out;
	}
	list_append(&asr->grammars, &g->le, mem_ref(g));
	while (list_count(&asr->grammars) > asr->max_grammars)
		grammar_uncache(list_ledata(list_head(&asr->grammars)));
	grammar_warm(asr, g);
out:
	if (err)
		mem_deref(g);
	else
		*gp = g;
	return err;
}

int asr_recognize(struct asr_req **reqp, struct asr *asr,
		  struct asr_grammar *g, const int16_t *pcm, size_t n,
		  unsigned srate, asr_result_h *resh, void *arg)
{
	struct asr_req *req = NULL;
	struct asr_job *j;
	size_t max;
	int err;

	if (!asr || !g || (!pcm && n) || !resh ||
	    (srate != 8000 && srate != 16000) || g->model != asr->model)
		return EINVAL;
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->g = mem_ref(g);
	j->resh = resh;
	j->arg = arg;
	j->srate = srate;
	max = (size_t)asr->max_ms * srate / 1000;
	if (n > max)
		n = max;
	j->n = n;
	j->audio_ms = (unsigned)(n * 1000 / srate);
	j->pcm = mem_alloc((n ? n : 1) * sizeof(*pcm), NULL);
	if (!j->pcm) {
		err = ENOMEM;
		goto out;
	}
	if (n)
		memcpy(j->pcm, pcm, n * sizeof(*pcm));
	if (reqp) {
		req = mem_zalloc(sizeof(*req), req_destructor);
		if (!req) {
			err = ENOMEM;
			goto out;
		}
	}
	++asr->st.requests;
	if (req) {
		req->job = j;
		j->req = req;
		*reqp = req;
	}
	job_queue(j, asr);
	return 0;
out:
	mem_deref(req);
	mem_deref(j);
	return err;
}

void asr_stats(const struct asr *asr, struct asr_stats *st)
{
	if (!asr || !st)
		return;
	*st = asr->st;
	st->pending = list_count(&asr->queue) + list_count(&asr->jobs);
	st->idle = list_count(&asr->idle);
	/* each job on a worker has, or is building, one decoder */
	st->decoders = st->idle + asr->busy;
	st->grammars = list_count(&asr->grammars);
}
