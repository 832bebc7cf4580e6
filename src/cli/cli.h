/**
 * @file cli.h  The callbot command line: one binary, one function per
 * subcommand. Each returns the process exit code (0 ok, 1 failure found,
 * 2 usage error).
 */
#include <stdbool.h>
#include <stdio.h>

struct cli_cmd {
	const char *name;
	const char *args;
	const char *summary;
	const char *help;   /* shown by `callbot help NAME` */
	int (*run)(int argc, char *argv[]);
};

int cmd_check(int argc, char *argv[]);
int cmd_chat(int argc, char *argv[]);
int cmd_intent(int argc, char *argv[]);
int cmd_replay(int argc, char *argv[]);
int cmd_call(int argc, char *argv[]);
int cmd_answer(int argc, char *argv[]);
int cmd_sim(int argc, char *argv[]);
int cmd_robot(int argc, char *argv[]);
int cmd_e2e(int argc, char *argv[]);
int cmd_hear(int argc, char *argv[]);

/** Print s as a JSON string (with quotes). */
void cli_json_str(FILE *f, const char *s);

/** Load a script, printing diagnostics to stderr. NULL on failure. */
struct dialog_script *cli_load_script(const char *path);

/** Print usage of one command to f. */
void cli_usage(FILE *f, const char *name);

/** "--name VALUE" or "--name=VALUE": true when argv[*i] is that option;
 *  *val is its value, *bad set (with a message) when it lacks one. */
bool cli_opt(int argc, char *argv[], int *i, const char *name,
	     const char **val, bool *bad);

/** The RTP options of the commands that carry calls, as given. */
struct cli_media {
	const char *ports;   /* --rtp-ports MIN-MAX */
	const char *timeout; /* --rtp-timeout SEC, 0 off */
};

/** True when argv[*i] is --rtp-ports or --rtp-timeout (see cli_opt). */
bool cli_media_opt(int argc, char *argv[], int *i, struct cli_media *m,
		   bool *bad);

/** Check the RTP options and apply them (media_conf_set), before the
 *  first stream. Unset ones keep the defaults: ports 10000-20000, 30 s
 *  without RTP from the peer ends the call. @return 0, or 2 with a
 *  message for a bad value */
int cli_media_conf(const char *cmd, const struct cli_media *m);

/** A sip: URI with a host. */
bool cli_sip_uri_ok(const char *s);

struct asr_conf;
/** Apply one "--asr KEY=VALUE" to conf (kv is borrowed). @return NULL,
 *  or what was wrong, for the usage message */
const char *cli_asr_set(struct asr_conf *conf, const char *kv);
