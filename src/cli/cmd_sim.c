/**
 * @file cmd_sim.c  `callbot sim`: simulated callees for testing the robot
 * over real SIP and RTP (docs/personas.md).
 *
 *   callbot sim --personas FILE --listen ADDR:PORT [--max-calls N]
 *               [--record-dir DIR] [--seed N]
 *   callbot sim --personas FILE --persona NAME --call sip:URI [...]
 *   callbot sim --check FILE
 *
 * Output contract: one JSON object per ended call on its own stdout line
 * (sim_result_print), logs on stderr. --check prints the problems as
 * file:line:col: error: ... on stderr and "N personas" on stdout, exit 0
 * or 1. Listening runs until SIGINT/SIGTERM or --max-calls calls ended
 * (404s for unknown names do not count), exit 0; --call exits 0 when the
 * call was answered, 1 otherwise; usage errors and bad persona files
 * exit 2 before any network.
 *
 * Every utterance is synthesized before the UA starts, so the first call
 * never waits for the TTS engines: the port is bound once sim is ready.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "media/media.h"
#include "tts/tts.h"
#include "sip/ua.h"
#include "call/call.h"
#include "sim/persona.h"
#include "sim/sim.h"
#include "cli/cli.h"

struct opts {
	const char *personas;
	const char *listen;
	const char *record_dir;
	const char *persona;
	const char *call;
	const char *check;
	const char *from;
	unsigned max_calls;
	uint64_t seed;
};

struct simrun {
	struct opts o;
	struct persona_set *set;
	struct work_pool *pool;
	struct tts_cache *cache;
	struct sim *sim;
	struct ua *ua;
	unsigned ended;
	bool answered;        /* --call: the call was answered */
	bool stopping;
	int rc;
};

static struct simrun *g_run; /* for the signal handler */

/* ---- options ---------------------------------------------------------- */

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !*end && !errno && *v <= max;
}

static int parse(struct opts *o, int argc, char *argv[])
{
	const char *max = NULL, *seed = NULL;
	unsigned long long v;
	bool bad = false;
	struct sa sa;
	struct stat st;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc && !bad; i++) {
		if (cli_opt(argc, argv, &i, "--personas", &o->personas, &bad) ||
		    cli_opt(argc, argv, &i, "--listen", &o->listen, &bad) ||
		    cli_opt(argc, argv, &i, "--max-calls", &max, &bad) ||
		    cli_opt(argc, argv, &i, "--record-dir", &o->record_dir,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--seed", &seed, &bad) ||
		    cli_opt(argc, argv, &i, "--persona", &o->persona, &bad) ||
		    cli_opt(argc, argv, &i, "--call", &o->call, &bad) ||
		    cli_opt(argc, argv, &i, "--from", &o->from, &bad) ||
		    cli_opt(argc, argv, &i, "--check", &o->check, &bad))
			continue;
		fprintf(stderr, "callbot sim: unexpected '%s'\n", argv[i]);
		bad = true;
	}
	if (bad)
		return 2;

	if (o->check)
		return 0;
	if (!o->personas) {
		fprintf(stderr, "callbot sim: --personas FILE is needed\n");
		return 2;
	}
	if (!o->listen == !o->call) {
		fprintf(stderr, "callbot sim: either --listen ADDR:PORT "
				"(answer calls) or --call URI (place one)\n");
		return 2;
	}
	if (o->call && !o->persona) {
		fprintf(stderr, "callbot sim: --call needs --persona NAME\n");
		return 2;
	}
	if (o->call && !cli_sip_uri_ok(o->call)) {
		fprintf(stderr, "callbot sim: --call: not a SIP URI: '%s'\n",
			o->call);
		return 2;
	}
	if (o->from && !cli_sip_uri_ok(o->from)) {
		fprintf(stderr, "callbot sim: --from: not a SIP URI: '%s'\n",
			o->from);
		return 2;
	}
	if (o->listen && sa_decode(&sa, o->listen, strlen(o->listen))) {
		fprintf(stderr, "callbot sim: --listen: use ADDR:PORT, not "
				"'%s'\n",
			o->listen);
		return 2;
	}
	if (o->record_dir &&
	    (stat(o->record_dir, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "callbot sim: --record-dir: no directory "
				"'%s'\n",
			o->record_dir);
		return 2;
	}
	if (max) {
		if (!parse_uint(max, UINT_MAX, &v) || !v) {
			fprintf(stderr, "callbot sim: --max-calls: a positive "
					"number, not '%s'\n",
				max);
			return 2;
		}
		o->max_calls = (unsigned)v;
	}
	if (seed) {
		if (!parse_uint(seed, UINT64_MAX, &v)) {
			fprintf(stderr, "callbot sim: --seed: a number, not "
					"'%s'\n",
				seed);
			return 2;
		}
		o->seed = v;
	}
	return 0;
}

/* load and validate FILE (voices too: tts_init() first) */
static struct persona_set *load(const char *path)
{
	struct persona_set *set = NULL;
	struct persona_diags d;
	int err;

	memset(&d, 0, sizeof(d));
	err = persona_load(&set, path, &d);
	if (err && !d.n)
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(err));
	if (!err && sim_check_voices(set, &d))
		set = mem_deref(set);
	persona_diags_print(&d, path, stderr);
	if (d.errors)
		fprintf(stderr, "%s: %u error(s)\n", path, d.errors);
	persona_diags_reset(&d);
	return set;
}

static int check(const char *path)
{
	struct persona_set *set;

	(void)tts_init();
	set = load(path);
	tts_close();
	if (!set)
		return 1;
	printf("%zu personas\n", set->n);
	mem_deref(set);
	return 0;
}

/* ---- running ---------------------------------------------------------- */

static void exit_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void stop(struct simrun *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	if (r->sim)
		sim_hangup_all(r->sim);
	if (r->ua)
		ua_shutdown(r->ua, exit_h, r);
	else
		re_cancel();
}

static void ended_h(const struct sim_result *res, void *arg)
{
	struct simrun *r = arg;

	sim_result_print(res, stdout);
	fflush(stdout);
	++r->ended;
	if (r->o.call) {
		r->answered = !strcmp(res->outcome, "answered");
		stop(r);
	}
	else if (r->o.max_calls && r->ended >= r->o.max_calls) {
		stop(r);
	}
}

static void incoming_h(struct ua_call *uc, const char *from, const char *to,
		       void *arg)
{
	struct simrun *r = arg;

	(void)from;
	if (r->stopping) {
		(void)ua_call_reject(uc, 503, "Service Unavailable");
		return;
	}
	(void)sim_incoming(r->sim, uc, to);
}

static void ready_h(int err, void *arg)
{
	struct simrun *r = arg;
	struct ua_conf conf;
	char listen[64];

	if (err) {
		fprintf(stderr, "callbot sim: cannot synthesize the personas' "
				"speech: %s\n",
			strerror(err));
		r->rc = 1;
		stop(r);
		return;
	}

	memset(&conf, 0, sizeof(conf));
	conf.from = r->o.from;
	if (r->o.listen) {
		conf.listen = r->o.listen;
	}
	else {
		struct sa ip;

		if (ua_source_ip(&ip, r->o.call))
			sa_set_str(&ip, "0.0.0.0", 0);
		if (re_snprintf(listen, sizeof(listen), "%J", &ip) < 0)
			snprintf(listen, sizeof(listen), "0.0.0.0:0");
		conf.listen = listen;
	}
	err = ua_alloc(&r->ua, &conf, r->o.listen ? incoming_h : NULL, r);
	if (err) {
		fprintf(stderr, "callbot sim: cannot start SIP on %s: %s\n",
			conf.listen, strerror(err));
		r->rc = 1;
		stop(r);
		return;
	}
	if (r->o.listen) {
		log_msg(LOG_INFO, "sim", "listening on %s (%zu personas)",
			r->o.listen, r->set->n);
		return;
	}
	err = sim_place(r->sim, r->ua, r->o.persona, r->o.call);
	if (err) {
		fprintf(stderr, "callbot sim: cannot call: %s\n",
			strerror(err));
		r->rc = 1;
		stop(r);
	}
}

static void signal_h(int sig)
{
	log_msg(LOG_INFO, "sim", "signal %d: stopping", sig);
	if (g_run)
		stop(g_run);
}

static void drain_h(void *arg)
{
	struct simrun *r = arg;
	static struct tmr t;

	if (!work_pending(r->pool)) {
		re_cancel();
		return;
	}
	tmr_start(&t, 10, drain_h, r);
}

/* let jobs in flight finish (their done handlers free them) */
static void drain(struct simrun *r)
{
	if (!r->pool || !work_pending(r->pool))
		return;
	drain_h(r);
	(void)re_main(NULL);
}

static int run(struct simrun *r)
{
	struct tts_cache_conf cc;
	struct sim_conf sc;
	int err;

	err = libre_init();
	if (err) {
		fprintf(stderr, "callbot sim: libre: %s\n", strerror(err));
		return 1;
	}
	(void)ua_fd_init(65536);
	(void)tts_init();

	r->set = load(r->o.personas);
	if (!r->set) {
		r->rc = 2;
		goto out;
	}
	if (r->o.persona && !persona_find(r->set, r->o.persona)) {
		fprintf(stderr, "callbot sim: no persona '%s' in %s\n",
			r->o.persona, r->o.personas);
		r->rc = 2;
		goto out;
	}

	err = work_pool_alloc(&r->pool, 2);
	memset(&cc, 0, sizeof(cc));
	cc.prepare = sim_prepare_prompt;
	if (!err)
		err = tts_cache_alloc(&r->cache, r->pool, &cc);
	memset(&sc, 0, sizeof(sc));
	sc.set = r->set;
	sc.only = r->o.call ? r->o.persona : NULL;
	sc.pool = r->pool;
	sc.cache = r->cache;
	sc.seed = r->o.seed;
	sc.record_dir = r->o.record_dir;
	if (!err)
		err = sim_alloc(&r->sim, &sc, ready_h, ended_h, r);
	if (err) {
		fprintf(stderr, "callbot sim: cannot start: %s\n",
			strerror(err));
		r->rc = 1;
		goto out;
	}

	g_run = r;
	err = re_main(signal_h);
	if (err)
		log_msg(LOG_ERROR, "sim", "event loop: %s", strerror(err));

out:
	g_run = NULL;
	r->sim = mem_deref(r->sim);
	r->ua = mem_deref(r->ua);
	r->cache = mem_deref(r->cache);
	drain(r);
	r->pool = mem_deref(r->pool);
	r->set = mem_deref(r->set);
	tts_close();
	media_close();
	libre_close();
	if (r->rc)
		return r->rc;
	if (r->o.call)
		return r->answered ? 0 : 1;
	return 0;
}

int cmd_sim(int argc, char *argv[])
{
	struct simrun r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = parse(&r.o, argc, argv);
	if (rc) {
		fprintf(stderr, "try 'callbot help sim'\n");
		return rc;
	}
	if (r.o.check)
		return check(r.o.check);
	return run(&r);
}
