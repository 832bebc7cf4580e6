/**
 * @file test_sim.c  The simulated callee's pure parts: the persona loader
 * (a good file, and one bad file per kind of error, each with its line,
 * column and message), pinyin syllables, the turn timing against made-up
 * robots, and noise at its SNR, repeatable from the seed.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core/work.h"
#include "media/media.h"
#include "tts/tts.h"
#include "sip/ua.h"
#include "call/call.h"
#include "sim/persona.h"
#include "sim/sim.h"
#include "test.h"
#include "tests.h"

static const char good[] =
	"- name: en-a-amount-time\n"
	"  about: interested\n"
	"  voice: { engine: flite, voice: rms, rate: 1.1, pitch: 12 }\n"
	"  noise: { snr_db: 20, kind: babble }\n"
	"  codec: pcma\n"
	"  answer: 1500\n"
	"  turns:\n"
	"    - say: yes\n"
	"    - say: 我需要贷款\n"
	"      pinyin: wo3 xu1 yao4 dai4 kuan3\n"
	"    - say: hold on who is this\n"
	"      barge_in_ms: 800\n"
	"    - silence: true\n"
	"    - dtmf: \"1#\"\n"
	"    - hangup: true\n"
	"      pause_ms: 300\n"
	"  expect:\n"
	"    grade: A\n"
	"    opt_out: false\n"
	"    tags: [has_demand]\n"
	"    slots: { amount: 20000 }\n"
	"- name: en-busy\n"
	"  answer: busy\n"
	"  expect: { grade: F, outcome: busy }\n";

int test_sim_persona_good(void)
{
	struct persona_set *s = NULL;
	struct persona_diags d;
	const struct persona *p;
	int err;

	memset(&d, 0, sizeof(d));
	err = persona_parse(&s, good, strlen(good), &d);
	if (err)
		persona_diags_print(&d, "good", stderr);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, d.errors);
	ASSERT_EQ(2, s->n);

	p = persona_find(s, "en-a-amount-time");
	ASSERT_TRUE(p != NULL);
	ASSERT_STREQ("flite", p->engine);
	ASSERT_STREQ("rms", p->voice);
	ASSERT_EQ(110, p->rate);
	ASSERT_EQ(200, p->pitch);
	ASSERT_EQ(PERSONA_NOISE_BABBLE, p->noise);
	ASSERT_TRUE(fabs(p->snr_db - 20) < 1e-9);
	ASSERT_EQ(8, p->codec);
	ASSERT_EQ(PERSONA_RING, p->answer);
	ASSERT_EQ(1500, p->answer_ms);
	ASSERT_EQ(6, p->nturns);
	ASSERT_EQ(PERSONA_SAY, p->turns[0].kind);
	ASSERT_STREQ("yes", p->turns[0].say);
	ASSERT_STREQ("en", persona_turn_lang(&p->turns[0]));
	ASSERT_STREQ("wo3 xu1 yao4 dai4 kuan3", p->turns[1].pinyin);
	ASSERT_STREQ("zh", persona_turn_lang(&p->turns[1]));
	ASSERT_TRUE(p->turns[2].barge);
	ASSERT_EQ(800, p->turns[2].barge_in_ms);
	ASSERT_EQ(PERSONA_SILENCE, p->turns[3].kind);
	ASSERT_STREQ("1#", p->turns[4].dtmf);
	ASSERT_EQ(PERSONA_HANGUP, p->turns[5].kind);
	ASSERT_EQ(300, p->turns[5].pause_ms);
	ASSERT_EQ(15, p->turns[5].line);
	ASSERT_EQ('A', p->grade);
	ASSERT_STREQ("answered", p->outcome);
	ASSERT_EQ(0, p->opt_out);
	ASSERT_EQ(1, p->ntags);
	ASSERT_STREQ("has_demand", p->tags[0]);
	ASSERT_EQ(1, p->nslots);
	ASSERT_STREQ("amount", p->slot_names[0]);
	ASSERT_STREQ("20000", p->slot_values[0]);

	p = persona_find(s, "en-busy");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(PERSONA_BUSY, p->answer);
	ASSERT_STREQ("busy", p->outcome);
	ASSERT_EQ(-1, p->opt_out);
	ASSERT_TRUE(persona_find(s, "nobody") == NULL);

	mem_deref(s);
	persona_diags_reset(&d);
	return 0;
}

/* each bad file: its first error's line, column and a piece of the
 * message */
static const struct {
	const char *yaml;
	unsigned line, col;
	const char *msg;
} bad[] = {
	{"- name: a\n  turns: [{say: hi}]\n  expect: {grade: A}\n"
	 "  noize: {snr_db: 3}\n",
	 4, 3, "unknown key 'noize' in a persona (did you mean 'noise'?)"},
	{"- name: a\n  turns: [{sya: hi}]\n  expect: {grade: A}\n", 2, 12,
	 "(did you mean 'say'?)"},
	{"- about: x\n  turns: [{say: hi}]\n  expect: {grade: A}\n", 1, 3,
	 "name is missing"},
	{"- name: a\n  expect: {grade: A}\n", 1, 3, "turns are missing"},
	{"- name: a\n  turns: [{say: hi}]\n", 1, 3, "expect is missing"},
	{"- name: a\n  turns: [{say: hi}]\n  expect: {outcome: answered}\n",
	 3, 11, "grade is missing"},
	{"- name: a\n  turns: [{say: hi}]\n  expect: {grade: A}\n"
	 "- name: a\n  turns: [{say: hi}]\n  expect: {grade: A}\n",
	 4, 9, "'a' is used twice (first at line 1)"},
	{"- name: Bad_Name\n  turns: [{say: hi}]\n  expect: {grade: A}\n", 1,
	 9, "must be 1-48 of a-z"},
	{"- name: a\n  turns:\n    - say: 你好\n      pinyin: ni3 hao\n"
	 "  expect: {grade: A}\n",
	 4, 15, "'hao' is not a tone-numbered syllable"},
	{"- name: a\n  turns:\n    - say: 你好\n  expect: {grade: A}\n", 3, 12,
	 "Mandarin text needs pinyin"},
	{"- name: a\n  voice: {rate: 3}\n  turns: [{say: hi}]\n"
	 "  expect: {grade: A}\n",
	 2, 17, "voice.rate: 3 is out of range"},
	{"- name: a\n  answer: maybe\n  turns: [{say: hi}]\n"
	 "  expect: {grade: A}\n",
	 2, 11, "'maybe' is not one of: busy, reject"},
	{"- name: a\n  codec: g729\n  turns: [{say: hi}]\n"
	 "  expect: {grade: A}\n",
	 2, 10, "'g729' is not one of: pcmu, pcma"},
	{"- name: a\n  turns: [{say: hi, dtmf: \"1\"}]\n"
	 "  expect: {grade: A}\n",
	 2, 21, "one of say, silence, dtmf, hangup per turn"},
	{"- name: a\n  turns: [{dtmf: \"12x\"}]\n  expect: {grade: A}\n", 2, 18,
	 "dtmf: keys 0-9"},
	{"- name: a\n  turns: [{say: hi, barge_in_ms: soon}]\n"
	 "  expect: {grade: A}\n",
	 2, 34, "'soon' is not a whole number"},
	{"- name: a\n  answer: busy\n  expect: {grade: F, outcome: answered}\n",
	 3, 31, "but this persona's answer gives 'busy'"},
	{"- name: a\n  noise: {kind: pink}\n  turns: [{say: hi}]\n"
	 "  expect: {grade: A}\n",
	 2, 10, "snr_db is missing"},
	{"- name: a\n  name: b\n", 2, 3, "key 'name' given twice"},
	{"- name: &x a\n  about: *x\n", 2, 10, "aliases"},
	{"name: a\n", 1, 1, "expected a list of personas"},
	{"", 1, 1, "no personas"},
	{"- name: [a\n", 2, 1, "YAML:"},
	{"- name: a\n  turns: [{silence: false}]\n  expect: {grade: A}\n", 2,
	 21, "silence: false does nothing"},
};

int test_sim_persona_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct persona_set *s = NULL;
		struct persona_diags d;
		int err;

		memset(&d, 0, sizeof(d));
		err = persona_parse(&s, bad[i].yaml, strlen(bad[i].yaml), &d);
		if (err != EINVAL || !d.n || s ||
		    d.v[0].line != bad[i].line || d.v[0].col != bad[i].col ||
		    !strstr(d.v[0].msg, bad[i].msg)) {
			fprintf(stderr, "case %zu: err %d, want line %u col %u "
				"'%s'; got:\n", i, err, bad[i].line,
				bad[i].col, bad[i].msg);
			persona_diags_print(&d, "bad.yaml", stderr);
			persona_diags_reset(&d);
			mem_deref(s);
			return EINVAL;
		}
		persona_diags_reset(&d);
	}
	return 0;
}

int test_sim_persona_file(void)
{
	struct persona_set *s = NULL;
	struct persona_diags d;
	char path[] = "/tmp/callbot-test-sim-XXXXXX";
	FILE *f;
	int fd, err;

	memset(&d, 0, sizeof(d));
	ASSERT_EQ(ENOENT, persona_load(&s, "/nonexistent/p.yaml", &d));
	ASSERT_EQ(0, d.n);

	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	f = fdopen(fd, "w");
	ASSERT_TRUE(f != NULL);
	fputs(good, f);
	fclose(f);
	err = persona_load(&s, path, &d);
	remove(path);
	ASSERT_EQ(0, err);
	ASSERT_EQ(2, s->n);
	mem_deref(s);
	persona_diags_reset(&d);
	return 0;
}

int test_sim_pinyin(void)
{
	static const char *const ok[] = {"wo3 xu1 yao4", "ni3hao3",
					 "lv4 nü3", "hao3, 20000 kuai4",
					 "Shi4 de5."};
	static const char *const no[] = {"hao", "wo3 xu", "3x", "wo6",
					 "x1y", "", "  ", "hao3!x"};
	const char *b = NULL;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!persona_pinyin_ok(ok[i], &b))
			TEST_FAIL("'%s' refused at '%s'", ok[i], b);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (persona_pinyin_ok(no[i], &b))
			TEST_FAIL("'%s' accepted", no[i]);
	}
	ASSERT_TRUE(!persona_pinyin_ok("wo3 xu yao4", &b));
	ASSERT_TRUE(!strncmp(b, "xu yao4", 7));
	return 0;
}

/* ---- turn timing against scripted robots ---------------------------- */

/* a robot whose speech is on in [on_ms, off_ms) windows */
struct robot {
	unsigned win[8][2];
	size_t n;
};

static double robot_level(const struct robot *r, unsigned t)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (t >= r->win[i][0] && t < r->win[i][1])
			return -20;
	}
	return -120;
}

static const char timing[] =
	"- name: t\n"
	"  turns:\n"
	"    - say: one\n"
	"    - say: two\n"
	"      barge_in_ms: 400\n"
	"    - silence: true\n"
	"    - dtmf: \"5\"\n"
	"      pause_ms: 200\n"
	"  expect: {grade: A}\n";

int test_sim_turns(void)
{
	/* robot: 0-1000 prompt, 3000-5000 reply, 7000-8000 re-prompt after
	 * our silence, 9500-10000 after the keys */
	struct robot rb = {{{0, 1000}, {3000, 5000}, {7000, 8000},
			    {9500, 10000}},
			   4};
	static const unsigned end_ms[] = {500, 600, 0, 0};
	static const unsigned speech_ms[] = {400, 500, 0, 0};
	struct sim_turn_res res[4];
	struct persona_set *s = NULL;
	struct sim_turns st;
	unsigned t, acted[4] = {0};
	size_t turn, busy_turn = 9;
	unsigned busy_until = 0;
	bool hung = false;

	ASSERT_EQ(0, persona_parse(&s, timing, strlen(timing), NULL));
	sim_turns_init(&st, &s->v[0], res);

	for (t = 0; t < 60000 && !hung; t += MEDIA_PTIME) {
		enum sim_act a;

		/* our playback takes 800 ms, keys 300 ms */
		if (busy_turn != 9 && t >= busy_until) {
			sim_turns_done(&st);
			busy_turn = 9;
		}
		a = sim_turns_tick(&st, robot_level(&rb, t), end_ms,
				   speech_ms, &turn);
		if (a == SIM_ACT_SAY || a == SIM_ACT_DTMF) {
			acted[turn] = st.t_ms;
			busy_turn = turn;
			busy_until = t + (a == SIM_ACT_SAY ? 800 : 300);
		}
		hung = a == SIM_ACT_HANGUP;
	}
	/* turn 1: 700 ms after the prompt ended at 1000 */
	ASSERT_TRUE(res[0].reached);
	ASSERT_TRUE(res[0].at_ms >= 1700 && res[0].at_ms <= 1740);
	ASSERT_EQ(400, res[0].speech_ms);
	ASSERT_TRUE(!res[0].barge_in);
	/* its speech ended at at + 500; the robot came back at 3000 */
	ASSERT_TRUE(res[0].reply_ms >= 3000 - (int)res[0].at_ms - 500 &&
		    res[0].reply_ms <= 3000 - (int)res[0].at_ms - 500 + 40);
	/* turn 2 barges in 400 ms into the reply */
	ASSERT_TRUE(res[1].at_ms >= 3400 && res[1].at_ms <= 3440);
	ASSERT_TRUE(res[1].barge_in);
	ASSERT_TRUE(res[1].reply_ms >= 0 && res[1].reply_ms <= 40);
	/* silence: after the reply ended at 5000 and the gap */
	ASSERT_TRUE(res[2].at_ms >= 5700 && res[2].at_ms <= 5740);
	ASSERT_TRUE(res[2].reply_ms >= 1260 && res[2].reply_ms <= 1320);
	/* keys: after the re-prompt at 8000, the gap and pause_ms */
	ASSERT_TRUE(res[3].at_ms >= 8900 && res[3].at_ms <= 8940);
	ASSERT_EQ(acted[3], res[3].at_ms);
	/* after the last turn: 30 s of robot silence, then we hang up */
	ASSERT_TRUE(hung);
	ASSERT_TRUE(st.gave_up);
	ASSERT_TRUE(t >= 10000 + SIM_GIVEUP_MS &&
		    t <= 10000 + SIM_GIVEUP_MS + 100);
	ASSERT_EQ(1000 + 2000 + 1000 + 500, st.robot_ms);
	mem_deref(s);
	return 0;
}

/* ---- noise ------------------------------------------------------------ */

static double snr_of(const int16_t *clean, const int16_t *noisy, size_t n)
{
	double s = 0, e = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double d = (double)noisy[i] - clean[i];

		s += (double)clean[i] * clean[i];
		e += d * d;
	}
	return 10 * log10(s / e);
}

int test_sim_noise(void)
{
	enum { N = 8000 };
	static int16_t clean[N], a[N], b[N];
	struct media_prompt *src = NULL;
	const struct media_prompt *srcv[1];
	struct sim_rng r1, r2;
	size_t i, s0, s1;
	int kind;

	for (i = 0; i < N; i++)
		clean[i] = (int16_t)(8000 * sin(2 * M_PI * 440 * i / 8000.0));
	ASSERT_TRUE(sim_speech_span(clean, N, &s0, &s1));
	ASSERT_EQ(0, s0);
	ASSERT_EQ(N, s1);
	ASSERT_TRUE(sim_level_dbfs(clean, N) > -20);
	memset(a, 0, sizeof(a));
	ASSERT_TRUE(!sim_speech_span(a, N, &s0, &s1));
	ASSERT_TRUE(sim_level_dbfs(a, N) < -100);

	ASSERT_EQ(0, media_prompt_alloc(&src, clean, N, 8000, "src"));
	srcv[0] = src;
	for (kind = PERSONA_NOISE_PINK; kind <= PERSONA_NOISE_BABBLE; kind++) {
		memcpy(a, clean, sizeof(a));
		memcpy(b, clean, sizeof(b));
		sim_rng_seed(&r1, 42, "p", 1);
		sim_rng_seed(&r2, 42, "p", 1);
		ASSERT_EQ(0, sim_noise_add(a, N, kind, 10, &r1, srcv, 1));
		ASSERT_EQ(0, sim_noise_add(b, N, kind, 10, &r2, srcv, 1));
		/* the same seed gives the same noise */
		ASSERT_TRUE(!memcmp(a, b, sizeof(a)));
		if (fabs(snr_of(clean, a, N) - 10) > 0.5)
			TEST_FAIL("kind %d: SNR %.2f dB, not 10", kind,
				  snr_of(clean, a, N));
		/* another seed, other noise */
		memcpy(b, clean, sizeof(b));
		sim_rng_seed(&r2, 43, "p", 1);
		ASSERT_EQ(0, sim_noise_add(b, N, kind, 10, &r2, srcv, 1));
		if (kind != PERSONA_NOISE_BABBLE)
			ASSERT_TRUE(memcmp(a, b, sizeof(a)));
	}
	mem_deref(src);
	return 0;
}
