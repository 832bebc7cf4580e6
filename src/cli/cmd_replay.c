/**
 * @file cmd_replay.c  `callbot replay SCRIPT FILE...`: authored test
 * conversations, unit tests for script authors.
 *
 * A file is a YAML list of cases (docs/scripts.md, "Replay tests"). Time
 * is simulated: every callee line takes 4 s, a silence the script's
 * silence window, `wait: N` N seconds, so limits are testable.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"
#include "cli/cli.h"
#include "cli/drive.h"

#define TURN_MS 4000u

struct run {
	struct strvec said;       /* prompt ids since the last callee line */
	struct strvec transcript;
	struct strvec actions;    /* opt_out, hangup, transfer, unanswered */
	bool robot_ended;
	FILE *log;                /* where the transcript goes */
};

static void record(const struct dialog_action *a, void *arg)
{
	struct run *r = arg;
	char buf[600];

	switch (a->type) {
	case DIALOG_ACT_SAY:
		strvec_push(&r->said, a->name);
		snprintf(buf, sizeof(buf), "  robot [%s]: %s", a->name,
			 a->text);
		strvec_push(&r->transcript, buf);
		break;
	case DIALOG_ACT_MATCH:
		snprintf(buf, sizeof(buf), "    heard: %s (%.2f)",
			 a->name ? a->name : "no match", a->score);
		strvec_push(&r->transcript, buf);
		break;
	case DIALOG_ACT_HANGUP:
		r->robot_ended = true;
		strvec_push(&r->actions, "hangup");
		break;
	case DIALOG_ACT_TRANSFER:
		r->robot_ended = true;
		strvec_push(&r->actions, "transfer");
		break;
	case DIALOG_ACT_OPT_OUT:
		strvec_push(&r->actions, "opt_out");
		break;
	case DIALOG_ACT_UNANSWERED:
		strvec_push(&r->actions, "unanswered");
		break;
	default:
		break;
	}
}

static bool has(const struct strvec *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++) {
		if (!strcmp(sv->v[i], s))
			return true;
	}
	return false;
}

struct fails {
	char buf[2048];
	size_t n;
	const char *file;
};

static void fail(struct fails *f, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct fails *f, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (f->n >= sizeof(f->buf) - 1)
		return;
	k = snprintf(f->buf + f->n, sizeof(f->buf) - f->n, "    %s:%u: ",
		     f->file, line);
	if (k > 0)
		f->n += (size_t)k;
	if (f->n >= sizeof(f->buf) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(f->buf + f->n, sizeof(f->buf) - f->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		f->n += (size_t)k;
	if (f->n < sizeof(f->buf) - 1)
		f->buf[f->n++] = '\n';
	f->buf[f->n < sizeof(f->buf) ? f->n : sizeof(f->buf) - 1] = '\0';
}

/* A list of words: a scalar or a sequence of scalars. */
static bool each_word(const struct ynode *y, size_t i, const char **w)
{
	if (!y)
		return false;
	if (y->type == YNODE_SCALAR) {
		*w = y->str;
		return i == 0;
	}
	if (y->type != YNODE_SEQ || i >= y->n ||
	    y->items[i]->type != YNODE_SCALAR)
		return false;
	*w = y->items[i]->str;
	return true;
}

static void check_expect(const struct dialog_script *s,
			 struct dialog_session *sess, const char *outcome,
			 const struct run *r, const struct ynode *exp,
			 struct fails *f)
{
	static const char *const keys[] = {"grade", "reason", "tags",
					   "no_tags", "slots", "actions",
					   "no_actions", "end", "node", NULL};
	struct dialog_grade g;
	const struct ynode *y;
	const char *w;
	size_t i;

	for (i = 0; i < exp->n; i++) {
		const struct ynode *k = exp->items[2 * i];
		size_t j;

		for (j = 0; keys[j] && strcmp(keys[j], k->str); j++)
			;
		if (!keys[j])
			fail(f, k->line, "unknown expectation '%s'", k->str);
	}

	dialog_grade(s, sess, outcome, &g);
	if ((y = ymap_get(exp, "grade")) && y->type == YNODE_SCALAR &&
	    (strlen(y->str) != 1 || y->str[0] != g.grade))
		fail(f, y->line, "grade: expected %s, got %c (%s)", y->str,
		     g.grade, g.reason);
	if ((y = ymap_get(exp, "reason")) && y->type == YNODE_SCALAR &&
	    !strstr(g.reason, y->str))
		fail(f, y->line, "reason: expected \"%s\" in \"%s\"", y->str,
		     g.reason);
	for (i = 0; each_word(ymap_get(exp, "tags"), i, &w); i++) {
		if (!dialog_has_tag(sess, w))
			fail(f, ymap_get(exp, "tags")->line,
			     "tag '%s' expected, not set", w);
	}
	for (i = 0; each_word(ymap_get(exp, "no_tags"), i, &w); i++) {
		if (dialog_has_tag(sess, w))
			fail(f, ymap_get(exp, "no_tags")->line,
			     "tag '%s' set, expected not", w);
	}
	for (i = 0; each_word(ymap_get(exp, "actions"), i, &w); i++) {
		if (!has(&r->actions, w))
			fail(f, ymap_get(exp, "actions")->line,
			     "action '%s' expected, did not happen", w);
	}
	for (i = 0; each_word(ymap_get(exp, "no_actions"), i, &w); i++) {
		if (has(&r->actions, w))
			fail(f, ymap_get(exp, "no_actions")->line,
			     "action '%s' happened, expected not", w);
	}
	if ((y = ymap_get(exp, "slots")) && y->type == YNODE_MAP) {
		for (i = 0; i < y->n; i++) {
			const struct ynode *k = y->items[2 * i];
			const struct ynode *v = y->items[2 * i + 1];
			const char *got = dialog_slot_value(sess, k->str);

			if (v->type != YNODE_SCALAR)
				continue;
			if (!got)
				fail(f, k->line, "slot %s: expected %s, not "
						 "captured",
				     k->str, v->str);
			else if (strcmp(got, v->str))
				fail(f, k->line, "slot %s: expected %s, got %s",
				     k->str, v->str, got);
		}
	}
	if ((y = ymap_get(exp, "end")) && y->type == YNODE_SCALAR) {
		const char *who = r->robot_ended	  ? "robot"
				  : dialog_ended(sess) ? "callee"
						       : "open";

		if (strcmp(y->str, who))
			fail(f, y->line, "end: expected %s, got %s", y->str,
			     who);
	}
	if ((y = ymap_get(exp, "node")) && y->type == YNODE_SCALAR) {
		const char *nd = dialog_node(sess);

		if (!nd || strcmp(y->str, nd))
			fail(f, y->line, "node: expected %s, got %s", y->str,
			     nd ? nd : "(none)");
	}
}

/* Run one case; returns true when it passed. */
static bool run_case(struct dialog_script *s, const struct ynode *c,
		     size_t idx, bool verbose, const char *file)
{
	static const char *const keys[] = {"name", "vars", "outcome",
					   "lines", "expect", NULL};
	struct dialog_session *sess = NULL;
	struct dialog_event ev;
	struct run r;
	struct fails f;
	const struct ynode *y, *lines;
	const char *name = NULL, *outcome = "answered";
	const char *vars[32];
	char varbuf[32][256];
	size_t nvars = 0, i;
	unsigned t = 0, silence_ms = s->silence_ms, held = 0;
	bool ok, during;

	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.file = file;
	if (c->type != YNODE_MAP) {
		printf("FAIL case %zu (line %u): a case must be a map with "
		       "name, lines and expect\n",
		       idx + 1, c->line);
		return false;
	}
	for (i = 0; i < c->n; i++) {
		const struct ynode *k = c->items[2 * i];
		size_t j;

		for (j = 0; keys[j] && strcmp(keys[j], k->str); j++)
			;
		if (!keys[j])
			fail(&f, k->line, "unknown key '%s' in a case",
			     k->str);
	}
	if ((y = ymap_get(c, "name")) && y->type == YNODE_SCALAR)
		name = y->str;
	if ((y = ymap_get(c, "outcome")) && y->type == YNODE_SCALAR) {
		outcome = y->str;
		if (!dialog_outcome_known(outcome))
			fail(&f, y->line, "unknown outcome '%s' (use one of: "
					  "%s)",
			     outcome, dialog_outcomes);
	}
	if ((y = ymap_get(c, "vars")) && y->type == YNODE_MAP) {
		for (i = 0; i < y->n && nvars < 32; i++) {
			snprintf(varbuf[nvars], sizeof(varbuf[0]), "%s=%s",
				 y->items[2 * i]->str,
				 y->items[2 * i + 1]->type == YNODE_SCALAR
					 ? y->items[2 * i + 1]->str
					 : "");
			vars[nvars] = varbuf[nvars];
			++nvars;
		}
	}
	if (dialog_session_alloc(&sess, s, vars, nvars)) {
		printf("FAIL %s: cannot start a session\n", name ? name : "?");
		return false;
	}

	lines = ymap_get(c, "lines");
	if (strcmp(outcome, "answered"))
		goto expect;

	memset(&ev, 0, sizeof(ev));
	ev.type = DIALOG_EV_ANSWERED;
	drive_event(sess, &ev, record, &r, &held);

	for (i = 0; lines && lines->type == YNODE_SEQ && i < lines->n; i++) {
		const struct ynode *ln = lines->items[i];
		const struct ynode *k = NULL, *v = NULL;
		const char *word = NULL;

		if (ln->type == YNODE_SCALAR) {
			word = ln->str;
		}
		else if (ln->type == YNODE_MAP && ln->n == 1) {
			k = ln->items[0];
			v = ln->items[1];
			word = k->str;
		}
		else {
			fail(&f, ln->line, "a line is 'silence', 'hangup', "
					   "'hangup_early' or one of callee:, "
					   "interrupt:, robot:, dtmf:, wait:");
			continue;
		}
		if (v && v->type != YNODE_SCALAR) {
			fail(&f, v->line, "'%s' needs a plain value", word);
			continue;
		}

		if (!strcmp(word, "robot")) {
			drive_settle(sess, t, record, &r, &held);
			if (!v || !has(&r.said, v->str))
				fail(&f, ln->line,
				     "robot: expected prompt '%s'; said: %s",
				     v ? v->str : "?",
				     r.said.n ? r.said.v[r.said.n - 1]
					      : "(nothing)");
			continue;
		}
		/* the robot finishes speaking unless the line interrupts it */
		during = !strcmp(word, "interrupt") ||
			 !strcmp(word, "hangup_early");
		if (!during)
			drive_settle(sess, t, record, &r, &held);
		if (dialog_ended(sess)) {
			fail(&f, ln->line, "the call already ended before "
					   "this line");
			break;
		}
		memset(&ev, 0, sizeof(ev));
		if ((!strcmp(word, "callee") || !strcmp(word, "interrupt")) &&
		    v) {
			char buf[600];

			t += TURN_MS;
			ev.type = DIALOG_EV_UTTERANCE;
			ev.text = v->str;
			ev.confidence = 1;
			snprintf(buf, sizeof(buf), "  callee: %s", v->str);
			strvec_push(&r.transcript, buf);
		}
		else if (!strcmp(word, "silence")) {
			t += silence_ms;
			ev.type = DIALOG_EV_SILENCE;
			strvec_push(&r.transcript, "  callee: (silence)");
		}
		else if (!strcmp(word, "hangup") ||
			 !strcmp(word, "hangup_early")) {
			ev.type = DIALOG_EV_HANGUP;
			strvec_push(&r.transcript, "  callee hangs up");
		}
		else if (!strcmp(word, "wait") && v) {
			t += (unsigned)atoi(v->str) * 1000u;
			ev.type = DIALOG_EV_TICK;
		}
		else if (!strcmp(word, "dtmf") && v) {
			const char *d;

			strvec_push(&r.transcript, "  callee presses keys");
			for (d = v->str; *d && !dialog_ended(sess); d++) {
				strvec_reset(&r.said);
				ev.type = DIALOG_EV_DTMF;
				ev.digit = *d;
				ev.t_ms = t;
				drive_event(sess, &ev, record, &r, &held);
			}
			continue;
		}
		else {
			fail(&f, ln->line, "unknown line '%s'", word);
			continue;
		}
		ev.t_ms = t;
		strvec_reset(&r.said);
		if (during) {
			unsigned playing = held, after;

			drive_event(sess, &ev, record, &r, &held);
			after = held;
			held = playing; /* now the interrupted prompt ends */
			drive_settle(sess, t, record, &r, &held);
			held = after;
		}
		else {
			drive_event(sess, &ev, record, &r, &held);
		}
	}
	drive_settle(sess, t, record, &r, &held);

expect:
	if ((y = ymap_get(c, "expect")) && y->type == YNODE_MAP)
		check_expect(s, sess, outcome, &r, y, &f);
	else
		fail(&f, c->line, "case has no 'expect:' map");

	ok = f.n == 0;
	printf("%s %s\n", ok ? "ok  " : "FAIL",
	       name ? name : "(unnamed case)");
	if (!ok || verbose) {
		for (i = 0; i < r.transcript.n; i++)
			printf("%s\n", r.transcript.v[i]);
		fputs(f.buf, stdout);
	}
	strvec_reset(&r.said);
	strvec_reset(&r.transcript);
	strvec_reset(&r.actions);
	mem_deref(sess);
	return ok;
}

static int read_file(const char *path, char **bufp, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return errno;
	if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET)) {
		fclose(fp);
		return EIO;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(fp);
		return ENOMEM;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return EIO;
	}
	buf[n] = '\0';
	fclose(fp);
	*bufp = buf;
	*lenp = (size_t)n;
	return 0;
}

int cmd_replay(int argc, char *argv[])
{
	struct dialog_script *s = NULL;
	bool verbose = false;
	unsigned pass = 0, failed = 0;
	int i, nfiles = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			verbose = true;
	}
	for (i = 1; i < argc; i++) {
		struct dialog_diags d;
		struct ynode *root = NULL;
		char *buf = NULL;
		size_t len = 0, k;
		int err;

		if (argv[i][0] == '-')
			continue;
		if (!s) {
			s = cli_load_script(argv[i]);
			if (!s)
				return 1;
			continue;
		}
		++nfiles;
		err = read_file(argv[i], &buf, &len);
		if (err) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(err));
			++failed;
			continue;
		}
		memset(&d, 0, sizeof(d));
		err = ytree_parse(&root, buf, len, &d);
		free(buf);
		if (err) {
			dialog_diags_print(&d, argv[i], stderr);
			dialog_diags_reset(&d);
			++failed;
			continue;
		}
		dialog_diags_reset(&d);
		if (root->type != YNODE_SEQ) {
			fprintf(stderr, "%s:%u:%u: error: a replay file is a "
					"list of cases (- name: ...)\n",
				argv[i], root->line, root->col);
			ytree_free(root);
			++failed;
			continue;
		}
		printf("== %s\n", argv[i]);
		for (k = 0; k < root->n; k++) {
			if (run_case(s, root->items[k], k, verbose, argv[i]))
				++pass;
			else
				++failed;
		}
		ytree_free(root);
	}
	if (!s || !nfiles) {
		cli_usage(stderr, "replay");
		mem_deref(s);
		return 2;
	}
	mem_deref(s);
	printf("%u passed, %u failed\n", pass, failed);
	return failed ? 1 : 0;
}
