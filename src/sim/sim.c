/**
 * @file sim.c  The simulator: every persona's utterances synthesized
 * once, and one struct sim_call per call that answers (or places) it,
 * mixes its noise, and plays its turns as turns.c decides.
 *
 * Design. Nothing slow runs on the loop: sim_alloc() prewarms every
 * utterance into the TTS cache (pinned, 8 kHz media prompts through
 * sim_prepare_prompt) before the caller starts listening, and each call
 * copies its persona's clean prompts with noise added in one work-pool
 * job while the phone rings. The job works on references to immutable
 * prompts and on its own buffers; the call only reads its results in the
 * done handler, on the loop. A call that ends before its job is done
 * detaches from the job (job->sc = NULL) and the job frees itself.
 *
 * Lifetime. A sim_call is in sim->calls from creation until its result
 * has been handed to endh, which always happens from the end timer (a
 * fresh loop iteration), exactly once. struct call and struct ua_call
 * references are dropped in its destructor.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/json.h"
#include "core/log.h"
#include "core/work.h"
#include "media/media.h"
#include "tts/tts.h"
#include "sip/ua.h"
#include "call/call.h"
#include "sim/persona.h"
#include "sim/sim.h"
#include "sim/sim_priv.h"

#define BABBLE_MAX 32
#define BED_MS 3000 /* the line noise loop */

/* one persona's clean utterances: an entry per turn, NULL for turns that
 * say nothing */
struct sim_voice {
	struct tts_entry **ent;
};

struct sim {
	struct sim_conf conf;
	struct sim_voice *voices;  /* parallel to conf.set->v */
	const struct media_prompt *babble[BABBLE_MAX];
	size_t nbabble;
	struct tts_prewarm *pw;
	struct tmr tmr_ready;
	int ready_err;
	bool ready;
	struct list calls;         /* struct sim_call */
	sim_ready_h *readyh;
	sim_ended_h *endh;
	void *arg;
};

struct sim_job;

struct sim_call {
	struct le le;
	struct sim *sim;
	const struct persona *p;
	struct ua_call *uc;        /* incoming, until the end */
	struct call *call;
	struct sim_job *job;
	struct tmr tmr_ring;
	struct tmr tmr_end;
	char *id;
	char *uri;                 /* outbound: whom to call */
	struct ua *ua;             /* outbound */
	bool outbound;
	bool ringing_over;
	bool prepared;
	bool answered;
	bool we_hung;
	bool ended;
	bool dtmf_wait;
	enum ua_outcome outcome;
	uint16_t code;
	struct media_prompt **utt; /* noisy, per turn */
	struct media_prompt *bed;  /* the line's noise between turns */
	bool saying;               /* an utterance is playing */
	unsigned *end_ms, *speech_ms;
	struct sim_turns st;
	struct sim_turn_res *res;
};

/* the noise mixing of one call, on a worker */
struct sim_job {
	struct sim_call *sc;       /* NULL once the call is gone */
	size_t n;
	const struct media_prompt **clean; /* n (references), NULL entries */
	const struct media_prompt *babble[BABBLE_MAX]; /* references */
	size_t nbabble;
	int kind;
	double snr_db;
	uint64_t seed;
	char *name;
	struct media_prompt **utt; /* results, n */
	struct media_prompt *bed;  /* result: noise between turns */
	unsigned *end_ms, *speech_ms;
};

static void sc_start(struct sim_call *sc);

/* ---- voices --------------------------------------------------------- */

int sim_prepare_prompt(void **objp, const struct tts_audio *a,
		       const char *key, void *arg)
{
	struct media_prompt *p = NULL;
	int err;

	(void)arg;
	err = media_prompt_alloc(&p, a->pcm, a->n, a->srate, key);
	if (!err)
		*objp = p;
	return err;
}

/* the request for turn t of p: the persona's voice when it speaks the
 * turn's language, else the default voice of that language */
static void turn_req(struct tts_req *req, const struct persona *p,
		     const struct persona_turn *t)
{
	memset(req, 0, sizeof(*req));
	req->text = t->say;
	req->pinyin = t->pinyin;
	req->lang = persona_turn_lang(t);
	req->rate = p->rate;
	req->pitch = p->pitch;
	if (p->engine || p->voice) {
		const struct tts_engine *e;
		const struct tts_voice *v;
		struct tts_req q = *req;

		q.engine = p->engine;
		q.voice = p->voice;
		q.lang = NULL;
		q.pinyin = t->pinyin ? t->pinyin : "a1";
		if (!tts_resolve(&e, &v, &q) && !strcmp(v->lang, req->lang)) {
			req->engine = p->engine;
			req->voice = p->voice;
		}
	}
}

unsigned sim_check_voices(const struct persona_set *s,
			  struct persona_diags *d)
{
	unsigned before = d ? d->errors : 0;
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		const struct persona *p = &s->v[i];
		const struct tts_engine *e;
		const struct tts_voice *v;
		struct tts_req q;
		int err;

		if (!p->engine && !p->voice)
			continue;
		memset(&q, 0, sizeof(q));
		q.engine = p->engine;
		q.voice = p->voice;
		q.text = "x";
		q.pinyin = "a1";
		err = tts_resolve(&e, &v, &q);
		if (err == ENOENT && p->engine && !tts_engine_find(p->engine))
			pdiag(d, p->voice_line, p->voice_col,
			      "persona '%s': voice: no engine '%s' (flite, "
			      "espeak)", p->name, p->engine);
		else if (err)
			pdiag(d, p->voice_line, p->voice_col,
			      "persona '%s': voice: no voice '%s'%s%s",
			      p->name, p->voice ? p->voice : "?",
			      p->engine ? " in engine " : "",
			      p->engine ? p->engine : "");
	}
	return d ? d->errors - before : 0;
}

static bool wanted(const struct sim *sim, const struct persona *p)
{
	return !sim->conf.only || !strcmp(sim->conf.only, p->name);
}

/* every wanted utterance is in memory now: take the entries */
static int take_entries(struct sim *sim)
{
	const struct persona_set *set = sim->conf.set;
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		const struct persona *p = &set->v[i];

		if (!wanted(sim, p) || !p->nturns)
			continue;
		sim->voices[i].ent = mem_zalloc(p->nturns * sizeof(void *),
						NULL);
		if (!sim->voices[i].ent)
			return ENOMEM;
		for (j = 0; j < p->nturns; j++) {
			struct tts_req req;
			struct tts_entry *e = NULL;
			const struct media_prompt *mp;
			int err;

			if (p->turns[j].kind != PERSONA_SAY)
				continue;
			turn_req(&req, p, &p->turns[j]);
			err = tts_prompt_get(&e, NULL, sim->conf.cache, &req,
					     NULL, NULL);
			if (err == EINPROGRESS)
				err = EAGAIN; /* a prewarmed entry was lost */
			if (err) {
				log_msg(LOG_ERROR, p->name, "turn %zu: no "
					"speech: %s", j + 1, strerror(err));
				return err;
			}
			sim->voices[i].ent[j] = e;
			mp = tts_entry_prepared(e);
			if (mp && sim->nbabble < BABBLE_MAX)
				sim->babble[sim->nbabble++] = mp;
		}
	}
	return 0;
}

static void ready_h(void *arg)
{
	struct sim *sim = arg;
	int err = sim->ready_err;

	sim->pw = mem_deref(sim->pw);
	if (!err)
		err = take_entries(sim);
	sim->ready = !err;
	if (sim->readyh)
		sim->readyh(err, sim->arg);
}

static void prewarm_h(const struct tts_prewarm_stats *st, void *arg)
{
	struct sim *sim = arg;

	log_msg(LOG_INFO, "sim", "%u utterances: %u synthesized, %u cached, "
		"%u failed", st->total, st->synthesized, st->cached,
		st->failed);
	sim->ready_err = st->failed ? (st->err ? st->err : EIO) : 0;
	/* the handle is released from the timer: the cache still reads the
	 * prewarm object after this handler returns */
	tmr_start(&sim->tmr_ready, 0, ready_h, sim);
}

static void sim_destructor(void *arg)
{
	struct sim *sim = arg;
	const struct persona_set *set = sim->conf.set;
	size_t i, j;

	tmr_cancel(&sim->tmr_ready);
	list_flush(&sim->calls);
	sim->pw = mem_deref(sim->pw);
	for (i = 0; sim->voices && i < set->n; i++) {
		for (j = 0; sim->voices[i].ent && j < set->v[i].nturns; j++)
			mem_deref(sim->voices[i].ent[j]);
		mem_deref(sim->voices[i].ent);
	}
	mem_deref(sim->voices);
}

int sim_alloc(struct sim **simp, const struct sim_conf *conf,
	      sim_ready_h *readyh, sim_ended_h *endh, void *arg)
{
	struct tts_req *reqv = NULL;
	struct sim *sim;
	size_t i, j, n = 0;
	int err;

	if (!simp || !conf || !conf->set || !conf->cache)
		return EINVAL;
	if (conf->only && !persona_find(conf->set, conf->only))
		return ENOENT;

	sim = mem_zalloc(sizeof(*sim), sim_destructor);
	if (!sim)
		return ENOMEM;
	sim->conf = *conf;
	sim->readyh = readyh;
	sim->endh = endh;
	sim->arg = arg;
	tmr_init(&sim->tmr_ready);
	list_init(&sim->calls);
	sim->voices = mem_zalloc(conf->set->n * sizeof(*sim->voices), NULL);
	if (!sim->voices) {
		err = ENOMEM;
		goto out;
	}

	for (i = 0; i < conf->set->n; i++)
		n += conf->set->v[i].nturns;
	reqv = mem_zalloc((n ? n : 1) * sizeof(*reqv), NULL);
	if (!reqv) {
		err = ENOMEM;
		goto out;
	}
	n = 0;
	for (i = 0; i < conf->set->n; i++) {
		const struct persona *p = &conf->set->v[i];

		if (!wanted(sim, p))
			continue;
		for (j = 0; j < p->nturns; j++) {
			if (p->turns[j].kind == PERSONA_SAY)
				turn_req(&reqv[n++], p, &p->turns[j]);
		}
	}

	err = n ? tts_prewarm(&sim->pw, conf->cache, reqv, n, prewarm_h, sim)
		: 0;
	if (err == EINPROGRESS)
		err = 0;
	else if (!err)
		tmr_start(&sim->tmr_ready, 0, ready_h, sim);

out:
	mem_deref(reqv);
	if (err)
		mem_deref(sim);
	else
		*simp = sim;
	return err;
}

/* ---- the noise job ---------------------------------------------------- */

static void job_destructor(void *arg)
{
	struct sim_job *j = arg;
	size_t i;

	for (i = 0; i < j->n; i++) {
		mem_deref((void *)j->clean[i]);
		if (j->utt)
			mem_deref(j->utt[i]);
	}
	for (i = 0; i < j->nbabble; i++)
		mem_deref((void *)j->babble[i]);
	mem_deref(j->clean);
	mem_deref(j->utt);
	mem_deref(j->bed);
	mem_deref(j->end_ms);
	mem_deref(j->speech_ms);
	mem_deref(j->name);
}

/* worker: a noisy copy of each utterance, and where its speech ends */
static int job_work(void *arg)
{
	struct sim_job *j = arg;
	size_t i;
	int err = 0;

	for (i = 0; i < j->n && !err; i++) {
		const struct media_prompt *c = j->clean[i];
		struct sim_rng rng;
		size_t s0 = 0, s1 = 0;
		int16_t *pcm;

		if (!c)
			continue;
		if (sim_speech_span(c->pcm, c->n, &s0, &s1)) {
			j->end_ms[i] = (unsigned)(s1 * 1000 / MEDIA_SRATE);
			j->speech_ms[i] =
				(unsigned)((s1 - s0) * 1000 / MEDIA_SRATE);
		}
		pcm = malloc((c->n ? c->n : 1) * sizeof(*pcm));
		if (!pcm)
			return ENOMEM;
		memcpy(pcm, c->pcm, c->n * sizeof(*pcm));
		sim_rng_seed(&rng, j->seed, j->name, (unsigned)i);
		err = sim_noise_add(pcm, c->n, j->kind, j->snr_db, &rng,
				    j->babble, j->nbabble);
		if (!err)
			err = media_prompt_alloc(&j->utt[i], pcm, c->n,
						 MEDIA_SRATE, c->name);
		free(pcm);
	}
	if (!err && j->kind != PERSONA_NOISE_NONE) {
		/* BED_MS of the line's noise, looped between utterances, at
		 * the level of the first utterance's noise */
		size_t n = BED_MS * MEDIA_SRATE / 1000;
		int16_t *pcm = malloc(n * sizeof(*pcm));
		struct sim_rng rng;

		for (i = 0; i < j->n && !j->clean[i]; i++)
			;
		if (!pcm)
			return ENOMEM;
		sim_rng_seed(&rng, j->seed, j->name, 1000);
		err = i < j->n
			      ? sim_noise_bed(pcm, n, j->kind, j->snr_db,
					      j->clean[i]->pcm, j->clean[i]->n,
					      &rng, j->babble, j->nbabble)
			      : 0;
		if (!err && i < j->n)
			err = media_prompt_alloc(&j->bed, pcm, n, MEDIA_SRATE,
						 "noise");
		free(pcm);
	}
	return err;
}

static void job_done(int err, void *arg)
{
	struct sim_job *j = arg;
	struct sim_call *sc = j->sc;

	if (sc) {
		sc->job = NULL;
		if (err) {
			log_msg(LOG_ERROR, sc->p->name, "cannot mix noise: %s",
				strerror(err));
		}
		else {
			/* the call takes the results over */
			sc->utt = j->utt;
			sc->bed = j->bed;
			j->bed = NULL;
			sc->end_ms = j->end_ms;
			sc->speech_ms = j->speech_ms;
			j->utt = NULL;
			j->end_ms = NULL;
			j->speech_ms = NULL;
		}
		sc->prepared = true;
		sc_start(sc);
	}
	mem_deref(j);
}

static int job_submit(struct sim_call *sc, size_t pidx)
{
	struct sim *sim = sc->sim;
	const struct persona *p = sc->p;
	struct sim_job *j;
	size_t i;
	int err;

	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->clean = mem_zalloc((p->nturns + 1) * sizeof(void *), NULL);
	j->utt = mem_zalloc((p->nturns + 1) * sizeof(void *), NULL);
	j->end_ms = mem_zalloc((p->nturns + 1) * sizeof(unsigned), NULL);
	j->speech_ms = mem_zalloc((p->nturns + 1) * sizeof(unsigned), NULL);
	err = str_dup(&j->name, p->name);
	if (!j->clean || !j->utt || !j->end_ms || !j->speech_ms || err) {
		mem_deref(j);
		return ENOMEM;
	}
	j->n = p->nturns;
	for (i = 0; i < p->nturns && sim->voices[pidx].ent; i++) {
		struct tts_entry *e = sim->voices[pidx].ent[i];

		j->clean[i] = e ? mem_ref(tts_entry_prepared(e)) : NULL;
	}
	for (i = 0; i < sim->nbabble; i++)
		j->babble[j->nbabble++] = mem_ref((void *)sim->babble[i]);
	j->kind = p->noise;
	j->snr_db = p->snr_db;
	j->seed = sim->conf.seed;

	err = work_submit(sim->conf.pool, job_work, job_done, j);
	if (err) {
		mem_deref(j);
		return err;
	}
	j->sc = sc;
	sc->job = j;
	return 0;
}

/* ---- calls ------------------------------------------------------------ */

static void sc_destructor(void *arg)
{
	struct sim_call *sc = arg;
	size_t i;

	tmr_cancel(&sc->tmr_ring);
	tmr_cancel(&sc->tmr_end);
	list_unlink(&sc->le);
	if (sc->job)
		sc->job->sc = NULL;
	if (sc->call && !call_ended(sc->call))
		call_hangup(sc->call);
	mem_deref(sc->call);
	mem_deref(sc->bed);
	if (sc->uc) {
		ua_call_set_handlers(sc->uc, NULL, NULL);
		mem_deref(sc->uc);
	}
	for (i = 0; sc->utt && i < sc->p->nturns; i++)
		mem_deref(sc->utt[i]);
	mem_deref(sc->utt);
	mem_deref(sc->end_ms);
	mem_deref(sc->speech_ms);
	mem_deref(sc->res);
	mem_deref(sc->id);
	mem_deref(sc->uri);
}

static void end_h(void *arg)
{
	struct sim_call *sc = arg;
	struct sim *sim = sc->sim;
	struct sim_result r;

	memset(&r, 0, sizeof(r));
	r.persona = sc->p->name;
	r.call_id = sc->id ? sc->id : (sc->call ? call_id(sc->call) : "");
	r.outcome = ua_outcome_name(sc->outcome);
	r.code = sc->code;
	r.hangup_by = !sc->answered ? NULL : sc->we_hung ? "callee" : "robot";
	r.robot_speech_ms = sc->answered ? sc->st.robot_ms : 0;
	r.p = sc->p;
	r.turns = sc->answered ? sc->res : NULL;

	list_unlink(&sc->le);
	if (sim->endh)
		sim->endh(&r, sim->arg);
	mem_deref(sc);
}

/* the call is over: report from a fresh loop iteration, once */
static void sc_end(struct sim_call *sc, enum ua_outcome o, uint16_t code)
{
	if (sc->ended)
		return;
	sc->ended = true;
	sc->outcome = o;
	sc->code = code;
	tmr_cancel(&sc->tmr_ring);
	tmr_start(&sc->tmr_end, 0, end_h, sc);
}

static void act(struct sim_call *sc, enum sim_act a, size_t turn)
{
	const struct persona_turn *t = &sc->p->turns[turn];
	const char *id = call_id(sc->call);
	int err;

	switch (a) {
	case SIM_ACT_SAY:
		log_msg(LOG_DEBUG, id, "turn %zu: says \"%s\"", turn + 1,
			t->say);
		if (sc->bed)
			call_stop(sc->call); /* the utterance carries noise */
		err = sc->utt && sc->utt[turn]
			      ? call_play(sc->call, sc->utt[turn])
			      : ENOENT;
		sc->saying = !err;
		if (err) {
			log_msg(LOG_ERROR, id, "turn %zu: cannot play: %s",
				turn + 1, strerror(err));
			sim_turns_done(&sc->st);
		}
		break;
	case SIM_ACT_DTMF:
		log_msg(LOG_DEBUG, id, "turn %zu: keys %s", turn + 1,
			t->dtmf);
		err = call_send_dtmf(sc->call, t->dtmf);
		if (err) {
			log_msg(LOG_ERROR, id, "turn %zu: cannot send keys: "
				"%s", turn + 1, strerror(err));
			sim_turns_done(&sc->st);
		}
		else {
			sc->dtmf_wait = true;
		}
		break;
	case SIM_ACT_HANGUP:
		log_msg(LOG_INFO, id, "%s: hanging up",
			sim_turns_over(&sc->st) ? "robot silent" : "hangup "
								   "turn");
		sc->we_hung = true;
		call_hangup(sc->call);
		break;
	default:
		break;
	}
}

static void answered_h(struct call *c, void *arg)
{
	struct sim_call *sc = arg;

	sc->answered = true;
	sim_turns_init(&sc->st, sc->p, sc->res);
	if (sc->bed && call_play(c, sc->bed))
		log_msg(LOG_WARN, call_id(c), "cannot play the line noise");
	log_msg(LOG_INFO, call_id(c), "answered as %s", sc->p->name);
}

static void audio_h(struct call *c, const int16_t *rx, const int16_t *tx,
		    size_t n, void *arg)
{
	struct sim_call *sc = arg;
	enum sim_act a;
	size_t turn = 0;

	(void)tx;
	if (!sc->answered || sc->ended)
		return;
	if (sc->dtmf_wait && !call_dtmf_pending(c)) {
		sc->dtmf_wait = false;
		sim_turns_done(&sc->st);
	}
	a = sim_turns_tick(&sc->st, sim_level_dbfs(rx, n), sc->end_ms,
			   sc->speech_ms, &turn);
	if (a != SIM_ACT_NONE)
		act(sc, a, turn);
}

static void prompt_done_h(struct call *c, struct media_prompt *p,
			  bool interrupted, void *arg)
{
	struct sim_call *sc = arg;

	if (sc->bed && p == sc->bed) {
		/* the line's noise loops while nobody speaks */
		if (!interrupted && !sc->saying && !sc->ended)
			(void)call_play(c, sc->bed);
		return;
	}
	(void)interrupted;
	sc->saying = false;
	if (sc->bed && !sc->ended)
		(void)call_play(c, sc->bed);
	if (!sc->dtmf_wait)
		sim_turns_done(&sc->st);
}

static void ended_h(struct call *c, enum ua_outcome o, uint16_t code,
		    void *arg)
{
	struct sim_call *sc = arg;

	(void)c;
	sc_end(sc, o, code);
}

static const struct call_h call_handlers = {
	.answered = answered_h,
	.audio = audio_h,
	.prompt_done = prompt_done_h,
	.ended = ended_h,
};

/* DIR/<persona>-<call-id>.wav, the Call-ID made safe for a file name */
static void record(struct sim_call *sc)
{
	const char *dir = sc->sim->conf.record_dir;
	const char *id = call_id(sc->call);
	char safe[200], *path = NULL;
	int err;

	if (!dir)
		return;
	call_file_id(sc->call, safe, sizeof(safe));
	err = re_sdprintf(&path, "%s/%s-%s.wav", dir, sc->p->name, safe);
	if (!err)
		err = call_record(sc->call, path);
	if (err)
		log_msg(LOG_ERROR, id, "cannot record: %s", strerror(err));
	mem_deref(path);
}

/* ringing is over and the utterances are mixed: answer, or dial */
static void sc_start(struct sim_call *sc)
{
	int err;

	if (sc->ended || sc->call || !sc->prepared)
		return;
	if (sc->outbound) {
		err = call_connect(&sc->call, sc->ua, sc->uri, &call_handlers,
				   sc);
		if (err) {
			log_msg(LOG_ERROR, sc->p->name, "cannot call: %s",
				strerror(err));
			sc_end(sc, UA_FAILED, 0);
			return;
		}
		err = str_dup(&sc->id, call_id(sc->call));
		record(sc);
		return;
	}
	if (!sc->ringing_over)
		return;

	if (sc->p->codec) {
		err = ua_call_prefer_codec(sc->uc, sc->p->codec);
		if (err)
			log_msg(LOG_WARN, ua_call_id(sc->uc), "codec %s not "
				"offered: %s", sc->p->codec == 8 ? "PCMA" : "?",
				strerror(err));
	}
	err = call_accept(&sc->call, sc->uc, &call_handlers, sc);
	if (err) {
		log_msg(LOG_ERROR, ua_call_id(sc->uc), "cannot answer: %s",
			strerror(err));
		sc_end(sc, UA_FAILED, 500);
		return;
	}
	record(sc);
}

static void ring_over_h(void *arg)
{
	struct sim_call *sc = arg;

	sc->ringing_over = true;
	if (!sc->prepared)
		log_msg(LOG_WARN, ua_call_id(sc->uc), "speech not mixed yet: "
			"ringing on");
	sc_start(sc);
}

/* the caller gave up (CANCEL) or the UA's setup timer ran out while we
 * rang */
static void ring_closed_h(struct ua_call *uc, enum ua_outcome o,
			  uint16_t code, const char *reason, void *arg)
{
	struct sim_call *sc = arg;

	log_msg(LOG_INFO, ua_call_id(uc), "closed while ringing: %s",
		reason ? reason : "");
	sc_end(sc, o, code);
}

static void ring_established_h(struct ua_call *uc,
			       const struct ua_media *m, void *arg)
{
	(void)uc;
	(void)m;
	(void)arg;
}

static const struct ua_call_h ring_handlers = {
	.established = ring_established_h,
	.closed = ring_closed_h,
};

static struct sim_call *sc_new(struct sim *sim, const struct persona *p)
{
	struct sim_call *sc = mem_zalloc(sizeof(*sc), sc_destructor);

	if (!sc)
		return NULL;
	sc->sim = sim;
	sc->p = p;
	tmr_init(&sc->tmr_ring);
	tmr_init(&sc->tmr_end);
	sc->res = mem_zalloc((p->nturns + 1) * sizeof(*sc->res), NULL);
	if (!sc->res)
		return mem_deref(sc);
	list_append(&sim->calls, &sc->le, sc);
	return sc;
}

/* the user part of a SIP URI ("sip:name@host"), lower-case ASCII only */
static bool uri_user(char *buf, size_t size, const char *uri)
{
	struct uri u;
	struct pl pl;

	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl) || !pl_isset(&u.user) || u.user.l >= size)
		return false;
	memcpy(buf, u.user.p, u.user.l);
	buf[u.user.l] = '\0';
	return true;
}

int sim_incoming(struct sim *sim, struct ua_call *uc, const char *to)
{
	const struct persona *p = NULL;
	struct sim_call *sc;
	char name[64];
	size_t i;
	int err;

	if (!sim || !uc)
		return EINVAL;
	if (uri_user(name, sizeof(name), to ? to : ""))
		p = persona_find(sim->conf.set, name);
	if (!p || !sim->ready || !wanted(sim, p)) {
		log_msg(LOG_INFO, ua_call_id(uc), "no persona for this call: "
			"404");
		(void)ua_call_reject(uc, 404, "Not Found");
		return ENOENT;
	}

	sc = sc_new(sim, p);
	if (!sc || str_dup(&sc->id, ua_call_id(uc))) {
		mem_deref(sc);
		(void)ua_call_reject(uc, 500, "Server Internal Error");
		return ENOMEM;
	}
	log_msg(LOG_INFO, sc->id, "for %s: answer %s", p->name,
		persona_answer_outcome(p->answer));

	switch (p->answer) {
	case PERSONA_BUSY:
	case PERSONA_REJECT:
	case PERSONA_UNAVAILABLE: {
		static const uint16_t codes[] = {0, 486, 603, 0, 503};
		static const char *const reasons[] = {
			NULL, "Busy Here", "Decline", NULL,
			"Service Unavailable"};

		(void)ua_call_reject(uc, codes[p->answer], reasons[p->answer]);
		sc_end(sc, ua_outcome_from_code(codes[p->answer]),
		       codes[p->answer]);
		return 0;
	}
	default:
		break;
	}

	sc->uc = mem_ref(uc);
	ua_call_set_handlers(uc, &ring_handlers, sc);
	if (p->answer == PERSONA_NO_ANSWER)
		return 0;

	/* sc->p's index, for its voices */
	for (i = 0; &sim->conf.set->v[i] != p; i++)
		;
	err = job_submit(sc, i);
	if (err) {
		log_msg(LOG_ERROR, sc->id, "cannot prepare: %s",
			strerror(err));
		(void)ua_call_reject(uc, 500, "Server Internal Error");
		sc_end(sc, UA_FAILED, 500);
		return 0;
	}
	tmr_start(&sc->tmr_ring, p->answer_ms, ring_over_h, sc);
	return 0;
}

int sim_place(struct sim *sim, struct ua *ua, const char *name,
	      const char *uri)
{
	const struct persona *p;
	struct sim_call *sc;
	size_t i;
	int err;

	if (!sim || !ua || !name || !uri)
		return EINVAL;
	p = persona_find(sim->conf.set, name);
	if (!p || !wanted(sim, p))
		return ENOENT;
	if (!sim->ready)
		return EAGAIN;

	sc = sc_new(sim, p);
	if (!sc)
		return ENOMEM;
	sc->outbound = true;
	sc->ua = ua;
	err = str_dup(&sc->uri, uri);
	for (i = 0; &sim->conf.set->v[i] != p; i++)
		;
	if (!err)
		err = job_submit(sc, i);
	if (err)
		mem_deref(sc);
	return err;
}

unsigned sim_active(const struct sim *sim)
{
	return sim ? list_count(&sim->calls) : 0;
}

void sim_hangup_all(struct sim *sim)
{
	struct le *le;

	for (le = list_head(&sim->calls); le; le = le->next) {
		struct sim_call *sc = le->data;

		if (sc->ended)
			continue;
		if (sc->call) {
			sc->we_hung = true;
			call_hangup(sc->call);
		}
		else {
			if (sc->uc)
				(void)ua_call_reject(sc->uc, 480,
						     "Temporarily Unavailable");
			sc_end(sc, UA_NO_ANSWER, 0);
		}
	}
}

/* ---- output ----------------------------------------------------------- */

/* a JSON string or null (core/json.c): wire strings such as the peer's
 * Call-ID can hold any byte */
static void json_str(FILE *f, const char *s)
{
	(void)re_fprintf(f, "%H", json_str_pf, s);
}

void sim_result_print(const struct sim_result *r, FILE *f)
{
	size_t i;
	bool first = true;

	fputs("{\"persona\":", f);
	json_str(f, r->persona);
	fputs(",\"call_id\":", f);
	json_str(f, r->call_id);
	fputs(",\"outcome\":", f);
	json_str(f, r->outcome);
	fprintf(f, ",\"code\":%u,\"hangup_by\":", r->code);
	json_str(f, r->hangup_by);
	fprintf(f, ",\"robot_speech_ms\":%u,\"turns\":[", r->robot_speech_ms);
	for (i = 0; r->turns && r->p && i < r->p->nturns; i++) {
		const struct persona_turn *t = &r->p->turns[i];
		const struct sim_turn_res *tr = &r->turns[i];

		if (!tr->reached)
			continue;
		fputs(first ? "{" : ",{", f);
		first = false;
		switch (t->kind) {
		case PERSONA_SAY:
			fputs("\"say\":", f);
			json_str(f, t->say);
			break;
		case PERSONA_DTMF:
			fputs("\"dtmf\":", f);
			json_str(f, t->dtmf);
			break;
		case PERSONA_SILENCE:
			fputs("\"silence\":true", f);
			break;
		case PERSONA_HANGUP:
			fputs("\"hangup\":true", f);
			break;
		}
		fprintf(f, ",\"at_ms\":%u", tr->at_ms);
		if (t->kind == PERSONA_SAY)
			fprintf(f, ",\"speech_ms\":%u", tr->speech_ms);
		fprintf(f, ",\"barge_in\":%s,\"reply_ms\":",
			tr->barge_in ? "true" : "false");
		if (tr->reply_ms >= 0)
			fprintf(f, "%d}", tr->reply_ms);
		else
			fputs("null}", f);
	}
	fputs("]}\n", f);
}
