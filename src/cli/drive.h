/**
 * @file drive.h  Drives a dialog session from text, as a call would: each
 * SAY is taken as heard in full (PROMPT_DONE fed back at once), so chat
 * and replay see the same sequence a real call produces.
 */

typedef void(drive_action_h)(const struct dialog_action *a, void *arg);

/**
 * Feed one event, then PROMPT_DONE for every prompt it (and what follows)
 * says; calls fn for every action produced, in order. With `held` given,
 * the PROMPT_DONE of the last prompt is not fed but kept in *held: the
 * robot is still speaking, so the next event can interrupt it.
 */
void drive_event(struct dialog_session *sess, const struct dialog_event *ev,
		 drive_action_h *fn, void *arg, unsigned *held);

/** Feed the PROMPT_DONE kept in *held, if any (the prompt ended). */
void drive_settle(struct dialog_session *sess, unsigned t_ms,
		  drive_action_h *fn, void *arg, unsigned *held);
