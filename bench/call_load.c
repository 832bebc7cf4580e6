/**
 * @file call_load.c  Outbound load: many calls from one process at a fixed
 * rate, through the same ua/call/media code as `callbot call`.
 *
 *   bench-call-load URI PROMPT.wav [--calls N] [--rate R] [--hold S]
 *                   [--listen ADDR:PORT]
 *
 * Places N calls (default 1000) at R calls/s (default 100) to URI; each
 * plays the prompt once answered and hangs up S seconds (default 5) after
 * the answer. Prints failed calls by outcome, call setup latency (INVITE
 * to answer) p50/p95, peak concurrent calls, CPU of this process in % of
 * one core, and heap per concurrent call at the peak (mallinfo2). Prints
 * figures only; asserts nothing about timings. The callee is the caller's
 * business (bench/sip/load.py runs SIPp on loopback).
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "sip/ua.h"
#include "call/call.h"

struct leg {
	struct call *call;
	struct tmr tmr;
	struct load *ld;
	uint64_t t0;       /* ms, when placed */
};

struct load {
	const char *uri;
	struct ua *ua;
	struct media_prompt *prompt;
	struct tmr tick;
	unsigned n, rate, hold_s;
	unsigned placed, ended, up, peak;
	unsigned outcomes[UA_FAILED + 1];
	double *setup_ms;
	unsigned nsetup;
	size_t heap0, heap_peak;
	uint64_t start;
};

static size_t heap_now(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void leg_destructor(void *arg)
{
	struct leg *l = arg;

	tmr_cancel(&l->tmr);
	mem_deref(l->call);
}

static void hang_h(void *arg)
{
	struct leg *l = arg;

	call_hangup(l->call);
}

static void answered_h(struct call *c, void *arg)
{
	struct leg *l = arg;
	struct load *ld = l->ld;

	ld->setup_ms[ld->nsetup++] = (double)(tmr_jiffies() - l->t0);
	call_play(c, ld->prompt);
	tmr_start(&l->tmr, ld->hold_s * 1000, hang_h, l);
	if (++ld->up > ld->peak) {
		size_t h = heap_now();

		ld->peak = ld->up;
		if (h > ld->heap_peak)
			ld->heap_peak = h;
	}
}

static void ended_h(struct call *c, enum ua_outcome o, uint16_t code,
		    void *arg)
{
	struct leg *l = arg;
	struct load *ld = l->ld;

	(void)c;
	(void)code;
	if (o == UA_ANSWERED)
		--ld->up;
	++ld->outcomes[o];
	mem_deref(l);
	if (++ld->ended == ld->n)
		re_cancel();
}

static void place(struct load *ld)
{
	static const struct call_h h = {.answered = answered_h,
					.ended = ended_h};
	struct leg *l = mem_zalloc(sizeof(*l), leg_destructor);
	int err;

	++ld->placed;
	if (!l) {
		++ld->outcomes[UA_FAILED];
		++ld->ended;
		return;
	}
	l->ld = ld;
	l->t0 = tmr_jiffies();
	tmr_init(&l->tmr);
	err = call_connect(&l->call, ld->ua, ld->uri, &h, l);
	if (err) {
		log_msg(LOG_WARN, "load", "call %u: %s", ld->placed,
			strerror(err));
		++ld->outcomes[UA_FAILED];
		mem_deref(l);
		if (++ld->ended == ld->n)
			re_cancel();
	}
}

/* Place calls on a 10 ms tick, keeping to the rate from the start. */
static void tick_h(void *arg)
{
	struct load *ld = arg;
	uint64_t el = tmr_jiffies() - ld->start;
	unsigned due = (unsigned)(el * ld->rate / 1000) + 1;

	while (ld->placed < ld->n && ld->placed < due)
		place(ld);
	if (ld->placed < ld->n)
		tmr_start(&ld->tick, 10, tick_h, ld);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char *argv[])
{
	struct load ld;
	struct ua_conf conf;
	const char *listen = "127.0.0.1:0";
	double c0, w0, cpu, wall;
	struct timespec ts;
	int i, err;

	memset(&ld, 0, sizeof(ld));
	ld.n = 1000;
	ld.rate = 100;
	ld.hold_s = 5;
	if (argc < 3) {
		fprintf(stderr, "usage: bench-call-load URI PROMPT.wav "
				"[--calls N] [--rate R] [--hold S] "
				"[--listen ADDR:PORT]\n");
		return 2;
	}
	ld.uri = argv[1];
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--calls"))
			ld.n = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rate"))
			ld.rate = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--hold"))
			ld.hold_s = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--listen"))
			listen = argv[i + 1];
	}
	if (!ld.n || !ld.rate)
		return 2;
	ld.setup_ms = calloc(ld.n, sizeof(double));
	if (!ld.setup_ms)
		return 1;

	log_level_set(LOG_ERROR);
	err = libre_init();
	if (err)
		return 1;
	(void)ua_fd_init(65536);
	err = media_prompt_load(&ld.prompt, argv[2]);
	if (err) {
		fprintf(stderr, "cannot load %s: %s\n", argv[2],
			strerror(err));
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	conf.listen = listen;
	conf.udp = true;
	conf.from = "sip:load@127.0.0.1";
	err = ua_alloc(&ld.ua, &conf, NULL, NULL);
	if (err) {
		fprintf(stderr, "cannot start SIP on %s: %s\n", listen,
			strerror(err));
		return 1;
	}

	ld.heap0 = heap_now();
	c0 = cpu_s();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	w0 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	ld.start = tmr_jiffies();
	tmr_init(&ld.tick);
	tmr_start(&ld.tick, 0, tick_h, &ld);
	re_main(NULL);
	cpu = cpu_s() - c0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	wall = (double)ts.tv_sec + ts.tv_nsec / 1e9 - w0;

	printf("outbound: %u calls at %u/s, %u s each: %u answered, %u "
	       "failed",
	       ld.n, ld.rate, ld.hold_s, ld.outcomes[UA_ANSWERED],
	       ld.n - ld.outcomes[UA_ANSWERED]);
	for (i = 1; i <= UA_FAILED; i++) {
		if (ld.outcomes[i])
			printf(" (%s %u)", ua_outcome_name((enum ua_outcome)i),
			       ld.outcomes[i]);
	}
	printf("\n");
	if (ld.nsetup) {
		qsort(ld.setup_ms, ld.nsetup, sizeof(double), cmp_d);
		printf("  setup latency INVITE to answer: p50 %.1f ms, p95 "
		       "%.1f ms\n",
		       ld.setup_ms[ld.nsetup / 2],
		       ld.setup_ms[ld.nsetup * 95 / 100]);
	}
	printf("  peak %u calls up; CPU %.0f%% of one core over %.1f s; heap "
	       "%.1f KB per call at the peak\n",
	       ld.peak, 100.0 * cpu / wall, wall,
	       ld.peak ? (double)(ld.heap_peak - ld.heap0) / ld.peak / 1024
		       : 0.0);
	tmr_cancel(&ld.tick);
	ld.ua = mem_deref(ld.ua);
	ld.prompt = mem_deref(ld.prompt);
	free(ld.setup_ms);
	media_close();
	libre_close();
	return ld.outcomes[UA_ANSWERED] == ld.n ? 0 : 1;
}
