/**
 * @file opts.c  Option parsing shared by the commands that take
 * "--name VALUE" options (call, answer, robot).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <errno.h>
#include "asr/asr.h"
#include "media/media.h"
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

bool cli_media_opt(int argc, char *argv[], int *i, struct cli_media *m,
		   bool *bad)
{
	return cli_opt(argc, argv, i, "--rtp-ports", &m->ports, bad) ||
	       cli_opt(argc, argv, i, "--rtp-timeout", &m->timeout, bad);
}

int cli_media_conf(const char *cmd, const struct cli_media *m)
{
	struct media_conf mc = {.timeout_ms = MEDIA_TIMEOUT_MS};
	unsigned long lo, hi, sec;
	char *end;

	if (m->ports) {
		lo = strtoul(m->ports, &end, 10);
		hi = *end == '-' ? strtoul(end + 1, &end, 10) : 0;
		/* RTP takes even ports: the range must hold one */
		if (*end || !isdigit((unsigned char)m->ports[0]) ||
		    lo < 1024 || hi > 65535 || hi <= lo ||
		    ((lo + 1) & ~1ul) > hi) {
			fprintf(stderr, "callbot %s: --rtp-ports: MIN-MAX "
					"within 1024-65535, MIN below MAX, "
					"not '%s' (e.g. 10000-20000; each "
					"call takes one even port)\n",
				cmd, m->ports);
			return 2;
		}
		mc.port_min = (uint16_t)lo;
		mc.port_max = (uint16_t)hi;
	}
	if (m->timeout) {
		sec = strtoul(m->timeout, &end, 10);
		if (*end || !isdigit((unsigned char)m->timeout[0]) ||
		    sec > 3600) {
			fprintf(stderr, "callbot %s: --rtp-timeout: seconds "
					"from 0 (off) to 3600, not '%s'\n",
				cmd, m->timeout);
			return 2;
		}
		mc.timeout_ms = (unsigned)sec * 1000;
	}
	media_conf_set(&mc);
	return 0;
}
