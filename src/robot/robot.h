/**
 * @file robot.h  The robot on a line: one conversation script spoken and
 * heard over real calls. It ties the layers together per call:
 *
 *   callee audio -> VAD (echo-suppressed against what the robot sent)
 *     START during an interruptible prompt -> stop playback (barge-in)
 *     END -> ASR on a worker, with the listening node's grammar
 *       -> the dialog session (UTTERANCE: text + confidence, or an empty
 *          utterance when the recognizer rejected it as off-topic)
 *   dialog SAY -> prompt cache (recorded WAV, else TTS on a worker)
 *     -> played in order; PROMPT_DONE fed back when each ends
 *   dialog LISTEN -> grammar chosen (compiled ahead on a worker), silence
 *     timer armed once the robot has stopped speaking
 *   DTMF -> the session; HANGUP -> call_hangup(); OPT_OUT recorded
 *   an unanswered utterance (rejected, or no intent) -> its clip, a
 *     free-form transcript on the transcriber thread (English), and a
 *     line in the unanswered-question queue once the transcript is in
 *
 * When a call ends the robot grades it and hands the report (one JSON
 * object, one line) to the owner, once its transcripts are in (at most
 * transcript_wait_ms later: then without those still missing). Every
 * function is for the re_main loop thread; speech recognition and
 * synthesis run on the work pool, transcripts on the asr's transcriber.
 * Include <re.h>, core/work.h, sip/ua.h and asr/asr.h first.
 */
#include <stdbool.h>
#include <stddef.h>

struct robot;
struct robot_call;
struct dialog_script;
struct call;

struct robot_conf {
	const char *script;      /* path of the YAML script */
	struct asr_conf asr;     /* lang is taken from the script */
	const char *tts_engine;  /* NULL: by language (flite / espeak) */
	const char *tts_voice;   /* NULL: the script's voice, else the
				    engine's default */
	const char *tts_cache;   /* synthesized prompts on disk, or NULL */
	const char *record_dir;  /* CALLID.wav per call, CALLID-N.wav per
				    unanswered utterance; NULL: none */
	unsigned end_ms;         /* end-of-utterance silence, 0: 500 */
	unsigned min_speech_ms;  /* shorter sounds are ignored, 0: 120 */
	unsigned max_utt_ms;     /* longest utterance, 0: 10000 */
	int values;              /* spoken amounts/times in the grammars of
				    nodes that capture them: 1 yes, 0 no,
				    -1 by language (en yes, zh no) */
	int transcripts;         /* a free-form transcript of every
				    unanswered utterance: 1 yes, 0 no, -1
				    by language (en yes; zh no: there is
				    no usable Mandarin language model) */
	const char *unanswered;  /* append one JSON line per unanswered
				    utterance to this file; NULL: none */
	unsigned transcript_wait_ms; /* how long an ended call's report
					waits for its transcripts, 0:
					10000 */
	int second_opinion;      /* a rejected guess naming an intent is
				    accepted when the free-form transcript
				    names the same one: 1 yes, 0 no, -1 as
				    transcripts (English yes) */
	unsigned second_opinion_ms; /* how long a rejected utterance waits
				       for it, 0: 250 */
};

/**
 * The second opinion's rule, shared with `callbot hear` and bench-asr: is
 * a rejected guess worth a transcript (confidence at least 0.25 and an
 * intent at the node: off-topic sentences score 0.00-0.01), and does the
 * transcript name the same intent at the node?
 */
bool robot_second_opinion_wanted(const struct dialog_script *s,
				 const char *node, const char *guess,
				 double confidence);
bool robot_second_opinion_agrees(const struct dialog_script *s,
				 const char *node, const char *guess,
				 const char *transcript);

/** Defaults: every field 0 or NULL, values and transcripts -1,
 *  asr_conf_init(). */
void robot_conf_init(struct robot_conf *conf);

/**
 * A report: the call's JSON object on one line (no newline), and the
 * facts the owner may want without parsing it. Loop thread.
 */
struct robot_report {
	const char *json;
	const char *call_id;
	const char *outcome;     /* "answered", "busy", ... */
	char grade;
	bool opted_out;
};
typedef void(robot_report_h)(const struct robot_report *rep, void *arg);

/** A robot is ready (every prompt synthesized, or err). */
typedef void(robot_ready_h)(int err, void *arg);

/**
 * Load the script, start the recognizer and the prompt cache, and
 * synthesize every prompt ahead (readyh runs when that is done, on the
 * loop; calls may start before, they wait for what they need). pool is
 * not owned and must outlive the robot and its jobs.
 * @return 0, or an errno (the reason logged: bad script, missing model,
 * an unanswered-question file that cannot be opened)
 */
int robot_alloc(struct robot **rp, const struct robot_conf *conf,
		struct work_pool *pool, robot_report_h *reph,
		robot_ready_h *readyh, void *arg);

/** Answer an incoming call with the script. vars: the contact's fields
 *  ("name=value"), may be NULL. @return 0 or an errno (then the UA has
 *  rejected the call) */
int robot_answer(struct robot *r, struct ua_call *uc, const char *const *vars,
		 size_t nvars);

/** Place a call with the script. @return 0 or an errno (no report then) */
int robot_dial(struct robot *r, struct ua *ua, const char *uri,
	       const char *const *vars, size_t nvars);

/** Calls not yet reported. */
unsigned robot_active(const struct robot *r);

/** Hang up every call (their reports follow). Free the robot only once
 *  robot_active() is 0: a call hung up still delivers its end later. */
void robot_hangup_all(struct robot *r);

const struct dialog_script *robot_script(const struct robot *r);

/** Pending recognitions, syntheses, clips, and reports waiting for
 *  transcripts (drain before freeing the robot and the pool). */
bool robot_busy(const struct robot *r);
