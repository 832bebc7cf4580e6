/**
 * @file asr.h  Speech recognition: one utterance (a VAD segment of 8 kHz
 * mono PCM) in, text + confidence out, against the grammar of the dialog
 * node that is listening.
 *
 * Shape. An `asr` is one recognizer configuration (engine, language,
 * model, rejection). Each listening node's phrase list, with the values
 * it captures (amounts, numbers, times), becomes an `asr_grammar`
 * (asr_grammar_get_caps), compiled once and cached by a hash of (engine,
 * language, model, phrases, captures) in memory and, optionally, in a
 * cache folder. asr_recognize() queues one utterance; it is decoded on a
 * worker of the core work pool and the result handler runs on the re_main
 * loop thread. asr_transcribe() is the slow free-form pass for what the
 * grammar could not place, on a thread of its own (see below).
 *
 * Decoders are expensive (an acoustic model plus a search graph, 5-20 MB)
 * and belong to one grammar. They are pooled: requests wait in a queue
 * until one of `max_busy` slots is free (default: one per CPU), then take
 * an idle decoder of their grammar or have the worker build one;
 * afterwards the decoder goes back to the pool, which keeps at most
 * `max_idle` idle decoders over all grammars (least recently used go
 * first). A decoder is used by one thread at a time, so memory is bounded
 * by max_busy + max_idle decoders: it grows with callees speaking at once,
 * never with calls open.
 *
 * Threads and ownership. Every asr_ function is for the loop thread. All
 * objects are libre mem objects. The caller may mem_deref() a request
 * (struct asr_req) at any time, e.g. on hang-up: its handler is then never
 * called and the result is dropped when it arrives (a request still
 * waiting for a worker never runs). The asr itself may be freed with
 * requests in flight: none of their handlers is called; they finish on
 * the workers and clean up on the loop. The work pool must outlive the
 * asr and its requests.
 *
 * Engines are plugins: an interface struct registered by name (the
 * built-in one is "pocketsphinx"); test doubles are more engines.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct asr;
struct asr_grammar;
struct asr_req;
struct work_pool;

/* ---- configuration ------------------------------------------------------ */

enum asr_reject {
	ASR_REJECT_OFF = 0, /* take the grammar's best phrase, always */
	ASR_REJECT_LOOP,    /* two passes: grammar vs phone loop (default) */
	ASR_REJECT_GARBAGE, /* one pass: phone garbage branch in the grammar */
};

/*
 * How the noise suppressor learns the line's noise before it cleans a
 * segment: the segment's own pre-roll (the VAD keeps 200 ms before the
 * onset) fed a few times, or one whole pass over the segment whose
 * output is discarded, then the cleaning pass with what it learned.
 */
enum asr_denoise_learn {
	ASR_DENOISE_PREROLL = 0,
	ASR_DENOISE_SEGMENT, /* default: it cleans much more (bench-asr) */
};

/**
 * How to recognize. Strings are borrowed until asr_alloc() returns (it
 * copies what it keeps). asr_conf_init() sets the defaults.
 */
struct asr_conf {
	const char *engine;     /* "pocketsphinx" */
	const char *lang;       /* "en" or "zh" */
	const char *model;      /* en: "hub4wsj_sc_8k" (default, 8 kHz) or
				   "en-us" (Debian's 16 kHz model, audio
				   upsampled); zh: "tdt_sc_8k" */
	const char *models_dir; /* NULL: asr_models_dir() */
	const char *dict;       /* pronunciation dictionary; NULL: the
				   model's (Debian's cmudict for English) */
	const char *cache_dir;  /* compiled grammars on disk; NULL: none */
	enum asr_reject reject;
	double reject_threshold; /* NAN: the model's measured default */
	double value_threshold;  /* the same for a spoken value (a capture
				    rule, which fits off-topic speech
				    more easily); NAN: the model's */
	double garbage_weight;   /* ASR_REJECT_GARBAGE entry weight; NAN:
				    the measured default */
	double loop_p;           /* ASR_REJECT_LOOP phone probability;
				    NAN: the measured default */
	unsigned max_idle;       /* idle decoders kept (all grammars) */
	unsigned max_busy;       /* utterances decoded at once (decoders in
				    use); default: the number of CPUs */
	unsigned max_grammars;   /* compiled grammars kept in memory */
	unsigned max_ms;         /* longer utterances are cut to this */
	double denoise;          /* noise suppression before decoding, in
				    dB (speexdsp's preprocessor, e.g.
				    -25); 0: off; NAN: the model's
				    measured default */
	enum asr_denoise_learn denoise_learn; /* how the suppressor
						 learns the line's noise */
	double denoise_snr;      /* suppress only segments whose estimated
				    SNR (asr_segment_snr) is below this,
				    in dB; 0: every segment; NAN: the
				    model's measured default */
	double highpass;         /* a high-pass filter first, in Hz (the
				    telephone band starts at 300); 0: none;
				    NAN: the model's */
	double other_weight;     /* the JSGF weight of the phrases a node
				    does not expect (asr_grammar_get_node),
				    in (0, 1]; 1: all alike; below 1e-38
				    (a float's range) they cannot win at
				    all; NAN: the model's measured
				    default */
	double gate;             /* after suppression, a noise gate opening
				    this many dB over the segment's floor;
				    0: none; NAN: the model's */
	const char *engine_args; /* extra engine options, for tuning
				    (pocketsphinx: "-wip 1e-3 -pip 0.8");
				    NULL: none */

	/* free-form transcripts (asr_transcribe) */
	const char *lm_model;    /* acoustic model of the language-model
				    pass; NULL: the engine's measured
				    default (pocketsphinx: "hub4wsj_sc_8k";
				    or "en-us") */
	const char *lm;          /* n-gram language model; NULL: the
				    engine's (Debian's en-us.lm.bin) */
	const char *lm_dict;     /* its dictionary; NULL: the engine's
				    (the full cmudict) */
	const char *lm_args;     /* extra engine options for the pass */
	unsigned lm_queue;       /* transcriptions that may wait (all asrs
				    of the process share one queue); more
				    are dropped; default 8 */
	int lm_nice;             /* the transcriber thread's nice value,
				    0..19, default 19 (see
				    asr_transcribe()) */
};

/** Set the defaults: pocketsphinx, en, rejection by phone loop. */
void asr_conf_init(struct asr_conf *conf);

/**
 * Set one configuration key from text (config files, --options):
 * engine, lang, model, models, dict, cache, reject (off|loop|garbage, or
 * yes|no), reject_threshold, value_threshold, garbage_weight, loop_p,
 * max_idle, max_busy, max_grammars, max_ms, denoise (off|no|0, on|yes:
 * the model's level, or a level in dB such as -25), denoise_learn
 * (preroll|segment), denoise_snr (dB), highpass (Hz or off), gate (dB
 * or off), other_weight (0..1, or off), engine_args; for transcripts lm_model, lm,
 * lm_dict, lm_args, lm_queue, lm_nice. val is borrowed (see struct
 * asr_conf).
 *
 * @return 0, ENOENT for an unknown key, EINVAL for a bad value
 */
int asr_conf_set(struct asr_conf *conf, const char *key, const char *val);

/**
 * The models folder: configured if not NULL, else $CALLBOT_MODELS, else
 * shared/models beside the source tree ($CALLBOT_SRCDIR/../shared/models,
 * then the tree callbot was built from), else /usr/share/callbot/models.
 * The first one that exists wins. Writes into buf. @return buf
 */
const char *asr_models_dir(const char *configured, char *buf, size_t sz);

/* ---- the recognizer ----------------------------------------------------- */

/**
 * Make a recognizer. Loads the pronunciation dictionary and checks the
 * model files now, so a missing model fails at start-up, not on the
 * first call. pool runs the decoding (it is not owned; it must outlive
 * the asr).
 *
 * @return 0, EINVAL for a bad configuration, ENOENT for an unknown engine
 * or missing model files (logged with the path and "make models"), ENOMEM
 */
int asr_alloc(struct asr **asrp, const struct asr_conf *conf,
	      struct work_pool *pool);

/** "en" or "zh". */
const char *asr_lang(const struct asr *asr);

/* ---- grammars ----------------------------------------------------------- */

/**
 * What a listening node captures besides its phrases: each bit adds a
 * spoken sub-grammar to the node's, so a callee can answer with a value
 * no phrase lists ("about twenty thousand dollars", 五万块, "tomorrow
 * afternoon", 明天下午三点). The bits are those of the dialog's enum
 * dialog_capture (struct dialog_grammar's captures), so that field can
 * be passed as it is.
 */
enum asr_cap {
	ASR_CAP_AMOUNT = 1, /* money: a number, hedges, currency words */
	ASR_CAP_NUMBER = 2, /* a bare number */
	ASR_CAP_TIME = 4,   /* a callback time: day, part of day, hour */
};
#define ASR_CAP_ALL (ASR_CAP_AMOUNT | ASR_CAP_NUMBER | ASR_CAP_TIME)

/**
 * The grammar for a node's phrases (struct dialog_grammar's node, phrases
 * and n) and what it captures (caps, enum asr_cap bits; unknown bits are
 * ignored). Returns the cached object when the same phrases and caps
 * were seen before, otherwise a new one whose compilation (and a first
 * decoder) starts at once on a worker, so it is usually ready before the
 * callee has finished speaking. phrases are copied. The caller owns the
 * reference.
 *
 * @return 0, EINVAL, ENOMEM
 */
int asr_grammar_get_caps(struct asr_grammar **gp, struct asr *asr,
			 const char *name, const char *const *phrases,
			 size_t n, unsigned caps);

/**
 * asr_grammar_get_caps() for a dialog node: phrases[0..nexpected) are
 * what the node waits for (its own branches' intents, the opt-out), the
 * rest belong to intents heard everywhere ("who is this", questions for
 * the knowledge base). The recognizer weighs the rest by the model's
 * `other_weight` (a prior: 1 treats all alike), so a short answer is
 * less often heard as some question the node did not ask; a phrase of
 * the rest that wins is judged for rejection without that weight.
 * nexpected >= n: all alike, as asr_grammar_get_caps().
 */
int asr_grammar_get_node(struct asr_grammar **gp, struct asr *asr,
			 const char *name, const char *const *phrases,
			 size_t n, size_t nexpected, unsigned caps);

/** asr_grammar_get_caps() with no captures: the phrases alone. */
int asr_grammar_get(struct asr_grammar **gp, struct asr *asr,
		    const char *name, const char *const *phrases, size_t n);

/** What compiling a grammar kept and dropped. */
struct asr_grammar_stats {
	bool compiled;        /* false until a worker has compiled it */
	int err;              /* compile error (0: fine) */
	size_t phrases;       /* phrases given */
	size_t kept;          /* distinct phrases in the grammar */
	size_t dropped;       /* phrases dropped (no word left) */
	size_t words_dropped; /* words dropped from kept phrases */
	size_t words;         /* distinct words in the cut dictionary */
	unsigned caps;        /* asked for (asr_grammar_get_caps) */
	unsigned caps_kept;   /* compiled in: a capture whose words the
				 dictionary lacks is left out (warned) */
	bool from_cache;      /* loaded from the cache folder */
	const char *key;      /* the cache key (hex) */
};

void asr_grammar_stats(const struct asr_grammar *g,
		       struct asr_grammar_stats *st);

/* ---- recognition -------------------------------------------------------- */

/** What was heard in one utterance. Valid during the handler only. */
struct asr_result {
	const char *text;       /* best phrase, as the dialog's matcher reads
				   it ("" when nothing fitted) */
	double confidence;      /* 0..1; below 0.5 when rejected */
	bool rejected;          /* off-topic: not one of the phrases */
	bool value;             /* text is a spoken value (amount, number,
				   time) from the captures, not a phrase */
	const char *transcript; /* asr_transcribe(): the free-form
				   transcript ("" when nothing was made
				   out); asr_recognize(): "" */
	double score;           /* the engine's raw per-frame margin (the
				   rejection measure), for tuning */
	double snr_db;          /* the utterance's estimated SNR as the
				   engine saw it (after its filters), NAN
				   when it does not say */
	unsigned audio_ms;      /* utterance length */
	unsigned decode_ms;     /* wall time on the worker */
	unsigned wait_ms;       /* queued before a worker took it */
	bool new_decoder;       /* a decoder had to be built for it */
};

/**
 * The result of one request, on the loop thread. err is 0 or the errno of
 * a failure (then res is NULL).
 */
typedef void(asr_result_h)(int err, const struct asr_result *res,
			   void *arg);

/**
 * Recognize one utterance (mono PCM, 8000 or 16000 Hz) against grammar
 * g. The samples are copied. The handler runs later on the loop thread,
 * never from inside this call. If reqp is not NULL it receives the
 * request: mem_deref() it to cancel (the handler is then never called).
 * With reqp NULL the handler is always called and arg must stay valid.
 *
 * @return 0, EINVAL, ENOMEM
 */
int asr_recognize(struct asr_req **reqp, struct asr *asr,
		  struct asr_grammar *g, const int16_t *pcm, size_t n,
		  unsigned srate, asr_result_h *resh, void *arg);

/**
 * Estimated signal-to-noise ratio of one utterance in dB: the level of
 * its loudest 10 ms blocks (90th percentile) over that of its quietest
 * (10th percentile: the VAD's pre-roll and the pauses). Digital silence
 * gives ASR_SNR_MAX. Any thread. @return dB, 0..ASR_SNR_MAX
 */
enum { ASR_SNR_MAX = 99 };
double asr_segment_snr(const int16_t *pcm, size_t n, unsigned srate);

/** Counters, for tests, benchmarks and metrics. */
struct asr_stats {
	unsigned requests;    /* recognitions asked */
	unsigned pending;     /* queued or decoding */
	unsigned decoders;    /* decoders alive (busy + idle) */
	unsigned idle;        /* idle decoders in the pool */
	unsigned built;       /* decoders built so far */
	unsigned reused;      /* requests served by a pooled decoder */
	unsigned evicted;     /* idle decoders freed to stay in max_idle */
	unsigned grammars;    /* compiled grammars in memory */
};

void asr_stats(const struct asr *asr, struct asr_stats *st);

/* ---- free-form transcripts ---------------------------------------------- */

/*
 * A second, slow opinion on an utterance the grammar could not place:
 * what was said, in free words, for the unanswered-question queue. The
 * engine decodes it with an n-gram language model over its whole
 * dictionary (pocketsphinx: Debian's English LM and cmudict), which is
 * big (~100+ MB) and slow (RTF 0.24 clean, 0.5 in noise) next to a
 * grammar decoder (~13 MB, RTF ~0.07), so it never shares their workers:
 *
 * - One transcriber per process, whatever the number of asrs and calls:
 *   one thread of its own (niced, lm_nice) with one language-model
 *   decoder, built on the first transcription and kept until the last
 *   asr that used it is freed. Memory is therefore one decoder.
 * - One queue for the process, first come first served, bounded: a
 *   request finding lm_queue others waiting is refused (EBUSY) and
 *   counted as dropped. Live recognition never waits for it.
 * - Requests are cancelled like asr_recognize()'s: mem_deref() the
 *   request; a waiting one never runs, a running one finishes unheard
 *   (a decode is one call into the engine: it cannot be cut short).
 *   Freeing the asr cancels its requests; freeing the last asr that
 *   used the transcriber waits for a running decode to finish.
 *
 * Mandarin has no usable language model here (the one available lacks
 * everyday words): ENOTSUP, and the clip is what the operator hears.
 */

/**
 * Transcribe one utterance (mono PCM, 8000 or 16000 Hz; the samples are
 * copied, cut to max_ms). The handler runs later on the loop thread with
 * res->transcript (res->text is ""), audio_ms, decode_ms, wait_ms and
 * new_decoder (this request built the language-model decoder). reqp as
 * for asr_recognize(). Loop thread.
 *
 * @return 0; ENOTSUP when the language or engine has no language model,
 * ENOENT when its files are missing (asr_transcribe_check()), EBUSY when
 * the queue is full (the request is dropped and counted), EINVAL, ENOMEM
 */
int asr_transcribe(struct asr_req **reqp, struct asr *asr,
		   const int16_t *pcm, size_t n, unsigned srate,
		   asr_result_h *resh, void *arg);

/**
 * asr_transcribe(), ahead of the waiting ones (behind those asked for the
 * same way) and never refused for a full queue: for a caller that waits
 * on the answer (the robot's second opinion on a rejected utterance). It
 * still waits for the decode running, and runs at lm_nice.
 */
int asr_transcribe_first(struct asr_req **reqp, struct asr *asr,
			 const int16_t *pcm, size_t n, unsigned srate,
			 asr_result_h *resh, void *arg);

/** Can asr transcribe? 0, ENOTSUP (language or engine), ENOENT (the
 *  model files are missing; logged when the asr was made), EINVAL. */
int asr_transcribe_check(const struct asr *asr);

/** Transcription counters: the first six are this asr's, the rest the
 *  process's transcriber's. */
struct asr_transcribe_stats {
	unsigned requests;  /* accepted */
	unsigned done;      /* handled with a transcript */
	unsigned failed;    /* handled with an error */
	unsigned dropped;   /* refused: the queue was full */
	unsigned cancelled; /* dropped by the caller before the result */
	unsigned pending;   /* waiting or decoding */
	unsigned queued;    /* the process: waiting */
	bool running;       /* the process: one decoding */
	unsigned built;     /* the process: language-model decoders built */
};

void asr_transcribe_stats(const struct asr *asr,
			  struct asr_transcribe_stats *st);

/* ---- engines (plugins) -------------------------------------------------- */

/*
 * An engine supplies three opaque objects, each a mem object it defines:
 * `asr_model` (what every decoder of one asr shares, read-only after
 * alloc), `asr_cgram` (a compiled grammar, immutable) and `asr_dec` (one
 * decoder). Threads: model_alloc on the loop thread; compile, dec_alloc
 * and decode on workers, so they must not touch loop-owned state nor take
 * or drop mem references to shared objects. A cgram is released on the
 * loop thread; a dec on the loop or on a worker, when nothing else
 * refers to it.
 */
struct asr_model;
struct asr_cgram;
struct asr_dec;
struct asr_lmconf;
struct asr_lmdec;

/** What an engine reports for one utterance (strings are copied). */
struct asr_engine_result {
	char text[1024];
	double confidence;
	bool rejected;
	bool value;      /* the text came from a capture rule */
	double score;
	double snr_db;   /* estimated SNR of what was decoded, or NAN */
};

struct asr_engine {
	const char *name;

	/* loop thread: check the configuration and load shared data */
	int (*model_alloc)(struct asr_model **mp, const struct asr_conf *c,
			   const char *models_dir);
	/* the sample rate decode() wants */
	unsigned (*srate)(const struct asr_model *m);
	/* a string naming the model and dictionary, hashed into the key */
	const char *(*model_id)(const struct asr_model *m);
	/* worker: compile phrases and the capture sub-grammars of caps
	 * (enum asr_cap; name for messages, key for a disk cache); fills
	 * st's phrase and word counts and caps_kept */
	int (*compile)(struct asr_cgram **cgp, const struct asr_model *m,
		       const char *key, const char *name,
		       const char *const *phrases, size_t n, unsigned caps,
		       struct asr_grammar_stats *st);
	/* worker: build a decoder for a compiled grammar */
	int (*dec_alloc)(struct asr_dec **dp, const struct asr_model *m,
			 const struct asr_cgram *cg);
	/* worker: decode one utterance at srate() */
	int (*decode)(struct asr_dec *d, const int16_t *pcm, size_t n,
		      struct asr_engine_result *res);

	/*
	 * Optional, all three or none: free-form transcription with a
	 * language model (asr_transcribe()). lm_conf on the loop thread,
	 * from asr_alloc(): check c (ENOTSUP for a language it cannot
	 * transcribe, ENOENT for missing files, logged) into a setup that
	 * is read-only afterwards, its sample rate, and an id naming the
	 * decoder it makes (pointing into the setup; equal ids share one
	 * decoder). lm_alloc and lm_decode on the transcriber thread, one
	 * call at a time; lm_decode puts the words in res->text. A setup
	 * is freed on the loop thread, a decoder on the transcriber
	 * thread or, once that has stopped, on the loop.
	 */
	int (*lm_conf)(struct asr_lmconf **lcp, unsigned *srate,
		       const char **id, const struct asr_conf *c,
		       const char *models_dir);
	int (*lm_alloc)(struct asr_lmdec **dp, const struct asr_lmconf *lc);
	int (*lm_decode)(struct asr_lmdec *d, const int16_t *pcm, size_t n,
			 struct asr_engine_result *res);
};

/**
 * Register an engine (loop thread, before asr_alloc() names it). The
 * struct must stay valid until unregistered; the built-in engines are
 * always there. @return 0, EINVAL, EALREADY, ENOSPC (16 engines)
 */
int asr_engine_register(const struct asr_engine *e);
void asr_engine_unregister(const struct asr_engine *e);
const struct asr_engine *asr_engine_find(const char *name);

/** The built-in pocketsphinx engine. */
extern const struct asr_engine asr_pocketsphinx;
