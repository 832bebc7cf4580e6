/**
 * @file transcribe.c  Free-form transcripts: one language-model pass per
 * utterance, on one thread per process (asr.h, "free-form transcripts").
 *
 * Why a thread of its own. A language-model decoder is ~100+ MB and
 * decodes at RTF 0.24-0.5, where a grammar decoder is ~13 MB at RTF
 * 0.07. On the core work pool a transcription would hold a worker for
 * seconds while live calls wait for their grammar results; so the
 * transcriber is a one-thread work pool of its own, and that thread is
 * niced (lm_nice): when the CPUs are busy the scheduler runs the grammar
 * workers first. One thread means one decoder, so memory stays at one
 * language model whatever the number of calls, and one queue for the
 * whole process, bounded (lm_queue): a request that would wait behind
 * more is refused and counted, never queued without end.
 *
 * Ownership. The transcriber (`the`, one per process) is a mem object
 * held by every asr_tx that has used it: made on the first transcription,
 * freed with the last asr that used it. The loop thread owns its queue
 * (jobs waiting, first come first served, over all asrs) and `running`,
 * the single job handed to the thread: the queue stays on the loop, so a
 * waiting job that is cancelled simply goes. The thread owns the decoder,
 * the engine and id it was built for, and the nice value it applied;
 * nothing else touches them while it runs, and the destructor frees the
 * decoder only after joining it.
 *
 * A job is owned by the queue while it waits and by the pool from
 * work_submit() to its done handler. It holds a reference to its asr's
 * engine setup (taken and dropped on the loop; the thread only reads it)
 * and a copy of the audio, and it is listed in its asr_tx until handled,
 * so an asr that goes frees its waiting jobs and detaches its running
 * one. Dropping the request clears the handler; a running job cannot be
 * cut short (the engine decodes an utterance in one call), so its result
 * is dropped when it comes back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

struct transcriber {
	struct work_pool *pool;     /* one thread */
	struct list queue;          /* struct asr_txjob waiting (loop) */
	struct asr_txjob *running;  /* handed to the thread (loop) */
	unsigned built;             /* decoders built (loop) */

	/* the thread's; the destructor's once it has joined it */
	struct asr_lmdec *dec;
	const struct asr_engine *dec_eng;
	char *dec_id;               /* malloc'ed */
	int nice;                   /* applied; -1: not yet */
};

struct asr_tx {
	const struct asr_engine *eng;
	struct asr_lmconf *lc;      /* the engine's setup, or NULL */
	const char *id;             /* the decoder it makes (in lc) */
	int cerr;                   /* why there is no setup */
	unsigned srate;             /* the engine's */
	unsigned max_queue;
	unsigned max_ms;
	int nice;
	struct transcriber *t;      /* the process's, once used */
	struct list jobs;           /* waiting or running */
	struct asr_transcribe_stats st;
};

struct asr_txjob {
	struct le le;               /* in the queue while waiting */
	struct le tle;              /* in its asr_tx until handled */
	struct transcriber *t;
	struct asr_tx *tx;          /* NULL once its asr is gone */
	struct asr_req *req;
	asr_result_h *resh;         /* NULL once cancelled */
	void *arg;
	const struct asr_engine *eng;
	struct asr_lmconf *lc;      /* a reference (loop) */
	const char *id;             /* in lc */
	int16_t *pcm;
	size_t n;
	unsigned srate;
	unsigned out_srate;         /* the engine's */
	int nice;
	int cancelled;              /* atomic: set on the loop, read on the
				       thread before it starts */
	bool built;                 /* it built the decoder (thread) */
	bool first;                 /* asr_transcribe_first() */
	uint64_t t_queue;           /* ns, CLOCK_MONOTONIC */
	uint64_t t_work;            /* the thread took it */
	unsigned audio_ms;
	unsigned decode_ms;
	struct asr_engine_result res;
};

static struct transcriber *the; /* loop thread */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the thread ----------------------------------------------------------*/

/* Lower the thread's priority to the job's nice value. Raising it back
 * needs privileges: then the lower priority stays (and that is fine). */
static void thread_nice(struct transcriber *t, int nice)
{
	if (nice == t->nice)
		return;
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), nice) == 0)
		t->nice = nice;
}

static bool job_cancelled(struct asr_txjob *j)
{
	return __atomic_load_n(&j->cancelled, __ATOMIC_RELAXED) != 0;
}

static int job_work(void *arg)
{
	struct asr_txjob *j = arg;
	struct transcriber *t = j->t;
	uint64_t t0 = now_ns();
	int err = 0;

	j->t_work = t0;
	if (job_cancelled(j))
		return ECANCELED;
	thread_nice(t, j->nice);
	if (!t->dec || t->dec_eng != j->eng || strcmp(t->dec_id, j->id)) {
		/* one decoder at a time: the old one goes first */
		t->dec = mem_deref(t->dec);
		free(t->dec_id);
		t->dec_id = NULL;
		err = j->eng->lm_alloc(&t->dec, j->lc);
		if (err)
			goto out;
		t->dec_eng = j->eng;
		t->dec_id = strdup(j->id);
		if (!t->dec_id) {
			t->dec = mem_deref(t->dec);
			err = ENOMEM;
			goto out;
		}
		j->built = true;
		/* building takes a while: the caller may be gone */
		if (job_cancelled(j)) {
			err = ECANCELED;
			goto out;
		}
	}
	err = asr_resample_mem(&j->pcm, &j->n, j->srate, j->out_srate);
	if (!err)
		err = j->eng->lm_decode(t->dec, j->pcm, j->n, &j->res);
out:
	j->decode_ms = (unsigned)((now_ns() - t0) / 1000000);
	return err;
}

/* ---- the loop ------------------------------------------------------------*/

static void job_destructor(void *arg)
{
	struct asr_txjob *j = arg;

	list_unlink(&j->le);
	list_unlink(&j->tle);
	if (j->req)
		j->req->txjob = NULL;
	mem_deref(j->lc);
	mem_deref(j->pcm);
}

static void req_destructor(void *arg)
{
	struct asr_req *r = arg;
	struct asr_txjob *j = r->txjob;

	if (!j)
		return;
	if (j->resh && j->tx)
		++j->tx->st.cancelled;
	j->resh = NULL;
	j->req = NULL;
	if (j->t->running == j)
		__atomic_store_n(&j->cancelled, 1, __ATOMIC_RELAXED);
	else
		mem_deref(j); /* waiting: it goes now */
}

static void job_done(int err, void *arg);

/* Hand the next waiting job to the thread, if it is free. */
static void dispatch(struct transcriber *t)
{
	struct asr_txjob *j;

	if (t->running || list_isempty(&t->queue))
		return;
	j = list_ledata(list_head(&t->queue));
	list_unlink(&j->le);
	if (work_submit(t->pool, job_work, job_done, j)) {
		/* out of memory: retried with the next request or result */
		list_prepend(&t->queue, &j->le, j);
		return;
	}
	t->running = j;
}

static void job_done(int err, void *arg)
{
	struct asr_txjob *j = arg;
	struct transcriber *t = j->t;
	asr_result_h *h = j->resh;

	t->running = NULL;
	if (j->built)
		++t->built;
	list_unlink(&j->tle);
	if (h && j->tx) {
		if (err)
			++j->tx->st.failed;
		else
			++j->tx->st.done;
	}
	if (err && err != ECANCELED)
		log_msg(LOG_WARN, "asr", "transcription failed: %s",
			strerror(err));
	/* the handler may free the asr, and with it the transcriber */
	dispatch(t);
	if (j->req) {
		j->req->txjob = NULL; /* the caller may drop it in h */
		j->req = NULL;
	}
	if (h) {
		struct asr_result r;

		memset(&r, 0, sizeof(r));
		r.text = "";
		r.transcript = j->res.text;
		r.confidence = j->res.confidence;
		r.audio_ms = j->audio_ms;
		r.decode_ms = j->decode_ms;
		r.wait_ms = (unsigned)((j->t_work - j->t_queue) / 1000000);
		r.new_decoder = j->built;
		j->resh = NULL;
		h(err, err ? NULL : &r, j->arg);
	}
	mem_deref(j);
}

static void transcriber_destructor(void *arg)
{
	struct transcriber *t = arg;
	struct le *le;

	if (the == t)
		the = NULL;
	/* the pool lets its thread finish the running job and joins it;
	 * that job's done handler then never runs */
	mem_deref(t->pool);
	mem_deref(t->running);
	while ((le = list_head(&t->queue)) != NULL)
		mem_deref(le->data); /* none: each asr_tx took its own */
	mem_deref(t->dec);
	free(t->dec_id);
}

/* The process's transcriber, made on first use: a new reference. */
static int transcriber_get(struct transcriber **tp)
{
	struct transcriber *t;
	int err;

	if (the) {
		*tp = mem_ref(the);
		return 0;
	}
	t = mem_zalloc(sizeof(*t), transcriber_destructor);
	if (!t)
		return ENOMEM;
	list_init(&t->queue);
	t->nice = -1;
	err = work_pool_alloc(&t->pool, 1);
	if (err) {
		mem_deref(t);
		return err;
	}
	the = t;
	*tp = t;
	return 0;
}

static void tx_destructor(void *arg)
{
	struct asr_tx *tx = arg;
	struct le *le;

	while ((le = list_head(&tx->jobs)) != NULL) {
		struct asr_txjob *j = le->data;

		list_unlink(&j->tle);
		j->tx = NULL;
		j->resh = NULL;
		if (j->req) {
			j->req->txjob = NULL;
			j->req = NULL;
		}
		if (j->t->running == j)
			__atomic_store_n(&j->cancelled, 1, __ATOMIC_RELAXED);
		else
			mem_deref(j);
	}
	mem_deref(tx->lc);
	mem_deref(tx->t); /* the last one joins the thread */
}

int asr_tx_alloc(struct asr_tx **txp, const struct asr_engine *eng,
		 const struct asr_conf *c, const char *models_dir)
{
	struct asr_tx *tx;

	if (!txp || !eng || !c)
		return EINVAL;
	tx = mem_zalloc(sizeof(*tx), tx_destructor);
	if (!tx)
		return ENOMEM;
	list_init(&tx->jobs);
	tx->eng = eng;
	tx->max_queue = c->lm_queue;
	tx->max_ms = c->max_ms ? c->max_ms : 20000;
	tx->nice = c->lm_nice < 0 ? 0 : c->lm_nice > 19 ? 19 : c->lm_nice;
	if (!eng->lm_conf)
		tx->cerr = ENOTSUP;
	else
		tx->cerr = eng->lm_conf(&tx->lc, &tx->srate, &tx->id, c,
					models_dir);
	if (!tx->cerr && tx->srate != 8000 && tx->srate != 16000)
		tx->cerr = ENOTSUP;
	/* a bad setting fails the asr; a missing language model or one
	 * the language lacks only turns transcripts off */
	if (tx->cerr == ENOMEM || tx->cerr == EINVAL) {
		int err = tx->cerr;

		mem_deref(tx);
		return err;
	}
	if (tx->cerr)
		tx->lc = mem_deref(tx->lc);
	*txp = tx;
	return 0;
}

int asr_transcribe_check(const struct asr *asr)
{
	const struct asr_tx *tx = asr_tx_get(asr);

	return tx ? tx->cerr : EINVAL;
}

static int transcribe(struct asr_req **reqp, struct asr *asr,
		      const int16_t *pcm, size_t n, unsigned srate,
		      asr_result_h *resh, void *arg, bool first)
{
	struct asr_tx *tx = asr_tx_get(asr);
	struct asr_req *req = NULL;
	struct asr_txjob *j;
	struct transcriber *t;
	size_t max;
	int err;

	if (!tx || (!pcm && n) || !resh || (srate != 8000 && srate != 16000))
		return EINVAL;
	if (tx->cerr)
		return tx->cerr;
	if (!tx->t) {
		err = transcriber_get(&tx->t);
		if (err)
			return err;
	}
	t = tx->t;
	if (!first && t->running && list_count(&t->queue) >= tx->max_queue) {
		++tx->st.dropped;
		return EBUSY;
	}
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->t = t;
	j->tx = tx;
	j->resh = resh;
	j->arg = arg;
	j->eng = tx->eng;
	j->lc = mem_ref(tx->lc);
	j->id = tx->id;
	j->srate = srate;
	j->out_srate = tx->srate;
	j->nice = tx->nice;
	max = (size_t)tx->max_ms * srate / 1000;
	j->n = n > max ? max : n;
	j->audio_ms = (unsigned)(j->n * 1000 / srate);
	j->pcm = mem_alloc((j->n ? j->n : 1) * sizeof(*pcm), NULL);
	if (!j->pcm) {
		err = ENOMEM;
		goto out;
	}
	if (j->n)
		memcpy(j->pcm, pcm, j->n * sizeof(*pcm));
	if (reqp) {
		req = mem_zalloc(sizeof(*req), req_destructor);
		if (!req) {
			err = ENOMEM;
			goto out;
		}
		req->txjob = j;
		j->req = req;
		*reqp = req;
	}
	++tx->st.requests;
	j->t_queue = now_ns();
	list_append(&tx->jobs, &j->tle, j);
	j->first = first;
	if (first) {
		struct le *le = list_head(&t->queue);

		/* behind the other urgent ones, ahead of the rest */
		while (le && ((struct asr_txjob *)le->data)->first)
			le = le->next;
		if (le)
			list_insert_before(&t->queue, le, &j->le, j);
		else
			list_append(&t->queue, &j->le, j);
	}
	else {
		list_append(&t->queue, &j->le, j);
	}
	dispatch(t);
	return 0;
out:
	mem_deref(j);
	return err;
}

int asr_transcribe(struct asr_req **reqp, struct asr *asr,
		   const int16_t *pcm, size_t n, unsigned srate,
		   asr_result_h *resh, void *arg)
{
	return transcribe(reqp, asr, pcm, n, srate, resh, arg, false);
}

int asr_transcribe_first(struct asr_req **reqp, struct asr *asr,
			 const int16_t *pcm, size_t n, unsigned srate,
			 asr_result_h *resh, void *arg)
{
	return transcribe(reqp, asr, pcm, n, srate, resh, arg, true);
}

void asr_transcribe_stats(const struct asr *asr,
			  struct asr_transcribe_stats *st)
{
	const struct asr_tx *tx = asr_tx_get(asr);

	if (!tx || !st)
		return;
	*st = tx->st;
	st->pending = list_count(&tx->jobs);
	if (the) {
		st->queued = list_count(&the->queue);
		st->running = the->running != NULL;
		st->built = the->built;
	}
}
