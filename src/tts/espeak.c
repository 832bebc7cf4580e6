/**
 * @file espeak.c  The espeak-ng engine: Mandarin from tone-numbered pinyin
 * (voice cmn-latn-pinyin: espeak-ng 1.51 misreads Chinese characters, so
 * scripts carry pinyin) and English (en-us, en-gb) as alternatives to
 * flite. 22050 Hz.
 *
 * Threads: espeak-ng's library API is one global synthesizer, not safe
 * from two threads at once. Every call runs under one mutex (max_jobs =
 * 1 tells the cache to run one job at a time, so workers do not pile up
 * here). Inside, synthesis is espeak-ng's synchronous mode: the callback
 * gets the samples, at the native rate, on the calling thread before
 * espeak_ng_Synthesize() returns, and collects them through user_data.
 *
 * The library is initialized on the first synthesis (on a worker, under
 * the mutex) and stays so until the process exits, also across
 * tts_close(): in 1.51 a second espeak_ng_Terminate(), after initializing
 * again, hangs joining the library's internal thread (measured here), and
 * what it holds is reachable from its globals, so not a leak.
 *
 * The voice is chosen by its language code (SetVoiceByProperties) since
 * en-gb has no voice of that name; the last one chosen is remembered, as
 * choosing loads files. Rate maps to words per minute (175 = 100%),
 * pitch to espeak's 0-100 base pitch (50 = 100%).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <espeak-ng/espeak_ng.h>
#include <re.h>
#include "core/log.h"
#include "tts/tts.h"
#include "tts/tts_priv.h"

static const struct tts_voice voices[] = {
	{"cmn-latn-pinyin", "zh", true},
	{"en-us", "en", false},
	{"en-gb", "en", false},
	{NULL, NULL, false},
};

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static bool ready;                     /* initialized; under mtx */
static int srate;                      /* under mtx */
static const struct tts_voice *current; /* voice set last; under mtx */

struct collect {
	struct tts_audio *a;
	int err;
};

/* synchronous mode: called inside espeak_ng_Synthesize(), same thread */
static int on_samples(short *wav, int n, espeak_EVENT *ev)
{
	struct collect *c = ev ? ev->user_data : NULL;

	if (!c)
		return 0;
	if (wav && n > 0 && !c->err)
		c->err = tts_audio_append(c->a, wav, (size_t)n);
	return c->err ? 1 : 0; /* 1 aborts the synthesis */
}

static int fail(const char *what, espeak_ng_STATUS st)
{
	char msg[256];

	espeak_ng_GetStatusCodeMessage(st, msg, sizeof(msg));
	log_msg(LOG_ERROR, "tts", "espeak-ng %s: %s", what, msg);
	return EIO;
}

static int init_locked(void)
{
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS st;

	if (ready)
		return 0;
	espeak_ng_InitializePath(NULL);
	st = espeak_ng_Initialize(&ctx);
	if (st != ENS_OK) {
		espeak_ng_ClearErrorContext(&ctx);
		return fail("init", st);
	}
	st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
	if (st != ENS_OK) {
		espeak_ng_Terminate();
		return fail("output", st);
	}
	srate = espeak_ng_GetSampleRate();
	if (srate <= 0) {
		espeak_ng_Terminate();
		return EIO;
	}
	espeak_SetSynthCallback(on_samples);
	current = NULL;
	ready = true;
	return 0;
}

static int synth_locked(struct tts_audio **ap, const struct tts_voice *v,
			const char *text, unsigned rate, unsigned pitch)
{
	struct collect c = {NULL, 0};
	espeak_ng_STATUS st;
	int wpm, base;
	int err;

	err = init_locked();
	if (err)
		return err;

	if (current != v) {
		espeak_VOICE sel;

		memset(&sel, 0, sizeof(sel));
		sel.languages = v->name;
		current = NULL;
		st = espeak_ng_SetVoiceByProperties(&sel);
		if (st != ENS_OK)
			return fail(v->name, st);
		current = v;
	}

	wpm = (int)(espeakRATE_NORMAL * rate / 100);
	if (wpm < espeakRATE_MINIMUM)
		wpm = espeakRATE_MINIMUM;
	if (wpm > espeakRATE_MAXIMUM)
		wpm = espeakRATE_MAXIMUM;
	base = (int)(50 * pitch / 100);
	if (base > 100)
		base = 100;
	st = espeak_ng_SetParameter(espeakRATE, wpm, 0);
	if (st == ENS_OK)
		st = espeak_ng_SetParameter(espeakPITCH, base, 0);
	if (st != ENS_OK)
		return fail("parameters", st);

	/* about 1000 samples per byte of pinyin; a first guess */
	err = tts_audio_alloc(&c.a, (unsigned)srate,
			      strlen(text) < 200 ? strlen(text) * 1000
						 : 200000);
	if (err)
		return err;
	st = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
				  espeakCHARS_UTF8, NULL, &c);
	if (c.err)
		err = c.err;
	else if (st != ENS_OK)
		err = fail("synthesis", st);

	if (err)
		mem_deref(c.a);
	else
		*ap = c.a;
	return err;
}

static int espeak_synth(struct tts_audio **ap, const struct tts_voice *v,
			const char *text, unsigned rate, unsigned pitch,
			void *arg)
{
	int err;

	(void)arg;
	if (!ap || !v || !text || !rate || !pitch)
		return EINVAL;
	if (v < voices || v >= voices + sizeof(voices) / sizeof(voices[0]) - 1)
		return EINVAL;

	pthread_mutex_lock(&mtx);
	err = synth_locked(ap, v, text, rate, pitch);
	pthread_mutex_unlock(&mtx);
	return err;
}

void tts_espeak_version(void)
{
	/* a static string; safe before initialization */
	tts_espeak.version = espeak_Info(NULL);
}

struct tts_engine tts_espeak = {
	.name = "espeak",
	.version = "espeak-ng",
	.voices = voices,
	.max_jobs = 1,
	.synth = espeak_synth,
	.close = NULL, /* stays initialized, see above */
};
