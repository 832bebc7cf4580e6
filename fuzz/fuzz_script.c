/**
 * @file fuzz_script.c  libFuzzer target: the script loader and checker.
 *
 * Any bytes go to dialog_script_parse(); a script that loads is checked,
 * then one short conversation is run on it so the resolved indexes are
 * exercised too. Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "dialog/dialog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void converse(struct dialog_script *s)
{
	static const char *const lines[] = {"yes", "no", "不需要", "",
					    "what", "5万", "don't call me"};
	struct dialog_session *sess = NULL;
	struct dialog_actions acts;
	struct dialog_event ev;
	struct dialog_grade g;
	size_t i;

	if (dialog_session_alloc(&sess, s, NULL, 0))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = DIALOG_EV_ANSWERED;
	dialog_step(sess, &ev, &acts);
	for (i = 0; i < 3 * sizeof(lines) / sizeof(lines[0]); i++) {
		const char *l = lines[i % (sizeof(lines) / sizeof(lines[0]))];

		memset(&ev, 0, sizeof(ev));
		ev.t_ms = (unsigned)i * 5000;
		if (i % 3 == 2) {
			ev.type = DIALOG_EV_PROMPT_DONE;
			ev.seq = acts.n ? acts.v[acts.n - 1].seq : 0;
		}
		else if (!*l) {
			ev.type = DIALOG_EV_SILENCE;
		}
		else {
			ev.type = DIALOG_EV_UTTERANCE;
			ev.text = l;
		}
		dialog_step(sess, &ev, &acts);
	}
	dialog_grade(s, sess, "answered", &g);
	mem_deref(sess);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d;

	memset(&d, 0, sizeof(d));
	if (!dialog_script_parse(&s, (const char *)data, size, "/nonexistent",
				 &d)) {
		dialog_script_check(s, &d);
		converse(s);
		mem_deref(s);
	}
	dialog_diags_reset(&d);
	return 0;
}
