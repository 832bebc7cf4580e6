/**
 * @file cmd_e2e.c  `callbot e2e --lang en|zh`: every persona of a
 * language against the robot, over real SIP and RTP on loopback.
 *
 * Two processes of this same binary: `callbot sim --listen` plays the
 * personas (each answers as the SIP user its name gives) and `callbot
 * robot --calls FILE` dials every persona with the sample script, a few
 * at a time. Both print one JSON line per call; this command joins them
 * by persona, compares the robot's grade, outcome, opt-out, tags and slots
 * with what the persona file expects, and prints a table and the line
 * "N/M personas graded correctly". It exits 0 only when at least 95% of
 * the personas are right, every opt-out persona ended with the opt_out
 * action, and every answered call heard the disclosure in full (unless
 * the persona hung up in the middle of it).
 *
 * Turn latency comes from the simulator: from the last frame of the
 * callee's speech it sent to the first frame of the robot's reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "sim/persona.h"
#include "cli/cli.h"

#ifndef CLI_SRCDIR
#define CLI_SRCDIR "."
#endif

enum {
	PASS_PERCENT = 95,
	MAX_LAT = 4096,
};

struct e2e_opts {
	const char *lang, *script, *personas, *models, *out;
	const char *only[64];
	size_t nonly;
	const char *rargs[16]; /* --robot-arg: passed on to the robot */
	size_t nrargs;
	unsigned jobs, seed, sample;
	bool safety;   /* --gate safety */
	bool verbose;
};

/* what the two processes said about one persona */
struct row {
	const struct persona *p;
	struct odict *robot;  /* the robot's report, or NULL */
	struct odict *sim;    /* the simulator's line, or NULL */
	bool ok, grade_ok, optout_ok, disclosure_ok;
	char why[200];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *srcdir(void)
{
	const char *d = getenv("CALLBOT_SRCDIR");

	return d && *d ? d : CLI_SRCDIR;
}

/* A port free for both UDP and TCP on 127.0.0.1. */
static int free_port(void)
{
	unsigned base = 21000 + (unsigned)(getpid() % 2000) * 4;
	unsigned i;

	for (i = 0; i < 400; i++) {
		struct sockaddr_in sin;
		unsigned port = 21000 + (base - 21000 + i * 2) % 8000;
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		int t = socket(AF_INET, SOCK_STREAM, 0);
		bool ok;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = u >= 0 && t >= 0 &&
		     !bind(u, (struct sockaddr *)&sin, sizeof(sin)) &&
		     !bind(t, (struct sockaddr *)&sin, sizeof(sin));
		if (u >= 0)
			close(u);
		if (t >= 0)
			close(t);
		if (ok)
			return (int)port;
	}
	return -1;
}

/* Start this binary with argv, stdout and stderr to files. */
static pid_t spawn(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	{
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fo < 0 || fe < 0)
			_exit(127);
		dup2(fo, 1);
		dup2(fe, 2);
		close(fo);
		close(fe);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
}

static size_t count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int ch;

	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The persona a robot report belongs to: the user part it dialed. */
static bool peer_user(const char *peer, char *buf, size_t sz)
{
	const char *p, *at;

	if (!peer || strncmp(peer, "sip:", 4))
		return false;
	p = peer + 4;
	at = strchr(p, '@');
	if (!at || (size_t)(at - p) >= sz)
		return false;
	memcpy(buf, p, (size_t)(at - p));
	buf[at - p] = '\0';
	return true;
}

static struct row *row_find(struct row *rows, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(rows[i].p->name, name))
			return &rows[i];
	}
	return NULL;
}

static void read_jsonl(const char *path, struct row *rows, size_t n,
		       bool robot)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct odict *o = NULL;
		char name[64];
		const char *key;
		struct row *r;

		if (json_decode_odict(&o, 32, line, (size_t)len, 16))
			continue;
		key = robot ? odict_string(o, "peer")
			    : odict_string(o, "persona");
		if (robot ? !peer_user(key, name, sizeof(name))
			  : (!key || strlen(key) >= sizeof(name))) {
			mem_deref(o);
			continue;
		}
		if (!robot)
			strcpy(name, key);
		r = row_find(rows, n, name);
		if (!r) {
			mem_deref(o);
			continue;
		}
		if (robot) {
			mem_deref(r->robot);
			r->robot = o;
		}
		else {
			mem_deref(r->sim);
			r->sim = o;
		}
	}
	free(line);
	fclose(f);
}

static const struct odict *arr(const struct odict *o, const char *key)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;

	return e && (e->type == ODICT_ARRAY || e->type == ODICT_OBJECT)
		       ? e->u.odict
		       : NULL;
}

static bool has_str(const struct odict *a, const char *s)
{
	struct le *le;

	if (!a)
		return false;
	LIST_FOREACH(&a->lst, le)
	{
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_STRING && !strcmp(e->u.str, s))
			return true;
	}
	return false;
}

/* Did the persona hang up (or could it) before the disclosure ended? */
static bool hangs_up_early(const struct persona *p)
{
	return p->nturns && p->turns[0].kind == PERSONA_HANGUP &&
	       p->turns[0].barge;
}

static void judge(struct row *r)
{
	const struct persona *p = r->p;
	const char *outcome = odict_string(r->robot, "outcome");
	const char *grade = odict_string(r->robot, "grade");
	const char *want_outcome = p->outcome ? p->outcome : "answered";
	bool opt = false, disc = false;
	size_t i;

	r->why[0] = '\0';
	if (!r->robot) {
		snprintf(r->why, sizeof(r->why), "no report from the robot");
		return;
	}
	(void)odict_get_boolean(r->robot, &opt, "opt_out");
	(void)odict_get_boolean(r->robot, &disc, "disclosure_heard");
	r->grade_ok = grade && grade[0] == p->grade;
	r->optout_ok = p->opt_out < 0 || opt == (p->opt_out == 1);
	r->disclosure_ok = !outcome || strcmp(outcome, "answered") ||
			   hangs_up_early(p) || disc;
	r->ok = r->grade_ok && r->optout_ok && r->disclosure_ok;
	if (!outcome || strcmp(outcome, want_outcome)) {
		r->ok = false;
		snprintf(r->why, sizeof(r->why), "outcome %s, not %s",
			 outcome ? outcome : "?", want_outcome);
		return;
	}
	if (!r->optout_ok) {
		snprintf(r->why, sizeof(r->why), "opt_out %s",
			 opt ? "taken, not wanted" : "missing");
		return;
	}
	if (!r->disclosure_ok) {
		snprintf(r->why, sizeof(r->why), "disclosure cut");
		return;
	}
	for (i = 0; i < p->ntags; i++) {
		if (!has_str(arr(r->robot, "tags"), p->tags[i])) {
			r->ok = false;
			snprintf(r->why, sizeof(r->why), "tag %s missing",
				 p->tags[i]);
			return;
		}
	}
	for (i = 0; i < p->nslots; i++) {
		const char *v = odict_string(arr(r->robot, "slots"),
					     p->slot_names[i]);

		if (!v || strcmp(v, p->slot_values[i])) {
			r->ok = false;
			snprintf(r->why, sizeof(r->why), "slot %s = %s, not %s",
				 p->slot_names[i], v ? v : "(none)",
				 p->slot_values[i]);
			return;
		}
	}
	if (!r->grade_ok)
		snprintf(r->why, sizeof(r->why), "%s",
			 odict_string(r->robot, "reason")
				 ? odict_string(r->robot, "reason")
				 : "");
}

static int cmp_u(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static unsigned pct(const unsigned *v, size_t n, unsigned p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)ceil((double)p / 100.0 * (double)n);
	if (i)
		--i;
	return v[i < n ? i : n - 1];
}

/* Print the robot's turns: what it said and heard. */
static void print_turns(const struct row *r)
{
	const struct odict *turns = arr(r->robot, "turns");
	const struct odict *st = arr(r->sim, "turns");
	struct le *le;

	if (turns) {
		LIST_FOREACH(&turns->lst, le)
		{
			const struct odict_entry *e = le->data;
			const struct odict *t;
			const char *s;
			bool b = false;

			if (e->type != ODICT_OBJECT)
				continue;
			t = e->u.odict;
			if ((s = odict_string(t, "robot"))) {
				bool cut = false;

				(void)odict_get_boolean(t, &cut,
							"interrupted");
				printf("      robot  %s%s\n", s,
				       cut ? " (interrupted)" : "");
			}
			else if ((s = odict_string(t, "heard"))) {
				const char *in = odict_string(t, "intent");

				(void)odict_get_boolean(t, &b, "rejected");
				if (b)
					printf("      heard  (rejected%s%s)\n",
					       odict_string(t, "guess")
						       ? ", guess: "
						       : "",
					       odict_string(t, "guess")
						       ? odict_string(t,
								      "guess")
						       : "");
				else
					printf("      heard  \"%s\" -> %s\n", s,
					       in ? in : "no intent");
			}
			else if (odict_lookup(t, "silence")) {
				printf("      silence\n");
			}
			else if ((s = odict_string(t, "dtmf"))) {
				printf("      dtmf   %s\n", s);
			}
		}
	}
	if (st) {
		LIST_FOREACH(&st->lst, le)
		{
			const struct odict_entry *e = le->data;
			const struct odict_entry *rm;
			const char *say;

			if (e->type != ODICT_OBJECT)
				continue;
			say = odict_string(e->u.odict, "say");
			rm = odict_lookup(e->u.odict, "reply_ms");
			if (!say)
				continue;
			if (rm && rm->type == ODICT_INT)
				printf("      said   \"%s\": reply %lld ms\n",
				       say, (long long)rm->u.integer);
			else
				printf("      said   \"%s\": no reply\n", say);
		}
	}
}

static size_t turn_count(const struct row *r)
{
	const struct odict *t = arr(r->robot, "turns");

	return t ? list_count(&t->lst) : 0;
}

/* The callee turn latencies of one persona into v. */
static size_t latencies(const struct row *r, unsigned *v, size_t cap)
{
	const struct odict *st = arr(r->sim, "turns");
	struct le *le;
	size_t n = 0;

	if (!st)
		return 0;
	LIST_FOREACH(&st->lst, le)
	{
		const struct odict_entry *e = le->data;
		const struct odict_entry *rm;
		bool barge = false;

		if (e->type != ODICT_OBJECT || n >= cap)
			continue;
		/* spoken turns only: a silence's "reply" is the robot's
		 * listen timeout, a key's the DTMF path */
		if (!odict_string(e->u.odict, "say"))
			continue;
		(void)odict_get_boolean(e->u.odict, &barge, "barge_in");
		rm = odict_lookup(e->u.odict, "reply_ms");
		/* over a prompt the "reply" is the prompt going on: only
		 * turns taken after the robot stopped count */
		if (!barge && rm && rm->type == ODICT_INT &&
		    rm->u.integer >= 0)
			v[n++] = (unsigned)rm->u.integer;
	}
	return n;
}

/* Lower-case, without spaces and punctuation, for comparing what was
 * said with what was heard ("Yes, I do" = "yes i do"; 我 需要 = 我需要). */
static void norm(char *out, size_t sz, const char *in)
{
	size_t n = 0;

	for (; in && *in && n + 1 < sz; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch < 0x80 && !((ch >= 'a' && ch <= 'z') ||
				   (ch >= 'A' && ch <= 'Z') ||
				   (ch >= '0' && ch <= '9')))
			continue;
		out[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	out[n] = '\0';
}

struct stt {
	size_t said, exact, rejected, missed;
	unsigned audio_ms, decode_ms;
};

/* Pair each utterance the simulator said with the robot's callee turn
 * that began nearest to it (both count from the answer). */
static void speech_to_text(const struct row *r, struct stt *st, bool verbose)
{
	const struct odict *rt = arr(r->robot, "turns");
	const struct odict *stt = arr(r->sim, "turns");
	struct le *a, *b;

	if (!rt || !stt)
		return;
	LIST_FOREACH(&rt->lst, b)
	{
		const struct odict_entry *e = b->data;
		uint64_t v;

		if (e->type != ODICT_OBJECT ||
		    !odict_string(e->u.odict, "heard"))
			continue;
		if (odict_get_number(e->u.odict, &v, "audio_ms"))
			st->audio_ms += (unsigned)v;
		if (odict_get_number(e->u.odict, &v, "decode_ms"))
			st->decode_ms += (unsigned)v;
	}
	LIST_FOREACH(&stt->lst, a)
	{
		const struct odict_entry *e = a->data;
		const struct odict *best = NULL;
		const char *said;
		uint64_t at = 0, bd = UINT64_MAX;
		char x[512], y[512];
		bool rej = false;

		if (e->type != ODICT_OBJECT)
			continue;
		said = odict_string(e->u.odict, "say");
		if (!said || !odict_get_number(e->u.odict, &at, "at_ms"))
			continue;
		++st->said;
		LIST_FOREACH(&rt->lst, b)
		{
			const struct odict_entry *f = b->data;
			uint64_t t;

			if (f->type != ODICT_OBJECT ||
			    !odict_string(f->u.odict, "heard") ||
			    !odict_get_number(f->u.odict, &t, "t"))
				continue;
			t = t > at ? t - at : at - t;
			if (t < bd) {
				bd = t;
				best = f->u.odict;
			}
		}
		if (!best || bd > 1500) {
			++st->missed;
			if (verbose)
				printf("      not heard: \"%s\"\n", said);
			continue;
		}
		(void)odict_get_boolean(best, &rej, "rejected");
		norm(x, sizeof(x), said);
		norm(y, sizeof(y), odict_string(best, "heard"));
		if (rej)
			++st->rejected;
		else if (!strcmp(x, y))
			++st->exact;
	}
}

static int parse(struct e2e_opts *o, int argc, char *argv[])
{
	const char *jobs = NULL, *seed = NULL, *only = NULL, *sample = NULL;
	const char *gate = NULL;
	bool bad = false;
	int i;

	memset(o, 0, sizeof(*o));
	o->jobs = 4;
	o->seed = 1;
	for (i = 1; i < argc && !bad; i++) {
		only = NULL;
		if (cli_opt(argc, argv, &i, "--lang", &o->lang, &bad) ||
		    cli_opt(argc, argv, &i, "--script", &o->script, &bad) ||
		    cli_opt(argc, argv, &i, "--personas", &o->personas,
			    &bad) ||
		    cli_opt(argc, argv, &i, "--models", &o->models, &bad) ||
		    cli_opt(argc, argv, &i, "--out", &o->out, &bad) ||
		    cli_opt(argc, argv, &i, "--jobs", &jobs, &bad) ||
		    cli_opt(argc, argv, &i, "--seed", &seed, &bad) ||
		    cli_opt(argc, argv, &i, "--sample", &sample, &bad) ||
		    cli_opt(argc, argv, &i, "--gate", &gate, &bad))
			continue;
		if (cli_opt(argc, argv, &i, "--only", &only, &bad)) {
			if (only && o->nonly < 64)
				o->only[o->nonly++] = only;
			continue;
		}
		if (cli_opt(argc, argv, &i, "--robot-arg", &only, &bad)) {
			if (only && o->nrargs == 16) {
				fprintf(stderr, "callbot e2e: at most 16 "
						"--robot-arg\n");
				bad = true;
			}
			else if (only) {
				o->rargs[o->nrargs++] = only;
			}
			continue;
		}
		if (!strcmp(argv[i], "-v")) {
			o->verbose = true;
			continue;
		}
		fprintf(stderr, "callbot e2e: unexpected '%s'\n", argv[i]);
		bad = true;
	}
	if (bad)
		return 2;
	if (!o->lang || (strcmp(o->lang, "en") && strcmp(o->lang, "zh"))) {
		fprintf(stderr, "callbot e2e: --lang en or --lang zh is "
				"needed\n");
		return 2;
	}
	if (jobs) {
		long n = strtol(jobs, NULL, 10);

		if (n < 1 || n > 64) {
			fprintf(stderr, "callbot e2e: --jobs: 1 to 64\n");
			return 2;
		}
		o->jobs = (unsigned)n;
	}
	if (seed)
		o->seed = (unsigned)strtoul(seed, NULL, 10);
	if (gate && strcmp(gate, "grade") && strcmp(gate, "safety")) {
		fprintf(stderr, "callbot e2e: --gate: grade or safety, not "
				"'%s'\n",
			gate);
		return 2;
	}
	o->safety = gate && !strcmp(gate, "safety");
	if (sample) {
		long n = strtol(sample, NULL, 10);

		if (n < 1 || n > 10000) {
			fprintf(stderr, "callbot e2e: --sample: a count\n");
			return 2;
		}
		o->sample = (unsigned)n;
	}
	return 0;
}

static bool selected(const struct e2e_opts *o, const char *name)
{
	size_t i;

	if (!o->nonly)
		return true;
	for (i = 0; i < o->nonly; i++) {
		if (!strcmp(o->only[i], name))
			return true;
	}
	return false;
}

int cmd_e2e(int argc, char *argv[])
{
	struct e2e_opts o;
	struct persona_diags diags;
	struct persona_set *set = NULL;
	struct row *rows = NULL;
	char script[PATH_MAX], personas[PATH_MAX], dir[PATH_MAX];
	char p_calls[PATH_MAX + 16], p_rout[PATH_MAX + 16];
	char p_rerr[PATH_MAX + 16], p_sout[PATH_MAX + 16];
	char p_serr[PATH_MAX + 16], listen[32], jobs[16], seed[16];
	char p_unans[PATH_MAX + 24];
	unsigned *lat = NULL;
	size_t n = 0, i, nlat = 0, good = 0, optouts = 0, optouts_ok = 0;
	size_t answered = 0, disc_ok = 0, missing = 0;
	struct stt stt = {0};
	pid_t sim = -1, robot = -1;
	double t0, deadline;
	FILE *f;
	int port, rc, status;

	rc = parse(&o, argc, argv);
	if (rc) {
		fprintf(stderr, "try 'callbot help e2e'\n");
		return rc;
	}
	snprintf(script, sizeof(script), "%s",
		 o.script ? o.script : "");
	if (!o.script)
		snprintf(script, sizeof(script), "%s/scripts/loan-%s.yaml",
			 srcdir(), o.lang);
	if (o.personas)
		snprintf(personas, sizeof(personas), "%s", o.personas);
	else
		snprintf(personas, sizeof(personas),
			 "%s/tests/personas/loan-%s.yaml", srcdir(), o.lang);

	memset(&diags, 0, sizeof(diags));
	rc = persona_load(&set, personas, &diags);
	if (rc) {
		if (diags.n)
			persona_diags_print(&diags, personas, stderr);
		else
			fprintf(stderr, "callbot e2e: cannot read %s: %s\n",
				personas, strerror(rc));
		persona_diags_reset(&diags);
		return 1;
	}
	persona_diags_reset(&diags);

	rows = mem_zalloc(set->n * sizeof(*rows), NULL);
	lat = mem_zalloc(MAX_LAT * sizeof(*lat), NULL);
	if (!rows || !lat) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < set->n; i++) {
		if (selected(&o, set->v[i].name))
			rows[n++].p = &set->v[i];
	}
	if (o.sample && o.sample < n) {
		/* every (n / sample)-th persona: a spread over the file */
		size_t k;

		for (k = 0; k < o.sample; k++)
			rows[k].p = rows[k * n / o.sample].p;
		n = o.sample;
	}
	if (!n) {
		fprintf(stderr, "callbot e2e: no persona selected\n");
		rc = 2;
		goto out;
	}

	if (o.out) {
		snprintf(dir, sizeof(dir), "%s", o.out);
		(void)mkdir(dir, 0755);
	}
	else {
		snprintf(dir, sizeof(dir), "/tmp/callbot-e2e-%s-XXXXXX",
			 o.lang);
		if (!mkdtemp(dir)) {
			fprintf(stderr, "callbot e2e: cannot make %s: %s\n",
				dir, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	snprintf(p_calls, sizeof(p_calls), "%s/calls.txt", dir);
	snprintf(p_rout, sizeof(p_rout), "%s/robot.jsonl", dir);
	snprintf(p_rerr, sizeof(p_rerr), "%s/robot.log", dir);
	snprintf(p_sout, sizeof(p_sout), "%s/sim.jsonl", dir);
	snprintf(p_serr, sizeof(p_serr), "%s/sim.log", dir);
	snprintf(p_unans, sizeof(p_unans), "%s/unanswered.jsonl", dir);

	port = free_port();
	if (port < 0) {
		fprintf(stderr, "callbot e2e: no free port on 127.0.0.1\n");
		rc = 1;
		goto out;
	}
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(jobs, sizeof(jobs), "%u", o.jobs);
	snprintf(seed, sizeof(seed), "%u", o.seed);
	f = fopen(p_calls, "w");
	if (!f) {
		fprintf(stderr, "callbot e2e: cannot write %s\n", p_calls);
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "sip:%s@%s\n", rows[i].p->name, listen);
	fclose(f);

	{
		char *sargv[] = {"callbot", "sim", "--personas", personas,
				 "--listen", listen, "--seed", seed, NULL};

		sim = spawn(sargv, p_sout, p_serr);
	}
	if (sim < 0) {
		rc = 1;
		goto out;
	}
	/* the simulator is up once its SIP socket listens */
	t0 = now_s();
	while (!file_has(p_serr, "listening on") && now_s() - t0 < 60 &&
	       waitpid(sim, &status, WNOHANG) == 0)
		usleep(100000);
	if (!file_has(p_serr, "listening on")) {
		fprintf(stderr, "callbot e2e: the simulator did not start; "
				"see %s\n",
			p_serr);
		rc = 1;
		goto out;
	}
	{
		char *rargv[16 + 16];
		size_t a;
		int k = 0;

		rargv[k++] = "callbot";
		rargv[k++] = "robot";
		rargv[k++] = "--script";
		rargv[k++] = script;
		rargv[k++] = "--calls";
		rargv[k++] = p_calls;
		rargv[k++] = "--jobs";
		rargv[k++] = jobs;
		rargv[k++] = "--record-dir";
		rargv[k++] = dir;
		rargv[k++] = "--unanswered";
		rargv[k++] = p_unans;
		if (o.models) {
			rargv[k++] = "--models";
			rargv[k++] = (char *)o.models;
		}
		for (a = 0; a < o.nrargs; a++)
			rargv[k++] = (char *)o.rargs[a];
		rargv[k] = NULL;
		robot = spawn(rargv, p_rout, p_rerr);
	}
	if (robot < 0) {
		rc = 1;
		goto out;
	}

	fprintf(stderr, "callbot e2e %s: %zu personas, %u at a time; logs "
			"in %s\n",
		o.lang, n, o.jobs, dir);
	t0 = now_s();
	deadline = t0 + 60.0 + 150.0 * (double)n / (double)o.jobs;
	{
		size_t shown = (size_t)-1;

		for (;;) {
			size_t done = count_lines(p_rout);

			if (waitpid(robot, &status, WNOHANG) == robot) {
				robot = -1;
				break;
			}
			if (done != shown) {
				fprintf(stderr, "  %zu/%zu calls done, %.0f s\n",
					done, n, now_s() - t0);
				shown = done;
			}
			if (now_s() > deadline) {
				fprintf(stderr, "callbot e2e: timed out: "
						"stopping the robot\n");
				kill(robot, SIGTERM);
				waitpid(robot, &status, 0);
				robot = -1;
				break;
			}
			usleep(250000);
		}
	}
	kill(sim, SIGTERM);
	waitpid(sim, &status, 0);
	sim = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
		fprintf(stderr, "callbot e2e: the simulator exited %d; see "
				"%s\n",
			WEXITSTATUS(status), p_serr);

	read_jsonl(p_rout, rows, n, true);
	read_jsonl(p_sout, rows, n, false);

	printf("%-34s %-4s %-4s %-3s %5s %9s  %s\n", "persona", "want", "got",
	       "", "turns", "reply p50", "note");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];
		unsigned v[64];
		size_t k, nv;
		const char *g = odict_string(r->robot, "grade");
		char l50[16] = "-";

		judge(r);
		good += r->ok;
		if (r->p->opt_out == 1) {
			++optouts;
			optouts_ok += r->optout_ok;
		}
		if (r->robot && !strcmp(odict_string(r->robot, "outcome") ?
					odict_string(r->robot, "outcome") : "",
					"answered") &&
		    !hangs_up_early(r->p)) {
			++answered;
			disc_ok += r->disclosure_ok;
		}
		speech_to_text(r, &stt, false);
		nv = latencies(r, v, 64);
		for (k = 0; k < nv && nlat < MAX_LAT; k++)
			lat[nlat++] = v[k];
		if (nv) {
			qsort(v, nv, sizeof(v[0]), cmp_u);
			snprintf(l50, sizeof(l50), "%u", pct(v, nv, 50));
		}
		printf("%-34s %-4c %-4s %-3s %5zu %9s  %s\n", r->p->name,
		       r->p->grade, g ? g : "-", r->ok ? "ok" : "XX",
		       turn_count(r), l50, r->why);
		if (o.verbose || !r->ok)
			print_turns(r);
	}
	qsort(lat, nlat, sizeof(lat[0]), cmp_u);
	printf("\nturn latency (end of callee speech to the robot's reply, "
	       "%zu turns): p50 %u ms, p95 %u ms, max %u ms\n",
	       nlat, pct(lat, nlat, 50), pct(lat, nlat, 95),
	       nlat ? lat[nlat - 1] : 0);
	printf("speech: %zu utterances said, %zu heard exactly as said, %zu "
	       "rejected, %zu not heard; recognition RTF %.3f\n",
	       stt.said, stt.exact, stt.rejected, stt.missed,
	       stt.audio_ms ? (double)stt.decode_ms / stt.audio_ms : 0.0);
	printf("opt-out personas ending with opt_out: %zu/%zu\n", optouts_ok,
	       optouts);
	printf("disclosure heard in full: %zu/%zu answered calls\n", disc_ok,
	       answered);
	printf("%zu/%zu personas graded correctly\n", good, n);
	fflush(stdout);

	for (i = 0; i < n; i++) {
		if (!rows[i].robot || (!rows[i].sim && rows[i].p->answer ==
						       PERSONA_RING))
			++missing;
	}
	if (missing)
		printf("calls without a report from the robot or the "
		       "simulator: %zu\n",
		       missing);
	if (o.safety)
		/* what must hold whatever the recognizer heard */
		rc = !missing && disc_ok == answered ? 0 : 1;
	else
		rc = (good * 100 >= PASS_PERCENT * n &&
		      optouts_ok == optouts && disc_ok == answered && !missing)
			     ? 0
			     : 1;
	if (rc)
		fprintf(stderr, "callbot e2e: FAILED; logs, recordings and "
				"JSON in %s\n",
			dir);

 out:
	if (robot > 0) {
		kill(robot, SIGTERM);
		waitpid(robot, &status, 0);
	}
	if (sim > 0) {
		kill(sim, SIGTERM);
		waitpid(sim, &status, 0);
	}
	for (i = 0; rows && i < n; i++) {
		mem_deref(rows[i].robot);
		mem_deref(rows[i].sim);
	}
	mem_deref(rows);
	mem_deref(lat);
	mem_deref(set);
	return rc;
}
