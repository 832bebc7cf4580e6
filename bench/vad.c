/**
 * @file vad.c  Voice activity detection on a telephone corpus synthesized
 * at run time, callbot's detector against speexdsp's in the same run.
 *
 *   bench-vad [--quick] [--dump DIR] [--seed N]
 *
 * Corpus (tests/unit/test_vad_corpus.c): English sentences in four flite
 * voices and espeak-ng en-us, Mandarin in espeak-ng cmn-latn-pinyin at two
 * speeds and pitches; a third of the utterances are two sentences with a
 * 300 ms pause between them (one utterance); 1-2.5 s silences, a click and
 * a cough now and then, and a 20 s stretch of noise alone. Noise white,
 * pink, or babble (six other voices at once), at 20, 10 and 5 dB SNR,
 * band-limited like the speech; G.711 on the way in. The utterances end
 * where their speech stops being active (P.56), except on a quiet line
 * (pink noise at 50 dB), where each keeps the fade the synthesizer gave
 * it (up to 300 ms, -45 to -60 dBFS in flite), as the simulated callees
 * of e2e do; the truth still ends with the speech. The corpus repeats
 * exactly from run to run (sox's dither is seeded); --seed N lays it out
 * and mixes the noise differently, for a second opinion on figures that
 * hinge on a few utterances (babble).
 *
 * Echo: the robot's prompts (flite kal, espeak-ng Mandarin) come back at
 * -10 dB after 120 ms (and 250 ms) through a short hybrid response, with
 * pink line noise at 20 dB under the callee's level; the callee answers
 * between prompts, and talks over every other prompt (double talk).
 *
 * Detectors, all with end-of-utterance after 500 ms, minimum speech
 * 200 ms: callbot's (vad.c, given the robot's frames as reference);
 * callbot's without the reference; speexdsp's preprocess VAD
 * (SPEEX_PREPROCESS_SET_VAD, its per-frame decision endpointed the same
 * way); on echo tracks also speexdsp's echo canceller (300 ms filter)
 * feeding its preprocessor (residual echo suppression + VAD), and
 * callbot's detector on that canceller's output. Prints onset latency
 * (decision time minus true onset) p50/p95 and how many came over 80 ms,
 * end-of-utterance latency (decision minus true end) p50/p95, missed and
 * split utterances, false starts per minute of noise alone, clicks and
 * coughs taken for utterances, and on echo tracks false barge-ins per
 * minute of echo (callee silent) and double talk found. CPU per frame.
 * Prints figures only; asserts nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <re.h>
#include "media/media.h"
#include "media/vad.h"
#include "../tests/unit/test_media.h"
#include "../tests/unit/test_vad.h"

static const char *en_text[] = {
	"Hello, who is this?",
	"Yes, I would like to hear more about the loan.",
	"No thank you, I am not interested right now.",
	"How much can I borrow, and what is the interest rate?",
	"Sorry, I am driving at the moment, can you call me back later?",
	"Okay.",
	"Please do not call this number again.",
	"Is this a robot? I want to talk to a real person.",
	"Maybe next week, I need to think about it.",
	"What documents do I need to apply?",
};

static const char *zh_text[] = {
	"wei4, ni3 hao3, qing3 wen4 ni3 shi4 na3 wei4?",
	"wo3 xu1 yao4 dai4 kuan3, li4 xi1 shi4 duo1 shao3?",
	"bu4 yong4 le, xie4 xie4, wo3 xian4 zai4 hen3 mang2.",
	"ni3 men5 shi4 na3 jia1 gong1 si1?",
	"hao3 de5, ni3 fa1 duan3 xin4 gei3 wo3 ba5.",
	"dui4.",
	"bu2 yao4 zai4 gei3 wo3 da3 dian4 hua4 le5.",
	"wo3 xiang3 zhi1 dao4 zen3 me5 shen1 qing3.",
};

static const char *en_voices[] = {
	"flite:slt", "flite:rms", "flite:awb", "flite:kal16", "espeak:en-us",
};

static const char *zh_voices[] = {
	"espeak:cmn-latn-pinyin",
	"espeak:cmn-latn-pinyin:-s 190 -p 65",
};

static const char *babble_text[] = {
	"The weather has been lovely this week, we went to the beach.",
	"I told him the meeting moved to Thursday afternoon.",
	"jin1 tian1 wan3 shang4 wo3 men5 qu4 chi1 huo3 guo1 ba5.",
	"Did you see the game last night? It went to overtime.",
	"ta1 shuo1 ming2 tian1 yao4 xia4 yu3, ji4 de5 dai4 san3.",
	"Can you pick up some bread and milk on your way home?",
};

static const char *babble_voices[] = {
	"flite:awb", "flite:slt", "espeak:cmn-latn-pinyin:-p 30",
	"flite:rms", "espeak:cmn-latn-pinyin:-p 70 -s 160", "espeak:en-gb",
};

static const char *robot_text[] = {
	"Hello, this is an automated assistant calling on behalf of "
	"Example Finance about your loan application.",
	"We can offer you a personal loan of up to fifty thousand, with a "
	"low monthly rate. Would you like to hear the details?",
	"ni3 hao3, wo3 shi4 zi4 dong4 yu3 yin1 zhu4 shou3, dai4 biao3 "
	"shi4 li4 jin1 rong2 gei3 nin2 da3 dian4 hua4.",
	"The application takes about five minutes, and you will get an "
	"answer within one working day.",
};

static const char *robot_voices[] = {
	"flite:kal", "flite:kal", "espeak:cmn-latn-pinyin", "flite:slt",
};

/* ---- detectors ---------------------------------------------------------- */

enum det {
	D_CALLBOT = 0,
	D_NOREF,
	D_SPEEX,
	D_SPEEX_AEC,
	D_CALLBOT_AEC,
	ND,
};

static const char *det_name[ND] = {
	"callbot", "callbot, no ref", "speexdsp vad", "speexdsp aec+vad",
	"callbot on aec",
};

struct res {
	struct vc_score s;
	double cpu_us;
};

/* speexdsp's per-frame decision, endpointed like ours */
struct ep {
	bool active;
	uint64_t onset, last;
	unsigned speech;
};

static void ep_frame(struct ep *e, bool sp, uint64_t t, struct vc_evlist *l)
{
	if (!e->active) {
		if (!sp)
			return;
		e->active = true;
		e->onset = e->last = t;
		e->speech = 1;
		vc_ev_add(l, VC_EV_START, t, t, t + 1);
		return;
	}
	if (sp) {
		e->last = t;
		e->speech++;
	}
	if (t - e->last >= 25) {
		e->active = false;
		vc_ev_add(l, e->speech >= 10 ? VC_EV_END : VC_EV_DISCARD, t,
			  e->onset, e->last + 1);
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int run_det(enum det d, const struct vc_track *t, struct res *r)
{
	struct vc_evlist l = {0};
	size_t frames = t->n / MEDIA_FRAME, f;
	SpeexPreprocessState *pp = NULL;
	SpeexEchoState *es = NULL;
	struct vad *v = NULL;
	struct ep ep = {0};
	double t0;
	int err = 0;

	if (d == D_CALLBOT || d == D_NOREF || d == D_CALLBOT_AEC)
		err = vad_alloc(&v, NULL);
	if (err)
		return err;
	if (d == D_SPEEX || d == D_SPEEX_AEC) {
		int on = 1, fd = dup(2), nul = open("/dev/null", O_WRONLY);

		/* it warns on stderr each time; main() says it once */
		if (nul >= 0)
			dup2(nul, 2);
		pp = speex_preprocess_state_init(MEDIA_FRAME, MEDIA_SRATE);
		speex_preprocess_ctl(pp, SPEEX_PREPROCESS_SET_VAD, &on);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (nul >= 0)
			close(nul);
	}
	if (d == D_SPEEX_AEC || d == D_CALLBOT_AEC) {
		int rate = MEDIA_SRATE;

		/* 300 ms of delay plus 50 ms of tail */
		es = speex_echo_state_init(MEDIA_FRAME, 2800);
		speex_echo_ctl(es, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
		if (pp)
			speex_preprocess_ctl(pp,
					     SPEEX_PREPROCESS_SET_ECHO_STATE,
					     es);
	}

	t0 = now_us();
	for (f = 0; f < frames; f++) {
		const int16_t *rx = t->rx + f * MEDIA_FRAME;
		const int16_t *tx = t->tx + f * MEDIA_FRAME;
		int16_t buf[MEDIA_FRAME];
		struct vad_event ev;

		if (es) {
			speex_echo_cancellation(es, rx, tx, buf);
			rx = buf;
		}
		if (pp) {
			if (rx != buf)
				memcpy(buf, rx, sizeof(buf));
			ep_frame(&ep, speex_preprocess_run(pp, buf) != 0, f,
				 &l);
			continue;
		}
		switch (vad_feed(v, rx, d == D_CALLBOT ? tx : NULL, &ev)) {
		case VAD_EV_START:
			vc_ev_add(&l, VC_EV_START, ev.frame, ev.onset, 0);
			break;
		case VAD_EV_END:
			vc_ev_add(&l, VC_EV_END, ev.frame, ev.onset, ev.end);
			mem_deref(ev.seg);
			break;
		case VAD_EV_DISCARD:
			vc_ev_add(&l, VC_EV_DISCARD, ev.frame, ev.onset,
				  ev.end);
			break;
		default:
			break;
		}
	}
	r->cpu_us = frames ? (now_us() - t0) / (double)frames : 0;

	err = vc_score(t, &l, 500, &r->s);
	vc_ev_free(&l);
	mem_deref(v);
	if (pp)
		speex_preprocess_state_destroy(pp);
	if (es)
		speex_echo_state_destroy(es);
	return err;
}

/* ---- corpus ------------------------------------------------------------- */

struct corpus {
	struct vc_clip *utt, *bab, *robot;
	size_t nutt, nbab, nrobot;
};

static int synth_set(struct vc_clip **out, size_t *np, const char **voices,
		     size_t nv, const char **texts, size_t nt, bool pair,
		     const char *dir)
{
	size_t i, n = pair ? nv : nv * nt, k = 0;
	struct vc_clip *c = calloc(n, sizeof(*c));
	int err = 0;

	if (!c)
		return ENOMEM;
	for (i = 0; i < nv && !err; i++) {
		size_t j;

		for (j = 0; j < nt && !err; j++) {
			/* pair: voice i says text i only */
			if (pair && j != i)
				continue;
			err = vc_synth(&c[k++], voices[i], texts[j], dir);
			if (err)
				fprintf(stderr, "bench-vad: %s could not say "
						"\"%s\"\n",
					voices[i], texts[j]);
		}
	}
	*out = c;
	*np = k;
	return err;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int corpus_make(struct corpus *c, bool quick, const char *dir)
{
	struct vc_clip *en = NULL, *zh = NULL;
	size_t nen = 0, nzh = 0, i;
	int err;

	memset(c, 0, sizeof(*c));
	err = synth_set(&en, &nen, en_voices, quick ? 2 : N(en_voices),
			en_text, N(en_text), false, dir);
	if (!err)
		err = synth_set(&zh, &nzh, zh_voices, N(zh_voices), zh_text,
				N(zh_text), false, dir);
	if (!err)
		err = synth_set(&c->bab, &c->nbab, babble_voices,
				N(babble_voices), babble_text, N(babble_text),
				true, dir);
	if (!err)
		err = synth_set(&c->robot, &c->nrobot, robot_voices,
				N(robot_voices), robot_text, N(robot_text),
				true, dir);
	c->nutt = nen + nzh;
	c->utt = calloc(c->nutt ? c->nutt : 1, sizeof(*c->utt));
	if (!c->utt)
		err = ENOMEM;
	for (i = 0; c->utt && i < nen; i++)
		c->utt[i] = en[i];
	for (i = 0; c->utt && i < nzh; i++)
		c->utt[nen + i] = zh[i];
	free(en);
	free(zh);
	return err;
}

static void corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->nutt; i++)
		vc_clip_free(&c->utt[i]);
	for (i = 0; i < c->nbab; i++)
		vc_clip_free(&c->bab[i]);
	for (i = 0; i < c->nrobot; i++)
		vc_clip_free(&c->robot[i]);
	free(c->utt);
	free(c->bab);
	free(c->robot);
}

/* the listening track: every clip, a third of them paired */
static int track_listen(struct vc_track *t, const struct corpus *c,
			uint32_t seed)
{
	size_t i;
	int err = vc_gap(t, 1000);

	(void)seed;
	for (i = 0; i < c->nutt && !err; i++) {
		const struct vc_clip *b = NULL;

		if (i % 3 == 2 && i + 1 < c->nutt)
			b = &c->utt[i + 1];
		err = vc_say(t, &c->utt[i], b, 300,
			     (tm_unif(&t->seed) - 0.5) * 6);
		if (b)
			i++;
		if (!err)
			err = vc_gap(t, 1000 + tm_rand(&t->seed) % 1500);
		if (!err && i % 6 == 1) {
			err = vc_click(t, 0);
			if (!err)
				err = vc_gap(t, 1200);
		}
		if (!err && i % 6 == 4) {
			err = vc_cough(t, 100 + tm_rand(&t->seed) % 50,
				       0);
			if (!err)
				err = vc_gap(t, 1200);
		}
		if (!err && i == c->nutt / 2)
			err = vc_gap(t, 20000);
	}
	return err;
}

/* the echo track: prompts, answers between, every other one talked over */
static int track_echo(struct vc_track *t, const struct corpus *c)
{
	size_t i, k = 0;
	int err = vc_gap(t, 1000);

	for (i = 0; i < 3 * c->nrobot && !err; i++) {
		const struct vc_clip *p = &c->robot[i % c->nrobot];
		const struct vc_clip *a = &c->utt[k++ % c->nutt];

		if (i % 2)
			err = vc_robot(t, p, a,
				       800 + tm_rand(&t->seed) % 1000);
		else
			err = vc_robot(t, p, NULL, 0);
		if (!err)
			err = vc_gap(t, 800);
		if (!err && i % 2 == 0) {
			err = vc_say(t, &c->utt[k++ % c->nutt], NULL, 0, 0);
			if (!err)
				err = vc_gap(t, 1200);
		}
	}
	return err;
}

/* ---- printing ----------------------------------------------------------- */

static void print_head(void)
{
	printf("%-18s %-17s %4s %4s %5s %5s %4s %5s %5s %4s %6s %5s %5s "
	       "%5s\n",
	       "condition", "detector", "utts", "miss", "on50", "on95",
	       ">80", "end50", "end95", "splt", "fs/min", "burst", "nz%",
	       "us/fr");
}

static void print_row(const char *cond, enum det d, struct res *r)
{
	struct vc_score *s = &r->s;

	printf("%-18s %-17s %4u %4u %5.0f %5.0f %4u %5.0f %5.0f %4u %6.2f "
	       "%2u/%-2u %5.1f %5.1f\n",
	       cond, det_name[d], s->utts, s->missed,
	       vc_pct(s->onset_ms, s->nonset, 50),
	       vc_pct(s->onset_ms, s->nonset, 95), s->late,
	       vc_pct(s->end_ms, s->nend, 50), vc_pct(s->end_ms, s->nend, 95),
	       s->split,
	       s->quiet_min > 0 ? s->false_starts / s->quiet_min : 0,
	       s->burst_utts, s->bursts, s->quiet_busy, r->cpu_us);
}

static void print_echo_row(const char *cond, enum det d, struct res *r)
{
	struct vc_score *s = &r->s;

	printf("%-18s %-17s %4u %4u %5.0f %5.0f %4u %5.0f %5.0f %4u %6.2f "
	       "%3u/%-3u %5.1f %5.1f\n",
	       cond, det_name[d], s->utts, s->missed,
	       vc_pct(s->onset_ms, s->nonset, 50),
	       vc_pct(s->onset_ms, s->nonset, 95), s->late,
	       vc_pct(s->end_ms, s->nend, 50), vc_pct(s->end_ms, s->nend, 95),
	       s->split, s->echo_min > 0 ? s->echo_starts / s->echo_min : 0,
	       s->dt_found, s->dt_utts, s->echo_busy, r->cpu_us);
}

static void dump(const char *dirp, const char *name,
		 const struct vc_track *t)
{
	char path[512];
	FILE *f;
	size_t i;

	if (!dirp)
		return;
	snprintf(path, sizeof(path), "%s/%s.raw", dirp, name);
	f = fopen(path, "wb");
	if (!f)
		return;
	/* stereo: callee left, robot right */
	for (i = 0; i < t->n; i++) {
		fwrite(&t->rx[i], 2, 1, f);
		fwrite(&t->tx[i], 2, 1, f);
	}
	fclose(f);
	/* and the truth: kind, on, off in samples */
	snprintf(path, sizeof(path), "%s/%s.truth", dirp, name);
	f = fopen(path, "w");
	if (!f)
		return;
	for (i = 0; i < t->ntr; i++)
		fprintf(f, "%d %zu %zu %d\n", (int)t->tr[i].kind, t->tr[i].on,
			t->tr[i].off, (int)t->tr[i].over_echo);
	for (i = 0; i < t->necho; i++)
		fprintf(f, "9 %zu %zu 0\n", t->echo[i][0], t->echo[i][1]);
	fclose(f);
}

/* one listening condition: the track, dumped if asked, every detector
 * on it, one row each */
static int listen_cond(const char *cond, const struct corpus *c,
		       enum vc_noise noise, double snr, uint32_t seed,
		       bool fades, const char *dumpdir)
{
	struct vc_track t;
	int err, d;

	vc_track_init(&t, seed);
	t.fades = fades;
	err = track_listen(&t, c, 0);
	if (!err)
		err = vc_track_finish(&t, noise, snr, c->bab, c->nbab, -99, 0);
	if (err) {
		vc_track_free(&t);
		return err;
	}
	dump(dumpdir, cond, &t);
	for (d = D_CALLBOT; d <= D_SPEEX; d++) {
		struct res r;

		if (d == D_NOREF)
			continue;
		if (run_det((enum det)d, &t, &r))
			continue;
		print_row(cond, (enum det)d, &r);
		vc_score_free(&r.s);
	}
	vc_track_free(&t);
	return 0;
}

int main(int argc, char *argv[])
{
	static const enum vc_noise noises[] = {VC_PINK, VC_WHITE, VC_BABBLE};
	static const char *nname[] = {"white", "pink", "babble"};
	static const double snrs[] = {20, 10, 5};
	const char *dumpdir = NULL;
	uint32_t seed = 0;
	struct corpus c;
	struct res tot[ND];
	bool quick = false;
	char *dir;
	size_t i, j;
	int a, err, d;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick"))
			quick = true;
		else if (!strcmp(argv[a], "--dump") && a + 1 < argc)
			dumpdir = argv[++a];
		else if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = 100000u * (uint32_t)atoi(argv[++a]);
		else {
			fprintf(stderr, "usage: bench-vad [--quick] "
					"[--dump DIR] [--seed N]\n");
			return 2;
		}
	}

	dir = vc_mkdir();
	if (!dir)
		return 1;
	err = corpus_make(&c, quick, dir);
	vc_rmdir(dir);
	free(dir);
	if (err) {
		fprintf(stderr, "bench-vad: corpus: %s\n", strerror(err));
		corpus_free(&c);
		return 1;
	}
	printf("corpus: %zu utterances (%zu voices), %zu babble voices, "
	       "%zu robot prompts\n",
	       c.nutt, (quick ? 2 : N(en_voices)) + N(zh_voices), c.nbab,
	       c.nrobot);
	printf("speexdsp (Debian 12: 1.2.1), turning its VAD on, warns: \"The "
	       "VAD has been replaced\nby a hack pending a complete "
	       "rewrite\"\n");
	printf("on50/on95: onset latency ms (decision - true onset), >80: "
	       "later than 80 ms;\nend50/95: end decision - true end, ms "
	       "(end setting 500); splt: utterances split;\nfs/min: false "
	       "starts per minute of noise alone; burst: clicks+coughs "
	       "taken as utterances;\nnz%%: share of noise-alone time "
	       "spent inside an utterance; us/fr: CPU per 20 ms frame\n\n");
	print_head();
	memset(tot, 0, sizeof(tot));

	/* a quiet line (pink noise 50 dB under the speech, about -72
	 * dBFS) with every word fading as it was synthesized, like most
	 * e2e personas: the fade must not hold the end off */
	err = listen_cond("quiet 50 dB, fades", &c, VC_PINK, 50, seed + 999,
			  true, dumpdir);
	for (i = 0; i < N(noises) && !err; i++) {
		for (j = 0; j < N(snrs) && !err; j++) {
			char cond[64];

			snprintf(cond, sizeof(cond), "%s %.0f dB",
				 nname[noises[i]], snrs[j]);
			err = listen_cond(cond, &c, noises[i], snrs[j],
					  seed + (uint32_t)(1000 + 10 * i + j),
					  false, dumpdir);
		}
	}

	printf("\necho: robot prompts back at -10 dB, pink line noise 20 dB "
	       "under the callee;\nfs/min here: false barge-ins per minute "
	       "of echo with the callee silent;\ndt: callee utterances over "
	       "the echo found;\nec%%: share of echo-alone time spent inside "
	       "an utterance\n\n");
	printf("%-18s %-17s %4s %4s %5s %5s %4s %5s %5s %4s %6s %7s %5s "
	       "%5s\n",
	       "condition", "detector", "utts", "miss", "on50", "on95",
	       ">80", "end50", "end95", "splt", "fb/min", "dt", "ec%",
	       "us/fr");
	{
		static const unsigned delays[] = {120, 250};

		for (i = 0; i < N(delays); i++) {
			struct vc_track t;
			char cond[64];

			snprintf(cond, sizeof(cond), "echo %u ms",
				 delays[i]);
			vc_track_init(&t, seed + (uint32_t)(77 + i));
			err = track_echo(&t, &c);
			if (!err)
				err = vc_track_finish(&t, VC_PINK, 20, NULL, 0,
						      -10, delays[i]);
			if (err) {
				vc_track_free(&t);
				break;
			}
			dump(dumpdir, cond, &t);
			for (d = 0; d < ND; d++) {
				struct res r;

				if (run_det((enum det)d, &t, &r))
					continue;
				print_echo_row(cond, (enum det)d, &r);
				vc_score_free(&r.s);
			}
			vc_track_free(&t);
		}
	}
	corpus_free(&c);
	return err ? 1 : 0;
}
