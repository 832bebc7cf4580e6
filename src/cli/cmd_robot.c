/**
 * @file cmd_robot.c  `callbot robot --script S (--listen ADDR:PORT |
 * --call URI...)`: the robot on real lines.
 *
 * Inbound: every call to --listen is answered with the script. Outbound:
 * each --call URI (and each line of --calls FILE) is dialed, at most
 * --jobs at a time, once the script's prompts are synthesized; the
 * command exits when all have ended. With both, it dials and answers
 * until stopped.
 *
 * Output contract: one JSON object per ended call on its own stdout line
 * (docs/robot.md), once its transcripts are in (at most
 * --transcript-wait, 10 s, after the hang-up); logs go to stderr.
 * --unanswered FILE: one more JSON line per unanswered utterance,
 * appended to FILE. Exit 0, 1 on a start-up failure
 * (script, models, SIP), 2 on bad usage. SIGINT/SIGTERM hang up what is
 * going (those calls are reported too) and exit.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "media/media.h"
#include "sip/ua.h"
#include "call/call.h"
#include "asr/asr.h"
#include "tts/tts.h"
#include "robot/robot.h"
#include "cli/cli.h"

enum {
	MAX_URIS = 4096,
	MAX_VARS = 32,
	DRAIN_MS = 20,
};

struct opts {
	const char *script, *listen, *record_dir, *calls_file;
	const char *from, *registrar, *user, *password;
	const char *uris[MAX_URIS];
	size_t nuris;
	const char *vars[MAX_VARS];
	size_t nvars;
	unsigned jobs, max_calls;
	struct robot_conf rconf;
};

struct run {
	struct opts o;
	struct work_pool *pool;
	struct robot *robot;
	struct ua *ua;
	struct tmr tmr_drain;
	char **file_uris;       /* lines of --calls, a mem array */
	size_t next;            /* next URI to dial */
	unsigned dialing;       /* outbound calls not yet reported */
	unsigned answered_in, reported;
	bool ready, stopping;
	int rc;
};

static struct run *g_run;

/* ---- options ------------------------------------------------------------ */

static bool num_opt(const char *name, const char *val, unsigned max,
		    unsigned *out)
{
	char *end;
	unsigned long n;

	if (!val)
		return true;
	n = strtoul(val, &end, 10);
	if (*end || !*val || val[0] == '-' || !n || n > max) {
		fprintf(stderr, "callbot robot: %s: a number from 1 to %u, "
				"not '%s'\n",
			name, max, val);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

/* "on"/"yes" 1, "off"/"no" 0; absent: *out unchanged. */
static bool on_off(const char *name, const char *val, int *out)
{
	if (!val)
		return true;
	if (!strcmp(val, "on") || !strcmp(val, "yes"))
		*out = 1;
	else if (!strcmp(val, "off") || !strcmp(val, "no"))
		*out = 0;
	else {
		fprintf(stderr, "callbot robot: %s: on or off, not '%s'\n",
			name, val);
		return false;
	}
	return true;
}

/* A file we could append to, checked without creating it: an existing
 * regular writable file, or a new one in a writable directory. */
static bool writable_file(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;

	if (!stat(path, &st)) {
		if (S_ISREG(st.st_mode) && !access(path, W_OK))
			return true;
		fprintf(stderr, "callbot robot: --unanswered: cannot append "
				"to '%s'\n",
			path);
		return false;
	}
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + 1,
			 path);
	if (*path && !stat(dir, &st) && S_ISDIR(st.st_mode) &&
	    !access(dir, W_OK))
		return true;
	fprintf(stderr, "callbot robot: --unanswered: no writable directory "
			"for '%s'\n",
		path);
	return false;
}

/*
 * The recognizer's own options, applied where they stand on the line, as
 * --asr KEY=VALUE is, so the last one said wins: `callbot e2e` passes
 * --models before the options given with --robot-arg. True when argv[*i]
 * was one; *err then says whether its value was bad (reported).
 */
static bool asr_opt(int argc, char *argv[], int *i, struct asr_conf *conf,
		    bool *bad, int *err)
{
	static const struct {
		const char *opt, *key, *what;
	} opts[] = {
		{"--models", "models", "a folder"},
		{"--asr-model", "model", "a model name"},
		{"--reject", "reject", "loop, garbage or off"},
		{"--reject-threshold", "reject_threshold", "a number"},
	};
	const char *v = NULL;
	size_t k;

	*err = 0;
	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		if (!cli_opt(argc, argv, i, opts[k].opt, &v, bad))
			continue;
		if (!*bad && v && asr_conf_set(conf, opts[k].key, v)) {
			fprintf(stderr, "callbot robot: %s: %s, not '%s'\n",
				opts[k].opt, opts[k].what, v);
			*err = EINVAL;
		}
		return true;
	}
	return false;
}

static int parse(struct opts *o, int argc, char *argv[])
{
	const char *jobs = NULL, *max = NULL, *uri = NULL, *var = NULL;
	const char *end_ms = NULL, *values = NULL;
	const char *transcripts = NULL, *tx_wait = NULL;
	const char *second = NULL, *second_ms = NULL;
	struct cli_media media = {0};
	bool bad = false;
	struct stat st;
	struct sa sa;
	int i, err;

	robot_conf_init(&o->rconf);
	o->jobs = 1;
	for (i = 1; i < argc && !bad; i++) {
		uri = var = NULL;
		if (cli_opt(argc, argv, &i, "--script", &o->script, &bad) ||
		    cli_opt(argc, argv, &i, "--listen", &o->listen, &bad) ||
		    cli_opt(argc, argv, &i, "--calls", &o->calls_file, &bad) ||
		    cli_opt(argc, argv, &i, "--jobs", &jobs, &bad) ||
		    cli_opt(argc, argv, &i, "--max-calls", &max, &bad) ||
		    cli_opt(argc, argv, &i, "--record-dir", &o->record_dir,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--end-ms", &end_ms, &bad) ||
		    cli_opt(argc, argv, &i, "--values", &values, &bad) ||
		    cli_opt(argc, argv, &i, "--transcripts", &transcripts,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--unanswered",
			    &o->rconf.unanswered, &bad) ||
		    cli_opt(argc, argv, &i, "--transcript-wait", &tx_wait,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--second-opinion", &second,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--second-opinion-ms", &second_ms,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--tts-cache", &o->rconf.tts_cache,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--tts-engine",
			    &o->rconf.tts_engine, &bad) ||
		    cli_opt(argc, argv, &i, "--voice", &o->rconf.tts_voice,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--from", &o->from, &bad) ||
		    cli_opt(argc, argv, &i, "--registrar", &o->registrar,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--user", &o->user, &bad) ||
		    cli_opt(argc, argv, &i, "--password", &o->password, &bad) ||
		    cli_media_opt(argc, argv, &i, &media, &bad))
			continue;
		if (cli_opt(argc, argv, &i, "--call", &uri, &bad)) {
			if (!uri)
				continue;
			if (!cli_sip_uri_ok(uri)) {
				fprintf(stderr, "callbot robot: --call: not a "
						"SIP URI: '%s'\n",
					uri);
				return 2;
			}
			if (o->nuris >= MAX_URIS) {
				fprintf(stderr, "callbot robot: more than %u "
						"--call; use --calls FILE\n",
					MAX_URIS);
				return 2;
			}
			o->uris[o->nuris++] = uri;
			continue;
		}
		if (asr_opt(argc, argv, &i, &o->rconf.asr, &bad, &err)) {
			if (err)
				return 2;
			continue;
		}
		if (cli_opt(argc, argv, &i, "--asr", &var, &bad)) {
			const char *why =
				bad ? NULL : cli_asr_set(&o->rconf.asr, var);

			if (why) {
				fprintf(stderr, "callbot robot: %s: '%s'\n",
					why, var);
				return 2;
			}
			continue;
		}
		if (cli_opt(argc, argv, &i, "--var", &var, &bad)) {
			if (!var)
				continue;
			if (!strchr(var, '=') || var[0] == '=' ||
			    o->nvars >= MAX_VARS) {
				fprintf(stderr, "callbot robot: --var: NAME="
						"VALUE (at most %u), not "
						"'%s'\n",
					MAX_VARS, var);
				return 2;
			}
			o->vars[o->nvars++] = var;
			continue;
		}
		fprintf(stderr, "callbot robot: unexpected '%s'\n", argv[i]);
		bad = true;
	}
	if (bad)
		return 2;
	if (!o->script) {
		fprintf(stderr, "callbot robot: --script FILE is needed\n");
		return 2;
	}
	if (!o->listen && !o->nuris && !o->calls_file) {
		fprintf(stderr, "callbot robot: --listen ADDR:PORT (answer "
				"calls) or --call URI (place them) is "
				"needed\n");
		return 2;
	}
	if (o->listen && sa_decode(&sa, o->listen, strlen(o->listen))) {
		fprintf(stderr, "callbot robot: --listen: use ADDR:PORT, not "
				"'%s'\n",
			o->listen);
		return 2;
	}
	if ((o->from && !cli_sip_uri_ok(o->from)) ||
	    (o->registrar && !cli_sip_uri_ok(o->registrar))) {
		fprintf(stderr, "callbot robot: --%s: not a SIP URI\n",
			o->from && !cli_sip_uri_ok(o->from) ? "from"
							     : "registrar");
		return 2;
	}
	if (o->registrar && !o->user) {
		fprintf(stderr, "callbot robot: --registrar needs --user\n");
		return 2;
	}
	if (o->record_dir &&
	    (stat(o->record_dir, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "callbot robot: --record-dir: no directory "
				"'%s'\n",
			o->record_dir);
		return 2;
	}
	if (cli_media_conf("robot", &media))
		return 2;
	if (!num_opt("--jobs", jobs, 1000, &o->jobs) ||
	    !num_opt("--max-calls", max, UINT_MAX, &o->max_calls) ||
	    !num_opt("--end-ms", end_ms, 5000, &o->rconf.end_ms) ||
	    !num_opt("--transcript-wait", tx_wait, 600000,
		     &o->rconf.transcript_wait_ms) ||
	    !num_opt("--second-opinion-ms", second_ms, 60000,
		     &o->rconf.second_opinion_ms))
		return 2;
	if (!on_off("--values", values, &o->rconf.values) ||
	    !on_off("--transcripts", transcripts, &o->rconf.transcripts) ||
	    !on_off("--second-opinion", second, &o->rconf.second_opinion))
		return 2;
	if (o->rconf.unanswered && !writable_file(o->rconf.unanswered))
		return 2;
	o->rconf.script = o->script;
	o->rconf.record_dir = o->record_dir;
	return 0;
}

/* --calls FILE: one SIP URI per line; blank lines and # comments skipped */
static int read_calls(struct run *r)
{
	FILE *f = fopen(r->o.calls_file, "r");
	char line[1024];
	unsigned ln = 0;
	size_t n = 0;

	if (!f) {
		fprintf(stderr, "callbot robot: --calls: cannot open %s: %s\n",
			r->o.calls_file, strerror(errno));
		return 2;
	}
	r->file_uris = mem_zalloc(MAX_URIS * sizeof(char *), NULL);
	if (!r->file_uris) {
		fclose(f);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		++ln;
		while (*p == ' ' || *p == '\t')
			++p;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
				 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		if (!cli_sip_uri_ok(p) || n + r->o.nuris >= MAX_URIS) {
			fprintf(stderr, "%s:%u: error: %s\n", r->o.calls_file,
				ln, n + r->o.nuris >= MAX_URIS ?
				"too many calls" : "not a SIP URI");
			fclose(f);
			return 2;
		}
		if (str_dup(&r->file_uris[n], p)) {
			fclose(f);
			return 1;
		}
		r->o.uris[r->o.nuris + n] = r->file_uris[n];
		++n;
	}
	fclose(f);
	r->o.nuris += n;
	return 0;
}

/* ---- running ------------------------------------------------------------ */

static void drain_h(void *arg)
{
	struct run *r = arg;

	/* let recognitions and syntheses in flight finish before exit */
	if ((r->robot && robot_busy(r->robot)) ||
	    (r->pool && work_pending(r->pool))) {
		tmr_start(&r->tmr_drain, DRAIN_MS, drain_h, r);
		return;
	}
	re_cancel();
}

static void exit_h(void *arg)
{
	struct run *r = arg;

	tmr_start(&r->tmr_drain, 0, drain_h, r);
}

static void stop(struct run *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	if (r->robot)
		robot_hangup_all(r->robot);
	if (r->ua)
		ua_shutdown(r->ua, exit_h, r);
	else
		tmr_start(&r->tmr_drain, 0, drain_h, r);
}

static bool done(const struct run *r)
{
	if (r->next < r->o.nuris || r->dialing)
		return false;
	if (r->o.listen && !r->o.max_calls)
		return false;
	if (r->o.listen && r->reported < r->o.max_calls)
		return false;
	return true;
}

static void dial_more(struct run *r)
{
	while (!r->stopping && r->ready && r->next < r->o.nuris &&
	       r->dialing < r->o.jobs) {
		const char *uri = r->o.uris[r->next++];
		int err = robot_dial(r->robot, r->ua, uri, r->o.vars,
				     r->o.nvars);

		if (err) {
			log_msg(LOG_ERROR, "robot", "cannot call %s: %s", uri,
				strerror(err));
			printf("{\"peer\":\"%s\",\"outcome\":\"failed\","
			       "\"code\":0,\"error\":\"%s\"}\n",
			       "(bad uri)", strerror(err));
			fflush(stdout);
			continue;
		}
		++r->dialing;
	}
	if (done(r))
		stop(r);
}

static void report_h(const struct robot_report *rep, void *arg)
{
	struct run *r = arg;

	fputs(rep->json, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	++r->reported;
	if (!strncmp(rep->json, "{\"call_id\":", 11) &&
	    strstr(rep->json, "\"direction\":\"out\""))
		--r->dialing;
	dial_more(r);
}

static void ready_h(int err, void *arg)
{
	struct run *r = arg;

	if (err)
		log_msg(LOG_WARN, "robot", "some prompts could not be "
			"synthesized (%s): calls will skip them",
			strerror(err));
	r->ready = true;
	dial_more(r);
}

static void incoming_h(struct ua_call *uc, const char *from, const char *to,
		       void *arg)
{
	struct run *r = arg;
	int err;

	(void)from;
	(void)to;
	if (r->stopping ||
	    (r->o.max_calls && r->answered_in >= r->o.max_calls)) {
		(void)ua_call_reject(uc, 486, "Busy Here");
		return;
	}
	err = robot_answer(r->robot, uc, r->o.vars, r->o.nvars);
	if (err) {
		log_msg(LOG_ERROR, ua_call_id(uc), "cannot answer: %s",
			strerror(err));
		return;
	}
	++r->answered_in;
}

static void reg_h(int err, uint16_t code, const char *reason, void *arg)
{
	struct run *r = arg;

	if (err != EACCES)
		return;
	fprintf(stderr, "callbot robot: registration refused: %u %s\n", code,
		reason && *reason ? reason : "");
	r->rc = 1;
	stop(r);
}

static void signal_h(int sig)
{
	log_msg(LOG_INFO, "robot", "signal %d: hanging up and stopping", sig);
	if (g_run)
		stop(g_run);
}

int cmd_robot(int argc, char *argv[])
{
	struct ua_conf conf;
	struct run r;
	char listen[64];
	int err, rc;

	memset(&r, 0, sizeof(r));
	rc = parse(&r.o, argc, argv);
	if (rc) {
		fprintf(stderr, "try 'callbot help robot'\n");
		return rc;
	}
	err = libre_init();
	if (err) {
		fprintf(stderr, "callbot robot: libre: %s\n", strerror(err));
		return 1;
	}
	(void)ua_fd_init(65536);
	tmr_init(&r.tmr_drain);
	if (r.o.calls_file) {
		rc = read_calls(&r);
		if (rc)
			goto out;
	}
	tts_init();
	err = work_pool_alloc(&r.pool, (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	if (err) {
		rc = 1;
		goto out;
	}
	err = robot_alloc(&r.robot, &r.o.rconf, r.pool, report_h, ready_h, &r);
	if (err) {
		fprintf(stderr, "callbot robot: cannot start the robot with %s: "
				"%s\n",
			r.o.script, strerror(err));
		rc = 1;
		goto out;
	}

	memset(&conf, 0, sizeof(conf));
	conf.from = r.o.from;
	conf.registrar = r.o.registrar;
	conf.user = r.o.user;
	conf.password = r.o.password;
	if (r.o.listen) {
		conf.listen = r.o.listen;
	}
	else {
		struct sa ip;

		if (ua_source_ip(&ip, r.o.uris[0]) ||
		    re_snprintf(listen, sizeof(listen), "%j:0", &ip) < 0)
			snprintf(listen, sizeof(listen), "0.0.0.0:0");
		conf.listen = listen;
	}
	err = ua_alloc(&r.ua, &conf, r.o.listen ? incoming_h : NULL, &r);
	if (err) {
		fprintf(stderr, "callbot robot: cannot start SIP on %s: %s\n",
			conf.listen, strerror(err));
		rc = 1;
		goto out;
	}
	if (r.o.registrar) {
		err = ua_register(r.ua, reg_h, &r);
		if (err) {
			fprintf(stderr, "callbot robot: cannot register: %s\n",
				strerror(err));
			rc = 1;
			goto out;
		}
	}

	g_run = &r;
	dial_more(&r);
	err = re_main(signal_h);
	g_run = NULL;
	rc = r.rc;

 out:
	tmr_cancel(&r.tmr_drain);
	r.robot = mem_deref(r.robot);
	r.ua = mem_deref(r.ua);
	/* jobs still queued (a start-up failure): let them run out */
	if (r.pool && work_pending(r.pool)) {
		tmr_start(&r.tmr_drain, DRAIN_MS, drain_h, &r);
		(void)re_main(NULL);
	}
	r.pool = mem_deref(r.pool);
	if (r.file_uris) {
		size_t i;

		for (i = 0; i < MAX_URIS; i++)
			mem_deref(r.file_uris[i]);
		mem_deref(r.file_uris);
	}
	tts_close();
	media_close();
	libre_close();
	return rc;
}
