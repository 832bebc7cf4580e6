/**
 * @file tts.h  Speech synthesis: engines behind one interface (flite for
 * English, espeak-ng for Mandarin from tone-numbered pinyin, a tone
 * engine for tests) and the prompt cache every call shares.
 *
 * Include <re.h> and core/work.h first.
 *
 * Threads. Engines are registered and the cache is used on the re_main
 * loop thread only. Synthesis never runs there: tts_prompt_get() answers
 * a memory hit at once and hands a miss to the core worker pool, whose
 * done handler brings the result back to the loop. tts_synth() is the
 * blocking call underneath, for workers, tools and tests. Neither flite
 * nor espeak-ng is thread-safe: each engine serializes its syntheses
 * under its own mutex, and the cache runs one job per such engine at a
 * time, so they never hold more than one worker each (see flite.c,
 * espeak.c for why a mutex and not a voice per worker).
 *
 * Audio is what the engine makes: mono signed 16-bit PCM at the voice's
 * own rate (16 kHz for flite's voices, 22050 Hz for espeak-ng). tts/
 * knows nothing of media/, so the call layer turns an entry into a
 * media_prompt (8 kHz) through the cache's prepare hook, which runs on the
 * worker right after synthesis, once per entry (see tts_cache_conf).
 *
 * Objects are libre mem objects; release them with mem_deref().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct work_pool;

/* ---- audio -------------------------------------------------------------- */

/** Synthesized speech: mono PCM. A mem object; immutable once returned. */
struct tts_audio {
	int16_t *pcm;      /* n samples (a mem block, never NULL) */
	size_t n;
	unsigned srate;    /* Hz */
	size_t cap;        /* samples allocated (tts_audio_append) */
};

/** An empty audio buffer at srate, room for about hint samples. Any
 *  thread. @return 0, EINVAL, ENOMEM */
int tts_audio_alloc(struct tts_audio **ap, unsigned srate, size_t hint);

/** Append n samples, growing the buffer. Engines use it while they
 *  synthesize. @return 0, ENOMEM, EFBIG (over TTS_MAX_SECONDS) */
int tts_audio_append(struct tts_audio *a, const int16_t *pcm, size_t n);

enum {
	TTS_MAX_TEXT = 4096,    /* bytes of text or pinyin per request */
	TTS_MAX_SECONDS = 600,  /* longer audio is a runaway: EFBIG */
	TTS_RATE_MIN = 50,      /* rate and pitch, percent of the voice's */
	TTS_RATE_MAX = 200,
};

/* ---- engines (engine.c) ------------------------------------------------- */

/** A voice an engine offers. The first voice of a language in an
 *  engine's table is that engine's default for the language. */
struct tts_voice {
	const char *name;  /* "slt", "cmn-latn-pinyin" */
	const char *lang;  /* "en", "zh" */
	bool pinyin;       /* reads tone-numbered pinyin, not the text */
};

/**
 * Make speech from text (or pinyin) with voice v. rate and pitch are
 * percent of the voice's own (100 = unchanged, TTS_RATE_MIN..MAX). Runs
 * on any thread, at most max_jobs at once when the cache calls it; an
 * engine whose library is not thread-safe serializes inside. The caller
 * owns *ap. @return 0, EINVAL, ENOMEM, EFBIG, EIO (the library failed)
 */
typedef int(tts_synth_h)(struct tts_audio **ap, const struct tts_voice *v,
			 const char *text, unsigned rate, unsigned pitch,
			 void *arg);

/** An engine: an interface struct registered into the engine list. */
struct tts_engine {
	struct le le;                  /* in the engine list */
	const char *name;              /* "flite", "espeak", "null" */
	const char *version;           /* library version: part of the key,
					  so an upgrade does not replay
					  old audio from the disk cache */
	const struct tts_voice *voices; /* ends with a NULL name */
	unsigned max_jobs;             /* syntheses the cache runs at once
					  (1: the engine serializes); 0 no
					  limit */
	tts_synth_h *synth;
	void (*close)(void *arg);      /* free what synth loaded; may be
					  NULL */
	void *arg;
};

/** Register every built-in engine, in order of preference: flite,
 *  espeak, null. Nothing is loaded until an engine's first synthesis.
 *  Loop thread, at start. @return 0 */
int tts_init(void);

/** Close and unregister every engine. No synthesis may be running (free
 *  the caches and let their jobs finish first). Loop thread. */
void tts_close(void);

/** Add an engine at the end of the list (a test double, a plugin).
 *  Registration changes only when nothing synthesizes. */
void tts_engine_register(struct tts_engine *e);
/** Remove an engine from the list and call its close. */
void tts_engine_unregister(struct tts_engine *e);
/** The engine called name, or NULL. */
const struct tts_engine *tts_engine_find(const char *name);

/* ---- requests ----------------------------------------------------------- */

/**
 * What to say and how. Strings are borrowed for the call only.
 *
 * A recorded prompt wins: with audio set, that WAV file is the prompt
 * (PCM 8-32 bit or float, any rate and channel count; mixed down to
 * mono) and nothing else of the request matters. Its key is its path, so
 * a changed recording needs a new cache object. If it cannot be read the
 * request fails and the caller may ask again without audio to have the
 * text synthesized.
 *
 * Choosing the engine and voice (tts_resolve): engine named -> its voice
 * named, or its default for lang; else voice named -> the first engine
 * that has it; else the first engine with a voice for lang. lang NULL
 * means the chosen voice's language ("en" when nothing is named). A voice
 * that reads pinyin gets pinyin, every other voice gets text; the one it
 * needs must be there.
 */
struct tts_req {
	const char *engine;   /* NULL: any */
	const char *voice;    /* NULL: the engine's default for lang */
	const char *lang;     /* "en", "zh"; NULL: see above */
	const char *text;     /* the rendered prompt */
	const char *pinyin;   /* the rendered pinyin (Mandarin), or NULL */
	const char *audio;    /* a recorded WAV (the SAY's audio resolved
				 against the script's folder), or NULL */
	unsigned rate;        /* percent; 0 = 100 */
	unsigned pitch;       /* percent; 0 = 100 */
	bool personal;        /* holds contact data (a name): kept in
				 memory only, never written to disk */
};

/** Choose engine and voice for req, as described above. Loop thread (it
 *  reads the engine list). @return 0, EINVAL (bad rate, pitch, missing
 *  text or pinyin, voice of another language), ENOENT (no such engine or
 *  voice) */
int tts_resolve(const struct tts_engine **ep, const struct tts_voice **vp,
		const struct tts_req *req);

/**
 * Synthesize req now (or read its recording), blocking, on the calling
 * thread (a worker, a tool, a test). Text is used as given (the cache
 * normalizes spaces first). The caller owns *ap. @return as
 * tts_resolve() and tts_synth_h; for a recording ENOENT, EINVAL (not a
 * WAV we read), EFBIG, or another errno of reading
 */
int tts_synth(struct tts_audio **ap, const struct tts_req *req);

/**
 * The cache key of req: hex HMAC-SHA256 (64 characters and a NUL, in key)
 * over engine, engine version, voice, language, rate, pitch and the
 * space-normalized input (for a recording: its path), each
 * length-prefixed so no two requests share an encoding. Also names the
 * disk file. @return as tts_resolve(), ENOMEM
 */
int tts_key(char key[65], const struct tts_req *req);

/* ---- the prompt cache (cache.c) ----------------------------------------- */

struct tts_cache;
struct tts_entry;
struct tts_wait;
struct tts_prewarm;

/**
 * Make a ready-to-play object from fresh audio (the call layer builds a
 * media_prompt here, resampled to 8 kHz). Runs on a worker thread, once
 * per entry, after synthesis or a disk load; *objp must be a mem object
 * (the entry holds it and mem_deref()s it when freed) that is immutable
 * afterwards, since all calls share it. @return 0 or an errno (the
 * request fails with it)
 */
typedef int(tts_prepare_h)(void **objp, const struct tts_audio *a,
			   const char *key, void *arg);

struct tts_cache_conf {
	const char *dir;        /* disk cache (created if missing), or NULL
				   for memory only */
	size_t max_bytes;       /* memory budget of the PCM of entries no
				   prewarm asked for (those are pinned,
				   outside it); 0: 64 MB */
	tts_prepare_h *prepare; /* may be NULL */
	void *prepare_arg;      /* must be safe to use from workers */
};

/**
 * A prompt cache: entries in memory, refcounted and shared by every call;
 * optionally WAV files on disk named by key. Syntheses run on pool's
 * workers. Loop thread. mem_deref() cancels what is pending: no done
 * handler is called afterwards (entries callers hold stay valid). The
 * pool must outlive the cache's jobs: let the loop run until
 * work_pending() is 0 before freeing the pool, because a pool freed with
 * jobs in flight never runs their done handlers, and their memory leaks.
 * @return 0, EINVAL, ENOMEM, or the errno of creating dir
 */
int tts_cache_alloc(struct tts_cache **cp, struct work_pool *pool,
		    const struct tts_cache_conf *conf);

/**
 * A request finished: e is the entry (borrowed for the call: mem_ref()
 * to keep it) or NULL with err set. Loop thread. The handler may release
 * its wait handle, request more, or free the cache (the prompt's other
 * waiters are then not called).
 */
typedef void(tts_done_h)(int err, struct tts_entry *e, void *arg);

/**
 * Get the prompt for req. Loop thread; never blocks.
 *
 * A memory hit returns 0 with *ep set (the caller owns that reference)
 * and done is not called. A miss returns EINPROGRESS: the entry is
 * loaded from disk or synthesized on a worker, ahead of prewarming work,
 * and done runs later on the loop. Requests for one key while it is in
 * progress share that one synthesis. With waitp, a miss also sets
 * *waitp, the caller's handle to the request: mem_deref() it to cancel
 * (done is then never called; the synthesis still completes for the
 * cache), and release it also after done ran. Without waitp, arg must
 * stay valid until done. A failed synthesis is not cached: the next
 * request tries again.
 *
 * @return 0, EINPROGRESS, or EINVAL/ENOENT (as tts_resolve), ENOMEM
 */
int tts_prompt_get(struct tts_entry **ep, struct tts_wait **waitp,
		   struct tts_cache *c, const struct tts_req *req,
		   tts_done_h *done, void *arg);

/** A prewarm finished: of the requests, how many were already in
 *  memory, loaded from disk, synthesized (a duplicate request counts
 *  again), and failed (err is the first failure's). Loop thread. */
struct tts_prewarm_stats {
	unsigned total, cached, disk, synthesized, failed;
	int err;
};
typedef void(tts_prewarm_h)(const struct tts_prewarm_stats *st, void *arg);

/**
 * Synthesize a script's prompts before calls need them, behind every
 * tts_prompt_get(). Entries a prewarm asked for are pinned: never evicted
 * for the memory budget. Loop thread.
 *
 * Variables: keys are made from rendered text, so the robot prewarms each
 * prompt rendered with the contact-independent variables (company, the
 * script's defaults). A prompt that uses a contact variable ({name})
 * differs per contact: the call asks for it with tts_prompt_get() and
 * personal set, still on a worker; it can do so as soon as it knows the
 * contact (while dialing) so the synthesis overlaps the ringing.
 *
 * Returns 0 when every prompt was in memory already (h is not called),
 * else EINPROGRESS and h runs once, on the loop, when all are done. pwp
 * works as waitp of tts_prompt_get(). @return 0, EINPROGRESS, EINVAL or
 * ENOENT (a request that cannot be resolved; nothing is queued), ENOMEM
 */
int tts_prewarm(struct tts_prewarm **pwp, struct tts_cache *c,
		const struct tts_req *reqv, size_t n, tts_prewarm_h *h,
		void *arg);

/** Entry accessors. An entry is immutable and may be used by any thread
 *  while a reference is held; take and drop references on the loop. */
const struct tts_audio *tts_entry_audio(const struct tts_entry *e);
const char *tts_entry_key(const struct tts_entry *e);
/** What the prepare hook made (a media_prompt for the call layer), or
 *  NULL without a hook. */
void *tts_entry_prepared(const struct tts_entry *e);

/** Counters since the cache was made, and what it holds now. */
struct tts_cache_stats {
	uint64_t hits;        /* requests (gets and prewarms) answered
				 from memory */
	uint64_t misses;      /* requests that had to wait */
	uint64_t shared;      /* misses that joined a job in progress */
	uint64_t synthesized; /* engine calls */
	uint64_t disk_hits;   /* entries loaded from disk (the cache's
				 files and recordings) */
	uint64_t disk_writes;
	uint64_t errors;      /* jobs that failed */
	uint64_t evictions;
	size_t entries, bytes, pinned;
	unsigned queued;      /* jobs waiting for their engine */
};
void tts_cache_stats(const struct tts_cache *c, struct tts_cache_stats *st);
