/**
 * @file cache.c  The prompt cache: one synthesis per prompt, shared by
 * every call, never on the loop thread.
 *
 * State and threads. All cache state (the entry table, the LRU list, the
 * jobs in progress, the per-engine queues) belongs to the loop thread.
 * A miss becomes a job: the loop fills it in completely, a worker of the
 * core pool then reads those fields and writes only its result fields
 * (entry, err, flags), and the done handler reads them back on the loop,
 * so no lock is needed: the pool's mutex and mqueue order the hand-overs.
 *
 * One job per key: a second request for a key in progress joins the job
 * as one more waiter. Jobs wait in a queue per engine and run at most
 * max_jobs at a time, so an engine that serializes (flite, espeak-ng)
 * holds one worker, never all of them, and ASR keeps its workers. A call
 * waiting on a prompt is served first: its job goes ahead of prewarming
 * jobs (and a prewarming job a call then asks for moves up).
 *
 * A worker first tries the disk file (folder/KEY.wav), else synthesizes
 * and writes the file (not for personal prompts), then runs the prepare
 * hook, so resampling to 8 kHz happens once per prompt, off the loop. A
 * recorded prompt (req->audio) is read from its own file instead, in a
 * queue without limit, and shared the same way.
 *
 * Ownership. The cache holds one reference per entry in its table;
 * callers get their own. Eviction (LRU, over the memory budget; entries a
 * prewarm asked for are pinned) only drops the cache's reference, so a
 * call playing an evicted prompt is unaffected. A job belongs to its
 * engine queue, then to the pool from submission until its done handler.
 * Freeing the cache frees queued jobs and orphans running ones (their
 * done handler then only frees them); waiters are released unanswered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "tts/tts.h"
#include "tts/tts_priv.h"

enum {
	DEFAULT_MAX_BYTES = 64 * 1024 * 1024,
	HASH_BUCKETS = 256,
	KEY_HEX = 2 * TTS_DIGEST + 1,
};

struct equeue {
	struct le le;                 /* in cache->queues */
	const struct tts_engine *eng;
	unsigned running;             /* jobs submitted to the pool */
	struct list waiting;          /* not yet submitted: calls' first */
};

struct tts_cache {
	struct work_pool *pool;       /* a reference */
	struct hmac *hmac;
	char *dir;                    /* or NULL */
	size_t max_bytes;
	tts_prepare_h *prepare;
	void *prepare_arg;
	struct hash *entries;         /* struct tts_entry, by digest */
	struct list lru;              /* unpinned entries, oldest first */
	struct hash *jobs;            /* struct job in progress, by digest */
	struct list queues;           /* struct equeue */
	size_t lru_bytes;             /* of the unpinned entries */
	struct tts_cache_stats st;
};

struct tts_entry {
	struct le le_hash;            /* cache->entries (loop) */
	struct le le_lru;             /* cache->lru unless pinned (loop) */
	uint8_t md[TTS_DIGEST];
	char key[KEY_HEX];
	struct tts_audio *audio;
	void *prepared;
	size_t bytes;
	bool pinned;                  /* (loop) */
	bool from_disk;
};

struct job {
	/* loop thread only */
	struct le le_hash;            /* cache->jobs */
	struct le le_queue;           /* its queue, until submitted */
	struct tts_cache *cache;      /* NULL once the cache is gone */
	struct equeue *q;             /* NULL once the cache is gone */
	struct list waiters;          /* struct tts_wait */
	bool urgent;                  /* a call waits for it */
	bool pin;                     /* a prewarm asked for it */
	bool submitted;

	/* set on the loop before submission, then read-only */
	const struct tts_engine *eng;
	const struct tts_voice *voice;
	char *input;                  /* normalized text or pinyin */
	unsigned rate, pitch;
	char *path;                   /* disk file, or NULL */
	tts_prepare_h *prepare;
	void *prepare_arg;
	uint8_t md[TTS_DIGEST];
	char key[KEY_HEX];

	/* written by the worker, read on the loop after done */
	struct tts_entry *entry;
	bool from_disk, synthesized, wrote;
	int err;
};

struct tts_wait {
	struct le le;                 /* in job->waiters */
	struct job *job;              /* NULL once answered or released */
	tts_done_h *h;
	void *arg;
	bool owned;                   /* by the job: the caller took no
					 handle */
};

struct tts_prewarm {
	struct tts_wait **waits;      /* one per queued request */
	size_t nwaits;
	unsigned pending;
	struct tts_prewarm_stats st;
	tts_prewarm_h *h;
	void *arg;
	bool owned;                   /* frees itself after h */
};

/* a request made exact: spec, normalized input, digest */
struct want {
	struct tts_spec s;
	char *input;
	uint8_t md[TTS_DIGEST];
	bool personal;
};

static uint32_t bucket(const uint8_t *md)
{
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	       (uint32_t)md[2] << 8 | md[3];
}

/* ---- entries ------------------------------------------------------------ */

static void entry_destructor(void *arg)
{
	struct tts_entry *e = arg;

	hash_unlink(&e->le_hash);
	list_unlink(&e->le_lru);
	mem_deref(e->prepared);
	mem_deref(e->audio);
}

static bool entry_cmp(struct le *le, void *arg)
{
	const struct tts_entry *e = le->data;

	return !memcmp(e->md, arg, TTS_DIGEST);
}

static struct tts_entry *entry_find(const struct tts_cache *c,
				    const uint8_t *md)
{
	return list_ledata(hash_lookup(c->entries, bucket(md), entry_cmp,
				       (void *)md));
}

const struct tts_audio *tts_entry_audio(const struct tts_entry *e)
{
	return e ? e->audio : NULL;
}

const char *tts_entry_key(const struct tts_entry *e)
{
	return e ? e->key : NULL;
}

void *tts_entry_prepared(const struct tts_entry *e)
{
	return e ? e->prepared : NULL;
}

static void entry_pin(struct tts_cache *c, struct tts_entry *e)
{
	if (e->pinned)
		return;
	list_unlink(&e->le_lru);
	c->lru_bytes -= e->bytes;
	e->pinned = true;
	++c->st.pinned;
}

/* drop the cache's reference to e */
static void entry_drop(struct tts_cache *c, struct tts_entry *e)
{
	hash_unlink(&e->le_hash);
	list_unlink(&e->le_lru);
	c->st.bytes -= e->bytes;
	--c->st.entries;
	if (e->pinned)
		--c->st.pinned;
	else
		c->lru_bytes -= e->bytes;
	mem_deref(e);
}

/* make room for incoming unpinned bytes, least recently used first */
static void evict(struct tts_cache *c, size_t incoming)
{
	struct le *le;

	while (c->lru_bytes + incoming > c->max_bytes &&
	       (le = list_head(&c->lru))) {
		entry_drop(c, le->data);
		++c->st.evictions;
	}
}

static void entry_insert(struct tts_cache *c, struct tts_entry *e, bool pin)
{
	if (!pin)
		evict(c, e->bytes);
	hash_append(c->entries, bucket(e->md), &e->le_hash, mem_ref(e));
	c->st.bytes += e->bytes;
	++c->st.entries;
	if (pin) {
		e->pinned = true;
		++c->st.pinned;
	}
	else {
		list_append(&c->lru, &e->le_lru, e);
		c->lru_bytes += e->bytes;
	}
}

/* ---- waiters ------------------------------------------------------------ */

static void wait_destructor(void *arg)
{
	struct tts_wait *w = arg;

	list_unlink(&w->le);
}

/* forget every waiter of j without calling it */
static void waiters_release(struct job *j)
{
	struct le *le;

	while ((le = list_head(&j->waiters))) {
		struct tts_wait *w = le->data;

		list_unlink(&w->le);
		w->job = NULL;
		if (w->owned)
			mem_deref(w);
	}
}

/* ---- jobs: the worker side ---------------------------------------------- */

static int entry_make(struct job *j, struct tts_audio *a)
{
	struct tts_entry *e;
	int err = 0;

	e = mem_zalloc(sizeof(*e), entry_destructor);
	if (!e)
		return ENOMEM;
	memcpy(e->md, j->md, TTS_DIGEST);
	memcpy(e->key, j->key, KEY_HEX);
	e->audio = mem_ref(a);
	e->bytes = a->n * sizeof(*a->pcm);
	e->from_disk = j->from_disk;
	if (j->prepare)
		err = j->prepare(&e->prepared, a, e->key, j->prepare_arg);
	if (err)
		mem_deref(e);
	else
		j->entry = e;
	return err;
}

/* on a worker: the recording; or disk, else the engine; then prepare */
static int job_work(void *arg)
{
	struct job *j = arg;
	struct tts_audio *a = NULL;
	int err;

	if (!j->eng) {
		err = tts_wav_read(&a, j->input);
		if (err) {
			log_msg(LOG_WARN, "tts", "%s: %s", j->input,
				strerror(err));
			return err;
		}
		j->from_disk = true;
	}
	else if (j->path) {
		err = tts_wav_read(&a, j->path);
		if (!err)
			j->from_disk = true;
		else if (err != ENOENT)
			log_msg(LOG_WARN, "tts", "%s: unreadable (%s), "
				"synthesizing again", j->path, strerror(err));
	}
	if (!a) {
		err = j->eng->synth(&a, j->voice, j->input, j->rate, j->pitch,
				    j->eng->arg);
		j->synthesized = true;
		if (err) {
			log_msg(LOG_WARN, "tts",
				"%s/%s: synthesis failed (%s)", j->eng->name,
				j->voice->name, strerror(err));
			return err;
		}
		if (j->path) {
			int e = tts_wav_write(j->path, a);

			if (e)
				log_msg(LOG_WARN, "tts", "%s: not saved (%s)",
					j->path, strerror(e));
			j->wrote = !e;
		}
	}
	err = entry_make(j, a);
	mem_deref(a);
	return err;
}

/* ---- jobs: the loop side ------------------------------------------------ */

static void job_destructor(void *arg)
{
	struct job *j = arg;

	hash_unlink(&j->le_hash);
	list_unlink(&j->le_queue);
	waiters_release(j);
	mem_deref(j->entry);
	mem_deref(j->input);
	mem_deref(j->path);
}

static bool job_cmp(struct le *le, void *arg)
{
	const struct job *j = le->data;

	return !memcmp(j->md, arg, TTS_DIGEST);
}

static struct job *job_find(const struct tts_cache *c, const uint8_t *md)
{
	return list_ledata(
		hash_lookup(c->jobs, bucket(md), job_cmp, (void *)md));
}

static void job_done(int err, void *arg);

/* submit what the engine's limit allows */
static void pump(struct tts_cache *c, struct equeue *q)
{
	unsigned max = q->eng ? q->eng->max_jobs : 0; /* 0: no limit */
	struct le *le;

	while ((le = list_head(&q->waiting)) &&
	       (!max || q->running < max)) {
		struct job *j = le->data;
		int err;

		err = work_submit(c->pool, job_work, job_done, j);
		if (err) {
			/* stays first; retried at the next done or request */
			log_msg(LOG_ERROR, "tts", "cannot queue work (%s)",
				strerror(err));
			return;
		}
		list_unlink(&j->le_queue);
		j->submitted = true;
		++q->running;
	}
}

/* calls' jobs first, in order; then prewarming jobs, in order */
static void enqueue(struct equeue *q, struct job *j)
{
	struct le *le;

	list_unlink(&j->le_queue);
	if (j->urgent) {
		LIST_FOREACH(&q->waiting, le)
		{
			const struct job *o = le->data;

			if (!o->urgent) {
				list_insert_before(&q->waiting, le,
						   &j->le_queue, j);
				return;
			}
		}
	}
	list_append(&q->waiting, &j->le_queue, j);
}

static void job_done(int err, void *arg)
{
	struct job *j = arg;
	struct tts_cache *c = j->cache;
	struct le *le;

	if (!c) { /* the cache is gone */
		mem_deref(j);
		return;
	}
	mem_ref(c); /* a handler may free the cache */
	hash_unlink(&j->le_hash);
	--j->q->running;
	pump(c, j->q);

	if (j->synthesized)
		++c->st.synthesized;
	if (j->from_disk)
		++c->st.disk_hits;
	if (j->wrote)
		++c->st.disk_writes;
	if (err || !j->entry) {
		++c->st.errors;
		if (!err)
			err = EIO;
	}
	else {
		entry_insert(c, j->entry, j->pin);
	}

	while ((le = list_head(&j->waiters)) && mem_nrefs(c) > 1) {
		struct tts_wait *w = le->data;
		tts_done_h *h = w->h;
		void *harg = w->arg;

		list_unlink(&w->le);
		w->job = NULL;
		if (w->owned)
			mem_deref(w);
		if (h)
			h(err, err ? NULL : j->entry, harg);
	}
	waiters_release(j); /* the cache was freed by a handler */
	mem_deref(j);
	mem_deref(c);
}

static struct equeue *queue_get(struct tts_cache *c,
				const struct tts_engine *eng)
{
	struct equeue *q;
	struct le *le;

	LIST_FOREACH(&c->queues, le)
	{
		q = le->data;
		if (q->eng == eng)
			return q;
	}
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q)
		return NULL;
	q->eng = eng;
	list_append(&c->queues, &q->le, q);
	return q;
}

static int job_alloc(struct job **jp, struct tts_cache *c,
		     const struct want *w)
{
	struct job *j;
	int err = 0;

	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->cache = c;
	j->q = queue_get(c, w->s.eng);
	if (!j->q) {
		err = ENOMEM;
		goto out;
	}
	j->eng = w->s.eng;
	j->voice = w->s.voice;
	j->rate = w->s.rate;
	j->pitch = w->s.pitch;
	j->prepare = c->prepare;
	j->prepare_arg = c->prepare_arg;
	memcpy(j->md, w->md, TTS_DIGEST);
	tts_hex(j->key, w->md);
	err = str_dup(&j->input, w->input);
	if (!err && c->dir && !w->personal && w->s.eng)
		err = re_sdprintf(&j->path, "%s/%s.wav", c->dir, j->key);
out:
	if (err)
		mem_deref(j);
	else
		*jp = j;
	return err;
}

/* ---- requests ----------------------------------------------------------- */

static void want_reset(struct want *w)
{
	w->input = mem_deref(w->input);
}

static int want_make(struct want *w, struct tts_cache *c,
		     const struct tts_req *req)
{
	int err;

	memset(w, 0, sizeof(*w));
	err = tts_spec_make(&w->s, req);
	if (err)
		return err;
	err = w->s.eng ? tts_norm(&w->input, w->s.input)
		       : str_dup(&w->input, w->s.input); /* a path */
	if (err)
		return err;
	w->s.input = w->input;
	w->personal = req->personal;
	err = *w->input ? tts_digest(w->md, c->hmac, &w->s) : EINVAL;
	if (err)
		want_reset(w);
	return err;
}

/*
 * The one lookup: a memory hit sets *ep and returns 0; otherwise a
 * waiter joins the key's job (made if needed) and EINPROGRESS returns.
 */
static int request(struct tts_entry **ep, struct tts_wait **waitp,
		   struct tts_cache *c, const struct want *want, bool urgent,
		   bool pin, tts_done_h *h, void *arg)
{
	struct tts_entry *e;
	struct tts_wait *w;
	struct job *j;
	bool fresh = false;
	int err;

	e = entry_find(c, want->md);
	if (e) {
		++c->st.hits;
		if (pin) {
			entry_pin(c, e);
		}
		else if (!e->pinned) { /* most recently used last */
			list_unlink(&e->le_lru);
			list_append(&c->lru, &e->le_lru, e);
		}
		*ep = mem_ref(e);
		return 0;
	}

	w = mem_zalloc(sizeof(*w), wait_destructor);
	if (!w)
		return ENOMEM;
	j = job_find(c, want->md);
	if (!j) {
		err = job_alloc(&j, c, want);
		if (err) {
			mem_deref(w);
			return err;
		}
		hash_append(c->jobs, bucket(j->md), &j->le_hash, j);
		fresh = true;
	}
	else {
		++c->st.shared;
	}
	++c->st.misses;
	j->pin |= pin;

	w->job = j;
	w->h = h;
	w->arg = arg;
	w->owned = !waitp;
	list_append(&j->waiters, &w->le, w);
	if (waitp)
		*waitp = w;

	if (fresh || (urgent && !j->urgent && !j->submitted)) {
		j->urgent |= urgent;
		enqueue(j->q, j);
		pump(c, j->q);
	}
	return EINPROGRESS;
}

int tts_prompt_get(struct tts_entry **ep, struct tts_wait **waitp,
		   struct tts_cache *c, const struct tts_req *req,
		   tts_done_h *done, void *arg)
{
	struct want w;
	int err;

	if (!ep || !c || !req)
		return EINVAL;
	err = want_make(&w, c, req);
	if (err)
		return err;
	err = request(ep, waitp, c, &w, true, false, done, arg);
	want_reset(&w);
	return err;
}

/* ---- prewarming --------------------------------------------------------- */

static void prewarm_destructor(void *arg)
{
	struct tts_prewarm *pw = arg;
	size_t i;

	for (i = 0; i < pw->nwaits; i++)
		mem_deref(pw->waits[i]);
	mem_deref(pw->waits);
}

static void prewarm_one_done(int err, struct tts_entry *e, void *arg)
{
	struct tts_prewarm *pw = arg;
	bool owned;

	if (err) {
		++pw->st.failed;
		if (!pw->st.err)
			pw->st.err = err;
	}
	else if (e->from_disk) {
		++pw->st.disk;
	}
	else {
		++pw->st.synthesized;
	}
	if (--pw->pending)
		return;
	/* the handler may release its handle (pw) */
	owned = pw->owned;
	if (pw->h)
		pw->h(&pw->st, pw->arg);
	if (owned)
		mem_deref(pw);
}

int tts_prewarm(struct tts_prewarm **pwp, struct tts_cache *c,
		const struct tts_req *reqv, size_t n, tts_prewarm_h *h,
		void *arg)
{
	struct tts_prewarm *pw;
	struct want *wants;
	size_t i, made = 0;
	int err = 0;

	if (!c || (!reqv && n))
		return EINVAL;
	pw = mem_zalloc(sizeof(*pw), prewarm_destructor);
	wants = mem_zalloc((n ? n : 1) * sizeof(*wants), NULL);
	if (pw)
		pw->waits = mem_zalloc((n ? n : 1) * sizeof(*pw->waits), NULL);
	if (!pw || !wants || !pw->waits) {
		err = ENOMEM;
		goto out;
	}
	pw->h = h;
	pw->arg = arg;
	pw->owned = !pwp;
	pw->st.total = (unsigned)n;

	/* resolve all first: a bad request queues nothing */
	for (; made < n; made++) {
		err = want_make(&wants[made], c, &reqv[made]);
		if (err)
			goto out;
	}

	for (i = 0; i < n; i++) {
		struct tts_entry *e = NULL;
		struct tts_wait *w = NULL;

		err = request(&e, &w, c, &wants[i], false, true,
			      prewarm_one_done, pw);
		if (err == EINPROGRESS) {
			pw->waits[pw->nwaits++] = w;
			++pw->pending;
			err = 0;
		}
		else if (!err) {
			++pw->st.cached;
			mem_deref(e);
		}
		else {
			/* ENOMEM: what was queued stays queued */
			++pw->st.failed;
			pw->st.err = pw->st.err ? pw->st.err : err;
			err = 0;
		}
	}
	err = pw->pending ? EINPROGRESS : pw->st.err;

out:
	for (i = 0; i < made; i++)
		want_reset(&wants[i]);
	mem_deref(wants);
	if (err == EINPROGRESS && pwp)
		*pwp = pw;
	else if (err != EINPROGRESS)
		mem_deref(pw);
	return err;
}

/* ---- the cache ---------------------------------------------------------- */

static bool orphan(struct le *le, void *arg)
{
	struct job *j = le->data;

	(void)arg;
	j->cache = NULL;
	j->q = NULL;
	waiters_release(j);
	return false;
}

static void cache_destructor(void *arg)
{
	struct tts_cache *c = arg;
	struct le *le;

	/* every job forgets the cache and its waiters; queued ones are
	 * freed, running ones are the pool's until their done handler */
	hash_apply(c->jobs, orphan, NULL);
	LIST_FOREACH(&c->queues, le)
	{
		struct equeue *q = le->data;
		struct le *qe;

		while ((qe = list_head(&q->waiting)))
			mem_deref(qe->data); /* unlinks itself */
	}
	hash_clear(c->jobs);
	list_flush(&c->queues);

	list_clear(&c->lru);
	hash_flush(c->entries); /* the cache's references */

	mem_deref(c->entries);
	mem_deref(c->jobs);
	mem_deref(c->hmac);
	mem_deref(c->dir);
	mem_deref(c->pool);
}

int tts_cache_alloc(struct tts_cache **cp, struct work_pool *pool,
		    const struct tts_cache_conf *conf)
{
	struct tts_cache *c;
	int err;

	if (!cp || !pool)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), cache_destructor);
	if (!c)
		return ENOMEM;
	c->pool = mem_ref(pool);
	c->max_bytes = conf && conf->max_bytes ? conf->max_bytes
					       : DEFAULT_MAX_BYTES;
	if (conf) {
		c->prepare = conf->prepare;
		c->prepare_arg = conf->prepare_arg;
	}
	err = hash_alloc(&c->entries, HASH_BUCKETS);
	if (!err)
		err = hash_alloc(&c->jobs, HASH_BUCKETS);
	if (!err)
		err = tts_hmac_alloc(&c->hmac);
	if (err)
		goto out;

	if (conf && conf->dir && *conf->dir) {
		struct stat st;

		err = str_dup(&c->dir, conf->dir);
		if (err)
			goto out;
		if (mkdir(c->dir, 0755) && errno != EEXIST) {
			err = errno;
			goto out;
		}
		if (stat(c->dir, &st)) {
			err = errno;
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			err = ENOTDIR;
			goto out;
		}
	}
out:
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}

void tts_cache_stats(const struct tts_cache *c, struct tts_cache_stats *st)
{
	struct le *le;

	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	*st = c->st;
	LIST_FOREACH(&c->queues, le)
	{
		const struct equeue *q = le->data;

		st->queued += list_count(&q->waiting);
	}
}
