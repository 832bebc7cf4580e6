/**
 * @file test_tts.c  The TTS engines, keys and WAV files, without the
 * cache: real flite and espeak-ng syntheses measured for level, duration
 * and pitch; keys checked against a digest computed outside our code
 * (Python's hmac over the documented encoding); cache files read back by
 * sox, and recordings in the WAV formats sox writes (8-32 bit, float,
 * extensible, 1-4 channels) read by us: sox is a program we did not write.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "tts/tts.h"
#include "tts/tts_priv.h"
#include "test.h"
#include "tests.h"
#include "test_tts.h"

static const char hello[] = "hello, this is an automated assistant";
static const char nihao[] =
	"ni3 hao3, wo3 shi4 zhi4 neng2 yu3 yin1 zhu4 shou3";

/* speech: plausible length for one short sentence, clearly audible */
static int check_speech(const struct tts_audio *a, unsigned srate,
			const char *what)
{
	double sec = tt_seconds(a), rms = tt_rms(a->pcm, a->n);

	printf("    %-22s %5u Hz %.2f s rms %.0f\n", what, a->srate, sec, rms);
	ASSERT_EQ(srate, a->srate);
	if (sec < 1.0 || sec > 5.0 || rms < 500)
		TEST_FAIL("%s: %.2f s, rms %.0f", what, sec, rms);
	return 0;
}

static int synth_one(struct tts_audio **ap, const char *voice,
		     const char *lang, const char *text, const char *pinyin,
		     unsigned rate, unsigned pitch)
{
	struct tts_req r;

	memset(&r, 0, sizeof(r));
	r.voice = voice;
	r.lang = lang;
	r.text = text;
	r.pinyin = pinyin;
	r.rate = rate;
	r.pitch = pitch;
	return tts_synth(ap, &r);
}

int test_tts_flite(void)
{
	static const char *const voices[] = {"slt", "rms", "awb", "kal16"};
	const struct tts_engine *e;
	const struct tts_voice *v;
	struct tts_audio *a = NULL, *fast = NULL, *high = NULL;
	struct tts_req r;
	double f0, f0h;
	size_t i;
	int err;

	tts_init();

	/* English with nothing named: flite's first voice */
	memset(&r, 0, sizeof(r));
	r.text = hello;
	err = tts_resolve(&e, &v, &r);
	if (err)
		goto out;
	if (strcmp(e->name, "flite") || strcmp(v->name, "slt")) {
		fprintf(stderr, "default English voice: %s/%s\n", e->name,
			v->name);
		err = EINVAL;
		goto out;
	}

	for (i = 0; i < sizeof(voices) / sizeof(voices[0]); i++) {
		char what[32];

		err = synth_one(&a, voices[i], "en", hello, NULL, 0, 0);
		if (err)
			goto out;
		snprintf(what, sizeof(what), "flite %s", voices[i]);
		err = check_speech(a, 16000, what);
		if (err)
			goto out;
		a = mem_deref(a);
	}

	/* slt: faster is shorter, higher is higher */
	err = synth_one(&a, "slt", "en", hello, NULL, 0, 0);
	if (!err)
		err = synth_one(&fast, "slt", "en", hello, NULL, 150, 100);
	if (!err)
		err = synth_one(&high, "slt", "en", hello, NULL, 100, 130);
	if (err)
		goto out;
	f0 = tt_pitch(a);
	f0h = tt_pitch(high);
	printf("    slt rate 150%%: %.2f s of %.2f; pitch 130%%: %.0f Hz "
	       "from %.0f\n", tt_seconds(fast), tt_seconds(a), f0h, f0);
	if (tt_seconds(fast) > 0.8 * tt_seconds(a) || f0 < 120 ||
	    f0 > 250 || f0h < 1.15 * f0) {
		err = EINVAL;
		goto out;
	}

	/* flite has no Mandarin */
	mem_deref(fast);
	fast = NULL;
	err = synth_one(&fast, "slt", "zh", hello, "ni3 hao3", 0, 0);
	if (err != EINVAL) {
		fprintf(stderr, "slt for zh: %d\n", err);
		err = EINVAL;
		goto out;
	}
	err = 0;

out:
	mem_deref(a);
	mem_deref(fast);
	mem_deref(high);
	tts_close();
	return err;
}

int test_tts_espeak(void)
{
	const struct tts_engine *e;
	const struct tts_voice *v;
	struct tts_audio *a = NULL, *b = NULL;
	struct tts_req r;
	double f0, f0h;
	int err;

	tts_init();

	/* Mandarin with nothing named: espeak-ng reading pinyin */
	memset(&r, 0, sizeof(r));
	r.lang = "zh";
	r.text = "你好";
	r.pinyin = nihao;
	err = tts_resolve(&e, &v, &r);
	if (err)
		goto out;
	if (strcmp(e->name, "espeak") || strcmp(v->name, "cmn-latn-pinyin") ||
	    !v->pinyin) {
		fprintf(stderr, "default Mandarin voice: %s/%s\n", e->name,
			v->name);
		err = EINVAL;
		goto out;
	}
	err = tts_synth(&a, &r);
	if (!err)
		err = check_speech(a, 22050, "espeak cmn-latn-pinyin");
	if (err)
		goto out;

	/* higher pitch measures higher */
	r.pitch = 140;
	err = tts_synth(&b, &r);
	if (err)
		goto out;
	f0 = tt_pitch(a);
	f0h = tt_pitch(b);
	printf("    cmn pitch 140%%: %.0f Hz from %.0f\n", f0h, f0);
	if (f0 < 70 || f0h < 1.15 * f0) {
		err = EINVAL;
		goto out;
	}
	a = mem_deref(a);
	b = mem_deref(b);

	/* the English alternatives */
	err = synth_one(&a, "en-us", NULL, hello, NULL, 0, 0);
	if (!err)
		err = check_speech(a, 22050, "espeak en-us");
	if (!err)
		err = synth_one(&b, "en-gb", "en", hello, NULL, 0, 0);
	if (!err)
		err = check_speech(b, 22050, "espeak en-gb");
	if (err)
		goto out;
	a = mem_deref(a);
	b = mem_deref(b);

	/* a pinyin voice without pinyin; unknown voice; bad rate */
	r.pinyin = NULL;
	r.pitch = 0;
	ASSERT_EQ(EINVAL, tts_synth(&a, &r));
	ASSERT_EQ(ENOENT, synth_one(&a, "nobody", NULL, hello, NULL, 0, 0));
	ASSERT_EQ(EINVAL, synth_one(&a, "en-us", NULL, hello, NULL, 20, 0));
	ASSERT_EQ(EINVAL, synth_one(&a, "en-us", NULL, "", NULL, 0, 0));
	ASSERT_TRUE(a == NULL);

out:
	mem_deref(a);
	mem_deref(b);
	tts_close();
	return err;
}

/* the same requests from two threads at once: the engines serialize */
struct par {
	const char *voice, *lang, *text, *pinyin;
	size_t n[3];
	int err;
};

static void *par_run(void *arg)
{
	struct par *p = arg;
	size_t i;

	for (i = 0; i < 3 && !p->err; i++) {
		struct tts_audio *a = NULL;

		p->err = synth_one(&a, p->voice, p->lang, p->text, p->pinyin,
				   0, 0);
		p->n[i] = a ? a->n : 0;
		mem_deref(a);
	}
	return NULL;
}

int test_tts_threads(void)
{
	struct par p[4] = {
		{"slt", "en", hello, NULL, {0}, 0},
		{"slt", "en", hello, NULL, {0}, 0},
		{"cmn-latn-pinyin", "zh", "", nihao, {0}, 0},
		{"cmn-latn-pinyin", "zh", "", nihao, {0}, 0},
	};
	pthread_t t[4];
	size_t i, k;
	int err = 0;

	tts_init();
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, par_run, &p[i]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* same input, same output, whatever ran beside it (within 1%:
	 * espeak-ng carries a little state from one utterance to the next,
	 * a few samples of 60000, the same way on one thread) */
	for (i = 0; i < 4 && !err; i++) {
		for (k = 0; k < 3; k++) {
			size_t want = p[i & 2].n[0], got = p[i].n[k];

			if (p[i].err || !want || got > want + want / 100 ||
			    got < want - want / 100) {
				fprintf(stderr, "thread %zu run %zu: err %d, "
						"%zu samples, want %zu\n",
					i, k, p[i].err, got, want);
				err = EINVAL;
			}
		}
	}
	tts_close();
	return err;
}

int test_tts_key(void)
{
	char k1[65], k2[65];
	struct tts_req r;
	int err = 0;

	tts_init();
	memset(&r, 0, sizeof(r));
	r.engine = "null";
	r.text = "hello world";

	/* the documented encoding, digested by Python's hmac module */
	TEST_ERR(tts_key(k1, &r));
	ASSERT_STREQ("574cf3059f71c4cb0b343118bc8cb7a0"
		     "a7902d34336956ea10f5891566e535a2", k1);
	r.lang = "zh";
	r.pinyin = "ni3 hao3";
	r.rate = 120;
	r.pitch = 90;
	TEST_ERR(tts_key(k1, &r));
	ASSERT_STREQ("1b0cc5bf57779a24a01cd3332352c123"
		     "7d9c35bc1886e3e2ab81e3d81b2ecce3", k1);

	/* white space is normalized; personal does not change the sound */
	r.pinyin = "  ni3\n\thao3 ";
	r.personal = true;
	TEST_ERR(tts_key(k2, &r));
	ASSERT_STREQ(k1, k2);

	/* everything that changes the sound changes the key */
	memset(&r, 0, sizeof(r));
	r.voice = "slt";
	r.text = "hello world";
	TEST_ERR(tts_key(k1, &r));
	r.voice = "rms";
	TEST_ERR(tts_key(k2, &r));
	ASSERT_TRUE(strcmp(k1, k2));
	r.voice = "slt";
	r.rate = 110;
	TEST_ERR(tts_key(k2, &r));
	ASSERT_TRUE(strcmp(k1, k2));
	r.rate = 100; /* = 0 */
	TEST_ERR(tts_key(k2, &r));
	ASSERT_STREQ(k1, k2);
	r.pitch = 90;
	TEST_ERR(tts_key(k2, &r));
	ASSERT_TRUE(strcmp(k1, k2));
	r.pitch = 0;
	r.text = "hello world.";
	TEST_ERR(tts_key(k2, &r));
	ASSERT_TRUE(strcmp(k1, k2));
	r.text = "hello world";
	r.engine = "espeak";
	r.voice = "en-us";
	TEST_ERR(tts_key(k2, &r));
	ASSERT_TRUE(strcmp(k1, k2));

	/* only white space is no prompt */
	r.text = " \n ";
	ASSERT_EQ(EINVAL, tts_key(k2, &r));
	tts_close();
	return err;
}

int test_tts_wav(void)
{
	char dir[] = "/tmp/callbot-tts-XXXXXX", path[128], cmd[512];
	struct tts_audio *a = NULL, *b = NULL;
	struct tts_req r;
	FILE *f;
	size_t i;
	int err;

	if (!mkdtemp(dir))
		return errno;
	snprintf(path, sizeof(path), "%s/x.wav", dir);
	tts_init();

	/* the null engine: 60 ms per character at 8 kHz */
	memset(&r, 0, sizeof(r));
	r.engine = "null";
	r.text = "ab c";
	err = tts_synth(&a, &r);
	if (err)
		goto out;
	ASSERT_EQ(8000, a->srate);
	ASSERT_EQ(4 * 480, a->n);
	ASSERT_EQ(0, tt_rms(a->pcm + 2 * 480, 480)); /* the space */

	err = tts_wav_write(path, a);
	if (!err)
		err = tts_wav_read(&b, path);
	if (err)
		goto out;
	ASSERT_EQ(a->n, b->n);
	ASSERT_EQ(a->srate, b->srate);
	for (i = 0; i < a->n; i++)
		ASSERT_EQ(a->pcm[i], b->pcm[i]);
	b = mem_deref(b);

	/* sox agrees on what the file is */
	snprintf(cmd, sizeof(cmd),
		 "sox --i -r '%s' && sox --i -s '%s' && sox --i -c '%s'", path,
		 path, path);
	f = popen(cmd, "r");
	if (f) {
		unsigned rate = 0, chans = 0;
		unsigned long n = 0;

		if (fscanf(f, "%u %lu %u", &rate, &n, &chans) != 3)
			rate = 0;
		pclose(f);
		ASSERT_EQ(8000, rate);
		ASSERT_EQ(a->n, n);
		ASSERT_EQ(1, chans);
	}

	/* cut short: rejected; missing: ENOENT; no temporary files left */
	ASSERT_EQ(0, truncate(path, 44 + 100));
	ASSERT_EQ(EINVAL, tts_wav_read(&b, path));
	ASSERT_EQ(0, truncate(path, 20));
	ASSERT_EQ(EINVAL, tts_wav_read(&b, path));
	snprintf(path, sizeof(path), "%s/none.wav", dir);
	ASSERT_EQ(ENOENT, tts_wav_read(&b, path));
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 1", dir);
	ASSERT_EQ(0, system(cmd));

out:
	mem_deref(a);
	mem_deref(b);
	tts_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return err;
}

/* zero crossings per second / 2 */
static double crossings_hz(const struct tts_audio *a)
{
	size_t i, z = 0;

	for (i = 1; i < a->n; i++)
		z += (a->pcm[i - 1] < 0) != (a->pcm[i] < 0);
	return z / 2.0 / tt_seconds(a);
}

/* recorded prompts: WAVs as other tools write them */
int test_tts_wav_formats(void)
{
	static const struct {
		const char *sox;     /* sox output options */
		unsigned srate;
		double rms;          /* expected, 16-bit scale */
	} f[] = {
		/* a sine at half scale: rms 11585 */
		{"-r 44100 -c 2 -b 24", 44100, 11585},
		{"-r 8000 -c 1 -b 8 -e unsigned-integer", 8000, 11585},
		{"-r 16000 -c 1 -b 32 -e floating-point", 16000, 11585},
		{"-r 22050 -c 1 -b 32 -e signed-integer", 22050, 11585},
		{"-r 48000 -c 4 -b 16", 48000, 11585},
	};
	char dir[] = "/tmp/callbot-tts-XXXXXX", path[128], cmd[512];
	struct tts_audio *a = NULL;
	struct tts_req r;
	size_t i;
	int err = 0;

	if (!mkdtemp(dir))
		return errno;
	tts_init();
	snprintf(path, sizeof(path), "%s/rec.wav", dir);
	memset(&r, 0, sizeof(r));
	r.audio = path;
	r.text = "ignored: the recording wins";

	for (i = 0; i < sizeof(f) / sizeof(f[0]) && !err; i++) {
		double rms, hz;

		snprintf(cmd, sizeof(cmd),
			 "sox -n %s '%s' synth 0.5 sine 440 gain -6.02",
			 f[i].sox, path);
		if (system(cmd)) {
			err = EIO;
			break;
		}
		err = tts_synth(&a, &r);
		if (err) {
			fprintf(stderr, "%s: %d\n", f[i].sox, err);
			break;
		}
		rms = tt_rms(a->pcm, a->n);
		hz = crossings_hz(a);
		printf("    %-40s %6u Hz %6zu samples rms %.0f, %.0f Hz\n",
		       f[i].sox, a->srate, a->n, rms, hz);
		if (a->srate != f[i].srate || a->n != f[i].srate / 2 ||
		    rms < 0.97 * f[i].rms || rms > 1.03 * f[i].rms ||
		    hz < 430 || hz > 450)
			err = EINVAL;
		a = mem_deref(a);
	}

	/* channels are averaged: opposite phases cancel */
	if (!err) {
		snprintf(cmd, sizeof(cmd),
			 "sox -n -r 8000 -c 2 -b 16 '%s' synth 0.5 sine 440 "
			 "sine 440 remix 1 2i gain -6.02", path);
		err = system(cmd) ? EIO : tts_synth(&a, &r);
		if (!err && tt_rms(a->pcm, a->n) > 2) {
			fprintf(stderr, "anti-phase: rms %.1f\n",
				tt_rms(a->pcm, a->n));
			err = EINVAL;
		}
		a = mem_deref(a);
	}

	/* not audio; missing */
	if (!err) {
		snprintf(cmd, sizeof(cmd), "echo not a wav > '%s'", path);
		ASSERT_EQ(0, system(cmd));
		ASSERT_EQ(EINVAL, tts_synth(&a, &r));
		snprintf(path, sizeof(path), "%s/none.wav", dir);
		ASSERT_EQ(ENOENT, tts_synth(&a, &r));
	}

	mem_deref(a);
	tts_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return err;
}
