/**
 * @file ps_lm.c  The pocketsphinx language-model pass: free-form
 * transcripts of utterances the grammar could not place (transcribe.c
 * runs it on the transcriber thread).
 *
 * One decoder: an acoustic model, Debian's English trigram model
 * (en-us.lm.bin) and the whole cmudict (135,000 words). Mandarin gets
 * none: the only Mandarin language model at hand lacks everyday words, so
 * lm_conf says ENOTSUP and the operator listens to the clip instead.
 *
 * The acoustic model was chosen by bench-transcribe (docs/asr.md):
 * hub4wsj_sc_8k, the grammars' 8 kHz model, made fewer word errors than
 * Debian's 16 kHz en-us fed the call upsampled (flite, 4 voices: clean
 * 20.0% against 24.7%, pink noise at 15 dB 79.9% against 86.2%), a
 * little faster (RTF 0.24 against 0.30 clean); memory is the language
 * model's and the dictionary's either way (~100 MB). en-us stays
 * available (lm_model).
 *
 * Front end as for the grammars (ps.c): -remove_noise no -remove_silence
 * no, batch CMN, every utterance decoded whole from a new stream, so one
 * caller's audio never shapes the next one's features, and the audio
 * over a faint noise floor (digital silence spoils the cepstral mean:
 * without it, 24.1% of words wrong instead of 20.0%).
 *
 * The search is capped at 8,000 active HMMs per frame (-maxhmmpf;
 * pocketsphinx's default is 30,000): clean speech is unchanged (20.0%,
 * RTF 0.24), and in noise, where the search spreads, RTF 0.50 instead
 * of 1.05 for the same (poor) words; 3,000 cost 2.4 points clean.
 * Other options were measured and left at their defaults: -fwdflat no
 * is 30% faster for 0.8 points more errors, -bestpath no 1.6 points
 * worse, -lw 10 9 points worse.
 *
 * Threads: lm_conf on the loop; lm_alloc and lm_decode on the
 * transcriber thread, one call at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pocketsphinx.h>
#include <re.h>
#include "core/log.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

#define DEBIAN_EN "/usr/share/pocketsphinx/model/en-us"

/* Acoustic models the pass can use, the default first. */
static const struct lmmodel {
	const char *name;
	const char *dir; /* relative to the models folder, or absolute */
	unsigned srate;
} lmmodels[] = {
	{"hub4wsj_sc_8k", "en-hub4wsj_sc_8k", 8000},
	{"en-us", DEBIAN_EN "/en-us", 16000},
};

struct asr_lmconf {
	const struct lmmodel *def;
	char *hmm;
	char *lm;
	char *dict;
	char *args; /* extra pocketsphinx options, or NULL */
	char *id;
};

struct asr_lmdec {
	ps_decoder_t *ps;
	int16_t *buf;
	size_t bufsz;
};

/* ---- setup (loop thread) -------------------------------------------------*/

static void lmconf_destructor(void *arg)
{
	struct asr_lmconf *lc = arg;

	mem_deref(lc->hmm);
	mem_deref(lc->lm);
	mem_deref(lc->dict);
	mem_deref(lc->args);
	mem_deref(lc->id);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int asr_ps_lm_conf(struct asr_lmconf **lcp, unsigned *srate, const char **id,
		   const struct asr_conf *c, const char *models_dir)
{
	const struct lmmodel *def = NULL;
	struct asr_lmconf *lc;
	const char *missing = NULL;
	char mdef[1200];
	size_t i;
	int err;

	if (!c->lang || strcmp(c->lang, "en"))
		return ENOTSUP;
	for (i = 0; i < sizeof(lmmodels) / sizeof(lmmodels[0]); i++) {
		if (!c->lm_model || !strcmp(c->lm_model, lmmodels[i].name)) {
			def = &lmmodels[i];
			break;
		}
	}
	if (!def) {
		log_msg(LOG_ERROR, "asr", "no model \"%s\" for transcripts "
			"(hub4wsj_sc_8k or en-us)", c->lm_model);
		return EINVAL;
	}
	lc = mem_zalloc(sizeof(*lc), lmconf_destructor);
	if (!lc)
		return ENOMEM;
	lc->def = def;
	if (def->dir[0] == '/')
		err = re_sdprintf(&lc->hmm, "%s", def->dir);
	else
		err = re_sdprintf(&lc->hmm, "%s/%s", models_dir, def->dir);
	err |= re_sdprintf(&lc->lm, "%s",
			   c->lm ? c->lm : DEBIAN_EN "/en-us.lm.bin");
	err |= re_sdprintf(&lc->dict, "%s",
			   c->lm_dict ? c->lm_dict
				      : DEBIAN_EN "/cmudict-en-us.dict");
	if (c->lm_args)
		err |= re_sdprintf(&lc->args, "%s", c->lm_args);
	err |= re_sdprintf(&lc->id, "%s %s %s %s", def->name, lc->lm,
			   lc->dict, lc->args ? lc->args : "");
	if (err) {
		err = ENOMEM;
		goto out;
	}
	snprintf(mdef, sizeof(mdef), "%s/mdef", lc->hmm);
	if (!exists(mdef))
		missing = mdef;
	else if (!exists(lc->lm))
		missing = lc->lm;
	else if (!exists(lc->dict))
		missing = lc->dict;
	if (missing) {
		log_msg(LOG_WARN, "asr", "no free-form transcripts: %s is "
			"missing (the pocketsphinx-en-us package, or \"make "
			"models\")", missing);
		err = ENOENT;
		goto out;
	}
	*srate = def->srate;
	*id = lc->id;
out:
	if (err)
		mem_deref(lc);
	else
		*lcp = lc;
	return err;
}

/* ---- decoder (transcriber thread) ----------------------------------------*/

static void lmdec_destructor(void *arg)
{
	struct asr_lmdec *d = arg;

	ps_free(d->ps);
	free(d->buf);
}

enum { MAX_ARGS = 48 };

/* Our options, then the configured extra ones ("-key value" pairs), an
 * extra key replacing ours. argv points into base and *bufp (malloc'ed,
 * the caller frees it). */
static int lm_argv(char *argv[MAX_ARGS], int *argcp, char **bufp,
		   const char *const *base, int nbase, const char *extra)
{
	char *buf = NULL, *key, *save = NULL;
	int argc, k;

	for (argc = 0; argc + 1 < nbase; argc += 2) {
		argv[argc] = (char *)base[argc];
		argv[argc + 1] = (char *)base[argc + 1];
	}
	if (extra && !(buf = strdup(extra)))
		return ENOMEM;
	for (key = buf ? strtok_r(buf, " \t", &save) : NULL; key;
	     key = strtok_r(NULL, " \t", &save)) {
		char *val = strtok_r(NULL, " \t", &save);

		if (key[0] != '-' || !val) {
			log_msg(LOG_ERROR, "asr", "lm_args: \"%s\" is not a "
				"-key value pair", key);
			free(buf);
			return EINVAL;
		}
		for (k = 0; k < argc && strcmp(argv[k], key); k += 2)
			;
		if (k + 2 > MAX_ARGS) {
			free(buf);
			return EINVAL;
		}
		argv[k] = key;
		argv[k + 1] = val;
		if (k == argc)
			argc += 2;
	}
	*argcp = argc;
	*bufp = buf;
	return 0;
}

int asr_ps_lm_alloc(struct asr_lmdec **dp, const struct asr_lmconf *lc)
{
	struct asr_lmdec *d;
	char rate[16], *buf = NULL, *argv[MAX_ARGS];
	cmd_ln_t *cfg;
	int argc = 0, err;

	snprintf(rate, sizeof(rate), "%u", lc->def->srate);
	{
		const char *base[] = {"-hmm", lc->hmm, "-lm", lc->lm, "-dict",
				      lc->dict, "-samprate", rate,
				      "-remove_noise", "no", "-remove_silence",
				      "no", "-cmn", "batch", "-maxhmmpf",
				      "8000"};

		err = lm_argv(argv, &argc, &buf, base,
			      (int)(sizeof(base) / sizeof(base[0])),
			      lc->args);
	}
	if (err)
		return err;
	d = mem_zalloc(sizeof(*d), lmdec_destructor);
	if (!d) {
		free(buf);
		return ENOMEM;
	}
	cfg = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
	free(buf);
	if (!cfg) {
		err = EINVAL;
		goto out;
	}
	d->ps = ps_init(cfg);
	cmd_ln_free_r(cfg);
	if (!d->ps) {
		log_msg(LOG_ERROR, "asr", "cannot load the language model %s "
			"with %s", lc->lm, lc->hmm);
		err = EINVAL;
	}
out:
	if (err)
		mem_deref(d);
	else
		*dp = d;
	return err;
}

int asr_ps_lm_decode(struct asr_lmdec *d, const int16_t *pcm, size_t n,
		     struct asr_engine_result *res)
{
	bool garbage, value; /* no pseudo-words or value marks in an LM */
	const char *hyp;
	int32 score;

	memset(res, 0, sizeof(*res));
	if (!n)
		return 0;
	if (n > d->bufsz) {
		int16_t *b = realloc(d->buf, n * sizeof(*b));

		if (!b)
			return ENOMEM;
		d->buf = b;
		d->bufsz = n;
	}
	memcpy(d->buf, pcm, n * sizeof(*pcm));
	asr_ps_add_floor(d->buf, n);
	if (ps_start_stream(d->ps) < 0 || ps_start_utt(d->ps) < 0)
		return EINVAL;
	if (ps_process_raw(d->ps, d->buf, n, FALSE, TRUE) < 0) {
		ps_end_utt(d->ps);
		return EINVAL;
	}
	if (ps_end_utt(d->ps) < 0)
		return EINVAL;
	hyp = ps_get_hyp(d->ps, &score);
	asr_ps_hyp_text(res->text, sizeof(res->text), hyp, ASR_EN,
			&garbage, &value);
	res->score = score;
	/* the best path's posterior (-bestpath yes, the default) */
	res->confidence = logmath_exp(ps_get_logmath(d->ps),
				      ps_get_prob(d->ps));
	return 0;
}
