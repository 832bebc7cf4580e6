/**
 * @file drive.c  Text-driven sessions for chat and replay.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "dialog/dialog.h"
#include "cli/drive.h"

void drive_event(struct dialog_session *sess, const struct dialog_event *ev,
		 drive_action_h *fn, void *arg, unsigned *held)
{
	struct dialog_actions acts;
	struct dialog_event done;
	unsigned last = 0;
	size_t i;
	int guard;

	if (held)
		*held = 0;
	if (dialog_step(sess, ev, &acts))
		return;
	for (guard = 0; guard < 64; guard++) {
		for (i = 0; i < acts.n; i++) {
			fn(&acts.v[i], arg);
			if (acts.v[i].type == DIALOG_ACT_SAY)
				last = acts.v[i].seq;
		}
		if (!last || dialog_ended(sess))
			return;
		if (held) {
			*held = last;
			return;
		}
		memset(&done, 0, sizeof(done));
		done.type = DIALOG_EV_PROMPT_DONE;
		done.t_ms = ev->t_ms;
		done.seq = last;
		last = 0;
		if (dialog_step(sess, &done, &acts))
			return;
	}
}

void drive_settle(struct dialog_session *sess, unsigned t_ms,
		  drive_action_h *fn, void *arg, unsigned *held)
{
	struct dialog_event done;

	while (*held && !dialog_ended(sess)) {
		memset(&done, 0, sizeof(done));
		done.type = DIALOG_EV_PROMPT_DONE;
		done.t_ms = t_ms;
		done.seq = *held;
		drive_event(sess, &done, fn, arg, held);
	}
	*held = 0;
}
