/**
 * @file dialog_priv.h  Private structures of the dialog engine.
 *
 * A loaded script is immutable: every index below points into one of the
 * script's arrays, all resolved at load time, so a session never looks a
 * name up while a call runs.
 */
#include <stdint.h>

/* ---- YAML tree (yaml.c) ------------------------------------------------ */

enum ynode_type {
	YNODE_SCALAR = 0,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode {
	enum ynode_type type;
	unsigned line, col;
	char *str;            /* SCALAR */
	bool quoted;          /* SCALAR written in quotes */
	struct ynode **items; /* SEQ items; MAP keys and values interleaved */
	size_t n;             /* SEQ: items; MAP: pairs */
	size_t nitems;        /* entries used in items */
};

int ytree_parse(struct ynode **rootp, const char *buf, size_t len,
		struct dialog_diags *diags);
void ytree_free(struct ynode *n);
const struct ynode *ymap_get(const struct ynode *map, const char *key);

/* ---- diagnostics (diag.c) ---------------------------------------------- */

void diag_add(struct dialog_diags *d, enum dialog_severity sev,
	      unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define diag_err(d, y, ...)                                                \
	diag_add((d), DIALOG_ERROR, (y) ? (y)->line : 0, (y) ? (y)->col : 0, \
		 __VA_ARGS__)
#define diag_warn(d, y, ...)                                               \
	diag_add((d), DIALOG_WARNING, (y) ? (y)->line : 0,                 \
		 (y) ? (y)->col : 0, __VA_ARGS__)

/* ---- string helpers ----------------------------------------------------- */

char *dstrdup(const char *s);
/** Levenshtein distance, for "did you mean" hints (bounded, ASCII). */
unsigned dstr_distance(const char *a, const char *b);

struct strvec {
	char **v;
	size_t n;
};
int strvec_push(struct strvec *sv, const char *s);
void strvec_reset(struct strvec *sv);

struct idxvec {
	int *v;
	size_t n;
};
int idxvec_push(struct idxvec *iv, int x);
void idxvec_reset(struct idxvec *iv);
bool idxvec_has(const struct idxvec *iv, int x);

/* ---- matcher (match.c) ------------------------------------------------- */

/* Code points of a normalized utterance: lower-case, full-width folded,
 * spaces only between two ASCII word characters, punctuation as BREAK. */
#define MATCH_BREAK 0x1u
#define MATCH_MAXLEN 1024 /* code points considered per utterance */

struct normtext {
	uint32_t cp[MATCH_MAXLEN];
	uint8_t filler[MATCH_MAXLEN]; /* 1: filler (嗯, um): not content */
	uint32_t boff[MATCH_MAXLEN + 1]; /* byte offset of cp[i] in utf8 */
	size_t n;
	char utf8[MATCH_MAXLEN * 4 + 1]; /* the normalized text */
	size_t u8_len;
};

void norm_text(struct normtext *nt, const char *text);
/** Normalize a phrase into a malloc'ed code point array. */
uint32_t *norm_phrase(const char *phrase, size_t *lenp);

struct acnode;

struct phrase {
	char *text;       /* as written */
	uint32_t *cp;     /* normalized */
	size_t len;       /* code points */
	int intent;
	bool negative;    /* a negative phrase of the intent */
	int trigger;      /* >= 0: not a phrase but a literal of regex #n */
	unsigned line, col;
};

struct matcher {
	struct phrase *phrases;
	size_t nphrases;
	/* Aho-Corasick automaton over code points */
	struct acedge *edges; /* open-addressed hash: (state, cp) -> state */
	size_t edge_mask;
	unsigned edge_shift;  /* 64 - log2(slots) */
	int32_t root[128];    /* root transitions for ASCII, -1 none */
	uint8_t alpha[8192];  /* BMP code points used by any phrase */
	int32_t *fail;        /* per state */
	int32_t *out;         /* per state: first output (phrase list index) */
	int32_t *dict;        /* per state: next state with output */
	int32_t *outlist;     /* chained phrase ids: phrase, next, ... */
	size_t nstates;
};

int matcher_build(struct dialog_script *s, struct dialog_diags *diags);
void matcher_free(struct matcher *m);

/* ---- regex prefilter (prefilter.c) ---------------------------------------- */

#define DIALOG_MAX_REGEX 1024 /* per script */

/** Literals one of which every match of pattern contains (lower-case).
 *  @return 0 with them appended to out, ENOENT when there is no useful
 *  set (the regex must then always run) */
int regex_literals(const char *pattern, struct strvec *out);
/** Tests and fuzzers set this to run every regex regardless. */
extern bool match_no_prefilter;

/* ---- grading expressions (expr.c) ---------------------------------------- */

struct expr;
struct expr_env; /* facts the expression reads: see expr.c */

int expr_parse(struct expr **ep, const char *src, struct dialog_diags *d,
	       unsigned line, unsigned col);
void expr_free(struct expr *e);
bool expr_eval(const struct expr *e, const struct dialog_script *s,
	       const struct dialog_session *sess, const char *outcome);
/** Call fn for every bare tag name the expression tests. */
void expr_tags_apply(const struct expr *e, void (*fn)(const char *tag,
						      void *arg),
		     void *arg);

/* ---- script ---------------------------------------------------------------- */

struct prompt {
	char *id;
	char *text;
	char *pinyin;
	char *audio;
	unsigned line, col;
};

enum dlg_action_kind {
	DLG_ACTION_NONE = 0,
	DLG_ACTION_OPT_OUT,
	DLG_ACTION_TRANSFER,
};

struct intent {
	char *name;
	int priority;
	double weight;
	int negatable;    /* -1 no; -2 drop; else redirect to this intent */
	char *dtmf;       /* keys that count as this intent */
	struct strvec regex_src;
	void **regex;     /* pcre2_code * */
	int *regex_id;    /* script-wide number of each regex */
	bool *filtered;   /* the regex runs only when a literal triggered */
	size_t nregex;
	size_t nphrases;  /* positive phrases */
	unsigned line, col;
	bool used;
};

/* A handler for a global intent or a FAQ entry. */
struct handler {
	int intent;
	int say;          /* prompt, or -1 */
	struct idxvec tags;
	enum dlg_action_kind action;
	char *transfer;
	bool end;
	int go;           /* node, or -1: return to the node */
	bool faq;
	unsigned line, col;
};

enum branch_key {
	BR_INTENT = 0,
	BR_NO_MATCH,
	BR_SILENCE,
	BR_CAPTURED,
	BR_DTMF,
};

struct branch {
	enum branch_key key;
	int intent;       /* BR_INTENT */
	char digit;       /* BR_DTMF */
	int go;           /* node */
	struct idxvec tags;
	unsigned line, col;
};

struct slotdef {
	char *name;
	int kind;         /* enum extract_kind */
	unsigned line, col;
};

struct node {
	char *name;
	int say;          /* prompt or -1 */
	bool interruptible;
	int next;         /* node or -1 */
	bool end;
	struct idxvec tags;
	enum dlg_action_kind action;
	char *transfer;
	struct idxvec capture;  /* slot indexes */
	struct idxvec retries;  /* prompt indexes */
	int resume;             /* prompt or -1 */
	struct branch *branches;
	size_t nbranches;
	unsigned line, col;
	/* computed */
	bool listens;
	struct idxvec heard;    /* intents audible here */
	struct dialog_grammar grammar;
	const char **gphrases;
	char dtmf[16];
};

struct rule {
	char grade;
	struct expr *when;      /* NULL: always */
	char *reason;
	unsigned line, col;
};

struct dialog_script {
	char *name;
	char *language;
	char *company;
	char *voice;
	char *base_dir;
	double threshold;
	double min_confidence;  /* ASR confidence below this: no match */
	unsigned silence_ms;
	struct strvec var_names, var_values;

	unsigned max_turns, max_seconds, max_no_match;
	int close_node;         /* limits.close */
	int refusal_node;       /* limits.refusal_close */

	struct prompt *prompts;
	size_t nprompts;
	struct intent *intents;
	size_t nintents;
	size_t nregex;          /* regexes over all intents */
	struct handler *handlers; /* global then faq */
	size_t nhandlers;
	struct slotdef *slots;
	size_t nslots;
	struct node *nodes;
	size_t nnodes;
	int start;
	struct rule *rules;
	size_t nrules;
	struct strvec tags;     /* every tag name set anywhere */

	struct matcher m;
	int first_listen;       /* first listening node from start */
	int deny_intent;        /* index of "deny", or -1 */
	int opt_out_intent, complaint_intent, ask_robot_intent;
	struct ynode *tree;     /* kept for check's line numbers */
};

int script_prompt_find(const struct dialog_script *s, const char *id);
int script_intent_find(const struct dialog_script *s, const char *name);
int script_node_find(const struct dialog_script *s, const char *name);
int script_slot_find(const struct dialog_script *s, const char *name);
int script_tag_find(const struct dialog_script *s, const char *name);
const struct handler *script_handler(const struct dialog_script *s,
				     int intent);

#define DIALOG_MAX_INTENTS 128

/** Score every intent for one utterance; see match.c. */
struct match_result {
	double score[DIALOG_MAX_INTENTS]; /* per intent */
	int phrase[DIALOG_MAX_INTENTS];  /* best phrase; -1 none, -2-k regex k */
	uint32_t end[DIALOG_MAX_INTENTS];  /* end of the last match per intent */
};


void match_scores(const struct dialog_script *s, const char *text,
		  struct match_result *r);
int match_choose(const struct dialog_script *s, const struct match_result *r,
		 const struct idxvec *heard);

/* ---- session facts used by grading --------------------------------------- */

struct dialog_facts {
	unsigned turns, no_match, silences, denials, seconds;
	bool opted_out, hung_up, completed, early_hangup;
	const char *node;
};
void session_facts(const struct dialog_session *sess,
		   struct dialog_facts *f);
