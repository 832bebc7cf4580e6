/**
 * @file dialog.h  The conversation script engine (话术引擎): public API.
 *
 * A script (YAML, see docs/scripts.md) is loaded once into an immutable,
 * reference-counted `struct dialog_script` that any number of sessions
 * share. A `struct dialog_session` is one conversation: events go in
 * (answered, utterance, silence, DTMF, prompt finished, hang-up) and
 * actions come out (say, listen, hang up, transfer, tag, slot, opt out,
 * log an unanswered question). The layer is pure: no I/O, no sockets, no
 * audio, no clock of its own (each event carries the call's elapsed time),
 * so it is tested from text alone and is safe on any one thread at a time.
 *
 * Objects are libre mem objects: release them with mem_deref().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct dialog_script;
struct dialog_session;

/* ---- diagnostics ------------------------------------------------------ */

enum dialog_severity {
	DIALOG_ERROR = 0,
	DIALOG_WARNING,
};

/** One problem found while loading or checking a script. */
struct dialog_diag {
	enum dialog_severity sev;
	unsigned line;  /* 1-based; 0 when not tied to a place */
	unsigned col;   /* 1-based */
	char msg[480];
};

/** Diagnostics collected by a load or a check. */
struct dialog_diags {
	struct dialog_diag *v;
	size_t n;
	size_t alloc;
	unsigned errors;
	unsigned warnings;
};

void dialog_diags_reset(struct dialog_diags *d);
/** Print every diagnostic as "file:line:col: error: msg". */
void dialog_diags_print(const struct dialog_diags *d, const char *file,
			FILE *f);

/* ---- scripts ------------------------------------------------------------ */

/**
 * Load a script from a file. Problems go to diags (which the caller owns
 * and resets); the script is returned only when there were no errors.
 *
 * @return 0, EINVAL when the script has errors, or an errno from reading
 */
int dialog_script_load(struct dialog_script **sp, const char *path,
		       struct dialog_diags *diags);

/** Load a script from memory; base_dir resolves relative audio paths. */
int dialog_script_parse(struct dialog_script **sp, const char *buf,
			size_t len, const char *base_dir,
			struct dialog_diags *diags);

/**
 * Run the static checks (reachability, dead ends, shadowed phrases,
 * disclosure, honesty) on a loaded script and add what they find to
 * diags. @return the number of errors added
 */
unsigned dialog_script_check(const struct dialog_script *s,
			     struct dialog_diags *diags);

const char *dialog_script_name(const struct dialog_script *s);
const char *dialog_script_language(const struct dialog_script *s);
/** The script's TTS voice (meta voice:), or NULL. */
const char *dialog_script_voice(const struct dialog_script *s);

/* ---- intent matching ---------------------------------------------------- */

/** The result of matching one utterance. */
struct dialog_match {
	const char *intent; /* NULL: no match */
	double score;       /* of the winner, or of the best below threshold */
	const char *phrase; /* the phrase (or regex) that matched best */
};

/**
 * Match an utterance as heard in a node (NULL: the first listening node).
 * Global and FAQ intents that can be heard there take part.
 *
 * @return 0, or ENOENT for an unknown node
 */
int dialog_match(const struct dialog_script *s, const char *node,
		 const char *text, struct dialog_match *m);

/** Does hearing this intent put the number on the do-not-call list (its
 *  handler's action is opt_out)? */
bool dialog_intent_opts_out(const struct dialog_script *s, const char *intent);

/** Match against every intent of the script (no node context). */
void dialog_match_all(const struct dialog_script *s, const char *text,
		      struct dialog_match *m);

/** Call fn for every phrase of every intent. */
typedef void(dialog_phrase_h)(const char *intent, const char *phrase,
			      void *arg);
void dialog_phrases_apply(const struct dialog_script *s, dialog_phrase_h *fn,
			  void *arg);

/* ---- sessions ----------------------------------------------------------- */

enum dialog_event_type {
	DIALOG_EV_ANSWERED = 0, /* the call was answered: start talking */
	DIALOG_EV_UTTERANCE,    /* the callee said something */
	DIALOG_EV_SILENCE,      /* the listen timed out */
	DIALOG_EV_DTMF,         /* a key was pressed */
	DIALOG_EV_PROMPT_DONE,  /* a SAY finished (or was interrupted) */
	DIALOG_EV_HANGUP,       /* the callee hung up */
	DIALOG_EV_TICK,         /* time passed (checks max_seconds) */
};

struct dialog_event {
	enum dialog_event_type type;
	unsigned t_ms;      /* milliseconds since the call was answered */
	const char *text;   /* UTTERANCE */
	double confidence;  /* UTTERANCE, 0..1 (1 for typed text) */
	char digit;         /* DTMF */
	unsigned seq;       /* PROMPT_DONE: the SAY's seq */
	bool interrupted;   /* PROMPT_DONE: barge-in stopped it */
};

enum dialog_action_type {
	DIALOG_ACT_SAY = 0,  /* play a prompt */
	DIALOG_ACT_LISTEN,   /* listen, with what can be heard */
	DIALOG_ACT_HANGUP,   /* hang up (after every SAY before it) */
	DIALOG_ACT_TRANSFER, /* transfer the call to arg */
	DIALOG_ACT_TAG,      /* a tag was set: name */
	DIALOG_ACT_SLOT,     /* a slot was captured: name = value */
	DIALOG_ACT_OPT_OUT,  /* put the number on the do-not-call list */
	DIALOG_ACT_UNANSWERED, /* log an unanswered question: text, node */
	DIALOG_ACT_MATCH,    /* what the utterance was heard as (for logs) */
};

/**
 * What kind of value a listening node captures (its capture: slots), so a
 * recognizer can hear values no phrase lists: "twenty thousand dollars",
 * 明天下午. A bit mask; text and yesno slots add nothing (text is
 * whatever was heard, yes/no are intents' phrases).
 */
enum dialog_capture {
	DIALOG_CAP_AMOUNT = 1, /* an amount slot */
	DIALOG_CAP_NUMBER = 2, /* a number slot */
	DIALOG_CAP_TIME = 4,   /* a callback_time slot */
};

/** The words and phrases that can be heard in a listening node. */
struct dialog_grammar {
	const char *node;
	const char *const *phrases; /* every phrase of every audible intent */
	size_t n;
	size_t nexpected;           /* phrases[0..nexpected): the intents of
				       the node's own branches and the
				       opt-out; the rest are only global
				       handlers' (the recognizer may weigh
				       them less) */
	const char *dtmf;           /* keys that mean something here */
	unsigned captures;          /* enum dialog_capture bits of the
				       node's capture: slots */
};

/**
 * What can be heard in a listening node (NULL: the first listening node,
 * whose grammar also holds every global intent, so it serves before any
 * node listens, e.g. to hear an opt-out during the disclosure).
 * @return the grammar, or NULL for an unknown or non-listening node
 */
const struct dialog_grammar *dialog_script_grammar(
	const struct dialog_script *s, const char *node);

/**
 * Every prompt of the session's script, rendered with the session's
 * variables (slots not captured yet render empty): for synthesizing
 * prompts before a call needs them. personal is true when the prompt's
 * template has a variable (its text may hold contact data).
 */
typedef void(dialog_prompt_h)(const char *id, const char *text,
			      const char *pinyin, const char *audio,
			      bool personal, void *arg);
void dialog_prompts_apply(struct dialog_session *sess, dialog_prompt_h *fn,
			  void *arg);

struct dialog_action {
	enum dialog_action_type type;
	const char *name;   /* prompt id, tag, slot, intent (MATCH) */
	const char *text;   /* SAY: rendered text; SLOT: value; UNANSWERED,
			       MATCH: the utterance */
	const char *pinyin; /* SAY: rendered pinyin or NULL */
	const char *audio;  /* SAY: WAV path or NULL */
	const char *node;   /* node the action belongs to */
	const char *arg;    /* TRANSFER: target */
	bool interruptible; /* SAY */
	unsigned seq;       /* SAY: sequence number for PROMPT_DONE */
	unsigned timeout_ms; /* LISTEN: silence timeout */
	double score;       /* MATCH */
	const struct dialog_grammar *grammar; /* LISTEN */
};

/** The actions produced by one event. */
struct dialog_actions {
	struct dialog_action v[32];
	size_t n;
};

/**
 * Start a session. vars are "name=value" strings (the contact's fields);
 * they are copied.
 */
int dialog_session_alloc(struct dialog_session **sessp,
			 struct dialog_script *s, const char *const *vars,
			 size_t nvars);

/**
 * Feed one event and get the actions it causes. Strings in the actions
 * stay valid until the session is freed.
 *
 * @return 0, EINVAL for an event that makes no sense now (it is ignored)
 */
int dialog_step(struct dialog_session *sess, const struct dialog_event *ev,
		struct dialog_actions *acts);

/** True once the session has hung up or seen the callee hang up. */
bool dialog_ended(const struct dialog_session *sess);

/** The current node's name. */
const char *dialog_node(const struct dialog_session *sess);

/** The grade of a call and why. */
struct dialog_grade {
	char grade;         /* 'A'..'F' */
	char reason[200];
};

/** The telephony outcomes grading knows: "answered", "busy",
 *  "no_answer", "rejected", "invalid_number", "unavailable", "failed". */
bool dialog_outcome_known(const char *outcome);
extern const char dialog_outcomes[];  /* the list above, for messages */

/**
 * Grade a session. outcome is the telephony outcome ("answered", "busy",
 * "no_answer", ...); sess may be NULL for a call never answered.
 */
int dialog_grade(const struct dialog_script *s,
		 const struct dialog_session *sess, const char *outcome,
		 struct dialog_grade *g);

/** Tag and slot iteration, for reports. */
size_t dialog_tag_count(const struct dialog_session *sess);
const char *dialog_tag(const struct dialog_session *sess, size_t i);
bool dialog_has_tag(const struct dialog_session *sess, const char *tag);
size_t dialog_slot_count(const struct dialog_session *sess);
const char *dialog_slot_name(const struct dialog_session *sess, size_t i);
const char *dialog_slot_value(const struct dialog_session *sess,
			      const char *name);
unsigned dialog_turns(const struct dialog_session *sess);
bool dialog_opted_out(const struct dialog_session *sess);

const char *dialog_action_name(enum dialog_action_type t);
