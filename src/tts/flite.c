/**
 * @file flite.c  The flite engine: English, voices slt, rms, awb (all
 * clustergen) and kal16 (diphone), 16 kHz.
 *
 * Threads: flite keeps global state beyond its voices (the lexicon, the
 * error jump buffer, lazily built tables), so giving each worker its own
 * voice instance would not make it safe. Every synthesis runs under one
 * mutex for the whole engine instead, and the engine tells the cache
 * max_jobs = 1, so at most one worker ever waits here. That costs little:
 * flite runs at a few percent of real time, so one core keeps up with
 * dozens of new prompts a second, and the cache makes each prompt once.
 *
 * A voice is loaded on its first use (under the mutex, on a worker) and
 * kept until tts_close(). Rate and pitch are set per utterance, never on
 * the shared voice: duration_stretch = 100 / rate, f0_shift = pitch / 100.
 * A flite error longjmps back here (cst_errjmp) instead of exiting the
 * process; the half-built utterance is then leaked rather than freed in
 * an unknown state.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <flite/flite.h>
#include <flite/flite_version.h>
#include <re.h>
#include "core/log.h"
#include "tts/tts.h"
#include "tts/tts_priv.h"

/* the voice libraries have no header */
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
void unregister_cmu_us_slt(cst_voice *v);
void unregister_cmu_us_rms(cst_voice *v);
void unregister_cmu_us_awb(cst_voice *v);
void unregister_cmu_us_kal16(cst_voice *v);

static const struct tts_voice voices[] = {
	{"slt", "en", false},
	{"rms", "en", false},
	{"awb", "en", false},
	{"kal16", "en", false},
	{NULL, NULL, false},
};

/* loaders, in the order of voices[]; loaded[] is under mtx */
static const struct {
	cst_voice *(*reg)(const char *voxdir);
	void (*unreg)(cst_voice *v);
} loaders[] = {
	{register_cmu_us_slt, unregister_cmu_us_slt},
	{register_cmu_us_rms, unregister_cmu_us_rms},
	{register_cmu_us_awb, unregister_cmu_us_awb},
	{register_cmu_us_kal16, unregister_cmu_us_kal16},
};

#define NVOICES (sizeof(loaders) / sizeof(loaders[0]))

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static bool inited;                  /* flite_init() ran; under mtx */
static cst_voice *loaded[NVOICES];   /* under mtx */

/* the utterance's wave into a new tts_audio (mtx held) */
static int take_wave(struct tts_audio **ap, cst_utterance *u)
{
	const cst_wave *w = utt_wave(u);
	struct tts_audio *a = NULL;
	int err;

	if (!w || cst_wave_num_channels(w) != 1 ||
	    cst_wave_sample_rate(w) <= 0 || cst_wave_num_samples(w) < 0)
		return EIO;
	err = tts_audio_alloc(&a, (unsigned)cst_wave_sample_rate(w),
			      (size_t)cst_wave_num_samples(w));
	if (!err)
		err = tts_audio_append(a, cst_wave_samples(w),
				       (size_t)cst_wave_num_samples(w));
	if (err)
		mem_deref(a);
	else
		*ap = a;
	return err;
}

static int synth_locked(struct tts_audio **ap, size_t i, const char *text,
			unsigned rate, unsigned pitch)
{
	cst_utterance *volatile u = NULL;
	jmp_buf jb;
	int err;

	if (!inited) {
		flite_init();
		inited = true;
	}

	cst_errjmp = &jb;
	if (setjmp(jb)) {
		cst_errjmp = NULL;
		log_msg(LOG_ERROR, "tts", "flite failed on voice %s",
			voices[i].name);
		return EIO;
	}

	if (!loaded[i]) {
		loaded[i] = loaders[i].reg(NULL);
		if (!loaded[i]) {
			err = EIO;
			goto out;
		}
	}

	u = new_utterance();
	utt_set_input_text(u, text);
	utt_init(u, loaded[i]);
	feat_set_float(u->features, "duration_stretch", 100.0f / rate);
	feat_set_float(u->features, "f0_shift", pitch / 100.0f);
	if (!utt_synth(u)) {
		err = EIO;
		goto out;
	}
	err = take_wave(ap, u);

out:
	cst_errjmp = NULL;
	if (u)
		delete_utterance(u);
	return err;
}

static int flite_synth(struct tts_audio **ap, const struct tts_voice *v,
		       const char *text, unsigned rate, unsigned pitch,
		       void *arg)
{
	size_t i;
	int err;

	(void)arg;
	if (!ap || !v || !text || !rate || !pitch)
		return EINVAL;
	i = (size_t)(v - voices);
	if (v < voices || i >= NVOICES)
		return EINVAL;

	pthread_mutex_lock(&mtx);
	err = synth_locked(ap, i, text, rate, pitch);
	pthread_mutex_unlock(&mtx);
	return err;
}

static void flite_close(void *arg)
{
	size_t i;

	(void)arg;
	pthread_mutex_lock(&mtx);
	for (i = 0; i < NVOICES; i++) {
		if (loaded[i])
			loaders[i].unreg(loaded[i]);
		loaded[i] = NULL;
	}
	pthread_mutex_unlock(&mtx);
}

struct tts_engine tts_flite = {
	.name = "flite",
	.version = FLITE_PROJECT_VERSION,
	.voices = voices,
	.max_jobs = 1,
	.synth = flite_synth,
	.close = flite_close,
};
