/**
 * @file test_asr.h  Speech for the ASR tests and bench-asr, made at run
 * time: the utterance lists in tests/asr/LANG.tsv, synthesized with flite
 * (English) or espeak-ng (Mandarin, from tone-numbered pinyin), brought to
 * 8 kHz by sox, optionally mixed with pink noise at a given SNR, band
 * limited to the telephone's 300 Hz, then passed through G.711 u-law and
 * back, as a call would carry it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dialog_script;
struct dialog_grammar;

/** One line of an utterance list. */
struct tasr_utt {
	bool in;        /* a phrase of the grammar (else off-topic) */
	char *text;     /* as the script writes it */
	char *speak;    /* what the synthesizer reads */
	const char *intent; /* the matcher's intent for text (in) */
};

struct tasr_set {
	struct tasr_utt *v;
	size_t n;
	char lang[4];
};

/**
 * Load tests/asr/LANG.tsv from srcdir and label it with the script's
 * matcher (node NULL: the first listening node). Fails (EINVAL, with a
 * message) if an "in" line has no intent or an "off" line has one.
 */
int tasr_set_load(struct tasr_set *set, const char *srcdir,
		  const char *lang, const struct dialog_script *s);
void tasr_set_free(struct tasr_set *set);

/** The grammar of the first LISTEN a session of s reaches (it points
 *  into the script). @return 0, ENOENT */
int tasr_listen_grammar(struct dialog_script *s,
			const struct dialog_grammar **gp);

/** Voices: English "slt", "rms", "awb", "kal16"; Mandarin "SPEED/PITCH"
 *  of espeak-ng's cmn-latn-pinyin, e.g. "150/50". */
extern const char *const tasr_voices_en[4];
extern const char *const tasr_voices_zh[4];

/**
 * Synthesize text with a voice into 8 kHz G.711-round-tripped PCM
 * (*pcmp malloc'ed). snr_db > 0 adds pink noise at that SNR (seeded).
 * tmpdir is a scratch folder. @return 0, or an errno (ENOENT when the
 * synthesizer or sox is missing)
 */
int tasr_synth(int16_t **pcmp, size_t *np, const char *lang,
	       const char *voice, const char *speak, double snr_db,
	       uint32_t seed, const char *tmpdir);

/** Options of tasr_synth_ex(). */
struct tasr_synth_opt {
	double snr_db;  /* > 0: noise at that SNR over the active speech */
	bool white;     /* white noise instead of pink */
	unsigned pad_ms; /* > 0: cut or pad the synthesizer's leading and
			    trailing silence to this, before the noise is
			    added, as a VAD segment's pre-roll and tail */
};

/** tasr_synth() with more choices of noise and shape. */
int tasr_synth_ex(int16_t **pcmp, size_t *np, const char *lang,
		  const char *voice, const char *speak,
		  const struct tasr_synth_opt *opt, uint32_t seed,
		  const char *tmpdir);

/** The source folder ($CALLBOT_SRCDIR, else "."). */
const char *tasr_srcdir(void);
