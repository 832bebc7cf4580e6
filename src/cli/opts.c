/**
 * @file opts.c  Option parsing shared by the commands that take
 * "--name VALUE" options (call, answer).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include "cli/cli.h"

/* "--name VALUE" or "--name=VALUE"; true when argv[*i] is that option */
bool cli_opt(int argc, char *argv[], int *i, const char *name,
             const char **val, bool *bad)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return false;
	if (a[n] == '=') {
		*val = a + n + 1;
		return true;
	}
	if (a[n])
		return false;
	if (*i + 1 >= argc) {
		fprintf(stderr, "callbot: %s needs a value\n", name);
		*bad = true;
		return true;
	}
	*val = argv[++*i];
	return true;
}

bool cli_sip_uri_ok(const char *s)
{
	struct uri u;
	struct pl pl;

	if (strncasecmp(s, "sip:", 4))
		return false;
	pl_set_str(&pl, s);
	return !uri_decode(&u, &pl) && pl_isset(&u.host);
}
