/**
 * @file asr_priv.h  Inside asr/: the pronunciation lexicon, the grammar
 * compiler and the resampler shared by the engines (and the unit tests).
 * Nothing here touches loop state: every function may run on any thread,
 * on objects that are read-only or owned by the caller.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;

enum asr_lang_id {
	ASR_EN = 0,
	ASR_ZH,
};

/* ---- lexicon (lexicon.c) ------------------------------------------------ */

/*
 * A CMU-format pronunciation dictionary in memory ("word phone phone...",
 * alternates as "word(2)"): one buffer with the file and an
 * open-addressing index over it. Read-only once loaded.
 */
struct asr_lex;

/** Load a dictionary file. @return 0, ENOENT (or errno of open), EINVAL
 *  for a file with no entry, ENOMEM */
int asr_lex_load(struct asr_lex **lexp, const char *path);

/**
 * Pronunciations of a word (len bytes, exact case), base form first, then
 * its "(2)", "(3)"... alternates. Fills up to max pointers to
 * NUL-terminated phone strings ("HH AH L OW"). @return how many
 */
size_t asr_lex_prons(const struct asr_lex *lex, const char *word,
		     size_t len, const char **prons, size_t max);

/** Longest word, in code points (for longest-match segmentation). */
size_t asr_lex_maxlen(const struct asr_lex *lex);

/** Every distinct phone the dictionary uses (the garbage/loop words). */
size_t asr_lex_phones(const struct asr_lex *lex, const char *const **v);

size_t asr_lex_count(const struct asr_lex *lex);

/* ---- grammar compiler (grammar.c, words.c) ------------------------------ */

/** The compiler's output: text the decoder loads. A mem object. */
struct asr_gtext {
	char *jsgf;   /* a JSGF grammar whose rule <phrases> is the phrase
			 trie and public <utt> = <phrases>, or with
			 captures <phrases> | <c_amount> | ... */
	char *body;   /* the right-hand side of <phrases> (inside jsgf) */
	char *utt;    /* the right-hand side of <utt> (inside jsgf) */
	char *rules;  /* the capture rules' lines, "" without captures, and
			 "<others> = TRIE;" (see asr_grammar_get_node()) */
	char *others; /* the <others> phrases, sorted, one per line, or
			 NULL: a hypothesis among them was weighted */
	char *dict;   /* the cut dictionary, "word phones\n" lines, with a
			 pseudo-word "g_xx" per phone */
	char **gwords; /* the garbage pseudo-words ("g_aa", ...) */
	size_t ngwords;
};

/**
 * Compile phrases into a grammar: normalize (English: lower case, no
 * punctuation, digits read as numbers; Mandarin: longest-match
 * segmentation into dictionary words), drop what the dictionary cannot
 * say (logged as warnings naming the grammar), merge shared prefixes into
 * a trie (phrases starting with ASR_OTHER_MARK in a second one, the rule
 * <others>, unless the same phrase is also unmarked), add the
 * sub-grammars of the captures in caps (enum asr_cap),
 * and cut the dictionary to the words used. st counts what was kept and
 * dropped (caps_kept: the captures compiled in). @return 0, ENOENT when
 * no phrase is left and no capture either, ENOMEM
 */
int asr_compile_text(struct asr_gtext **gtp, const struct asr_lex *lex,
		     enum asr_lang_id lang, const char *name,
		     const char *const *phrases, size_t n, unsigned caps,
		     struct asr_grammar_stats *st);

/** The first byte of a phrase of the node's other intents (see
 *  asr_grammar_get_node()): the compiler puts those in a rule <others>
 *  of their own, which the decoder weighs by other_weight. */
#define ASR_OTHER_MARK '\x01'
#define ASR_OTHER_MARK_S "\x01"

/** The suffix of the capture rules' words ("twenty_v"): the decoder
 *  strips it and so knows a spoken value from a phrase. */
#define ASR_VALUE_MARK "_v"

/**
 * The capture sub-grammars (captures.c) of caps for lang: rule lines
 * ("<c_amount> = ...;\n") appended to rules, " | <c_amount>" per capture
 * to top (for <utt>), every word they use (space-separated) to words,
 * pseudo-word pronunciations to extra. A capture one of whose words the
 * dictionary lacks is left out with a warning naming grammar name.
 * @return the captures written (an amount also counts as a number)
 */
unsigned asr_caps_rules(struct mbuf *rules, struct mbuf *top,
			struct mbuf *words, struct mbuf *extra,
			const struct asr_lex *lex, enum asr_lang_id lang,
			unsigned caps, const char *name);

/**
 * The JSGF text of a compiled grammar: public <utt> = UTT [| alt];
 * <phrases> and the capture rules, then the rule lines more (e.g. a
 * garbage branch: alt "<garbage>", more its rules). NULL: none. other_w:
 * the weight of the <others> alternative (1: no weights written).
 * @return 0, ENOMEM
 */
int asr_gtext_jsgf(char **jsgfp, const struct asr_gtext *gt,
		   const char *alt, const char *more, double other_w);

/** Write a compiled grammar to dir/key.{jsgf,dict,stats} (atomically by
 *  rename). @return 0 or an errno */
int asr_gtext_save(const struct asr_gtext *gt, const char *dir,
		   const char *key, const struct asr_grammar_stats *st);

/** Load what asr_gtext_save() wrote. @return 0, ENOENT, EINVAL, ENOMEM */
int asr_gtext_load(struct asr_gtext **gtp, const char *dir, const char *key,
		   struct asr_grammar_stats *st);

/**
 * Normalize one phrase into dictionary words, space-separated, into mb;
 * words the dictionary lacks are dropped (English) or fail the phrase
 * (Mandarin). Pseudo-words for numbers and spelled letters get their
 * pronunciations added to extra ("word phones\n"). bad receives the first
 * unknown piece. @return number of words written (0: phrase dropped)
 */
size_t asr_words(struct mbuf *mb, struct mbuf *extra,
		 const struct asr_lex *lex, enum asr_lang_id lang,
		 const char *phrase, size_t *dropped, char *bad,
		 size_t badsz);

/** English cardinal reading of a digit string ("20000" -> "twenty
 *  thousand"), or digit by digit when long or with leading zeros. */
int asr_number_en(char *out, size_t sz, const char *digits, size_t n);

/** Mandarin reading: cardinal (五千, 二十五) for round or short numbers,
 *  digit by digit (一二三一五) otherwise; yao selects 幺 for 1 when read
 *  digit by digit. */
int asr_number_zh(char *out, size_t sz, const char *digits, size_t n,
		  bool yao);

/* ---- resampling (resample.c) -------------------------------------------- */

/** 2x up (8 -> 16 kHz) or down (16 -> 8 kHz) with a half-band low-pass;
 *  out has room for 2n (up) or n/2 (down) samples. */
void asr_upsample2(int16_t *out, const int16_t *in, size_t n);
void asr_downsample2(int16_t *out, const int16_t *in, size_t n);

/** Bring *pcmp (a mem object of *np samples, the caller's alone) from
 *  srate to out_srate, replacing it. @return 0, ENOTSUP (not 2x either
 *  way), ENOMEM */
int asr_resample_mem(int16_t **pcmp, size_t *np, unsigned srate,
		     unsigned out_srate);

/* ---- cache key (asr.c) -------------------------------------------------- */

/** Hex key of (engine, language, model id, phrases, how many of them
 *  the node expects, caps): 32 chars + NUL. */
void asr_key(char key[33], const char *engine, const char *lang,
	     const char *model_id, const char *const *phrases, size_t n,
	     size_t nexpected, unsigned caps);

/* ---- noise suppression (denoise.c) -------------------------------------- */

/**
 * Suppress the steady noise of one utterance in place (speexdsp's
 * denoiser at level_db, e.g. -25), after learning the noise from its
 * first 200 ms (the VAD's pre-roll) or from a whole discarded pass (see
 * enum asr_denoise_learn). srate 8000 or 16000. @return 0, EINVAL,
 * ENOMEM
 */
int asr_denoise(int16_t *pcm, size_t n, unsigned srate, int level_db,
		enum asr_denoise_learn learn);

/**
 * A noise gate for what the suppressor leaves: 10 ms blocks (with their
 * neighbours) quieter than open_db over the segment's floor (its 10th
 * percentile block) are attenuated by depth_db, with 10 ms ramps.
 */
enum { ASR_GATE_DEPTH = 30 };
void asr_highpass(int16_t *pcm, size_t n, unsigned srate, double fc);
void asr_gate(int16_t *pcm, size_t n, unsigned srate, double open_db,
	      double depth_db);

/* ---- requests (asr.c, transcribe.c) ------------------------------------- */

struct asr_job;
struct asr_txjob;

/* A caller's handle on one request: mem_deref() cancels it. Recognitions
 * (asr.c) and transcriptions (transcribe.c) allocate theirs, each with its
 * own destructor. Loop thread. */
struct asr_req {
	struct asr_job *job;     /* asr_recognize() */
	struct asr_txjob *txjob; /* asr_transcribe() */
};

/* ---- transcripts (transcribe.c) ----------------------------------------- */

/*
 * An asr's side of transcription: its engine's checked language-model
 * setup (or why there is none), its requests and its counters. Made by
 * asr_alloc() (it never fails for a missing or unsupported language
 * model: asr_transcribe() says so later), freed by the asr's destructor,
 * which cancels its requests. Loop thread. @return 0, ENOMEM
 */
struct asr_tx;
int asr_tx_alloc(struct asr_tx **txp, const struct asr_engine *eng,
		 const struct asr_conf *c, const char *models_dir);

/** The asr's transcription side (asr.c). */
struct asr_tx *asr_tx_get(const struct asr *asr);

/* ---- the pocketsphinx language-model pass (ps_lm.c) --------------------- */

/* Shared with ps.c: the faint noise floor under the audio, and a
 * hypothesis as the text the matcher reads (fillers, alternates' "(2)",
 * pseudo-words and value marks dropped). */
void asr_ps_add_floor(int16_t *pcm, size_t n);
void asr_ps_hyp_text(char *out, size_t sz, const char *hyp,
		     enum asr_lang_id lang, bool *garbage, bool *value);

int asr_ps_lm_conf(struct asr_lmconf **lcp, unsigned *srate, const char **id,
		   const struct asr_conf *c, const char *models_dir);
int asr_ps_lm_alloc(struct asr_lmdec **dp, const struct asr_lmconf *lc);
int asr_ps_lm_decode(struct asr_lmdec *d, const int16_t *pcm, size_t n,
		     struct asr_engine_result *res);
