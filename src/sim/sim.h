/**
 * @file sim.h  `callbot sim`: simulated callees. A persona (persona.h)
 * answers or places a real call (call/call.h) and speaks its turns,
 * synthesized (tts/), at 8 kHz with noise, timing them against the
 * robot's speech heard on the line.
 *
 * Include <re.h>, core/work.h, tts/tts.h, sip/ua.h, call/call.h and
 * sim/persona.h first.
 *
 * Threads. Everything here runs on the re_main loop thread except the
 * synthesis (tts cache workers) and each call's noise mixing (one work
 * pool job per call, on a copy of what it needs).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct media_prompt;
struct sim;

/* ---- noise and levels (noise.c), any thread ------------------------- */

/** A small deterministic generator (splitmix64). */
struct sim_rng {
	uint64_t s;
};

/** Seed from the run's seed, a persona name and a turn index, so one
 *  persona's noise is the same in every run with that seed whatever the
 *  order of calls. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed, const char *name,
		  unsigned idx);
uint64_t sim_rng_next(struct sim_rng *r);
/** Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *r);

/** The level of n samples, dBFS of their RMS (-120 for silence). */
double sim_level_dbfs(const int16_t *pcm, size_t n);

/** The first and last 20 ms frames above -40 dBFS, as [start, end) in
 *  samples; false when no frame is. */
bool sim_speech_span(const int16_t *pcm, size_t n, size_t *startp,
		     size_t *endp);

/**
 * Add noise of a kind (enum persona_noise) to pcm at snr_db below the
 * speech level (the RMS of the frames above -40 dBFS). Babble is made of
 * the nsrc sources (other utterances, 8 kHz) overlapped at random
 * offsets, looped to length; without sources it falls back to pink.
 * @return 0, ENOMEM
 */
int sim_noise_add(int16_t *pcm, size_t n, int kind, double snr_db,
		  struct sim_rng *rng, const struct media_prompt *const *srcv,
		  size_t nsrc);

/**
 * The noise of a line between utterances: n samples of noise only (pcm
 * is overwritten), at the level sim_noise_add() would give speech (sn
 * samples of the callee's voice) at snr_db, so the callee's background
 * goes on while nobody speaks, as on a real line. @return 0, ENOMEM
 */
int sim_noise_bed(int16_t *pcm, size_t n, int kind, double snr_db,
		  const int16_t *speech, size_t sn, struct sim_rng *rng,
		  const struct media_prompt *const *srcv, size_t nsrc);

/* ---- one call's turn timing (turns.c), pure ------------------------- */

enum sim_act {
	SIM_ACT_NONE = 0,
	SIM_ACT_SAY,     /* play turn's utterance, then sim_turns_done() */
	SIM_ACT_DTMF,    /* send its keys, then sim_turns_done() */
	SIM_ACT_HANGUP,  /* hang up (a hangup turn, or 30 s of silence) */
};

/** What happened to one turn, for the output line. */
struct sim_turn_res {
	bool reached;        /* the turn acted */
	unsigned at_ms;      /* from the answer to the action */
	unsigned speech_ms;  /* say: first to last frame above -40 dBFS */
	unsigned end_ms;     /* at_ms + where the speech ended */
	bool barge_in;       /* the robot was speaking when we began */
	int reply_ms;        /* from end_ms to the robot's next speech;
				-1 while none came */
};

/**
 * The timing of one call's turns, driven by the 20 ms audio ticks. The
 * rules (docs/personas.md): a turn acts when the robot has spoken since
 * our last action and then been silent for SIM_GAP_MS plus its pause_ms;
 * a barge_in_ms turn acts that long (plus pause_ms) after the start of
 * the robot's first speech since our last action; silence acts at once
 * (says nothing), so the next turn waits for the robot's next speech;
 * after the last turn, or whenever the robot is silent for
 * SIM_GIVEUP_MS while we wait, the callee hangs up.
 */
enum {
	SIM_GAP_MS = 700,
	SIM_GIVEUP_MS = 30000,
	SIM_SPEECH_DBFS = -50,   /* a robot frame louder than this speaks */
	SIM_UTT_DBFS = -40,      /* the callee's speech, before noise */
};

struct sim_turns {
	const struct persona *p;
	struct sim_turn_res *res;  /* p->nturns */
	size_t cur;                /* the turn waiting to act */
	unsigned t_ms;             /* time of the last tick, from answer */
	bool busy;                 /* our action (playback, keys) runs */
	bool heard;                /* robot speech since our last action */
	bool speaking;             /* the robot, at the last tick */
	unsigned onset_ms;         /* start of the first segment heard */
	unsigned quiet_ms;         /* robot silent this long (not busy) */
	unsigned robot_ms;         /* robot speech in all */
	bool gave_up;              /* we hung up for silence */
};

/** Start; res has room for p->nturns results (the caller's). */
void sim_turns_init(struct sim_turns *st, const struct persona *p,
		    struct sim_turn_res *res);
/**
 * One 20 ms tick with the robot's frame level (dBFS). utt_ms is how far
 * into each say turn's utterance its speech ends and speech_ms its
 * length (used when that turn acts). Returns the action to take now for
 * turn *turnp.
 */
enum sim_act sim_turns_tick(struct sim_turns *st, double rx_dbfs,
			    const unsigned *utt_end_ms,
			    const unsigned *utt_speech_ms, size_t *turnp);
/** Our playback or keys of the current turn are done. */
void sim_turns_done(struct sim_turns *st);
/** All turns acted. */
bool sim_turns_over(const struct sim_turns *st);

/* ---- the simulator (sim.c) ------------------------------------------ */

/** One ended call, as printed. */
struct sim_result {
	const char *persona;
	const char *call_id;
	const char *outcome;
	uint16_t code;
	const char *hangup_by;   /* "robot", "callee", or NULL */
	unsigned robot_speech_ms;
	const struct persona *p;
	const struct sim_turn_res *turns; /* p->nturns */
};

/** Print r as one JSON line. */
void sim_result_print(const struct sim_result *r, FILE *f);

struct sim_conf {
	const struct persona_set *set;
	const char *only;          /* prepare this persona only, or NULL */
	struct work_pool *pool;
	struct tts_cache *cache;   /* with sim_prepare_prompt as prepare */
	uint64_t seed;
	const char *record_dir;    /* or NULL */
};

/** The tts cache prepare hook the simulator needs: audio to an 8 kHz
 *  media_prompt. Worker thread. */
int sim_prepare_prompt(void **objp, const struct tts_audio *a,
		       const char *key, void *arg);

/** Check every persona's voice against the registered TTS engines
 *  (tts_init() first). Loop thread. @return errors added */
unsigned sim_check_voices(const struct persona_set *s,
			  struct persona_diags *d);

typedef void(sim_ready_h)(int err, void *arg);
typedef void(sim_ended_h)(const struct sim_result *r, void *arg);

/**
 * Make a simulator and synthesize every utterance it may need (all
 * personas', or conf->only's) on the cache's workers; readyh runs once
 * they are in memory (err: the first failure). endh runs for every call
 * that ends. The conf strings and objects must outlive the simulator.
 */
int sim_alloc(struct sim **simp, const struct sim_conf *conf,
	      sim_ready_h *readyh, sim_ended_h *endh, void *arg);

/**
 * An incoming call for to (the request/To URI): 404 for an unknown
 * persona, else the persona's answer: ring and answer, busy, reject,
 * unavailable, or ring until the caller gives up. Every call taken here
 * ends with endh; 404s do not (they return ENOENT).
 */
int sim_incoming(struct sim *sim, struct ua_call *uc, const char *to);

/** Place one call to uri as persona name. @return 0, ENOENT (no such
 *  persona), or an errno of call_connect (endh is not called then) */
int sim_place(struct sim *sim, struct ua *ua, const char *name,
	      const char *uri);

/** Calls going on. */
unsigned sim_active(const struct sim *sim);
/** Hang up every call (each still ends with endh). */
void sim_hangup_all(struct sim *sim);
