/**
 * @file persona.h  Personas: the simulated callees of `callbot sim`, read
 * from YAML files (docs/personas.md is the format). Pure data and a
 * loader: no I/O besides reading the file, no threads, so `sim --check`,
 * the unit tests, the fuzzer and `callbot e2e` share it.
 *
 * Every problem of a file is reported as file:line:col with the field it
 * is about; a file with any error gives no persona set at all.
 *
 * Objects are libre mem objects; release them with mem_deref().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- diagnostics -------------------------------------------------------- */

struct persona_diag {
	unsigned line, col;  /* 1-based; 0 when not tied to a place */
	char msg[400];
};

/** Problems found by a load; the caller owns it and resets it. */
struct persona_diags {
	struct persona_diag *v;
	size_t n, alloc;
	unsigned errors;
};

void persona_diags_reset(struct persona_diags *d);
/** Print every problem as "file:line:col: error: msg". */
void persona_diags_print(const struct persona_diags *d, const char *file,
			 FILE *f);

/* ---- personas ----------------------------------------------------------- */

enum persona_answer {
	PERSONA_RING = 0,     /* ring answer_ms, then answer */
	PERSONA_BUSY,         /* 486 */
	PERSONA_REJECT,       /* 603 */
	PERSONA_NO_ANSWER,    /* ring until CANCEL */
	PERSONA_UNAVAILABLE,  /* 503 */
};

enum persona_noise {
	PERSONA_NOISE_NONE = 0,
	PERSONA_NOISE_PINK,
	PERSONA_NOISE_WHITE,
	PERSONA_NOISE_BABBLE,
};

enum persona_turn_kind {
	PERSONA_SAY = 0,
	PERSONA_SILENCE,
	PERSONA_DTMF,
	PERSONA_HANGUP,
};

struct persona_turn {
	enum persona_turn_kind kind;
	char *say;            /* PERSONA_SAY: the words (hanzi for zh) */
	char *pinyin;         /* tone-numbered pinyin (zh), or NULL */
	char *dtmf;           /* PERSONA_DTMF: keys */
	bool barge;           /* barge_in_ms given */
	unsigned barge_in_ms; /* after the robot's speech began */
	unsigned pause_ms;    /* extra wait before acting */
	unsigned line;        /* where the turn starts in the file */
};

struct persona {
	char *name;           /* [a-z0-9-], at most 48 chars */
	char *about;          /* may be NULL */
	char *engine;         /* voice.engine, or NULL for the default */
	char *voice;          /* voice.voice, or NULL */
	unsigned rate;        /* percent of the voice's, 50..200 */
	unsigned pitch;       /* percent (from semitones), 50..200 */
	unsigned voice_line, voice_col;
	enum persona_noise noise;
	double snr_db;
	int codec;            /* 0 PCMU, 8 PCMA */
	enum persona_answer answer;
	unsigned answer_ms;   /* PERSONA_RING: ms of ringing */
	struct persona_turn *turns;
	size_t nturns;

	/* expect: what a correct robot makes of the call (callbot e2e) */
	char grade;           /* 'A'..'F' */
	char *outcome;        /* "answered", "busy", ... */
	int opt_out;          /* -1 not said, 0 must not, 1 must */
	char **tags;
	size_t ntags;
	char **slot_names;    /* slots: name -> value, both strings */
	char **slot_values;
	size_t nslots;
	unsigned line;
};

/** The personas of one file, in file order. */
struct persona_set {
	struct persona *v;
	size_t n;
};

/**
 * Parse a persona file from memory. Problems go to d; the set is returned
 * only when there were none. Any thread.
 * @return 0, EINVAL (the file has errors, see d), ENOMEM
 */
int persona_parse(struct persona_set **setp, const char *buf, size_t len,
		  struct persona_diags *d);

/** Read and parse a file. @return as persona_parse, or an errno of
 *  reading (then d is empty) */
int persona_load(struct persona_set **setp, const char *path,
		 struct persona_diags *d);

/** The persona called name, or NULL. */
const struct persona *persona_find(const struct persona_set *s,
				   const char *name);

/** The language a turn is spoken in: "zh" when it has pinyin, else
 *  "en". */
const char *persona_turn_lang(const struct persona_turn *t);

/** Is py tone-numbered pinyin ("wo3 xu1 yao4", "lv4", "nü3")? On false,
 *  *badp points at the first bad syllable in py. */
bool persona_pinyin_ok(const char *py, const char **badp);

/** The outcome name a persona's answer gives ("answered", "busy",
 *  "rejected", "no_answer", "unavailable"). */
const char *persona_answer_outcome(enum persona_answer a);
