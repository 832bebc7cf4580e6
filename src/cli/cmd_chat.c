/**
 * @file cmd_chat.c  `callbot chat SCRIPT`: a conversation in the terminal.
 *
 * Works the same with piped stdin (the callee's lines are then echoed, so
 * the output reads as a transcript). Time is the wall clock plus /wait.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "dialog/dialog.h"
#include "cli/cli.h"
#include "cli/drive.h"

struct chat {
	bool tty;
	unsigned offset_ms;
	struct timespec t0;
};

static unsigned now_ms(const struct chat *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned)((t.tv_sec - c->t0.tv_sec) * 1000 +
			  (t.tv_nsec - c->t0.tv_nsec) / 1000000) +
	       c->offset_ms;
}

static void show(const struct dialog_action *a, void *arg)
{
	(void)arg;
	switch (a->type) {
	case DIALOG_ACT_SAY:
		printf("robot [%s]: %s\n", a->name, a->text);
		break;
	case DIALOG_ACT_MATCH:
		if (a->name)
			printf("  heard: %s (score %.2f)\n", a->name, a->score);
		else
			printf("  heard: no match\n");
		break;
	case DIALOG_ACT_TAG:
		printf("  tag: %s\n", a->name);
		break;
	case DIALOG_ACT_SLOT:
		printf("  slot: %s = %s\n", a->name, a->text);
		break;
	case DIALOG_ACT_OPT_OUT:
		printf("  action: opt_out (the number goes on the "
		       "do-not-call list)\n");
		break;
	case DIALOG_ACT_UNANSWERED:
		printf("  logged unanswered question: \"%s\" in %s\n", a->text,
		       a->node);
		break;
	case DIALOG_ACT_HANGUP:
		printf("robot hangs up\n");
		break;
	case DIALOG_ACT_TRANSFER:
		printf("robot transfers the call to %s\n", a->arg);
		break;
	case DIALOG_ACT_LISTEN:
		break;
	}
	fflush(stdout);
}

int cmd_chat(int argc, char *argv[])
{
	struct dialog_script *s;
	struct dialog_session *sess = NULL;
	struct dialog_event ev;
	struct dialog_grade g;
	struct chat c;
	const char *path = NULL, *outcome = "answered";
	const char *vars[64];
	size_t nvars = 0, i;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--var") && i + 1 < (size_t)argc &&
		    nvars < 64)
			vars[nvars++] = argv[++i];
		else if (!strcmp(argv[i], "--outcome") && i + 1 < (size_t)argc)
			outcome = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			cli_usage(stderr, "chat");
			return 2;
		}
	}
	if (!path) {
		cli_usage(stderr, "chat");
		return 2;
	}
	if (!dialog_outcome_known(outcome)) {
		fprintf(stderr, "callbot chat: unknown outcome '%s' (use one "
				"of: %s)\n",
			outcome, dialog_outcomes);
		return 2;
	}
	s = cli_load_script(path);
	if (!s)
		return 1;
	err = dialog_session_alloc(&sess, s, vars, nvars);
	if (err) {
		fprintf(stderr, "callbot chat: bad --var (use name=value)\n");
		mem_deref(s);
		return 2;
	}

	memset(&c, 0, sizeof(c));
	c.tty = isatty(STDIN_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &c.t0);
	if (c.tty)
		printf("(type what the callee says; empty line = silence, "
		       "/dtmf 1, /wait 30, /hangup)\n");

	if (strcmp(outcome, "answered")) {
		printf("call not answered: %s\n", outcome);
		goto grade;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = DIALOG_EV_ANSWERED;
	drive_event(sess, &ev, show, NULL, NULL);

	while (!dialog_ended(sess)) {
		if (c.tty) {
			printf("you> ");
			fflush(stdout);
		}
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			printf("(end of input: the callee hangs up)\n");
			memset(&ev, 0, sizeof(ev));
			ev.type = DIALOG_EV_HANGUP;
			ev.t_ms = now_ms(&c);
			drive_event(sess, &ev, show, NULL, NULL);
			break;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!c.tty)
			printf("you> %s\n", line);

		memset(&ev, 0, sizeof(ev));
		if (!strncmp(line, "/wait", 5)) {
			c.offset_ms += (unsigned)atoi(line + 5) * 1000u;
			ev.type = DIALOG_EV_TICK;
		}
		else if (!strcmp(line, "/hangup")) {
			ev.type = DIALOG_EV_HANGUP;
		}
		else if (!strncmp(line, "/dtmf", 5)) {
			const char *k = line + 5;

			while (*k == ' ')
				++k;
			for (; *k && !dialog_ended(sess); k++) {
				ev.type = DIALOG_EV_DTMF;
				ev.digit = *k;
				ev.t_ms = now_ms(&c);
				drive_event(sess, &ev, show, NULL, NULL);
			}
			continue;
		}
		else if (!line[0]) {
			ev.type = DIALOG_EV_SILENCE;
		}
		else {
			ev.type = DIALOG_EV_UTTERANCE;
			ev.text = line;
			ev.confidence = 1;
		}
		ev.t_ms = now_ms(&c);
		drive_event(sess, &ev, show, NULL, NULL);
	}

grade:
	dialog_grade(s, sess, outcome, &g);
	printf("== grade %c: %s\n", g.grade, g.reason);
	printf("tags:");
	for (i = 0; i < dialog_tag_count(sess); i++)
		printf(" %s", dialog_tag(sess, i));
	printf("\nslots:");
	for (i = 0; i < dialog_slot_count(sess); i++) {
		const char *nm = dialog_slot_name(sess, i);
		const char *v = dialog_slot_value(sess, nm);

		if (v)
			printf(" %s=%s", nm, v);
	}
	printf("\n");
	free(line);
	mem_deref(sess);
	mem_deref(s);
	return 0;
}
