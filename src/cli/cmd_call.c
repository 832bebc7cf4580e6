/**
 * @file cmd_call.c  `callbot call URI --play FILE`: place one call, play
 * a file once answered, hang up after it, print what happened.
 *
 * The output is a contract for scripts and tests: stdout carries only
 * `dtmf: D` lines (keys the callee pressed, as they come) and, always
 * last, `outcome: <outcome> <sip-code>`; logs go to stderr. Exit 0 when
 * the call was answered, 1 otherwise (no outcome line is missing then:
 * a failure before the call prints `outcome: failed 0`), 2 for usage
 * errors (bad options, an unreadable --play file), before any network.
 *
 * One re_main loop runs it all: register first when --registrar is
 * given, then the call; the robot hangs up 0.5 s after the prompt ended
 * (and any --dtmf digits went out), or the callee hangs up first. On
 * SIGINT/SIGTERM the call is hung up and the outcome printed as usual.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "sip/ua.h"
#include "call/call.h"
#include "cli/cli.h"

#define HANGUP_DELAY_MS 500
#define GUARD_EXTRA_MS 30000 /* after the prompt's length: give up */

struct opts {
	const char *uri;
	const char *play;
	const char *record;
	const char *from;
	const char *listen;
	const char *registrar;
	const char *user;
	const char *password;
	const char *dtmf;
	unsigned timeout_ms;
};

struct run {
	struct opts o;
	struct ua *ua;
	struct call *call;
	struct media_prompt *prompt;
	struct tmr tmr_hang;
	struct tmr tmr_guard;
	enum ua_outcome outcome;
	uint16_t code;
	bool ended;
	bool stopping;
};

static struct run *g_run; /* for the signal handler */

static void finish(struct run *r, enum ua_outcome o, uint16_t code);

/* ---- options ---------------------------------------------------------- */

static bool digits_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!strchr("0123456789*#ABCDabcd", *s))
			return false;
	}
	return true;
}

static int parse(struct opts *o, int argc, char *argv[])
{
	const char *timeout = NULL;
	struct cli_media media = {0};
	bool bad = false;
	struct sa sa;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc && !bad; i++) {
		if (cli_opt(argc, argv, &i, "--play", &o->play, &bad) ||
		    cli_opt(argc, argv, &i, "--record", &o->record, &bad) ||
		    cli_opt(argc, argv, &i, "--from", &o->from, &bad) ||
		    cli_opt(argc, argv, &i, "--listen", &o->listen, &bad) ||
		    cli_opt(argc, argv, &i, "--registrar", &o->registrar, &bad) ||
		    cli_opt(argc, argv, &i, "--user", &o->user, &bad) ||
		    cli_opt(argc, argv, &i, "--password", &o->password, &bad) ||
		    cli_opt(argc, argv, &i, "--timeout", &timeout, &bad) ||
		    cli_opt(argc, argv, &i, "--dtmf", &o->dtmf, &bad) ||
		    cli_media_opt(argc, argv, &i, &media, &bad))
			continue;
		if (argv[i][0] == '-' || o->uri) {
			fprintf(stderr, "callbot call: unexpected '%s'\n",
				argv[i]);
			bad = true;
			break;
		}
		o->uri = argv[i];
	}
	if (bad)
		return 2;

	if (!o->uri || !o->play) {
		fprintf(stderr, "callbot call: %s\n",
			!o->uri ? "no URI to call" : "--play FILE is needed");
		return 2;
	}
	if (!cli_sip_uri_ok(o->uri)) {
		fprintf(stderr, "callbot call: not a SIP URI: '%s' (use "
				"sip:USER@HOST[:PORT])\n",
			o->uri);
		return 2;
	}
	if (o->from && !cli_sip_uri_ok(o->from)) {
		fprintf(stderr, "callbot call: --from: not a SIP URI: '%s'\n",
			o->from);
		return 2;
	}
	if (o->registrar && !cli_sip_uri_ok(o->registrar)) {
		fprintf(stderr, "callbot call: --registrar: not a SIP URI: "
				"'%s'\n",
			o->registrar);
		return 2;
	}
	if (o->registrar && !o->user) {
		fprintf(stderr, "callbot call: --registrar needs --user\n");
		return 2;
	}
	if (o->listen && sa_decode(&sa, o->listen, strlen(o->listen))) {
		fprintf(stderr, "callbot call: --listen: use ADDR:PORT, not "
				"'%s'\n",
			o->listen);
		return 2;
	}
	if (o->dtmf && !digits_ok(o->dtmf)) {
		fprintf(stderr, "callbot call: --dtmf: digits 0-9 * # A-D, "
				"not '%s'\n",
			o->dtmf);
		return 2;
	}
	if (cli_media_conf("call", &media))
		return 2;
	o->timeout_ms = 45000;
	if (timeout) {
		char *end;
		double t = strtod(timeout, &end);

		if (*end || !(t > 0 && t <= 3600)) {
			fprintf(stderr, "callbot call: --timeout: seconds "
					"(0 < t <= 3600), not '%s'\n",
				timeout);
			return 2;
		}
		o->timeout_ms = (unsigned)lround(t * 1000);
		if (!o->timeout_ms)
			o->timeout_ms = 1;
	}
	return 0;
}

/* ---- the call ------------------------------------------------------- */

static void exit_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void stop(struct run *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	tmr_cancel(&r->tmr_hang);
	tmr_cancel(&r->tmr_guard);
	if (r->ua)
		ua_shutdown(r->ua, exit_h, r);
	else
		re_cancel();
}

static void finish(struct run *r, enum ua_outcome o, uint16_t code)
{
	if (r->ended)
		return;
	r->ended = true;
	r->outcome = o;
	r->code = code;
	printf("outcome: %s %u\n", ua_outcome_name(o), code);
	fflush(stdout);
	stop(r);
}

static void hang_h(void *arg)
{
	struct run *r = arg;

	/* let the digits go out before the BYE */
	if (call_dtmf_pending(r->call)) {
		tmr_start(&r->tmr_hang, 250, hang_h, r);
		return;
	}
	log_msg(LOG_INFO, call_id(r->call), "prompt played: hanging up");
	call_hangup(r->call);
}

static void guard_h(void *arg)
{
	struct run *r = arg;

	log_msg(LOG_WARN, call_id(r->call), "the prompt never finished: "
					    "hanging up");
	call_hangup(r->call);
}

static void answered_h(struct call *c, void *arg)
{
	struct run *r = arg;
	int err;

	err = call_play(c, r->prompt);
	if (err) {
		log_msg(LOG_ERROR, call_id(c), "cannot play %s: %s", r->o.play,
			strerror(err));
		tmr_start(&r->tmr_hang, HANGUP_DELAY_MS, hang_h, r);
	}
	if (r->o.dtmf)
		(void)call_send_dtmf(c, r->o.dtmf);

	tmr_start(&r->tmr_guard,
		  r->prompt->n * 1000 / MEDIA_SRATE + GUARD_EXTRA_MS, guard_h,
		  r);
}

static void dtmf_h(struct call *c, char digit, void *arg)
{
	(void)c;
	(void)arg;
	printf("dtmf: %c\n", digit);
	fflush(stdout);
}

static void prompt_done_h(struct call *c, struct media_prompt *p,
			  bool interrupted, void *arg)
{
	struct run *r = arg;

	(void)c;
	(void)p;
	(void)interrupted;
	tmr_start(&r->tmr_hang, HANGUP_DELAY_MS, hang_h, r);
}

static void ended_h(struct call *c, enum ua_outcome o, uint16_t code,
		    void *arg)
{
	struct run *r = arg;

	(void)c;
	tmr_cancel(&r->tmr_hang);
	tmr_cancel(&r->tmr_guard);
	finish(r, o, code);
}

static const struct call_h call_handlers = {
	.answered = answered_h,
	.dtmf = dtmf_h,
	.prompt_done = prompt_done_h,
	.ended = ended_h,
};

static void dial(struct run *r)
{
	int err;

	err = call_connect(&r->call, r->ua, r->o.uri, &call_handlers, r);
	if (err) {
		log_msg(LOG_ERROR, "call", "cannot place the call: %s",
			strerror(err));
		finish(r, UA_FAILED, 0);
		return;
	}
	if (r->o.record) {
		err = call_record(r->call, r->o.record);
		if (err)
			log_msg(LOG_ERROR, call_id(r->call),
				"cannot record to %s: %s", r->o.record,
				strerror(err));
	}
}

static void reg_h(int err, uint16_t code, const char *reason, void *arg)
{
	struct run *r = arg;

	if (r->call || r->ended)
		return;
	if (!err) {
		dial(r);
		return;
	}
	fprintf(stderr, "callbot call: registration failed: %u %s\n", code,
		reason && *reason ? reason : strerror(err));
	finish(r, UA_FAILED, code);
}

static void signal_h(int sig)
{
	struct run *r = g_run;

	log_msg(LOG_INFO, "call", "signal %d: hanging up", sig);
	if (!r)
		return;
	if (r->call && !call_ended(r->call))
		call_hangup(r->call);
	else
		finish(r, UA_FAILED, 0);
}

int cmd_call(int argc, char *argv[])
{
	struct ua_conf conf;
	struct run r;
	char listen[64];
	int err, rc;

	memset(&r, 0, sizeof(r));
	rc = parse(&r.o, argc, argv);
	if (rc) {
		fprintf(stderr, "try 'callbot help call'\n");
		return rc;
	}

	err = libre_init();
	if (err) {
		fprintf(stderr, "callbot call: libre: %s\n", strerror(err));
		return 1;
	}
	(void)ua_fd_init(65536);
	tmr_init(&r.tmr_hang);
	tmr_init(&r.tmr_guard);

	err = media_prompt_load(&r.prompt, r.o.play);
	if (err) {
		fprintf(stderr, "callbot call: cannot load %s: %s\n",
			r.o.play, strerror(err));
		rc = 2;
		goto out;
	}

	memset(&conf, 0, sizeof(conf));
	if (!r.o.listen) {
		struct sa ip;

		/* the address the callee can reach us on, any port */
		if (ua_source_ip(&ip, r.o.uri))
			sa_set_str(&ip, "0.0.0.0", 0);
		if (re_snprintf(listen, sizeof(listen), "%J", &ip) < 0)
			snprintf(listen, sizeof(listen), "0.0.0.0:0");
		conf.listen = listen;
	}
	else {
		conf.listen = r.o.listen;
	}
	conf.from = r.o.from;
	conf.registrar = r.o.registrar;
	conf.user = r.o.user;
	conf.password = r.o.password;
	conf.setup_timeout_ms = r.o.timeout_ms;

	g_run = &r;
	err = ua_alloc(&r.ua, &conf, NULL, NULL);
	if (err) {
		fprintf(stderr, "callbot call: cannot start SIP on %s: %s\n",
			conf.listen, strerror(err));
		finish(&r, UA_FAILED, 0);
		goto out;
	}

	if (r.o.registrar) {
		err = ua_register(r.ua, reg_h, &r);
		if (err) {
			fprintf(stderr, "callbot call: cannot register: %s\n",
				strerror(err));
			finish(&r, UA_FAILED, 0);
		}
	}
	else {
		dial(&r);
	}

	err = re_main(signal_h);
	if (err)
		log_msg(LOG_ERROR, "call", "event loop: %s", strerror(err));

out:
	g_run = NULL;
	tmr_cancel(&r.tmr_hang);
	tmr_cancel(&r.tmr_guard);
	r.call = mem_deref(r.call);
	r.ua = mem_deref(r.ua);
	r.prompt = mem_deref(r.prompt);
	media_close();
	libre_close();
	if (rc)
		return rc;
	return r.ended && r.outcome == UA_ANSWERED ? 0 : 1;
}
