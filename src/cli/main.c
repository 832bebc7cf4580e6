/**
 * @file main.c  `callbot`: an AI telephone robot. Dispatches subcommands.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/json.h"
#include "dialog/dialog.h"
#include "cli/cli.h"

#define CALLBOT_VERSION "0.1.0"

/* the RTP options of call, answer and robot (cli_media_opt()) */
#define RTP_HELP                                                              \
	"  --rtp-ports MIN-MAX  local RTP ports (default 10000-20000)\n"    \
	"  --rtp-timeout SEC    hang up after SEC without RTP from the peer\n" \
	"                       (default 30; 0: never)\n"

static const struct cli_cmd cmds[] = {
	{"check", "SCRIPT...", "validate conversation scripts",
	 "Validates scripts: YAML syntax, unknown keys, missing prompts,\n"
	 "unreachable nodes, nodes with no way to an end, phrases shadowed\n"
	 "by another intent, the disclosure and honest answers to \"are you\n"
	 "a robot?\". Prints one line per problem as file:line:col and\n"
	 "exits 1 if there is any error (warnings alone exit 0).\n"
	 "  -q, --quiet    print errors only, not warnings\n",
	 cmd_check},
	{"chat", "SCRIPT [--var name=value]...",
	 "talk to a script in the terminal",
	 "Runs a conversation with the script from the terminal (or piped\n"
	 "stdin). Each line you type is what the callee says. Special lines:\n"
	 "  (empty line)   silence: the callee says nothing\n"
	 "  /dtmf KEYS     press keys, e.g. /dtmf 1\n"
	 "  /wait SECONDS  let time pass\n"
	 "  /hangup        the callee hangs up\n"
	 "At the end it prints the grade with its reason, tags and slots.\n"
	 "  --var NAME=VALUE   a contact field, e.g. --var name=Li\n"
	 "  --outcome OUTCOME  grade as this telephony outcome\n",
	 cmd_chat},
	{"intent", "SCRIPT [--node NODE | --all] [--list]",
	 "classify utterances from stdin as JSON lines",
	 "Reads utterances one per line on stdin and prints one JSON object\n"
	 "per line: {\"text\": ..., \"intent\": ..., \"score\": ...}, with\n"
	 "\"intent\": null for no match. Intents are matched as heard in the\n"
	 "first listening node, global and FAQ intents included.\n"
	 "  --node NODE   match as heard in this node\n"
	 "  --all         match against every intent of the script\n"
	 "  --list        print every phrase as {\"intent\", \"phrase\"}\n",
	 cmd_intent},
	{"replay", "SCRIPT FILE...", "run authored test conversations",
	 "Runs the test conversations in each FILE (see docs/scripts.md,\n"
	 "\"Replay tests\") against the script and reports ok or FAIL for\n"
	 "each, ending with \"N passed, N failed\". Exits 1 on any failure.\n"
	 "  -v, --verbose   print every conversation, not only failures\n",
	 cmd_replay},
	{"call",
	 "sip:USER@HOST[:PORT] --play FILE.wav [--record OUT.wav] [OPTION]...",
	 "place one call and play a file",
	 "Calls the URI, plays FILE once answered and hangs up 0.5 s after\n"
	 "it has played (or when the callee hangs up). Prints each DTMF key\n"
	 "received as \"dtmf: D\" and, as the last line, \"outcome: OUTCOME\n"
	 "CODE\" (answered 200, busy 486, no_answer 0, ...). Exits 0 when\n"
	 "answered, 1 otherwise, 2 on usage errors. Logs go to stderr.\n"
	 "  --play FILE          the prompt (WAV or any audio libsndfile "
	 "reads)\n"
	 "  --record OUT.wav     record the call, stereo: callee left, robot "
	 "right\n"
	 "  --from URI           our From URI\n"
	 "  --listen ADDR:PORT   local SIP address (UDP and TCP; port 0: "
	 "any)\n"
	 "  --registrar URI      register there first (needs --user)\n"
	 "  --user U             digest user, also for INVITE challenges\n"
	 "  --password P         digest password\n"
	 "  --timeout SECONDS    give up unanswered after this (default 45)\n"
	 "  --dtmf DIGITS        send these keys once answered\n"
	 RTP_HELP,
	 cmd_call},
	{"answer", "--listen ADDR:PORT --play FILE.wav [OPTION]...",
	 "answer incoming calls with a file",
	 "Answers every incoming call, plays FILE and hangs up 0.5 s after\n"
	 "it (or when the caller hangs up). Prints one line per ended call:\n"
	 "\"call CALL-ID from FROM outcome: OUTCOME CODE dtmf: KEYS\" (the\n"
	 "caller's number masked). Runs until SIGINT/SIGTERM, exit 0.\n"
	 "  --listen ADDR:PORT   local SIP address (UDP and TCP)\n"
	 "  --play FILE          the prompt\n"
	 "  --record-dir DIR     record each call to DIR/CALL-ID.wav\n"
	 "  --max-calls N        exit after N calls (refuse more meanwhile)\n"
	 "  --registrar URI      register there (needs --user)\n"
	 "  --user U             digest user\n"
	 "  --password P         digest password\n"
	 "  --from URI           our address of record\n"
	 RTP_HELP,
	 cmd_answer},
	{"sim",
	 "--personas FILE (--listen ADDR:PORT | --persona NAME --call URI) "
	 "[OPTION]...\n       callbot sim --check FILE",
	 "simulated callees (personas) for testing the robot",
	 "Plays personas (docs/personas.md) over real SIP and RTP. With\n"
	 "--listen it answers each call as the persona named by the URI's\n"
	 "user part (404 for unknown names) and follows its answer: and\n"
	 "turns; with --call it places one call as --persona. Speech is\n"
	 "synthesized (flite, espeak-ng pinyin) before it starts. Prints one\n"
	 "JSON object per ended call: persona, call_id, outcome, code,\n"
	 "hangup_by, robot_speech_ms and turns (say, at_ms, speech_ms,\n"
	 "barge_in, reply_ms). Logs go to stderr.\n"
	 "  --personas FILE      the persona file\n"
	 "  --listen ADDR:PORT   answer calls here (UDP and TCP)\n"
	 "  --max-calls N        exit after N calls ended\n"
	 "  --record-dir DIR     record each call to DIR/PERSONA-CALL-ID.wav\n"
	 "  --seed N             noise seed (default 0): same seed, same "
	 "noise\n"
	 "  --persona NAME       with --call: who calls\n"
	 "  --call URI           place one call (exit 0 when answered)\n"
	 "  --from URI           our From URI\n"
	 "  --check FILE         validate a persona file: errors as\n"
	 "                       file:line:col, then \"N personas\"; exit 0/1\n",
	 cmd_sim},
	{"robot", "--script FILE (--listen ADDR:PORT | --call URI...) [OPTION]...",
	 "answer or place calls with a script: hear, speak, grade",
	 "Runs the script on real calls: speech recognition (pocketsphinx,\n"
	 "a grammar per node, off-topic speech rejected), barge-in, prompts\n"
	 "synthesized ahead (flite / espeak-ng) or recorded. Prints one JSON\n"
	 "object per ended call on stdout (docs/robot.md); logs on stderr.\n"
	 "  --script FILE        the conversation script\n"
	 "  --listen ADDR:PORT   answer calls here (UDP and TCP)\n"
	 "  --call URI           place a call (repeatable); exits when done\n"
	 "  --calls FILE         more URIs, one per line\n"
	 "  --jobs N             outbound calls at once (default 1)\n"
	 "  --max-calls N        answer N calls, then exit\n"
	 "  --var NAME=VALUE     a contact field for the script (repeatable)\n"
	 "  --record-dir DIR     CALL-ID.wav per call, CALL-ID-N.wav per\n"
	 "                       utterance the robot could not answer\n"
	 "  --models DIR         speech models folder (make models)\n"
	 "  --asr-model NAME     hub4wsj_sc_8k (default) or en-us; zh: tdt_sc_8k\n"
	 "  --reject MODE        off-topic rejection: loop (default), garbage, off\n"
	 "  --reject-threshold T rejection threshold (per-frame margin)\n"
	 "  --asr KEY=VALUE      any recognizer setting (docs/asr.md), e.g.\n"
	 "                       other_weight=1e-6 (repeatable)\n"
	 "  --end-ms N           end-of-utterance silence (default 500)\n"
	 "  --values on|off      hear spoken amounts and times where the script\n"
	 "                       captures them (default: on for English, off\n"
	 "                       for Mandarin, whose model gets them wrong)\n"
	 "  --transcripts on|off a free-form transcript of each unanswered\n"
	 "                       utterance, in the report (default: on for\n"
	 "                       English; Mandarin has no language model)\n"
	 "  --unanswered FILE    append one JSON line per unanswered utterance\n"
	 "                       (node, guess, transcript, clip) to FILE\n"
	 "  --transcript-wait MS how long an ended call's report waits for its\n"
	 "                       transcripts (default 10000)\n"
	 "  --second-opinion on|off  accept a rejected guess when the free-form\n"
	 "                       transcript names the same intent (default: as\n"
	 "                       --transcripts)\n"
	 "  --second-opinion-ms MS  how long a rejected utterance waits for it\n"
	 "                       after the end of the utterance (default 250)\n"
	 "  --voice NAME         TTS voice (default: the script's)\n"
	 "  --tts-engine NAME    flite, espeak\n"
	 "  --tts-cache DIR      keep synthesized prompts on disk\n"
	 "  --from, --registrar, --user, --password   as for 'callbot call'\n"
	 RTP_HELP,
	 cmd_robot},
	{"e2e", "--lang en|zh [OPTION]...",
	 "run every persona against the robot over SIP on loopback",
	 "Starts 'callbot sim' with the language's personas and 'callbot\n"
	 "robot' dialing each of them with the sample script, then prints a\n"
	 "table (persona, expected and actual grade, turns, what was heard,\n"
	 "turn latency) and 'N/M personas graded correctly'. Exit 0 only when\n"
	 "at least 95% are right, every opt-out persona ended with opt_out\n"
	 "and every answered call heard the disclosure in full.\n"
	 "  --lang en|zh         which personas and sample script\n"
	 "  --personas FILE      persona file (tests/personas/loan-LANG.yaml)\n"
	 "  --script FILE        script (scripts/loan-LANG.yaml)\n"
	 "  --only NAME          run this persona (repeatable)\n"
	 "  --sample N           run N personas spread over the file\n"
	 "  --gate grade|safety  grade (default): the 95% rule above; safety:\n"
	 "                       only that every call was reported by both\n"
	 "                       sides and heard the disclosure in full\n"
	 "  --jobs N             calls at once (default 4)\n"
	 "  --models DIR         speech models folder\n"
	 "  --out DIR            keep logs, recordings and JSON here\n"
	 "  --seed N             noise seed for the simulator (default 1)\n"
	 "  --robot-arg ARG      pass ARG on to 'callbot robot' (repeatable:\n"
	 "                       --robot-arg --values --robot-arg on)\n"
	 "  -v                   print every call's turns, not only failures\n",
	 cmd_e2e},
	{"hear", "--script FILE [OPTION]... FILE.wav...",
	 "recognize recorded utterances as the robot would",
	 "Recognizes each WAV file (8 or 16 kHz mono PCM, such as the\n"
	 "robot's clips of unanswered questions) against what a node of the\n"
	 "script can hear, with the robot's recognizer, and prints one JSON\n"
	 "line per file: heard, intent, rejected (and the guess), confidence,\n"
	 "score (the rejection margin), audio_ms, snr_db, decode_ms; with the\n"
	 "robot's second opinion on a rejected guess, the transcript and\n"
	 "verified (the transcript named the same intent: accepted).\n"
	 "  --script FILE        conversation script (its language picks the\n"
	 "                       model)\n"
	 "  --node NAME          listening node (default: the first, which\n"
	 "                       hears every global intent)\n"
	 "  --values on|off      spoken amounts and times (default as the\n"
	 "                       robot: on for English, off for Mandarin)\n"
	 "  --models DIR         speech models folder\n"
	 "  --asr-model NAME     acoustic model (English: hub4wsj_sc_8k, en-us)\n"
	 "  --asr KEY=VALUE      any recognizer setting (docs/asr.md), e.g.\n"
	 "                       reject_threshold=-6 or denoise=off\n"
	 "  --second-opinion on|off  as the robot (default: on where there is\n"
	 "                       a language model: English)\n"
	 "Exit 1 when a file could not be read or recognized.\n",
	 cmd_hear},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "callbot %s - an AI telephone robot\n\n"
		   "usage: callbot COMMAND [ARGS]\n\ncommands:\n",
		CALLBOT_VERSION);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "  %-8s %s\n", "help", "show help for a command");
	fprintf(f, "\nRun 'callbot help COMMAND' for a command's options.\n");
}

void cli_usage(FILE *f, const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].name, name))
			continue;
		fprintf(f, "usage: callbot %s %s\n\n%s\n%s", cmds[i].name,
			cmds[i].args, cmds[i].summary, cmds[i].help);
		return;
	}
}

void cli_json_str(FILE *f, const char *s)
{
	(void)re_fprintf(f, "%H", json_str_pf, s);
}

struct dialog_script *cli_load_script(const char *path)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d;
	int err;

	memset(&d, 0, sizeof(d));
	err = dialog_script_load(&s, path, &d);
	if (err && !d.n)
		fprintf(stderr, "%s: cannot load: %s\n", path, strerror(err));
	if (err)
		dialog_diags_print(&d, path, stderr);
	if (err && d.errors)
		fprintf(stderr, "%s: %u error(s); run 'callbot check %s'\n",
			path, d.errors, path);
	dialog_diags_reset(&d);
	return err ? NULL : s;
}

int main(int argc, char *argv[])
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("callbot %s\n", CALLBOT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		for (i = 0; i < NCMDS; i++) {
			if (!strcmp(cmds[i].name, argv[2])) {
				cli_usage(stdout, argv[2]);
				return 0;
			}
		}
		fprintf(stderr, "callbot: no command '%s'; try 'callbot "
				"--help'\n",
			argv[2]);
		return 2;
	}
	for (i = 0; i < NCMDS; i++) {
		if (!strcmp(cmds[i].name, argv[1])) {
			int j;

			for (j = 2; j < argc; j++) {
				if (!strcmp(argv[j], "--help") ||
				    !strcmp(argv[j], "-h")) {
					cli_usage(stdout, argv[1]);
					return 0;
				}
			}
			return cmds[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "callbot: unknown command '%s'; try 'callbot --help'\n",
		argv[1]);
	return 2;
}
