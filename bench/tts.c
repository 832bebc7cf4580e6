/**
 * @file tts.c  Speech synthesis figures: real-time factor per engine and
 * voice, against the same engines' command-line programs as the peer,
 * and what the prompt cache costs on a memory hit, a disk hit and a
 * synthesis, measured through the loop as a call would see it.
 *
 *   bench-tts [ROUNDS]
 *
 * RTF is synthesis wall time over audio duration (one thread; the
 * engines serialize anyway). The first synthesis of a voice, which loads
 * it, is reported apart as "cold". The peer is `flite -voice V -t TEXT
 * -o F` and `espeak-ng -v V -w F TEXT`, one process per sentence, which
 * is what a robot shelling out per prompt would pay. Prints figures only.
 */
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "tts/tts.h"

extern char **environ;

static const char *const english[] = {
	"Hello, this is an automated assistant calling on behalf of Acme "
	"Finance, a personal loan provider.",
	"Are you looking for a personal loan at the moment?",
	"Sorry, I didn't quite catch that. A simple yes or no is fine.",
	"Roughly how much would you need? For example, five thousand "
	"dollars.",
	"Thank you for your time. Goodbye.",
};

static const char *const pinyin[] = {
	"nin2 hao3! wo3 shi4 an1 xin4 jin1 rong2 de5 zhi4 neng2 yu3 yin1 "
	"zhu4 shou3.",
	"qing3 wen4 nin2 zui4 jin4 you3 mei2 you3 zi1 jin1 zhou1 zhuan3 de5 "
	"xu1 yao4 ne5?",
	"bu4 hao3 yi4 si5, gang1 cai2 mei2 ting1 qing1.",
	"nin2 da4 gai4 xu1 yao4 duo1 shao3 qian2?",
	"gan3 xie4 nin2 de5 shi2 jian1, zai4 jian4.",
};

#define NSENT 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct voice {
	const char *engine, *voice, *lang;
	const char *const *sent;
	const char *cli;   /* the peer program */
};

static const struct voice voices[] = {
	{"flite", "slt", "en", english, "flite"},
	{"flite", "rms", "en", english, "flite"},
	{"flite", "awb", "en", english, "flite"},
	{"flite", "kal16", "en", english, "flite"},
	{"espeak", "en-us", "en", english, "espeak-ng"},
	{"espeak", "en-gb", "en", english, "espeak-ng"},
	{"espeak", "cmn-latn-pinyin", "zh", pinyin, "espeak-ng"},
};

static int synth(const struct voice *v, const char *s, double *audio)
{
	struct tts_audio *a = NULL;
	struct tts_req r;
	int err;

	memset(&r, 0, sizeof(r));
	r.engine = v->engine;
	r.voice = v->voice;
	r.lang = v->lang;
	if (!strcmp(v->lang, "zh"))
		r.pinyin = s;
	r.text = s;
	err = tts_synth(&a, &r);
	if (!err)
		*audio = (double)a->n / a->srate;
	mem_deref(a);
	return err;
}

/* one run of the peer program; seconds, or < 0 */
static double peer(const struct voice *v, const char *s)
{
	const char *out = "/tmp/bench-tts-peer.wav";
	char *argv[8];
	double t0 = now();
	pid_t pid;
	int st;

	if (!strcmp(v->cli, "flite")) {
		argv[0] = "flite";
		argv[1] = "-voice";
		argv[2] = (char *)v->voice;
		argv[3] = "-t";
		argv[4] = (char *)s;
		argv[5] = "-o";
		argv[6] = (char *)out;
		argv[7] = NULL;
	}
	else {
		argv[0] = "espeak-ng";
		argv[1] = "-v";
		argv[2] = (char *)v->voice;
		argv[3] = "-w";
		argv[4] = (char *)out;
		argv[5] = (char *)s;
		argv[6] = NULL;
	}
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	unlink(out);
	return now() - t0;
}

static void engines(unsigned rounds)
{
	size_t i, k;
	unsigned r;

	printf("%-22s %8s %8s %8s %9s %9s %7s\n", "engine/voice", "cold ms",
	       "audio s", "synth s", "RTF", "peer RTF", "peer/us");
	for (i = 0; i < sizeof(voices) / sizeof(voices[0]); i++) {
		const struct voice *v = &voices[i];
		double audio = 0, wall = 0, pwall = 0, a, t0, cold;
		bool peer_ok = true;
		char name[40];

		t0 = now();
		if (synth(v, v->sent[0], &a)) {
			printf("%s/%s: synthesis failed\n", v->engine,
			       v->voice);
			continue;
		}
		cold = now() - t0;

		for (r = 0; r < rounds; r++) {
			for (k = 0; k < NSENT; k++) {
				t0 = now();
				if (synth(v, v->sent[k], &a))
					continue;
				wall += now() - t0;
				audio += a;
			}
		}
		for (k = 0; k < NSENT && peer_ok; k++) {
			double p = peer(v, v->sent[k]);

			if (p < 0)
				peer_ok = false;
			pwall += p;
		}
		snprintf(name, sizeof(name), "%s/%s", v->engine, v->voice);
		if (peer_ok)
			printf("%-22s %8.1f %8.1f %8.3f %9.4f %9.4f %6.1fx\n",
			       name, cold * 1000, audio, wall, wall / audio,
			       pwall / (audio / rounds),
			       pwall / (wall / rounds));
		else
			printf("%-22s %8.1f %8.1f %8.3f %9.4f %9s %7s\n", name,
			       cold * 1000, audio, wall, wall / audio, "-",
			       "-");
	}
}

/* ---- the cache, through the loop ---------------------------------------- */

struct wait {
	unsigned n, want;
	int err;
};

static void on_done(int err, struct tts_entry *e, void *arg)
{
	struct wait *w = arg;

	(void)e;
	if (err)
		w->err = err;
	if (++w->n >= w->want)
		re_cancel();
}

static void on_prewarm(const struct tts_prewarm_stats *st, void *arg)
{
	(void)st;
	(void)arg;
	re_cancel();
}

/* request one prompt and wait for it; microseconds from ask to answer */
static double ask(struct tts_cache *c, const struct tts_req *r, bool *hit)
{
	struct wait w = {0, 1, 0};
	struct tts_entry *e = NULL;
	double t0 = now();
	int err;

	err = tts_prompt_get(&e, NULL, c, r, on_done, &w);
	if (err == EINPROGRESS)
		re_main(NULL);
	*hit = err == 0;
	mem_deref(e);
	return (now() - t0) * 1e6;
}

static void cache(void)
{
	enum { N = 1000, HITS = 200000 };
	char dir[] = "/tmp/bench-tts-XXXXXX", cmd[64];
	struct tts_req *rv = NULL;
	char (*texts)[48] = NULL;
	struct work_pool *pool = NULL;
	struct tts_cache *c = NULL;
	struct tts_cache_conf conf;
	double t0, synth_us = 0, disk_us = 0, mem_us = 0;
	size_t i;
	bool hit;

	rv = calloc(N, sizeof(*rv));
	texts = calloc(N, sizeof(*texts));
	if (!rv || !texts || !mkdtemp(dir) || libre_init())
		goto out;
	if (work_pool_alloc(&pool, 2) || tts_cache_alloc(&c, pool, NULL))
		goto out;

	/* memory hits: key (normalize + HMAC-SHA256) and table lookup */
	for (i = 0; i < N; i++) {
		snprintf(texts[i], sizeof(texts[i]),
			 "prompt number %zu of the script", i);
		rv[i].engine = "null";
		rv[i].text = texts[i];
	}
	if (tts_prewarm(NULL, c, rv, N, on_prewarm, NULL) == EINPROGRESS)
		re_main(NULL);
	t0 = now();
	for (i = 0; i < HITS; i++) {
		struct tts_entry *e = NULL;

		if (tts_prompt_get(&e, NULL, c, &rv[i % N], NULL, NULL))
			break;
		mem_deref(e);
	}
	printf("cache memory hit: %.2f us per tts_prompt_get (%d entries)\n",
	       (now() - t0) * 1e6 / HITS, N);
	c = mem_deref(c);

	/* flite through the cache: synthesis, then disk, then memory */
	memset(&conf, 0, sizeof(conf));
	conf.dir = dir;
	if (tts_cache_alloc(&c, pool, &conf))
		goto out;
	for (i = 0; i < NSENT; i++) {
		memset(&rv[i], 0, sizeof(rv[i]));
		rv[i].voice = "slt";
		rv[i].text = english[i];
		synth_us += ask(c, &rv[i], &hit);
	}
	c = mem_deref(c);
	if (tts_cache_alloc(&c, pool, &conf))
		goto out;
	for (i = 0; i < NSENT; i++)
		disk_us += ask(c, &rv[i], &hit);
	for (i = 0; i < NSENT; i++)
		mem_us += ask(c, &rv[i], &hit);
	printf("flite/slt through the cache, ask to answer on the loop: "
	       "synthesis %.1f ms, disk hit %.2f ms, memory hit %.1f us\n",
	       synth_us / NSENT / 1000, disk_us / NSENT / 1000,
	       mem_us / NSENT);

out:
	mem_deref(c);
	if (pool) {
		for (i = 0; i < 100 && work_pending(pool); i++)
			usleep(10000); /* nothing should be in flight */
		mem_deref(pool);
	}
	libre_close();
	free(rv);
	free(texts);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char *argv[])
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 3;

	if (!rounds)
		rounds = 1;
	tts_init();
	engines(rounds);
	cache();
	tts_close();
	return 0;
}
