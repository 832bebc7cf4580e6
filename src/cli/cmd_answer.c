/**
 * @file cmd_answer.c  `callbot answer --listen ADDR:PORT --play FILE`:
 * answer every incoming call with a file, record it, hang up after it.
 *
 * Output contract (tests read it): one stdout line per ended call,
 *   call <call-id> from <masked from> outcome: <outcome> <code> dtmf: <keys>
 * (keys may be empty: the line then ends in "dtmf: "); logs go to stderr.
 * With --record-dir DIR each call is recorded to DIR/<call-id>.wav, the
 * Call-ID with any character outside [A-Za-z0-9._@+-] replaced by '_'.
 * With --max-calls N the command answers N calls, exits 0 once they have
 * ended, and refuses more (486) meanwhile; otherwise it runs until
 * SIGINT/SIGTERM, hangs up what is still going, and exits 0.
 *
 * Every call is independent: its own RTP stream, prompt playback from
 * the one shared prompt, and a 0.5 s pause after the prompt before the
 * BYE, unless the caller hangs up first.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <sys/stat.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "sip/ua.h"
#include "call/call.h"
#include "cli/cli.h"

#define HANGUP_DELAY_MS 500
#define GUARD_EXTRA_MS 30000

struct opts {
	const char *listen;
	const char *play;
	const char *record_dir;
	const char *from;
	const char *registrar;
	const char *user;
	const char *password;
	unsigned max_calls;      /* 0: no limit */
};

struct answer {
	struct opts o;
	struct ua *ua;
	struct media_prompt *prompt;
	struct list calls;       /* struct acall */
	unsigned taken, ended;
	bool stopping;
	int rc;
};

/* One answered call. */
struct acall {
	struct le le;
	struct answer *a;
	struct call *call;
	struct tmr tmr_hang;
	struct tmr tmr_guard;
	char *from;              /* masked */
	char digits[128];
};

static struct answer *g_answer; /* for the signal handler */

/* ---- options ---------------------------------------------------------- */

static int parse(struct opts *o, int argc, char *argv[])
{
	const char *max = NULL;
	struct cli_media media = {0};
	bool bad = false;
	struct sa sa;
	struct stat st;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc && !bad; i++) {
		if (cli_opt(argc, argv, &i, "--listen", &o->listen, &bad) ||
		    cli_opt(argc, argv, &i, "--play", &o->play, &bad) ||
		    cli_opt(argc, argv, &i, "--record-dir", &o->record_dir,
			&bad) ||
		    cli_opt(argc, argv, &i, "--max-calls", &max, &bad) ||
		    cli_opt(argc, argv, &i, "--from", &o->from, &bad) ||
		    cli_opt(argc, argv, &i, "--registrar", &o->registrar, &bad) ||
		    cli_opt(argc, argv, &i, "--user", &o->user, &bad) ||
		    cli_opt(argc, argv, &i, "--password", &o->password, &bad) ||
		    cli_media_opt(argc, argv, &i, &media, &bad))
			continue;
		fprintf(stderr, "callbot answer: unexpected '%s'\n", argv[i]);
		bad = true;
	}
	if (bad)
		return 2;

	if (!o->listen || !o->play) {
		fprintf(stderr, "callbot answer: %s is needed\n",
			!o->listen ? "--listen ADDR:PORT" : "--play FILE");
		return 2;
	}
	if (cli_media_conf("answer", &media))
		return 2;
	if (sa_decode(&sa, o->listen, strlen(o->listen))) {
		fprintf(stderr, "callbot answer: --listen: use ADDR:PORT, "
				"not '%s'\n",
			o->listen);
		return 2;
	}
	if (o->from && !cli_sip_uri_ok(o->from)) {
		fprintf(stderr, "callbot answer: --from: not a SIP URI: "
				"'%s'\n",
			o->from);
		return 2;
	}
	if (o->registrar && !cli_sip_uri_ok(o->registrar)) {
		fprintf(stderr, "callbot answer: --registrar: not a SIP URI: "
				"'%s'\n",
			o->registrar);
		return 2;
	}
	if (o->registrar && !o->user) {
		fprintf(stderr, "callbot answer: --registrar needs --user\n");
		return 2;
	}
	if (o->record_dir &&
	    (stat(o->record_dir, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "callbot answer: --record-dir: no directory "
				"'%s'\n",
			o->record_dir);
		return 2;
	}
	if (max) {
		char *end;
		unsigned long n = strtoul(max, &end, 10);

		if (*end || !*max || max[0] == '-' || !n || n > UINT_MAX) {
			fprintf(stderr, "callbot answer: --max-calls: a "
					"positive number, not '%s'\n",
				max);
			return 2;
		}
		o->max_calls = (unsigned)n;
	}
	return 0;
}

/* ---- calls ------------------------------------------------------------ */

static void exit_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void stop(struct answer *a)
{
	if (a->stopping)
		return;
	a->stopping = true;
	/* hangs up the calls still going: their lines follow */
	ua_shutdown(a->ua, exit_h, a);
}

static void acall_destructor(void *arg)
{
	struct acall *ac = arg;

	tmr_cancel(&ac->tmr_hang);
	tmr_cancel(&ac->tmr_guard);
	list_unlink(&ac->le);
	mem_deref(ac->call);
	mem_deref(ac->from);
}

static void hang_h(void *arg)
{
	struct acall *ac = arg;

	log_msg(LOG_INFO, call_id(ac->call), "prompt played: hanging up");
	call_hangup(ac->call);
}

static void guard_h(void *arg)
{
	struct acall *ac = arg;

	log_msg(LOG_WARN, call_id(ac->call), "the prompt never finished: "
					     "hanging up");
	call_hangup(ac->call);
}

static void answered_h(struct call *c, void *arg)
{
	struct acall *ac = arg;
	int err;

	err = call_play(c, ac->a->prompt);
	if (err) {
		log_msg(LOG_ERROR, call_id(c), "cannot play %s: %s",
			ac->a->o.play, strerror(err));
		tmr_start(&ac->tmr_hang, HANGUP_DELAY_MS, hang_h, ac);
	}
	tmr_start(&ac->tmr_guard,
		  ac->a->prompt->n * 1000 / MEDIA_SRATE + GUARD_EXTRA_MS,
		  guard_h, ac);
}

static void dtmf_h(struct call *c, char digit, void *arg)
{
	struct acall *ac = arg;
	size_t n = strlen(ac->digits);

	(void)c;
	if (n + 1 < sizeof(ac->digits)) {
		ac->digits[n] = digit;
		ac->digits[n + 1] = '\0';
	}
}

static void prompt_done_h(struct call *c, struct media_prompt *p,
			  bool interrupted, void *arg)
{
	struct acall *ac = arg;

	(void)c;
	(void)p;
	(void)interrupted;
	tmr_start(&ac->tmr_hang, HANGUP_DELAY_MS, hang_h, ac);
}

static void ended_h(struct call *c, enum ua_outcome o, uint16_t code,
		    void *arg)
{
	struct acall *ac = arg;
	struct answer *a = ac->a;

	printf("call %s from %s outcome: %s %u dtmf: %s\n", call_id(c),
	       ac->from, ua_outcome_name(o), code, ac->digits);
	fflush(stdout);

	mem_deref(ac);
	++a->ended;
	if (a->o.max_calls && a->ended >= a->o.max_calls)
		stop(a);
}

static const struct call_h call_handlers = {
	.answered = answered_h,
	.dtmf = dtmf_h,
	.prompt_done = prompt_done_h,
	.ended = ended_h,
};

/* DIR/<call-id>.wav, the Call-ID made safe for a file name */
static int rec_path(char **pathp, const char *dir, const struct call *c)
{
	char safe[256];

	return re_sdprintf(pathp, "%s/%s.wav", dir,
			   call_file_id(c, safe, sizeof(safe)));
}

static void incoming_h(struct ua_call *uc, const char *from, const char *to,
		       void *arg)
{
	struct answer *a = arg;
	struct acall *ac;
	char masked[256];
	char *path = NULL;
	size_t i;
	int err;

	(void)to;
	if (a->stopping ||
	    (a->o.max_calls && a->taken >= a->o.max_calls)) {
		(void)ua_call_reject(uc, 486, "Busy Here");
		return;
	}

	ac = mem_zalloc(sizeof(*ac), acall_destructor);
	if (!ac) {
		(void)ua_call_reject(uc, 500, "Server Internal Error");
		return;
	}
	ac->a = a;
	tmr_init(&ac->tmr_hang);
	tmr_init(&ac->tmr_guard);
	/* one line per call on stdout: no control bytes from the wire */
	log_mask(from, masked, sizeof(masked));
	for (i = 0; masked[i]; i++) {
		unsigned char ch = (unsigned char)masked[i];

		if (ch <= 0x20 || ch >= 0x7f)
			masked[i] = '_';
	}
	err = str_dup(&ac->from, masked);
	if (err) {
		(void)ua_call_reject(uc, 500, "Server Internal Error");
		mem_deref(ac);
		return;
	}

	err = call_accept(&ac->call, uc, &call_handlers, ac);
	if (err) {
		log_msg(LOG_ERROR, ua_call_id(uc), "cannot answer: %s",
			strerror(err));
		mem_deref(ac);
		return;
	}
	list_append(&a->calls, &ac->le, ac);
	++a->taken;

	if (a->o.record_dir) {
		err = rec_path(&path, a->o.record_dir, ac->call);
		if (!err)
			err = call_record(ac->call, path);
		if (err)
			log_msg(LOG_ERROR, call_id(ac->call),
				"cannot record: %s", strerror(err));
		mem_deref(path);
	}
}

static void reg_h(int err, uint16_t code, const char *reason, void *arg)
{
	struct answer *a = arg;

	if (err != EACCES)
		return;
	fprintf(stderr, "callbot answer: registration refused: %u %s\n",
		code, reason && *reason ? reason : "");
	a->rc = 1;
	stop(a);
}

static void signal_h(int sig)
{
	struct answer *a = g_answer;

	log_msg(LOG_INFO, "answer", "signal %d: stopping", sig);
	if (a)
		stop(a);
}

int cmd_answer(int argc, char *argv[])
{
	struct ua_conf conf;
	struct answer a;
	int err, rc;

	memset(&a, 0, sizeof(a));
	rc = parse(&a.o, argc, argv);
	if (rc) {
		fprintf(stderr, "try 'callbot help answer'\n");
		return rc;
	}

	err = libre_init();
	if (err) {
		fprintf(stderr, "callbot answer: libre: %s\n", strerror(err));
		return 1;
	}
	(void)ua_fd_init(65536);

	err = media_prompt_load(&a.prompt, a.o.play);
	if (err) {
		fprintf(stderr, "callbot answer: cannot load %s: %s\n",
			a.o.play, strerror(err));
		rc = 2;
		goto out;
	}

	memset(&conf, 0, sizeof(conf));
	conf.listen = a.o.listen;
	conf.from = a.o.from;
	conf.registrar = a.o.registrar;
	conf.user = a.o.user;
	conf.password = a.o.password;

	err = ua_alloc(&a.ua, &conf, incoming_h, &a);
	if (err) {
		fprintf(stderr, "callbot answer: cannot start SIP on %s: %s\n",
			conf.listen, strerror(err));
		rc = 1;
		goto out;
	}
	if (a.o.registrar) {
		err = ua_register(a.ua, reg_h, &a);
		if (err) {
			fprintf(stderr, "callbot answer: cannot register: "
					"%s\n",
				strerror(err));
			rc = 1;
			goto out;
		}
	}

	g_answer = &a;
	err = re_main(signal_h);
	if (err)
		log_msg(LOG_ERROR, "answer", "event loop: %s", strerror(err));
	rc = a.rc;

out:
	g_answer = NULL;
	/* calls still listed never ended (the loop stopped first) */
	list_flush(&a.calls);
	a.ua = mem_deref(a.ua);
	a.prompt = mem_deref(a.prompt);
	media_close();
	libre_close();
	return rc;
}
