/**
 * @file turns.c  When a simulated callee acts: a pure state machine over
 * the robot's frame levels, one tick per 20 ms, so its timing rules can be
 * tested with made-up robots (tests/unit/test_sim.c) and the call glue
 * (sim.c) only plays, sends keys and hangs up when told.
 *
 * Only robot speech heard after our own action has finished counts
 * towards the next turn: what the robot says over us (before it notices
 * a barge-in) is not its answer to us. Replies are measured for every
 * acted turn independently, from the end of our speech (or the action,
 * for turns that say nothing) to the first robot frame above -50 dBFS.
 */
#include <stdbool.h>
#include <string.h>
#include <re.h>
#include "core/work.h"
#include "media/media.h"
#include "tts/tts.h"
#include "sip/ua.h"
#include "call/call.h"
#include "sim/persona.h"
#include "sim/sim.h"

void sim_turns_init(struct sim_turns *st, const struct persona *p,
		    struct sim_turn_res *res)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->p = p;
	st->res = res;
	for (i = 0; i < p->nturns; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].reply_ms = -1;
	}
}

bool sim_turns_over(const struct sim_turns *st)
{
	return st->cur >= st->p->nturns;
}

void sim_turns_done(struct sim_turns *st)
{
	if (!st->busy)
		return;
	st->busy = false;
	st->heard = false;
	st->quiet_ms = 0;
	++st->cur;
}

/* the first robot frame after each acted turn's end is its reply */
static void note_replies(struct sim_turns *st, bool speaking)
{
	size_t i;

	if (!speaking)
		return;
	for (i = 0; i < st->p->nturns && i <= st->cur; i++) {
		struct sim_turn_res *r = &st->res[i];

		if (r->reached && r->reply_ms < 0 && st->t_ms > r->end_ms)
			r->reply_ms = (int)(st->t_ms - r->end_ms);
	}
}

/* is the current turn due now? */
static bool due(const struct sim_turns *st, const struct persona_turn *t)
{
	if (!st->heard)
		return false;
	if (t->barge)
		return st->t_ms >= st->onset_ms + t->barge_in_ms + t->pause_ms;
	return !st->speaking && st->quiet_ms >= SIM_GAP_MS + t->pause_ms;
}

enum sim_act sim_turns_tick(struct sim_turns *st, double rx_dbfs,
			    const unsigned *utt_end_ms,
			    const unsigned *utt_speech_ms, size_t *turnp)
{
	const struct persona_turn *t;
	struct sim_turn_res *r;
	bool speaking = rx_dbfs > SIM_SPEECH_DBFS;

	st->t_ms += MEDIA_PTIME;
	if (speaking)
		st->robot_ms += MEDIA_PTIME;
	note_replies(st, speaking);

	if (!st->busy) {
		if (speaking && !st->heard) {
			st->heard = true;
			st->onset_ms = st->t_ms;
		}
		st->quiet_ms = speaking ? 0 : st->quiet_ms + MEDIA_PTIME;
	}
	st->speaking = speaking;
	if (st->busy || st->gave_up)
		return SIM_ACT_NONE;

	if (st->quiet_ms >= SIM_GIVEUP_MS) {
		st->gave_up = true;
		return SIM_ACT_HANGUP;
	}
	if (sim_turns_over(st))
		return SIM_ACT_NONE;

	t = &st->p->turns[st->cur];
	if (!due(st, t))
		return SIM_ACT_NONE;

	r = &st->res[st->cur];
	r->reached = true;
	r->at_ms = st->t_ms;
	r->end_ms = st->t_ms;
	r->barge_in = speaking;
	*turnp = st->cur;

	switch (t->kind) {
	case PERSONA_SAY:
		r->speech_ms = utt_speech_ms ? utt_speech_ms[st->cur] : 0;
		r->end_ms += utt_end_ms ? utt_end_ms[st->cur] : 0;
		st->busy = true;
		return SIM_ACT_SAY;
	case PERSONA_DTMF:
		st->busy = true;
		return SIM_ACT_DTMF;
	case PERSONA_HANGUP:
		st->busy = true;
		return SIM_ACT_HANGUP;
	case PERSONA_SILENCE:
	default:
		/* nothing to do: the next turn waits for the robot again */
		st->busy = true;
		sim_turns_done(st);
		return SIM_ACT_NONE;
	}
}
