/**
 * @file opts.c  Option parsing shared by the commands that take
 * "--name VALUE" options (call, answer).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <errno.h>
#include "asr/asr.h"
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

const char *cli_asr_set(struct asr_conf *conf, const char *kv)
{
	char key[64];
	const char *eq = kv ? strchr(kv, '=') : NULL;
	int err;

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key))
		return "--asr wants KEY=VALUE";
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	err = asr_conf_set(conf, key, eq + 1);
	if (err)
		return err == ENOENT ? "unknown --asr key" : "bad --asr value";
	return NULL;
}
