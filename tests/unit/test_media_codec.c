/**
 * @file test_media_codec.c  G.711, resampling, prompt loading and the
 * recorder: the parts of media/ that need no socket.
 *
 * G.711 is checked against known code points (the ITU tables, as every
 * other implementation gives them) and then exhaustively: all 65536
 * inputs within half a quantization step, monotonic, symmetric, and every
 * code word stable through decode and encode. Prompts are WAV files made
 * at test time by sox (a program we did not write) at 8, 16 and 44.1 kHz,
 * mono and stereo, 16 and 24 bit, plus a float file written with
 * libsndfile; each must come out 8 kHz mono at the right length, pitch
 * and level. The recorder's file is read back sample for sample.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sndfile.h>
#include <re.h>
#include "media/media.h"
#include "media/media_priv.h"
#include "test.h"
#include "tests.h"
#include "test_media.h"

static int iabs(int v)
{
	return v < 0 ? -v : v;
}

int test_media_g711(void)
{
	static const struct {
		uint8_t code;
		int16_t ulaw, alaw;
	} dec[] = {
		{0x00, -32124, -5504}, {0x0f, -16764, -6784},
		{0x10, -15996, -2752}, {0x7e, -8, -880},
		{0x7f, 0, -848},       {0x80, 32124, 5504},
		{0x8f, 16764, 6784},   {0xf0, 120, 688},
		{0xfe, 8, 880},        {0xff, 0, 848},
		{0x55, -716, -8},      {0xd5, 716, 8},
		{0x2a, -5372, -32256}, {0xaa, 5372, 32256},
		{0xd4, 748, 24},       {0x54, -748, -24},
	};
	static const struct {
		int16_t x;
		uint8_t ulaw, alaw;
	} enc[] = {
		{0, 0xff, 0xd5},       {1, 0xff, 0xd5},
		{-1, 0x7f, 0x55},      {100, 0xf2, 0xd3},
		{-100, 0x72, 0x53},    {1000, 0xce, 0xfa},
		{-1000, 0x4e, 0x7a},   {5000, 0xab, 0x86},
		{-5000, 0x2b, 0x06},   {32767, 0x80, 0xaa},
		{-32768, 0x00, 0x2a},
	};
	double se = 0, ss = 0;
	int x, prev_u = -40000, prev_a = -40000;
	unsigned c, i;

	for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
		ASSERT_EQ(dec[i].ulaw, media_ulaw_dec(dec[i].code));
		ASSERT_EQ(dec[i].alaw, media_alaw_dec(dec[i].code));
	}
	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		ASSERT_EQ(enc[i].ulaw, media_ulaw_enc(enc[i].x));
		ASSERT_EQ(enc[i].alaw, media_alaw_enc(enc[i].x));
	}

	for (x = -32768; x <= 32767; x++) {
		int u = media_ulaw_dec(media_ulaw_enc((int16_t)x));
		int a = media_alaw_dec(media_alaw_enc((int16_t)x));
		int ax = iabs(x);
		int ub = (ax + 132) / 32, ab = (ax / 32 > 8 ? ax / 32 : 8) + 1;

		/* half a step; above mu-law's top level, the clip */
		if (ax > 32124 && ax - 32124 > ub)
			ub = ax - 32124;
		if (iabs(u - x) > ub)
			TEST_FAIL("ulaw %d -> %d (bound %d)", x, u, ub);
		if (iabs(a - x) > ab)
			TEST_FAIL("alaw %d -> %d (bound %d)", x, a, ab);
		ASSERT_TRUE(u >= prev_u);
		ASSERT_TRUE(a >= prev_a);
		prev_u = u;
		prev_a = a;
	}

	for (c = 0; c < 256; c++) {
		uint8_t u = (uint8_t)c;

		ASSERT_EQ(-media_ulaw_dec(u), media_ulaw_dec(u ^ 0x80));
		ASSERT_EQ(-media_alaw_dec(u), media_alaw_dec(u ^ 0x80));
		ASSERT_EQ(u, media_alaw_enc(media_alaw_dec(u)));
		/* mu-law has two zeros; -0 comes back as +0 */
		ASSERT_EQ(u == 0x7f ? 0xff : u,
			  media_ulaw_enc(media_ulaw_dec(u)));
	}

	/* a sine at -10 dBFS: G.711's SNR is about 38 dB */
	for (i = 0; i < 8000; i++) {
		int16_t s = tm_clip(10362 * sin(2 * M_PI * 1013 * i / 8000.0));
		double e = media_ulaw_dec(media_ulaw_enc(s)) - s;

		se += e * e;
		ss += (double)s * s;
	}
	ASSERT_TRUE(10 * log10(ss / se) > 35);
	return 0;
}

static int check_sine(const int16_t *x, size_t n, unsigned rate, double f,
		      double rms)
{
	double fm = tm_freq16(x, n, rate), rm = tm_rms16(x + n / 10,
							  n - n / 5);

	if (fabs(fm - f) > f * 0.005 + 1)
		TEST_FAIL("frequency %.1f, want %.1f", fm, f);
	if (fabs(rm - rms) > rms * 0.03)
		TEST_FAIL("rms %.0f, want %.0f", rm, rms);
	return 0;
}

static int resample_case(unsigned from, unsigned to, double f, double amp,
			 double want_rms)
{
	size_t n = from, on = 0; /* one second */
	int16_t *in = malloc(n * sizeof(*in)), *out = NULL;
	double *x = calloc(n, sizeof(*x));
	int err;

	ASSERT_TRUE(in && x);
	tm_sine(x, n, f * 8000.0 / from, amp, 0); /* tm_sine is 8 kHz */
	tm_to16(in, x, n);
	free(x);

	err = media_resample(in, n, from, to, &out, &on);
	free(in);
	ASSERT_EQ(0, err);
	ASSERT_EQ(to, on);
	err = want_rms > 0 ? check_sine(out, on, to, f, want_rms)
			   : (tm_rms16(out, on) < 0.02 * amp ? 0 : EINVAL);
	if (err)
		fprintf(stderr, "resample %u -> %u, %.0f Hz: rms %.0f\n",
			from, to, f, tm_rms16(out, on));
	free(out);
	return err;
}

int test_media_resample(void)
{
	int16_t one = 1000, *out = NULL;
	size_t on = 99;

	TEST_ERR(resample_case(16000, 8000, 1000, 16000, 16000 / M_SQRT2));
	TEST_ERR(resample_case(44100, 8000, 1000, 16000, 16000 / M_SQRT2));
	TEST_ERR(resample_case(8000, 16000, 1000, 16000, 16000 / M_SQRT2));
	TEST_ERR(resample_case(22050, 8000, 440, 8000, 8000 / M_SQRT2));
	/* above the new Nyquist: filtered out, not folded back in */
	TEST_ERR(resample_case(16000, 8000, 6000, 16000, 0));
	TEST_ERR(resample_case(44100, 8000, 9000, 16000, 0));

	ASSERT_EQ(EINVAL, media_resample(&one, 1, 0, 8000, &out, &on));
	ASSERT_EQ(EINVAL, media_resample(NULL, 5, 16000, 8000, &out, &on));
	ASSERT_EQ(0, media_resample(&one, 0, 16000, 8000, &out, &on));
	ASSERT_EQ(0, on);
	free(out);
	return 0;
}

static char tmpdir[64];

static int mktmp(void)
{
	strcpy(tmpdir, "/tmp/callbot-media-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : errno;
}

static void rmtmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static int prompt_check(const char *file, double rms)
{
	struct media_prompt *p = NULL;
	char path[128];
	int err;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	err = media_prompt_load(&p, path);
	if (err)
		TEST_FAIL("%s: load: %s", file, strerror(err));
	if (p->n < 3995 || p->n > 4005) {
		fprintf(stderr, "%s: %zu samples, want 4000\n", file, p->n);
		err = EINVAL;
	}
	else if (strcmp(path, p->name)) {
		fprintf(stderr, "%s: name %s\n", file, p->name);
		err = EINVAL;
	}
	else {
		err = check_sine(p->pcm, p->n, 8000, 1000, rms);
		if (err)
			fprintf(stderr, "(%s)\n", file);
	}
	mem_deref(p);
	return err;
}

/* 0.5 s at 22050 Hz, float, stereo: left 0.6, right 0.2 of full scale */
static int write_float_wav(const char *path)
{
	SF_INFO info;
	SNDFILE *sf;
	float buf[2 * 11025];
	size_t i;

	memset(&info, 0, sizeof(info));
	info.samplerate = 22050;
	info.channels = 2;
	info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	sf = sf_open(path, SFM_WRITE, &info);
	if (!sf)
		return EIO;
	for (i = 0; i < 11025; i++) {
		float v = (float)sin(2 * M_PI * 1000 * i / 22050.0);

		buf[2 * i] = 0.6f * v;
		buf[2 * i + 1] = 0.2f * v;
	}
	sf_writef_float(sf, buf, 11025);
	sf_close(sf);
	return 0;
}

int test_media_prompt(void)
{
	static const char *const sox[] = {
		"-r 8000 -c 1 -b 16 a8.wav",
		"-r 16000 -c 2 -b 16 b16.wav",
		"-r 44100 -c 2 -b 24 c44.wav",
	};
	struct media_prompt *p = NULL;
	char cmd[512], path[128];
	int16_t pcm[1600];
	bool have_sox = !system("command -v sox >/dev/null 2>&1");
	size_t i;
	int err = 0;
	FILE *f;

	TEST_ERR(mktmp());

	for (i = 0; have_sox && i < sizeof(sox) / sizeof(sox[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "cd '%s' && sox -D -n %s synth 0.5 sine 1000 "
			 "vol 0.5 2>/dev/null",
			 tmpdir, sox[i]);
		if (system(cmd)) {
			err = EIO;
			fprintf(stderr, "sox failed: %s\n", cmd);
			goto out;
		}
		err = prompt_check(strrchr(sox[i], ' ') + 1,
				   0.5 * 32767 / M_SQRT2);
		if (err)
			goto out;
	}
	if (!have_sox)
		fprintf(stderr, "test_media_prompt: no sox, skipping its "
				"files\n");

	snprintf(path, sizeof(path), "%s/d22.wav", tmpdir);
	err = write_float_wav(path);
	if (!err)
		err = prompt_check("d22.wav", 0.4 * 32767 / M_SQRT2);
	if (err)
		goto out;

	/* not there, and not audio */
	snprintf(path, sizeof(path), "%s/missing.wav", tmpdir);
	if (media_prompt_load(&p, path) != ENOENT) {
		err = EINVAL;
		fprintf(stderr, "missing file: want ENOENT\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/text.wav", tmpdir);
	f = fopen(path, "w");
	if (f) {
		fputs("this is not a RIFF file, just some text\n", f);
		fclose(f);
	}
	if (media_prompt_load(&p, path) != EINVAL) {
		err = EINVAL;
		fprintf(stderr, "text file: want EINVAL\n");
		goto out;
	}

	/* PCM from a synthesizer at 16 kHz */
	for (i = 0; i < 1600; i++)
		pcm[i] = (int16_t)(8000 * sin(2 * M_PI * 500 * i / 16000.0));
	err = media_prompt_alloc(&p, pcm, 1600, 16000, "tts");
	if (err)
		goto out;
	if (p->n != 800 || strcmp(p->name, "tts")) {
		err = EINVAL;
		fprintf(stderr, "alloc: %zu samples, name %s\n", p->n,
			p->name);
	}
	p = mem_deref(p);

out:
	rmtmp();
	return err;
}

static int16_t rec_l(size_t i)
{
	return (int16_t)(i * 7 % 65536 - 32768);
}

static int16_t rec_r(size_t i)
{
	return (int16_t)(9000 * sin(i * 0.05));
}

static int read_back(const char *path, size_t frames)
{
	SF_INFO info;
	SNDFILE *sf;
	int16_t *buf;
	size_t i;
	int err = 0;

	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		TEST_FAIL("%s: %s", path, sf_strerror(NULL));
	if (info.channels != 2 || info.samplerate != 8000 ||
	    info.frames != (sf_count_t)frames ||
	    (info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_PCM_16) {
		sf_close(sf);
		TEST_FAIL("%s: %d ch, %d Hz, %lld frames", path, info.channels,
			  info.samplerate, (long long)info.frames);
	}
	buf = malloc(frames * 2 * sizeof(*buf));
	if (!buf || sf_readf_short(sf, buf, (sf_count_t)frames) !=
			    (sf_count_t)frames)
		err = EIO;
	for (i = 0; !err && i < frames; i++) {
		if (buf[2 * i] != rec_l(i) || buf[2 * i + 1] != rec_r(i)) {
			fprintf(stderr, "%s: frame %zu differs\n", path, i);
			err = EINVAL;
		}
	}
	free(buf);
	sf_close(sf);
	return err;
}

int test_media_recorder(void)
{
	struct media_recorder *r1 = NULL, *r2 = NULL;
	static const size_t pieces[] = {160, 1, 37, 1600, 3000, 160, 5009};
	int16_t l[5009], rr[5009];
	char p1[128], p2[128];
	size_t i, k, at = 0;
	int err;

	TEST_ERR(mktmp());
	snprintf(p1, sizeof(p1), "%s/one.wav", tmpdir);
	snprintf(p2, sizeof(p2), "%s/two.wav", tmpdir);

	err = media_recorder_alloc(&r1, p1);
	if (!err)
		err = media_recorder_alloc(&r2, p2);
	if (err)
		goto out;

	/* uneven pieces across the writer's chunk boundaries, two files
	 * interleaved in the writer's queue */
	for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		for (i = 0; i < pieces[k]; i++) {
			l[i] = rec_l(at + i);
			rr[i] = rec_r(at + i);
		}
		media_recorder_write(r1, l, rr, pieces[k]);
		media_recorder_write(r2, l, rr, pieces[k]);
		at += pieces[k];
	}
	r1 = mem_deref(r1);
	r2 = mem_deref(r2);
	media_close(); /* waits for the writer */

	err = read_back(p1, at);
	if (!err)
		err = read_back(p2, at);

	/* a directory that does not exist */
	if (!err) {
		snprintf(p1, sizeof(p1), "%s/no/such/dir.wav", tmpdir);
		if (media_recorder_alloc(&r1, p1) != ENOENT) {
			fprintf(stderr, "bad path: want ENOENT\n");
			r1 = mem_deref(r1);
			err = EINVAL;
		}
	}
	if (!err && media_recorder_dropped()) {
		fprintf(stderr, "writer dropped audio\n");
		err = EINVAL;
	}

out:
	mem_deref(r1);
	mem_deref(r2);
	media_close();
	rmtmp();
	return err;
}
