/**
 * @file cmd_hear.c  callbot hear: recognize recorded utterances (WAV
 * files, e.g. the robot's clips of unanswered questions) against what a
 * script's node can hear, with the robot's recognizer and settings, and
 * print one JSON line per file: the text, the intent the script's matcher
 * finds in it, the confidence, the rejection margin and the segment's
 * estimated SNR; for a rejected guess worth it, as the robot does, the
 * language model's transcript and whether it confirmed the guess. For
 * operators asking why the robot heard what it did, and for tuning.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "dialog/dialog.h"
#include "asr/asr.h"
#include "tts/tts.h"
#include "tts/tts_priv.h"
#include "sip/ua.h"
#include "robot/robot.h"
#include "cli/cli.h"

struct hear {
	struct dialog_script *script;
	const struct dialog_grammar *dg;
	struct asr *asr;
	struct asr_grammar *gram;
	struct tmr tmr;
	char **files;
	int nfiles;
	int next;
	struct tts_audio *audio;   /* the file being recognized */
	bool second;               /* the robot's second opinion */
	struct asr_result res;     /* the grammar's, while it is asked */
	char guess[256];
	int failed;
	struct work_pool *pool;
};

static void hear_next(struct hear *h);

/* One file's line; tx: the second opinion's transcript, or NULL. */
static void print_heard(struct hear *h, const struct asr_result *r,
			const char *tx)
{
	struct dialog_match m;
	bool verified = tx && robot_second_opinion_agrees(
				      h->script, h->dg->node, r->text, tx);
	bool rejected = r->rejected && !verified;

	memset(&m, 0, sizeof(m));
	if (r->text[0] && !rejected)
		(void)dialog_match(h->script, h->dg->node, r->text, &m);
	printf("{\"file\":");
	cli_json_str(stdout, h->files[h->next]);
	printf(",\"node\":");
	cli_json_str(stdout, h->dg->node);
	printf(",\"heard\":");
	cli_json_str(stdout, rejected ? "" : r->text);
	printf(",\"intent\":");
	if (m.intent)
		cli_json_str(stdout, m.intent);
	else
		printf("null");
	printf(",\"rejected\":%s", rejected ? "true" : "false");
	if (rejected && r->text[0]) {
		printf(",\"guess\":");
		cli_json_str(stdout, r->text);
	}
	if (tx) {
		printf(",\"transcript\":");
		cli_json_str(stdout, tx);
		printf(",\"verified\":%s", verified ? "true" : "false");
	}
	printf(",\"confidence\":%.3f,\"score\":%.2f,\"audio_ms\":%u",
	       r->confidence, r->score, r->audio_ms);
	if (isnan(r->snr_db))
		printf(",\"snr_db\":null");
	else
		printf(",\"snr_db\":%.1f", r->snr_db);
	printf(",\"decode_ms\":%u}\n", r->decode_ms);
	fflush(stdout);
}

static void file_done(struct hear *h)
{
	h->audio = mem_deref(h->audio);
	++h->next;
	hear_next(h);
}

static void on_transcript(int err, const struct asr_result *r, void *arg)
{
	struct hear *h = arg;

	if (err)
		fprintf(stderr, "callbot hear: %s: no second opinion: %s\n",
			h->files[h->next], strerror(err));
	print_heard(h, &h->res, err ? NULL : r->transcript);
	file_done(h);
}

static void on_heard(int err, const struct asr_result *r, void *arg)
{
	struct hear *h = arg;
	const char *file = h->files[h->next];

	if (err) {
		fprintf(stderr, "callbot hear: %s: %s\n", file, strerror(err));
		++h->failed;
	}
	else if (h->second && r->rejected &&
		 robot_second_opinion_wanted(h->script, h->dg->node, r->text,
					     r->confidence)) {
		/* as the robot: the language model's opinion first */
		h->res = *r;
		snprintf(h->guess, sizeof(h->guess), "%s", r->text);
		h->res.text = h->guess;
		if (!asr_transcribe(NULL, h->asr, h->audio->pcm, h->audio->n,
				    h->audio->srate, on_transcript, h))
			return;
		print_heard(h, r, NULL);
	}
	else {
		print_heard(h, r, NULL);
	}
	file_done(h);
}

/* The next file, or the end of the loop. */
static void hear_next(struct hear *h)
{
	for (; h->next < h->nfiles; ++h->next) {
		const char *file = h->files[h->next];
		int err = tts_wav_read(&h->audio, file);

		if (err) {
			fprintf(stderr, "callbot hear: %s: %s\n", file,
				err == EINVAL ? "not a PCM WAV file"
					      : strerror(err));
			++h->failed;
			continue;
		}
		if (h->audio->srate != 8000 && h->audio->srate != 16000) {
			fprintf(stderr,
				"callbot hear: %s: %u Hz; convert it to 8000 "
				"Hz first (sox IN -r 8000 OUT)\n",
				file, h->audio->srate);
			h->audio = mem_deref(h->audio);
			++h->failed;
			continue;
		}
		err = asr_recognize(NULL, h->asr, h->gram, h->audio->pcm,
				    h->audio->n, h->audio->srate, on_heard, h);
		if (err) {
			fprintf(stderr, "callbot hear: %s: %s\n", file,
				strerror(err));
			h->audio = mem_deref(h->audio);
			++h->failed;
			continue;
		}
		return;
	}
	re_cancel();
}

/* Wait for the grammar to compile, then go through the files. */
static void poll_ready(void *arg)
{
	struct hear *h = arg;
	struct asr_grammar_stats st;

	asr_grammar_stats(h->gram, &st);
	if (st.err) {
		fprintf(stderr, "callbot hear: the grammar of node %s did not "
				"compile: %s\n",
			h->dg->node, strerror(st.err));
		h->failed = h->nfiles;
		re_cancel();
		return;
	}
	if (!st.compiled) {
		tmr_start(&h->tmr, 10, poll_ready, h);
		return;
	}
	hear_next(h);
}

/* Run the loop until the workers are done: a decoder still being built
 * comes back through the loop, and freeing before that would lose it. */
static void poll_drain(void *arg)
{
	struct hear *h = arg;

	if (!work_pending(h->pool)) {
		re_cancel();
		return;
	}
	tmr_start(&h->tmr, 5, poll_drain, h);
}

static int usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "callbot hear: %s%s%s\n", msg, arg ? ": " : "",
		arg ? arg : "");
	fprintf(stderr, "try 'callbot help hear'\n");
	return 2;
}

int cmd_hear(int argc, char *argv[])
{
	const char *script = NULL, *node = NULL, *values = NULL, *v;
	const char *second = NULL;
	struct asr_conf conf;
	struct work_pool *pool = NULL;
	struct hear h;
	unsigned caps;
	bool bad = false;
	int i, err, rc = 0;

	memset(&h, 0, sizeof(h));
	asr_conf_init(&conf);
	h.files = calloc((size_t)argc + 1, sizeof(*h.files));
	if (!h.files)
		return 1;
	for (i = 1; i < argc && !bad; i++) {
		if (cli_opt(argc, argv, &i, "--script", &script, &bad) ||
		    cli_opt(argc, argv, &i, "--node", &node, &bad) ||
		    cli_opt(argc, argv, &i, "--values", &values, &bad) ||
		    cli_opt(argc, argv, &i, "--second-opinion", &second,
			    &bad))
			continue;
		if (cli_opt(argc, argv, &i, "--models", &v, &bad)) {
			if (!bad)
				conf.models_dir = v;
			continue;
		}
		if (cli_opt(argc, argv, &i, "--asr-model", &v, &bad)) {
			if (!bad)
				conf.model = v;
			continue;
		}
		if (cli_opt(argc, argv, &i, "--asr", &v, &bad)) {
			const char *why = bad ? NULL : cli_asr_set(&conf, v);

			if (why) {
				free(h.files);
				return usage_err(why, v);
			}
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			free(h.files);
			return usage_err("unknown option", argv[i]);
		}
		h.files[h.nfiles++] = argv[i];
	}
	if (bad) {
		free(h.files);
		fprintf(stderr, "try 'callbot help hear'\n");
		return 2;
	}
	if (!script || !h.nfiles) {
		free(h.files);
		return usage_err(!script ? "--script is required"
					 : "no WAV file given",
				 NULL);
	}
	if (values && strcmp(values, "on") && strcmp(values, "off")) {
		free(h.files);
		return usage_err("--values: on or off", values);
	}
	if (second && strcmp(second, "on") && strcmp(second, "off")) {
		free(h.files);
		return usage_err("--second-opinion: on or off", second);
	}
	h.script = cli_load_script(script);
	if (!h.script) {
		free(h.files);
		return 1;
	}
	h.dg = dialog_script_grammar(h.script, node);
	if (!h.dg) {
		fprintf(stderr, "callbot hear: %s has no listening node %s\n",
			script, node);
		rc = 2;
		goto out_script;
	}
	conf.lang = dialog_script_language(h.script);
	err = libre_init();
	if (err) {
		fprintf(stderr, "callbot hear: libre: %s\n", strerror(err));
		rc = 1;
		goto out_script;
	}
	tmr_init(&h.tmr);
	err = work_pool_alloc(&pool, (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	if (!err)
		err = asr_alloc(&h.asr, &conf, pool);
	if (err) {
		fprintf(stderr, "callbot hear: cannot start the recognizer: "
				"%s\n",
			strerror(err));
		rc = 1;
		goto out;
	}
	/* the robot's second opinion where it can transcribe (English),
	 * unless turned off */
	h.second = (!second || !strcmp(second, "on")) &&
		   !asr_transcribe_check(h.asr);
	if (second && !strcmp(second, "on") && !h.second)
		fprintf(stderr, "callbot hear: no second opinion: the %s "
				"recognizer cannot transcribe\n",
			conf.lang);
	/* the robot's rule: spoken values in English, not in Mandarin */
	caps = values ? (strcmp(values, "on") ? 0u : h.dg->captures)
		      : strcmp(conf.lang, "zh") ? h.dg->captures : 0u;
	err = asr_grammar_get_node(&h.gram, h.asr, h.dg->node, h.dg->phrases,
				   h.dg->n, h.dg->nexpected, caps);
	if (err) {
		fprintf(stderr, "callbot hear: grammar: %s\n", strerror(err));
		rc = 1;
		goto out;
	}
	tmr_start(&h.tmr, 0, poll_ready, &h);
	(void)re_main(NULL);
	rc = h.failed ? 1 : 0;
 out:
	if (pool) {
		h.pool = pool;
		tmr_start(&h.tmr, 0, poll_drain, &h);
		(void)re_main(NULL);
	}
	tmr_cancel(&h.tmr);
	h.gram = mem_deref(h.gram);
	h.asr = mem_deref(h.asr);
	pool = mem_deref(pool);
	libre_close();
 out_script:
	mem_deref(h.script);
	free(h.files);
	return rc;
}
