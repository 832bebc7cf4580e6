/**
 * @file test_vad.c  The voice activity detector (media/vad.c) on speech
 * synthesized at run time (flite, espeak-ng Mandarin; sox to 8 kHz),
 * mixed with white and pink noise at 20, 10 and 5 dB SNR, G.711 round
 * trip, silences of known length (test_vad_corpus.c).
 *
 * Asserted, at 10 dB: every utterance found, 95% of onsets decided within
 * 80 ms of the true onset (ITU-T P.56 activity), every end decided within
 * 500 + 150 ms of the true end; at 20 and 10 dB two sentences 300 ms
 * apart stay one utterance; no false start in any noise-only stretch
 * (the rate per minute is printed); clicks and coughs under 150 ms are
 * never utterances. Echo: the robot's prompts come back at -10 dB after
 * 120 ms with line noise: no start while the callee is silent, the
 * callee talking over the echo is found every time, and the same audio
 * without the reference does start (so the test can fail). Segments:
 * audio with the pre-roll, cut at max_ms, DISCARD for short bursts, a
 * shorter end_ms splits at a pause. Fade: on a quiet line, with words
 * fading as synthesized, END comes end_ms after the speech (p50 within
 * 40 ms, p95 within 100 ms), not after the fade, and what vad_peek()
 * gives after a 240 ms pause is END's audio. Each figure is printed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/vad.h"
#include "test.h"
#include "tests.h"
#include "test_media.h"
#include "test_vad.h"

static const char *texts_en[] = {
	"Hello, who is this?",
	"Yes, I would like to hear more about the loan.",
	"No thank you, I am not interested.",
	"How much can I borrow?",
	"Sorry, can you call me back later?",
	"Please do not call me again.",
};

static const char *voices_en[] = {
	"flite:slt", "flite:rms", "flite:awb", "flite:kal16",
};

static const char *texts_zh[] = {
	"ni3 hao3 wo3 xu1 yao4",
	"bu4 yong4 le, xie4 xie4.",
	"li4 xi1 shi4 duo1 shao3?",
	"wo3 xian4 zai4 hen3 mang2.",
};

static const char *voices_zh[] = {
	"espeak:cmn-latn-pinyin", "espeak:cmn-latn-pinyin:-s 185 -p 65",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct set {
	struct vc_clip *c;
	size_t n;
};

static void set_free(struct set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		vc_clip_free(&s->c[i]);
	free(s->c);
	memset(s, 0, sizeof(*s));
}

/* every English text in one voice each (rotating), every Mandarin text */
static int set_make(struct set *s, size_t per_voice)
{
	size_t i, n = N(voices_en) * per_voice + 2 * N(texts_zh);
	char *dir = vc_mkdir();
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (!dir)
		return errno;
	s->c = calloc(n, sizeof(*s->c));
	if (!s->c) {
		err = ENOMEM;
		goto out;
	}
	for (i = 0; i < N(voices_en) * per_voice && !err; i++) {
		const char *v = voices_en[i % N(voices_en)];
		const char *t = texts_en[(i + i / N(voices_en)) %
					 N(texts_en)];

		err = vc_synth(&s->c[s->n], v, t, dir);
		if (err)
			fprintf(stderr, "vad test: %s \"%s\": %s\n", v, t,
				strerror(err));
		else
			s->n++;
	}
	for (i = 0; i < 2 * N(texts_zh) && !err; i++) {
		err = vc_synth(&s->c[s->n], voices_zh[i / N(texts_zh)],
			       texts_zh[i % N(texts_zh)], dir);
		if (!err)
			s->n++;
	}
 out:
	vc_rmdir(dir);
	free(dir);
	return err;
}

/* run a finished track; events into l */
static int run_vad(const struct vc_track *t, const struct vad_conf *conf,
		   bool ref, struct vc_evlist *l)
{
	struct vad *v = NULL;
	size_t f;
	int err = vad_alloc(&v, conf);

	if (err)
		return err;
	for (f = 0; f < t->n / MEDIA_FRAME && !err; f++) {
		struct vad_event ev;

		switch (vad_feed(v, t->rx + f * MEDIA_FRAME,
				 ref ? t->tx + f * MEDIA_FRAME : NULL, &ev)) {
		case VAD_EV_START:
			err = vc_ev_add(l, VC_EV_START, ev.frame, ev.onset, 0);
			break;
		case VAD_EV_END:
			err = vc_ev_add(l, VC_EV_END, ev.frame, ev.onset,
					ev.end);
			mem_deref(ev.seg);
			break;
		case VAD_EV_DISCARD:
			err = vc_ev_add(l, VC_EV_DISCARD, ev.frame, ev.onset,
					ev.end);
			break;
		default:
			break;
		}
	}
	mem_deref(v);
	return err;
}

/* the listening track: every clip, every third one paired with the
 * next after a 300 ms pause, 1-2.5 s silences, a click and a cough now
 * and then, 20 s of noise alone in the middle */
static int track_listen(struct vc_track *t, const struct set *s)
{
	size_t i;
	int err = vc_gap(t, 1000);

	for (i = 0; i < s->n && !err; i++) {
		const struct vc_clip *b = NULL;

		if (i % 3 == 2 && i + 1 < s->n)
			b = &s->c[i + 1];
		err = vc_say(t, &s->c[i], b, 300, 0);
		if (b)
			i++;
		if (!err)
			err = vc_gap(t, 1000 + tm_rand(&t->seed) % 1500);
		if (!err && i % 4 == 1) {
			err = vc_click(t, 0);
			if (!err)
				err = vc_gap(t, 1000);
		}
		if (!err && i % 4 == 3) {
			err = vc_cough(t, 100 + tm_rand(&t->seed) % 50, 0);
			if (!err)
				err = vc_gap(t, 1000);
		}
		if (!err && i == s->n / 2)
			err = vc_gap(t, 20000);
	}
	return err;
}

struct pooled {
	unsigned utts, missed, late, split, end_late, no_end, bursts;
	unsigned burst_utts, false_starts;
	double quiet_min;
};

static void pool(struct pooled *p, const struct vc_score *s)
{
	p->utts += s->utts;
	p->missed += s->missed;
	p->late += s->late;
	p->split += s->split;
	p->end_late += s->end_late;
	p->no_end += s->no_end;
	p->bursts += s->bursts;
	p->burst_utts += s->burst_utts;
	p->false_starts += s->false_starts;
	p->quiet_min += s->quiet_min;
}

int test_vad_speech(void)
{
	static const double snrs[] = {20, 10, 5};
	static const enum vc_noise noises[] = {VC_WHITE, VC_PINK};
	struct pooled p[3];
	struct set s;
	size_t i, j;
	int err;

	memset(p, 0, sizeof(p));
	err = set_make(&s, 4);
	if (err)
		TEST_FAIL("synthesis (flite, espeak-ng, sox): %s",
			  strerror(err));

	for (i = 0; i < N(snrs) && !err; i++) {
		for (j = 0; j < N(noises) && !err; j++) {
			struct vc_track t;
			struct vc_evlist l = {0};
			struct vc_score sc;

			vc_track_init(&t, (uint32_t)(31 + 7 * i + j));
			err = track_listen(&t, &s);
			if (!err)
				err = vc_track_finish(&t, noises[j], snrs[i],
						      NULL, 0, -99, 0);
			if (!err)
				err = run_vad(&t, NULL, false, &l);
			if (!err)
				err = vc_score(&t, &l, 500, &sc);
			if (!err) {
				printf("  vad %s %2.0f dB: %u utts, %u missed,"
				       " onset p50 %.0f p95 %.0f ms (%u over "
				       "80), end p95 %.0f ms, %u split, %u "
				       "false starts in %.1f min, bursts "
				       "%u/%u utterances (%u started)\n",
				       noises[j] == VC_PINK ? "pink "
							    : "white",
				       snrs[i], sc.utts, sc.missed,
				       vc_pct(sc.onset_ms, sc.nonset, 50),
				       vc_pct(sc.onset_ms, sc.nonset, 95),
				       sc.late, vc_pct(sc.end_ms, sc.nend, 95),
				       sc.split, sc.false_starts, sc.quiet_min,
				       sc.burst_utts, sc.bursts,
				       sc.burst_starts);
				pool(&p[i], &sc);
				vc_score_free(&sc);
			}
			vc_ev_free(&l);
			vc_track_free(&t);
		}
	}
	set_free(&s);
	TEST_ERR(err);

	for (i = 0; i < N(snrs); i++) {
		/* noise alone never starts, at any SNR; bursts are never
		 * utterances */
		ASSERT_EQ(0, p[i].false_starts);
		ASSERT_TRUE(p[i].quiet_min > 0.5);
		ASSERT_EQ(0, p[i].burst_utts);
		ASSERT_TRUE(p[i].bursts >= 8);
	}
	for (i = 0; i < 2; i++) {
		/* 20 and 10 dB: all found, ended in time, none split */
		ASSERT_EQ(0, p[i].missed);
		ASSERT_EQ(0, p[i].end_late);
		ASSERT_EQ(0, p[i].no_end);
		ASSERT_EQ(0, p[i].split);
		ASSERT_TRUE(p[i].utts >= 20);
	}
	/* 10 dB: 95% of onsets decided within 80 ms */
	if (p[1].late * 20 > p[1].utts)
		TEST_FAIL("10 dB: %u of %u onsets later than 80 ms",
			  p[1].late, p[1].utts);
	/* 20 dB: all of them */
	ASSERT_EQ(0, p[0].late);
	/* 5 dB: nearly all found */
	ASSERT_TRUE(p[2].missed * 20 <= p[2].utts);
	return 0;
}

/* run_vad() as the robot uses the detector: the first vad_peek() after a
 * 240 ms pause is compared with the audio of the END that follows (same
 * samples, same length) when no speech came between; peeks counts the
 * ENDs with such a look, kept those whose audio it was */
static int run_peek(const struct vc_track *t, struct vc_evlist *l,
		    unsigned *peeks, unsigned *kept)
{
	struct vad *v = NULL;
	size_t f, pn = 0;
	const int16_t *pp;
	int16_t *copy = NULL;
	int err = vad_alloc(&v, NULL);

	for (f = 0; f < t->n / MEDIA_FRAME && !err; f++) {
		struct vad_event ev;

		switch (vad_feed(v, t->rx + f * MEDIA_FRAME, NULL, &ev)) {
		case VAD_EV_START:
			err = vc_ev_add(l, VC_EV_START, ev.frame, ev.onset, 0);
			break;
		case VAD_EV_END:
			if (pn)
				(*peeks)++;
			if (pn && ev.seg && ev.seg->n == pn &&
			    !memcmp(ev.seg->pcm, copy, pn * sizeof(*copy)))
				(*kept)++;
			pn = 0;
			err = vc_ev_add(l, VC_EV_END, ev.frame, ev.onset,
					ev.end);
			mem_deref(ev.seg);
			break;
		case VAD_EV_DISCARD:
			pn = 0;
			err = vc_ev_add(l, VC_EV_DISCARD, ev.frame, ev.onset,
					ev.end);
			break;
		default:
			if (!vad_pause_ms(v))
				pn = 0; /* speech again: a new look */
			else if (!pn && vad_pause_ms(v) >= 240 &&
				 (pn = vad_peek(v, &pp)) > 0) {
				free(copy);
				copy = malloc(pn * sizeof(*copy));
				if (!copy)
					err = ENOMEM;
				else
					memcpy(copy, pp, pn * sizeof(*copy));
			}
			break;
		}
	}
	free(copy);
	mem_deref(v);
	return err;
}

/* A quiet line (pink noise 50 dB under the speech), every word ending
 * as the synthesizer made it: flite's fade after the last syllable (-45
 * to -60 dBFS) is far above the floor, but END comes end_ms after the
 * speech, not after the fade. */
int test_vad_fade(void)
{
	struct vc_track t;
	struct vc_evlist l = {0};
	struct vc_score sc, r;
	struct set s;
	double p50, p95;
	unsigned peeks = 0, kept = 0;
	int err;

	err = set_make(&s, 3);
	if (err)
		TEST_FAIL("synthesis (flite, espeak-ng, sox): %s",
			  strerror(err));
	vc_track_init(&t, 97);
	t.fades = true;
	err = track_listen(&t, &s);
	set_free(&s);
	if (!err)
		err = vc_track_finish(&t, VC_PINK, 50, NULL, 0, -99, 0);
	if (!err)
		err = run_peek(&t, &l, &peeks, &kept);
	if (!err)
		err = vc_score(&t, &l, 500, &sc);
	vc_ev_free(&l);
	vc_track_free(&t);
	TEST_ERR(err);
	p50 = vc_pct(sc.end_ms, sc.nend, 50);
	p95 = vc_pct(sc.end_ms, sc.nend, 95);
	r = sc;
	vc_score_free(&sc);
	printf("  vad quiet line, fades kept: %u utts, %u missed, %u split, "
	       "end p50 %.0f p95 %.0f ms after the speech, bursts %u/%u "
	       "utterances; %u/%u early looks were END's audio\n", r.utts,
	       r.missed, r.split, p50, p95, r.burst_utts, r.bursts, kept,
	       peeks);

	ASSERT_EQ(0, r.missed);
	ASSERT_EQ(0, r.split);
	ASSERT_EQ(0, r.no_end);
	ASSERT_EQ(0, r.burst_utts);
	ASSERT_TRUE(r.utts >= 12);
	/* the robot's early recognition: what vad_peek() gave once the
	 * pause passed 240 ms is what END handed over */
	ASSERT_TRUE(peeks >= r.utts - r.missed);
	ASSERT_EQ(peeks, kept);
	/* end_ms plus a frame of decision, and a final consonant or two
	 * (a fade 30 dB under the utterance's peak holds nothing off) */
	if (p50 > 540 || p95 > 600)
		TEST_FAIL("ends %.0f ms (p50), %.0f ms (p95) after the "
			  "speech", p50, p95);
	return 0;
}

int test_vad_echo(void)
{
	static const char *prompts[] = {
		"Hello, this is an automated assistant calling about your "
		"loan application.",
		"ni3 hao3, wo3 shi4 zi4 dong4 yu3 yin1 zhu4 shou3.",
		"We can offer you a personal loan with a low monthly rate. "
		"Would you like to hear the details?",
	};
	static const char *pvoice[] = {
		"flite:kal", "espeak:cmn-latn-pinyin", "flite:kal",
	};
	struct vc_clip pc[3];
	struct vc_track t;
	struct vc_evlist l = {0}, l0 = {0};
	struct vc_score sc, s0;
	struct set s;
	char *dir;
	size_t i, k = 0;
	int err;

	memset(pc, 0, sizeof(pc));
	memset(&sc, 0, sizeof(sc));
	memset(&s0, 0, sizeof(s0));
	err = set_make(&s, 1);
	if (err)
		TEST_FAIL("synthesis: %s", strerror(err));
	dir = vc_mkdir();
	for (i = 0; i < N(prompts) && !err; i++)
		err = dir ? vc_synth(&pc[i], pvoice[i], prompts[i], dir)
			  : ENOMEM;
	vc_rmdir(dir);
	free(dir);

	/* prompts, answers between them, every other prompt talked over */
	vc_track_init(&t, 5);
	if (!err)
		err = vc_gap(&t, 1000);
	for (i = 0; i < 2 * N(prompts) && !err; i++) {
		const struct vc_clip *a = &s.c[k++ % s.n];

		err = vc_robot(&t, &pc[i % N(prompts)], i % 2 ? a : NULL,
			       700 + 300 * (unsigned)i);
		if (!err)
			err = vc_gap(&t, 800);
		if (!err && i % 2 == 0) {
			err = vc_say(&t, &s.c[k++ % s.n], NULL, 0, 0);
			if (!err)
				err = vc_gap(&t, 1200);
		}
	}
	if (!err)
		err = vc_track_finish(&t, VC_PINK, 20, NULL, 0, -10, 120);
	if (!err)
		err = run_vad(&t, NULL, true, &l);
	if (!err)
		err = vc_score(&t, &l, 500, &sc);
	if (!err)
		err = run_vad(&t, NULL, false, &l0);
	if (!err)
		err = vc_score(&t, &l0, 500, &s0);
	if (!err)
		printf("  vad echo -10 dB 120 ms: %u false barge-ins in %.2f "
		       "min of echo, double talk %u/%u found, %u/%u "
		       "utterances found, onset p95 %.0f ms; without the "
		       "reference: %u false barge-ins\n",
		       sc.echo_starts, sc.echo_min, sc.dt_found, sc.dt_utts,
		       sc.utts - sc.missed, sc.utts,
		       vc_pct(sc.onset_ms, sc.nonset, 95), s0.echo_starts);

	for (i = 0; i < N(prompts); i++)
		vc_clip_free(&pc[i]);
	set_free(&s);
	vc_ev_free(&l);
	vc_ev_free(&l0);
	vc_track_free(&t);
	if (err) {
		vc_score_free(&sc);
		vc_score_free(&s0);
		TEST_FAIL("echo track: %s", strerror(err));
	}

	err = EINVAL;
	if (sc.echo_starts || sc.false_starts)
		goto out;
	if (sc.dt_utts < 3 || sc.dt_found != sc.dt_utts || sc.missed)
		goto out;
	if (sc.late || sc.split)
		goto out;
	/* the echo alone does start a detector without the reference */
	if (s0.echo_starts < 2)
		goto out;
	err = 0;
 out:
	if (err)
		fprintf(stderr, "%s:%d: echo: %u false barge-ins, %u false "
				"starts, double talk %u/%u, %u missed, %u "
				"late, %u split; no reference: %u\n",
			__FILE__, __LINE__, sc.echo_starts, sc.false_starts,
			sc.dt_found, sc.dt_utts, sc.missed, sc.late, sc.split,
			s0.echo_starts);
	vc_score_free(&sc);
	vc_score_free(&s0);
	return err;
}

/* the audio handed over, the pre-roll, end_ms, cancel */
int test_vad_segment(void)
{
	struct vad_conf c300 = {.end_ms = 300};
	struct vc_track t;
	struct vc_clip a;
	struct vad *v = NULL;
	char *dir = vc_mkdir();
	size_t on, off, f, ends = 0;
	int err;

	ASSERT_TRUE(dir != NULL);
	err = vc_synth(&a, "flite:slt", "Yes, I would like that.", dir);
	vc_rmdir(dir);
	free(dir);
	if (err)
		TEST_FAIL("synthesis: %s", strerror(err));

	/* clip, a 400 ms pause, the clip again */
	vc_track_init(&t, 9);
	err = vc_gap(&t, 2000);
	on = t.n;
	if (!err)
		err = vc_say(&t, &a, &a, 400, 0);
	off = t.n;
	if (!err)
		err = vc_gap(&t, 1500);
	if (!err)
		err = vc_track_finish(&t, VC_WHITE, 20, NULL, 0, -99, 0);
	vc_clip_free(&a);
	if (err) {
		vc_track_free(&t);
		TEST_FAIL("track: %s", strerror(err));
	}

	/* default 500 ms: one utterance, with its pre-roll and tail */
	err = vad_alloc(&v, NULL);
	for (f = 0; !err && f < t.n / MEDIA_FRAME; f++) {
		struct vad_event ev;
		struct vad_seg *sg;

		if (vad_feed(v, t.rx + f * MEDIA_FRAME, NULL, &ev) !=
		    VAD_EV_END)
			continue;
		sg = ev.seg;
		ends++;
		err = EINVAL;
		if (!sg || sg->cut || sg->onset != ev.onset ||
		    sg->end != ev.end)
			break;
		/* onset within 60 ms of the truth, end within 150 ms */
		if (sg->onset * 160 + 480 < on || sg->onset * 160 > on + 480 ||
		    sg->end * 160 + 1200 < off || sg->end * 160 > off + 1200)
			break;
		/* 200 ms before the onset, 200 ms after the end */
		if (sg->first + 10 != sg->onset ||
		    sg->n != (size_t)(sg->end + 10 - sg->first) * 160)
			break;
		if (memcmp(sg->pcm, t.rx + sg->first * 160,
			   sg->n * sizeof(int16_t)))
			break;
		if (sg->speech_ms < 1000)
			break;
		err = 0;
		mem_deref(sg);
	}
	v = mem_deref(v);
	if (!err && ends != 1)
		err = EINVAL;
	if (err) {
		vc_track_free(&t);
		TEST_FAIL("default conf: %zu ends, err %d", ends, err);
	}

	/* end_ms 300: the 400 ms pause ends the first one */
	ends = 0;
	err = vad_alloc(&v, &c300);
	for (f = 0; !err && f < t.n / MEDIA_FRAME; f++) {
		struct vad_event ev;

		if (vad_feed(v, t.rx + f * MEDIA_FRAME, NULL, &ev) ==
		    VAD_EV_END) {
			ends++;
			mem_deref(ev.seg);
		}
	}
	v = mem_deref(v);
	if (!err && ends != 2)
		err = EINVAL;
	if (err) {
		vc_track_free(&t);
		TEST_FAIL("end_ms 300: %zu ends, err %d", ends, err);
	}

	/* cancel: no event for the utterance dropped */
	ends = 0;
	err = vad_alloc(&v, NULL);
	for (f = 0; !err && f < t.n / MEDIA_FRAME; f++) {
		struct vad_event ev;
		enum vad_evtype e = vad_feed(v, t.rx + f * MEDIA_FRAME, NULL,
					     &ev);

		if (e == VAD_EV_START)
			vad_cancel(v);
		if (e == VAD_EV_END || e == VAD_EV_DISCARD) {
			ends++;
			mem_deref(ev.seg);
		}
	}
	v = mem_deref(v);
	vc_track_free(&t);
	TEST_ERR(err);
	/* each cancel drops what ran; speech going on starts again and
	 * is dropped again, so nothing ever ends */
	ASSERT_EQ(0, ends);
	return 0;
}

/* synthetic signals: limits and the API */
int test_vad_limits(void)
{
	struct vad_conf bad = {.preroll_ms = 500};
	struct vad_conf bad2 = {.end_ms = 50};
	struct vad *v = NULL;
	struct vad_info info;
	struct vad_event ev;
	size_t n = 14 * 8000, f, i;
	double *x = calloc(n, sizeof(*x));
	int16_t *pcm = malloc(n * sizeof(*pcm)), zero[MEDIA_FRAME] = {0};
	unsigned starts = 0, ends = 0, cuts = 0, discards = 0;
	uint32_t seed = 3;
	int err = 0;

	if (!x || !pcm) {
		free(x);
		free(pcm);
		return ENOMEM;
	}
	ASSERT_EQ(EINVAL, vad_alloc(NULL, NULL));
	ASSERT_EQ(EINVAL, vad_alloc(&v, &bad));
	ASSERT_EQ(EINVAL, vad_alloc(&v, &bad2));
	ASSERT_TRUE(v == NULL);
	ASSERT_EQ(VAD_EV_NONE, vad_feed(NULL, zero, NULL, &ev));
	ASSERT_STREQ("start", vad_evname(VAD_EV_START));

	/* a minute of digital silence, then of steady noise with a lost
	 * packet (a frame of zeros) every second: nothing */
	TEST_ERR(vad_alloc(&v, NULL));
	for (f = 0; f < 3000; f++)
		starts += vad_feed(v, zero, NULL, &ev) != VAD_EV_NONE;
	for (f = 0; f < 3000; f++) {
		double nz[MEDIA_FRAME] = {0};
		int16_t fr[MEDIA_FRAME];

		if (f % 50 != 25)
			tm_noise(nz, MEDIA_FRAME, 300, &seed);
		tm_to16(fr, nz, MEDIA_FRAME);
		starts += vad_feed(v, fr, NULL, &ev) != VAD_EV_NONE;
	}
	vad_info(v, &info);
	v = mem_deref(v);
	ASSERT_EQ(0, starts);
	ASSERT_EQ(6000, info.frames);
	ASSERT_EQ(-1, info.echo_delay_ms);
	/* 300 RMS is about -41 dBFS over the whole band */
	ASSERT_TRUE(info.noise_dbfs > -47 && info.noise_dbfs < -39);

	/* 1 s of noise, 12 s of a voice that never pauses 500 ms, 1 s of
	 * noise: cut at 10 s, started again, then ended */
	tm_voice(x + 8000, 12 * 8000, 8000, 11);
	tm_noise(x, n, 100, &seed);
	tm_to16(pcm, x, n);
	TEST_ERR(vad_alloc(&v, NULL));
	for (f = 0; f < n / MEDIA_FRAME; f++) {
		switch (vad_feed(v, pcm + f * MEDIA_FRAME, NULL, &ev)) {
		case VAD_EV_START:
			starts++;
			break;
		case VAD_EV_END:
			ends++;
			if (ev.seg && ev.seg->cut) {
				cuts++;
				/* 10 s from the onset plus the pre-roll */
				if (ev.seg->n != 510 * MEDIA_FRAME)
					err = EINVAL;
			}
			mem_deref(ev.seg);
			break;
		case VAD_EV_DISCARD:
			discards++;
			break;
		default:
			break;
		}
	}
	v = mem_deref(v);
	TEST_ERR(err);
	ASSERT_EQ(2, starts);
	ASSERT_EQ(2, ends);
	ASSERT_EQ(1, cuts);
	ASSERT_EQ(0, discards);

	/* bursts of 100 ms of voice 1.5 s apart: starts, never an
	 * utterance */
	memset(x, 0, n * sizeof(*x));
	starts = ends = discards = 0;
	for (i = 1; i < 8; i++)
		tm_voice(x + i * 12000, 800, 8000, (uint32_t)(20 + i));
	tm_noise(x, n, 100, &seed);
	tm_to16(pcm, x, n);
	TEST_ERR(vad_alloc(&v, NULL));
	for (f = 0; f < n / MEDIA_FRAME; f++) {
		switch (vad_feed(v, pcm + f * MEDIA_FRAME, NULL, &ev)) {
		case VAD_EV_START:
			starts++;
			break;
		case VAD_EV_END:
			ends++;
			mem_deref(ev.seg);
			break;
		case VAD_EV_DISCARD:
			discards++;
			break;
		default:
			break;
		}
	}
	v = mem_deref(v);
	free(x);
	free(pcm);
	ASSERT_EQ(0, ends);
	ASSERT_EQ(starts, discards);
	ASSERT_TRUE(starts >= 4);
	return 0;
}
