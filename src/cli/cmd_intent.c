/**
 * @file cmd_intent.c  `callbot intent SCRIPT [--node NODE]`: classify
 * utterances from stdin, one JSON object per line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "dialog/dialog.h"
#include "cli/cli.h"

static void print_phrase(const char *intent, const char *phrase, void *arg)
{
	(void)arg;
	fputs("{\"intent\": ", stdout);
	cli_json_str(stdout, intent);
	fputs(", \"phrase\": ", stdout);
	cli_json_str(stdout, phrase);
	fputs("}\n", stdout);
}

int cmd_intent(int argc, char *argv[])
{
	struct dialog_script *s;
	const char *path = NULL, *node = NULL;
	bool list = false, all = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--node") && i + 1 < argc)
			node = argv[++i];
		else if (!strcmp(argv[i], "--list"))
			list = true;
		else if (!strcmp(argv[i], "--all"))
			all = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			cli_usage(stderr, "intent");
			return 2;
		}
	}
	if (!path) {
		cli_usage(stderr, "intent");
		return 2;
	}
	s = cli_load_script(path);
	if (!s)
		return 1;
	if (list) {
		dialog_phrases_apply(s, print_phrase, NULL);
		goto out;
	}
	{
		struct dialog_match m;

		if (node && dialog_match(s, node, "", &m)) {
			fprintf(stderr, "callbot intent: no node '%s' in %s\n",
				node, path);
			rc = 2;
			goto out;
		}
	}

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		struct dialog_match m;

		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (all) {
			dialog_match_all(s, line, &m);
		}
		else if (dialog_match(s, node, line, &m)) {
			fprintf(stderr, "callbot intent: no node '%s' in %s\n",
				node, path);
			rc = 2;
			break;
		}
		fputs("{\"text\": ", stdout);
		cli_json_str(stdout, line);
		fputs(", \"intent\": ", stdout);
		cli_json_str(stdout, m.intent);
		printf(", \"score\": %.3f}\n", m.score);
	}
	free(line);
out:
	mem_deref(s);
	return rc;
}
