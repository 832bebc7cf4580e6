/**
 * @file test_asr_synth.c  Test speech for test_asr and bench-asr: reads
 * the utterance lists and synthesizes them (see test_asr.h).
 *
 * The synthesizers and sox run as child processes with argument vectors
 * (no shell: the texts have apostrophes). Levels: sox normalizes each
 * utterance to -6 dBFS peak, a telephone-like level that G.711 keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <re.h>
#include "dialog/dialog.h"
#include "media/media.h"
#include "test_asr.h"

extern char **environ;

const char *const tasr_voices_en[4] = {"slt", "rms", "awb", "kal16"};
const char *const tasr_voices_zh[4] = {"130/30", "150/50", "175/70",
				       "195/25"};

const char *tasr_srcdir(void)
{
	const char *s = getenv("CALLBOT_SRCDIR");

	return s && *s ? s : ".";
}

/* ---- utterance lists ---------------------------------------------------- */

void tasr_set_free(struct tasr_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->v[i].text);
		free(set->v[i].speak);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int tasr_set_load(struct tasr_set *set, const char *srcdir,
		  const char *lang, const struct dialog_script *s)
{
	char path[1024], line[1024];
	size_t cap = 0;
	FILE *f;
	int err = 0;

	memset(set, 0, sizeof(*set));
	snprintf(set->lang, sizeof(set->lang), "%s", lang);
	snprintf(path, sizeof(path), "%s/tests/asr/%s.tsv", srcdir, lang);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return errno ? errno : ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		struct tasr_utt *u;
		struct dialog_match m;
		char *t1, *t2;

		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		t1 = strchr(line, '\t');
		if (!t1) {
			err = EINVAL;
			break;
		}
		*t1++ = '\0';
		t2 = strchr(t1, '\t');
		if (t2)
			*t2++ = '\0';
		if (set->n == cap) {
			struct tasr_utt *v;

			cap = cap ? 2 * cap : 64;
			v = realloc(set->v, cap * sizeof(*v));
			if (!v) {
				err = ENOMEM;
				break;
			}
			set->v = v;
		}
		u = &set->v[set->n];
		memset(u, 0, sizeof(*u));
		u->in = !strcmp(line, "in");
		u->text = dupn(t1, strlen(t1));
		u->speak = dupn(t2 ? t2 : t1, strlen(t2 ? t2 : t1));
		++set->n;
		if (!u->text || !u->speak) {
			err = ENOMEM;
			break;
		}
		if (dialog_match(s, NULL, u->text, &m)) {
			err = EINVAL;
			break;
		}
		u->intent = m.intent;
		if (u->in != (m.intent != NULL)) {
			fprintf(stderr,
				"%s: \"%s\" is %s but the matcher %s\n",
				path, u->text, u->in ? "in" : "off",
				m.intent ? "finds an intent" : "finds none");
			err = EINVAL;
			break;
		}
	}
	fclose(f);
	if (err)
		tasr_set_free(set);
	return err;
}

int tasr_listen_grammar(struct dialog_script *s,
			const struct dialog_grammar **gp)
{
	struct dialog_session *sess;
	struct dialog_actions acts;
	struct dialog_event ev;
	int i, err;
	size_t k;

	err = dialog_session_alloc(&sess, s, NULL, 0);
	if (err)
		return err;
	memset(&ev, 0, sizeof(ev));
	ev.type = DIALOG_EV_ANSWERED;
	err = ENOENT;
	for (i = 0; i < 8; i++) {
		if (dialog_step(sess, &ev, &acts))
			break;
		memset(&ev, 0, sizeof(ev));
		ev.type = DIALOG_EV_TICK;
		for (k = 0; k < acts.n; k++) {
			if (acts.v[k].type == DIALOG_ACT_LISTEN &&
			    acts.v[k].grammar) {
				*gp = acts.v[k].grammar; /* in the script */
				err = 0;
				goto out;
			}
			if (acts.v[k].type == DIALOG_ACT_SAY) {
				ev.type = DIALOG_EV_PROMPT_DONE;
				ev.seq = acts.v[k].seq;
			}
		}
	}
out:
	mem_deref(sess);
	return err;
}

/* ---- synthesis ---------------------------------------------------------- */

static int run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return err;
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ENOENT
							       : EPROTO;
	return 0;
}

static int read_raw(const char *path, int16_t **pcmp, size_t *np)
{
	FILE *f = fopen(path, "rb");
	int16_t *v = NULL;
	long sz;
	int err = 0;

	if (!f)
		return errno;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err = EIO;
		goto out;
	}
	v = malloc((size_t)sz + 2);
	if (!v) {
		err = ENOMEM;
		goto out;
	}
	if (fread(v, 1, (size_t)sz, f) != (size_t)sz) {
		err = EIO;
		goto out;
	}
	*pcmp = v;
	*np = (size_t)sz / 2;
	v = NULL;
out:
	free(v);
	fclose(f);
	return err;
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x2545f491u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* RMS of the speech: frames of 20 ms above a tenth of the loudest. */
static double speech_rms(const int16_t *x, size_t n)
{
	double maxf = 0, sum = 0;
	size_t i, k, cnt = 0;

	for (i = 0; i + 160 <= n; i += 160) {
		double e = 0;

		for (k = 0; k < 160; k++)
			e += (double)x[i + k] * x[i + k];
		maxf = e > maxf ? e : maxf;
	}
	for (i = 0; i + 160 <= n; i += 160) {
		double e = 0;

		for (k = 0; k < 160; k++)
			e += (double)x[i + k] * x[i + k];
		if (e >= maxf / 100) {
			sum += e;
			cnt += 160;
		}
	}
	return cnt ? sqrt(sum / cnt) : 0;
}

/* Pink noise (Paul Kellet's economy filter), or white, at snr_db below
 * the speech. */
static void add_noise(int16_t *x, size_t n, double snr_db, bool white,
		      uint32_t seed)
{
	double b0 = 0, b1 = 0, b2 = 0, *nz, e = 0, gain;
	double rms = speech_rms(x, n);
	size_t i;

	nz = malloc(n * sizeof(*nz));
	if (!nz || !rms) {
		free(nz);
		return;
	}
	for (i = 0; i < n; i++) {
		double w = (xorshift(&seed) / 4294967296.0) * 2 - 1;

		b0 = 0.99765 * b0 + w * 0.0990460;
		b1 = 0.96300 * b1 + w * 0.2965164;
		b2 = 0.57000 * b2 + w * 1.0526913;
		nz[i] = white ? w : b0 + b1 + b2 + w * 0.1848;
		e += nz[i] * nz[i];
	}
	gain = rms / pow(10, snr_db / 20) / sqrt(e / (double)n);
	for (i = 0; i < n; i++) {
		double v = x[i] + nz[i] * gain;

		x[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	free(nz);
}

/* 2nd-order high-pass at 300 Hz (RBJ biquad, Q 0.707), then G.711. */
static void telephone(int16_t *x, size_t n)
{
	const double w0 = 2 * 3.14159265358979 * 300 / 8000;
	const double al = sin(w0) / (2 * 0.7071), cs = cos(w0);
	const double a0 = 1 + al;
	const double b0 = (1 + cs) / 2 / a0, b1 = -(1 + cs) / a0, b2 = b0;
	const double a1 = -2 * cs / a0, a2 = (1 - al) / a0;
	double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double y = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;

		x2 = x1;
		x1 = x[i];
		y2 = y1;
		y1 = y;
		y = y > 32767 ? 32767 : y < -32768 ? -32768 : y;
		x[i] = media_ulaw_dec(media_ulaw_enc((int16_t)lrint(y)));
	}
}

/*
 * Leading and trailing silence made pad_ms long: the first and last 10 ms
 * block louder than 40 dB below the loudest one bound the speech. n is
 * updated; x must have room for the padding.
 */
static int16_t *pad_speech(int16_t *x, size_t *np, unsigned pad_ms)
{
	const size_t blk = 80, pad = (size_t)pad_ms * 8;
	size_t n = *np, i, k, first = n, last = 0, len;
	double maxe = 0;
	int16_t *y;

	for (i = 0; i + blk <= n; i += blk) {
		double e = 0;

		for (k = 0; k < blk; k++)
			e += (double)x[i + k] * x[i + k];
		maxe = e > maxe ? e : maxe;
	}
	for (i = 0; i + blk <= n; i += blk) {
		double e = 0;

		for (k = 0; k < blk; k++)
			e += (double)x[i + k] * x[i + k];
		if (e > maxe / 10000) {
			first = first < i ? first : i;
			last = i + blk;
		}
	}
	if (first >= last)
		return x;
	len = last - first;
	y = calloc(len + 2 * pad, sizeof(*y));
	if (!y)
		return x;
	memcpy(y + pad, x + first, len * sizeof(*y));
	free(x);
	*np = len + 2 * pad;
	return y;
}

int tasr_synth(int16_t **pcmp, size_t *np, const char *lang,
	       const char *voice, const char *speak, double snr_db,
	       uint32_t seed, const char *tmpdir)
{
	struct tasr_synth_opt opt = {.snr_db = snr_db};

	return tasr_synth_ex(pcmp, np, lang, voice, speak, &opt, seed,
			     tmpdir);
}

int tasr_synth_ex(int16_t **pcmp, size_t *np, const char *lang,
		  const char *voice, const char *speak,
		  const struct tasr_synth_opt *opt, uint32_t seed,
		  const char *tmpdir)
{
	char wav[512], raw[512];
	int16_t *pcm = NULL;
	size_t n = 0;
	int err;

	snprintf(wav, sizeof(wav), "%s/tts.wav", tmpdir);
	snprintf(raw, sizeof(raw), "%s/tts.raw", tmpdir);
	if (!strcmp(lang, "zh")) {
		char speed[16] = "150", pitch[16] = "50";
		char *argv[] = {"espeak-ng", "-v", "cmn-latn-pinyin", "-s",
				speed, "-p", pitch, "-w", wav,
				(char *)speak, NULL};

		sscanf(voice, "%15[0-9]/%15[0-9]", speed, pitch);
		err = run(argv);
	}
	else {
		char *argv[] = {"flite", "-voice", (char *)voice, "-t",
				(char *)speak, "-o", wav, NULL};

		err = run(argv);
	}
	if (!err) {
		/* -D: no dither, so every run hears the same samples */
		char *argv[] = {"sox", "-D", wav, "-t", "raw", "-r", "8000",
				"-e", "signed-integer", "-b", "16", "-c", "1",
				raw,
				"gain", "-n", "-6", NULL};

		err = run(argv);
	}
	if (!err)
		err = read_raw(raw, &pcm, &n);
	(void)unlink(wav);
	(void)unlink(raw);
	if (err)
		return err;
	if (opt->pad_ms)
		pcm = pad_speech(pcm, &n, opt->pad_ms);
	if (opt->snr_db > 0)
		add_noise(pcm, n, opt->snr_db, opt->white, seed);
	telephone(pcm, n);
	*pcmp = pcm;
	*np = n;
	return 0;
}
