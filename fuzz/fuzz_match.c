/**
 * @file fuzz_match.c  libFuzzer target: the intent matcher, the slot
 * extractors and the session, on both sample scripts.
 *
 * The input is split at newlines into utterances; a line starting with
 * '#' is a DTMF key, an empty line a silence. Each utterance is matched,
 * also with the regex prefilter off (the results must be the same), and
 * fed to a live session.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"
#include "dialog/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dialog_script *scripts[2];

static void load(void)
{
	static const char *const names[] = {"loan-en.yaml", "loan-zh.yaml"};
	const char *dir = getenv("CALLBOT_SRCDIR");
	char path[1024];
	size_t i;

	for (i = 0; i < 2; i++) {
		struct dialog_diags d;

		memset(&d, 0, sizeof(d));
		snprintf(path, sizeof(path), "%s/scripts/%s",
			 dir ? dir : CALLBOT_SRCDIR, names[i]);
		if (dialog_script_load(&scripts[i], path, &d)) {
			dialog_diags_print(&d, path, stderr);
			abort();
		}
		dialog_diags_reset(&d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line, *save = NULL;
	size_t k;

	if (!buf)
		return 0;
	if (!scripts[0])
		load();
	memcpy(buf, data, size);
	buf[size] = '\0';

	for (k = 0; k < 2; k++) {
		struct dialog_session *sess = NULL;
		struct dialog_actions acts;
		struct dialog_event ev;
		struct dialog_grade g;
		char *copy = strdup(buf);
		unsigned t = 0;

		if (!copy || dialog_session_alloc(&sess, scripts[k], NULL, 0)) {
			free(copy);
			break;
		}
		memset(&ev, 0, sizeof(ev));
		ev.type = DIALOG_EV_ANSWERED;
		dialog_step(sess, &ev, &acts);
		for (line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			struct dialog_match m;
			char val[64];
			int e;

			dialog_match_all(scripts[k], line, &m);
			/* the regex prefilter must never change a result */
			{
				struct dialog_match m2;

				match_no_prefilter = true;
				dialog_match_all(scripts[k], line, &m2);
				match_no_prefilter = false;
				if ((m.intent != m2.intent) ||
				    m.score != m2.score)
					abort();
			}
			dialog_match(scripts[k], NULL, line, &m);
			for (e = EXTRACT_AMOUNT; e <= EXTRACT_TEXT; e++)
				extract_run((enum extract_kind)e, line, val,
					    sizeof(val));
			memset(&ev, 0, sizeof(ev));
			ev.t_ms = t += 4000;
			if (line[0] == '#') {
				ev.type = DIALOG_EV_DTMF;
				ev.digit = line[1];
			}
			else if (!line[0]) {
				ev.type = DIALOG_EV_SILENCE;
			}
			else {
				ev.type = DIALOG_EV_UTTERANCE;
				ev.text = line;
			}
			dialog_step(sess, &ev, &acts);
			/* let the robot finish speaking */
			if (acts.n) {
				memset(&ev, 0, sizeof(ev));
				ev.type = DIALOG_EV_PROMPT_DONE;
				ev.seq = acts.v[acts.n - 1].seq;
				ev.t_ms = t;
				dialog_step(sess, &ev, &acts);
			}
		}
		dialog_grade(scripts[k], sess, "answered", &g);
		mem_deref(sess);
		free(copy);
	}
	free(buf);
	return 0;
}
