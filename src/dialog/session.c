/**
 * @file session.c  One conversation: the state machine that turns events
 * into actions.
 *
 * States: IDLE until the call is answered; SPEAK_PASS while a node without
 * listening is speaking (the disclosure), waiting for its PROMPT_DONE to
 * go on; LISTEN while a listening node waits for the callee (its prompt may
 * still be playing: barge-in is the call layer's business); SPEAK_END
 * while the last prompt plays before hang-up or transfer; ENDED.
 *
 * The responsible-behaviour rules are enforced here, not left to scripts:
 * opt_out and complaint are honoured from every state, even while a
 * non-interruptible prompt plays or the goodbye is being said; a second
 * refusal always goes to the polite refusal close; limits close the call
 * politely. Everything the session says or decides is an action, so the
 * same engine runs in `callbot chat`, replay tests and real calls.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"
#include "dialog/extract.h"

enum sess_state {
	ST_IDLE = 0,
	ST_SPEAK_PASS,
	ST_LISTEN,
	ST_SPEAK_END,
	ST_ENDED,
};

enum end_kind {
	END_HANGUP = 0,
	END_TRANSFER,
};

struct dialog_session {
	struct dialog_script *s;
	struct strvec var_names, var_values; /* the contact's fields */
	char **rendered;       /* per prompt: text, pinyin (lazy) */
	struct strvec pool;    /* utterances and slot values, kept */

	enum sess_state state;
	int node;
	unsigned seq;          /* last SAY's sequence number */
	unsigned await;        /* the SAY whose end we wait for */
	enum end_kind end_kind;
	const char *transfer;
	unsigned t_ms;

	uint8_t *tagset;       /* per script tag */
	struct idxvec tags;    /* in the order set */
	const char **slots;    /* per slot: value in pool, or NULL */

	unsigned turns, no_match, consec_no_match, silences, denials;
	unsigned retries_used; /* in the current node */
	bool opted_out, hung_up, completed, early_hangup, first_done;
	bool closing;          /* a limit or refusal close is under way */

	const char *pending;   /* heard during a non-listening prompt */
	char pending_dtmf;
	unsigned depth;        /* guards next-chains */
};

static void session_destructor(void *arg)
{
	struct dialog_session *sess = arg;
	size_t i;

	if (sess->rendered) {
		for (i = 0; i < sess->s->nprompts * 2; i++)
			free(sess->rendered[i]);
		free(sess->rendered);
	}
	strvec_reset(&sess->var_names);
	strvec_reset(&sess->var_values);
	strvec_reset(&sess->pool);
	free(sess->tagset);
	idxvec_reset(&sess->tags);
	free(sess->slots);
	mem_deref(sess->s);
}

int dialog_session_alloc(struct dialog_session **sessp,
			 struct dialog_script *s, const char *const *vars,
			 size_t nvars)
{
	struct dialog_session *sess;
	size_t i;
	int err = 0;

	if (!sessp || !s)
		return EINVAL;
	sess = mem_zalloc(sizeof(*sess), session_destructor);
	if (!sess)
		return ENOMEM;
	sess->s = mem_ref(s);
	sess->node = -1;
	sess->rendered = calloc(s->nprompts * 2 + 1, sizeof(char *));
	sess->tagset = calloc(s->tags.n + 1, 1);
	sess->slots = calloc(s->nslots + 1, sizeof(char *));
	if (!sess->rendered || !sess->tagset || !sess->slots) {
		err = ENOMEM;
		goto out;
	}
	for (i = 0; i < nvars; i++) {
		const char *eq = strchr(vars[i], '=');
		char name[64];
		size_t n;

		if (!eq || eq == vars[i] ||
		    (n = (size_t)(eq - vars[i])) >= sizeof(name)) {
			err = EINVAL;
			goto out;
		}
		memcpy(name, vars[i], n);
		name[n] = '\0';
		err = strvec_push(&sess->var_names, name);
		err |= strvec_push(&sess->var_values, eq + 1);
		if (err) {
			err = ENOMEM;
			goto out;
		}
	}
out:
	if (err)
		mem_deref(sess);
	else
		*sessp = sess;
	return err;
}

/* ---- rendering prompts ---------------------------------------------------- */

/* Render context: the session may be absent when grading a call that was
 * never answered; outcome is set only when rendering a grade's reason. */
struct rctx {
	const struct dialog_script *s;
	const struct dialog_session *sess;
	bool pinyin;
	const char *outcome;
};

static const char *var_lookup(const struct rctx *rc, const char *name)
{
	const struct dialog_script *s = rc->s;
	const struct dialog_session *sess = rc->sess;
	char pn[80];
	size_t i;
	int sl;

	if (rc->outcome && !strcmp(name, "outcome"))
		return rc->outcome;
	if (rc->outcome && !strcmp(name, "node"))
		return sess ? dialog_node(sess) : "";
	if (!sess)
		goto script;
	if (rc->pinyin && strlen(name) < 64) {
		snprintf(pn, sizeof(pn), "%s_pinyin", name);
		for (i = 0; i < sess->var_names.n; i++) {
			if (!strcmp(sess->var_names.v[i], pn))
				return sess->var_values.v[i];
		}
		for (i = 0; i < s->var_names.n; i++) {
			if (!strcmp(s->var_names.v[i], pn))
				return s->var_values.v[i];
		}
	}
	for (i = 0; i < sess->var_names.n; i++) {
		if (!strcmp(sess->var_names.v[i], name))
			return sess->var_values.v[i];
	}
	sl = script_slot_find(s, name);
	if (sl >= 0 && sess->slots[sl])
		return sess->slots[sl];
script:
	for (i = 0; i < s->var_names.n; i++) {
		if (!strcmp(s->var_names.v[i], name))
			return s->var_values.v[i];
	}
	if (!strcmp(name, "company"))
		return s->company;
	return "";
}

/* Fill {variables}; "{{" is a literal brace. Returns a malloc'ed string. */
static char *render(const struct rctx *rc, const char *tpl)
{
	size_t cap = strlen(tpl) + 64, n = 0;
	char *out = malloc(cap), *nb;
	const char *p = tpl;

	if (!out)
		return NULL;
	while (*p) {
		const char *val = NULL, *close;
		char name[64];
		size_t vl;

		if (p[0] == '{' && p[1] == '{') {
			val = "{";
			p += 2;
		}
		else if (p[0] == '}' && p[1] == '}') {
			val = "}";
			p += 2;
		}
		else if (*p == '{' && (close = strchr(p, '}')) &&
			 (size_t)(close - p - 1) < sizeof(name)) {
			memcpy(name, p + 1, (size_t)(close - p - 1));
			name[close - p - 1] = '\0';
			val = var_lookup(rc, name);
			p = close + 1;
		}
		vl = val ? strlen(val) : 1;
		if (n + vl + 1 > cap) {
			cap = (n + vl + 1) * 2;
			nb = realloc(out, cap);
			if (!nb) {
				free(out);
				return NULL;
			}
			out = nb;
		}
		if (val) {
			memcpy(out + n, val, vl);
			n += vl;
		}
		else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

static const char *rendered(struct dialog_session *sess, int prompt,
			    bool pinyin)
{
	const struct prompt *p = &sess->s->prompts[prompt];
	char **slot = &sess->rendered[prompt * 2 + pinyin];

	struct rctx rc = {sess->s, sess, pinyin, NULL};

	if (pinyin && !p->pinyin)
		return NULL;
	if (!*slot)
		*slot = render(&rc, pinyin ? p->pinyin : p->text);
	return *slot;
}

void dialog_prompts_apply(struct dialog_session *sess, dialog_prompt_h *fn,
			  void *arg)
{
	size_t i;

	if (!sess || !fn)
		return;
	for (i = 0; i < sess->s->nprompts; i++) {
		const struct prompt *p = &sess->s->prompts[i];
		const char *text = rendered(sess, (int)i, false);

		if (!text)
			continue;
		fn(p->id, text, rendered(sess, (int)i, true), p->audio,
		   strchr(p->text, '{') != NULL, arg);
	}
}

/* ---- emitting actions ----------------------------------------------------- */

static struct dialog_action *emit(struct dialog_session *sess,
				  struct dialog_actions *acts,
				  enum dialog_action_type t)
{
	struct dialog_action *a;

	if (acts->n >= sizeof(acts->v) / sizeof(acts->v[0]))
		return NULL;
	a = &acts->v[acts->n++];
	memset(a, 0, sizeof(*a));
	a->type = t;
	if (sess->node >= 0)
		a->node = sess->s->nodes[sess->node].name;
	return a;
}

static void say(struct dialog_session *sess, struct dialog_actions *acts,
		int prompt, bool interruptible)
{
	const struct prompt *p;
	struct dialog_action *a;

	if (prompt < 0)
		return;
	p = &sess->s->prompts[prompt];
	a = emit(sess, acts, DIALOG_ACT_SAY);
	if (!a)
		return;
	a->name = p->id;
	a->text = rendered(sess, prompt, false);
	a->pinyin = rendered(sess, prompt, true);
	a->audio = p->audio;
	a->interruptible = interruptible;
	a->seq = ++sess->seq;
	sess->await = a->seq;
}

static void set_tag(struct dialog_session *sess, struct dialog_actions *acts,
		    int tag)
{
	struct dialog_action *a;

	if (tag < 0 || sess->tagset[tag])
		return;
	sess->tagset[tag] = 1;
	idxvec_push(&sess->tags, tag);
	a = emit(sess, acts, DIALOG_ACT_TAG);
	if (a)
		a->name = sess->s->tags.v[tag];
}

static void set_tags(struct dialog_session *sess, struct dialog_actions *acts,
		     const struct idxvec *tags)
{
	size_t i;

	for (i = 0; i < tags->n; i++)
		set_tag(sess, acts, tags->v[i]);
}

static void opt_out(struct dialog_session *sess, struct dialog_actions *acts)
{
	if (sess->opted_out)
		return;
	sess->opted_out = true;
	emit(sess, acts, DIALOG_ACT_OPT_OUT);
}

static const char *keep(struct dialog_session *sess, const char *str)
{
	if (strvec_push(&sess->pool, str))
		return NULL;
	return sess->pool.v[sess->pool.n - 1];
}

/* ---- moving between nodes ------------------------------------------------ */

static void listen_for(struct dialog_session *sess,
		       struct dialog_actions *acts)
{
	const struct node *n = &sess->s->nodes[sess->node];
	struct dialog_action *a = emit(sess, acts, DIALOG_ACT_LISTEN);

	sess->state = ST_LISTEN;
	if (!a)
		return;
	a->name = n->name;
	a->grammar = &n->grammar;
	a->timeout_ms = sess->s->silence_ms;
}

static void finish(struct dialog_session *sess, struct dialog_actions *acts)
{
	struct dialog_action *a;

	sess->state = ST_ENDED;
	if (sess->end_kind == END_TRANSFER) {
		a = emit(sess, acts, DIALOG_ACT_TRANSFER);
		if (a)
			a->arg = sess->transfer;
		return;
	}
	emit(sess, acts, DIALOG_ACT_HANGUP);
}

/* Hang up (or transfer) once the prompts said so far have been heard. */
static void end_after_speaking(struct dialog_session *sess,
			       struct dialog_actions *acts, bool said)
{
	sess->completed = true;
	if (said) {
		sess->state = ST_SPEAK_END;
		return;
	}
	finish(sess, acts);
}

static void enter(struct dialog_session *sess, struct dialog_actions *acts,
		  int node)
{
	const struct node *n;
	size_t before;

	if (node < 0 || (size_t)node >= sess->s->nnodes) {
		end_after_speaking(sess, acts, false);
		return;
	}
	n = &sess->s->nodes[node];
	if (++sess->depth > sess->s->nnodes + 1) {
		/* a chain of next: links that never listens; check reports it */
		end_after_speaking(sess, acts, false);
		return;
	}
	sess->node = node;
	sess->retries_used = 0;
	set_tags(sess, acts, &n->tags);
	if (n->action == DLG_ACTION_OPT_OUT)
		opt_out(sess, acts);

	before = sess->seq;
	say(sess, acts, n->say, n->interruptible);
	if (n->action == DLG_ACTION_TRANSFER) {
		sess->end_kind = END_TRANSFER;
		sess->transfer = n->transfer;
		end_after_speaking(sess, acts, sess->seq != before);
		return;
	}
	if (n->end) {
		end_after_speaking(sess, acts, sess->seq != before);
		return;
	}
	if (n->next >= 0) {
		if (sess->seq != before) {
			sess->state = ST_SPEAK_PASS;
			return;
		}
		enter(sess, acts, n->next);
		return;
	}
	listen_for(sess, acts);
}

static void go(struct dialog_session *sess, struct dialog_actions *acts,
	       int node)
{
	sess->depth = 0;
	enter(sess, acts, node);
}

/* Close politely because a limit was reached. */
static void close_limit(struct dialog_session *sess,
			struct dialog_actions *acts)
{
	sess->closing = true;
	go(sess, acts, sess->s->close_node);
}

/* ---- reacting to what was heard ------------------------------------------- */

static const struct branch *find_branch(const struct node *n,
					enum branch_key key, int intent,
					char digit)
{
	size_t i;

	for (i = 0; i < n->nbranches; i++) {
		const struct branch *b = &n->branches[i];

		if (b->key != key)
			continue;
		if (key == BR_INTENT && b->intent != intent)
			continue;
		if (key == BR_DTMF && b->digit != digit)
			continue;
		return b;
	}
	return NULL;
}

static void take_branch(struct dialog_session *sess,
			struct dialog_actions *acts, const struct branch *b)
{
	set_tags(sess, acts, &b->tags);
	go(sess, acts, b->go);
}

/*
 * A global or FAQ handler. `back` is where a returning handler goes back
 * to: the current listening node, or the next node after a disclosure.
 */
static void handle(struct dialog_session *sess, struct dialog_actions *acts,
		   const struct handler *h, int back)
{
	const struct node *n;
	size_t before = sess->seq;

	set_tags(sess, acts, &h->tags);
	if (h->action == DLG_ACTION_OPT_OUT)
		opt_out(sess, acts);
	say(sess, acts, h->say, true);
	if (h->action == DLG_ACTION_TRANSFER) {
		sess->end_kind = END_TRANSFER;
		sess->transfer = h->transfer;
		end_after_speaking(sess, acts, sess->seq != before);
		return;
	}
	if (h->end) {
		end_after_speaking(sess, acts, sess->seq != before);
		return;
	}
	if (h->go >= 0) {
		go(sess, acts, h->go);
		return;
	}
	if (back != sess->node) {
		go(sess, acts, back);
		return;
	}
	/* answer, then ask the node's question again */
	n = &sess->s->nodes[sess->node];
	say(sess, acts, n->resume >= 0 ? n->resume : n->say,
	    n->interruptible);
	listen_for(sess, acts);
}

static bool is_opt_out(const struct dialog_script *s, int intent)
{
	const struct handler *h = script_handler(s, intent);

	return h && h->action == DLG_ACTION_OPT_OUT;
}

bool dialog_intent_opts_out(const struct dialog_script *s, const char *intent)
{
	int in = s && intent ? script_intent_find(s, intent) : -1;

	return in >= 0 && is_opt_out(s, in);
}

static void no_response(struct dialog_session *sess,
			struct dialog_actions *acts, enum branch_key key)
{
	const struct node *n = &sess->s->nodes[sess->node];
	const struct branch *b;

	if (sess->retries_used < n->retries.n) {
		say(sess, acts, n->retries.v[sess->retries_used++],
		    n->interruptible);
		listen_for(sess, acts);
		return;
	}
	b = find_branch(n, key, -1, 0);
	if (b) {
		take_branch(sess, acts, b);
		return;
	}
	close_limit(sess, acts);
}

/* Act on a recognized intent (or -1) in the current listening node. */
static void resolve(struct dialog_session *sess, struct dialog_actions *acts,
		    int intent, bool captured, bool limit)
{
	const struct dialog_script *s = sess->s;
	const struct node *n = &s->nodes[sess->node];
	const struct handler *h = intent >= 0 ? script_handler(s, intent)
					      : NULL;
	const struct branch *b = NULL;

	/* opting out is honoured before anything else, limits included */
	if (intent >= 0 && is_opt_out(s, intent)) {
		sess->consec_no_match = 0;
		handle(sess, acts, h, sess->node);
		return;
	}
	if (limit) {
		close_limit(sess, acts);
		return;
	}
	if (intent >= 0) {
		sess->consec_no_match = 0;
		b = find_branch(n, BR_INTENT, intent, 0);
		if (intent == s->deny_intent) {
			++sess->denials;
			if (sess->denials >= 2 && s->refusal_node >= 0) {
				if (b)
					set_tags(sess, acts, &b->tags);
				sess->closing = true;
				go(sess, acts, s->refusal_node);
				return;
			}
		}
		if (b) {
			take_branch(sess, acts, b);
			return;
		}
		if (h) {
			handle(sess, acts, h, sess->node);
			return;
		}
	}
	if (captured && (b = find_branch(n, BR_CAPTURED, -1, 0))) {
		sess->consec_no_match = 0;
		take_branch(sess, acts, b);
		return;
	}
	++sess->no_match;
	if (++sess->consec_no_match >= s->max_no_match) {
		close_limit(sess, acts);
		return;
	}
	no_response(sess, acts, BR_NO_MATCH);
}

static bool over_time(const struct dialog_session *sess)
{
	return sess->t_ms >= sess->s->max_seconds * 1000u;
}

static int capture(struct dialog_session *sess, struct dialog_actions *acts,
		   const char *text)
{
	const struct node *n = &sess->s->nodes[sess->node];
	char val[256];
	size_t i;
	int got = 0;

	for (i = 0; i < n->capture.n; i++) {
		int sl = n->capture.v[i];
		const struct slotdef *sd = &sess->s->slots[sl];
		struct dialog_action *a;

		if (extract_run((enum extract_kind)sd->kind, text, val,
				sizeof(val)))
			continue;
		sess->slots[sl] = keep(sess, val);
		if (!sess->slots[sl])
			continue;
		++got;
		a = emit(sess, acts, DIALOG_ACT_SLOT);
		if (a) {
			a->name = sd->name;
			a->text = sess->slots[sl];
		}
	}
	return got;
}

static void on_utterance(struct dialog_session *sess,
			 struct dialog_actions *acts, const char *text,
			 double confidence)
{
	const struct dialog_script *s = sess->s;
	struct match_result r;
	struct dialog_action *a;
	const char *kept = keep(sess, text);
	int best, got;

	++sess->turns;
	match_scores(s, text, &r);

	if (sess->state != ST_LISTEN) {
		/*
		 * Heard while a non-listening prompt plays: only global and
		 * FAQ intents apply. Opting out is acted on at once; the rest
		 * waits for the prompt to end.
		 */
		struct idxvec all = {0};
		size_t i;

		for (i = 0; i < s->nhandlers; i++)
			idxvec_push(&all, s->handlers[i].intent);
		best = match_choose(s, &r, &all);
		idxvec_reset(&all);
		a = emit(sess, acts, DIALOG_ACT_MATCH);
		if (a) {
			a->name = best >= 0 ? s->intents[best].name : NULL;
			a->text = kept;
			a->score = best >= 0 ? r.score[best] : 0;
		}
		if (best >= 0 && is_opt_out(s, best)) {
			const struct handler *h = script_handler(s, best);

			set_tags(sess, acts, &h->tags);
			opt_out(sess, acts);
		}
		if (sess->state == ST_SPEAK_PASS)
			sess->pending = kept;
		return;
	}

	best = match_choose(s, &r, &s->nodes[sess->node].heard);
	/* below the script's confidence floor, what was heard is a guess:
	 * better to ask again than to branch on it */
	if (confidence < s->min_confidence)
		best = -1;
	a = emit(sess, acts, DIALOG_ACT_MATCH);
	if (a) {
		a->name = best >= 0 ? s->intents[best].name : NULL;
		a->text = kept;
		a->score = best >= 0 ? r.score[best] : 0;
	}
	got = capture(sess, acts, text);
	if (best < 0 && !(got && find_branch(&s->nodes[sess->node],
					     BR_CAPTURED, -1, 0))) {
		a = emit(sess, acts, DIALOG_ACT_UNANSWERED);
		if (a)
			a->text = kept;
	}
	resolve(sess, acts, best, got > 0,
		sess->turns > s->max_turns || over_time(sess));
}

static int dtmf_intent(const struct dialog_script *s,
		       const struct idxvec *heard, char digit)
{
	size_t i;

	for (i = 0; i < heard->n; i++) {
		const char *d = s->intents[heard->v[i]].dtmf;

		if (d && strchr(d, digit))
			return heard->v[i];
	}
	return -1;
}

static void on_dtmf(struct dialog_session *sess, struct dialog_actions *acts,
		    char digit)
{
	const struct dialog_script *s = sess->s;
	const struct node *n;
	const struct branch *b;
	int in;

	if (sess->state != ST_LISTEN) {
		struct idxvec all = {0};
		size_t i;

		for (i = 0; i < s->nhandlers; i++)
			idxvec_push(&all, s->handlers[i].intent);
		in = dtmf_intent(s, &all, digit);
		idxvec_reset(&all);
		if (in >= 0 && is_opt_out(s, in))
			opt_out(sess, acts);
		if (in >= 0 && sess->state == ST_SPEAK_PASS)
			sess->pending_dtmf = digit;
		return;
	}
	n = &s->nodes[sess->node];
	in = dtmf_intent(s, &n->heard, digit);
	if (in >= 0 && is_opt_out(s, in)) {
		resolve(sess, acts, in, false, false);
		return;
	}
	if (over_time(sess)) {
		close_limit(sess, acts);
		return;
	}
	b = find_branch(n, BR_DTMF, -1, digit);
	/* a key that means something here is an answer, as a word is */
	if (b || in >= 0)
		++sess->turns;
	if (b) {
		sess->consec_no_match = 0;
		take_branch(sess, acts, b);
		return;
	}
	/* a key that means nothing here is ignored, not a misunderstanding */
	if (in >= 0)
		resolve(sess, acts, in, false, false);
}

/* The disclosure (or another non-listening prompt) has finished. */
static void on_pass_done(struct dialog_session *sess,
			 struct dialog_actions *acts)
{
	const struct dialog_script *s = sess->s;
	const struct node *n = &s->nodes[sess->node];
	int best = -1;

	if (sess->pending || sess->pending_dtmf) {
		struct idxvec all = {0};
		struct match_result r;
		size_t i;

		for (i = 0; i < s->nhandlers; i++)
			idxvec_push(&all, s->handlers[i].intent);
		if (sess->pending_dtmf) {
			best = dtmf_intent(s, &all, sess->pending_dtmf);
		}
		else {
			match_scores(s, sess->pending, &r);
			best = match_choose(s, &r, &all);
		}
		idxvec_reset(&all);
		sess->pending = NULL;
		sess->pending_dtmf = 0;
	}
	if (best >= 0) {
		handle(sess, acts, script_handler(s, best), n->next);
		return;
	}
	go(sess, acts, n->next);
}

int dialog_step(struct dialog_session *sess, const struct dialog_event *ev,
		struct dialog_actions *acts)
{
	if (!sess || !ev || !acts)
		return EINVAL;
	acts->n = 0;
	if (ev->t_ms > sess->t_ms)
		sess->t_ms = ev->t_ms;

	if (sess->state == ST_ENDED)
		return EINVAL;
	if (ev->type == DIALOG_EV_HANGUP) {
		sess->hung_up = true;
		if (!sess->first_done)
			sess->early_hangup = true;
		sess->state = ST_ENDED;
		return 0;
	}
	if (sess->state == ST_IDLE) {
		if (ev->type != DIALOG_EV_ANSWERED)
			return EINVAL;
		go(sess, acts, sess->s->start);
		return 0;
	}

	switch (ev->type) {

	case DIALOG_EV_ANSWERED:
		return EINVAL;

	case DIALOG_EV_UTTERANCE:
		if (!ev->text)
			return EINVAL;
		on_utterance(sess, acts, ev->text, ev->confidence);
		return 0;

	case DIALOG_EV_DTMF:
		on_dtmf(sess, acts, ev->digit);
		return 0;

	case DIALOG_EV_SILENCE:
		if (sess->state != ST_LISTEN)
			return EINVAL;
		++sess->silences;
		if (over_time(sess))
			close_limit(sess, acts);
		else
			no_response(sess, acts, BR_SILENCE);
		return 0;

	case DIALOG_EV_TICK:
		if (sess->state == ST_LISTEN && over_time(sess) &&
		    !sess->closing)
			close_limit(sess, acts);
		return 0;

	case DIALOG_EV_PROMPT_DONE:
		if (ev->seq && ev->seq < sess->seq)
			return 0; /* an earlier prompt of a queue */
		sess->first_done = true;
		if (sess->state == ST_SPEAK_PASS)
			on_pass_done(sess, acts);
		else if (sess->state == ST_SPEAK_END)
			finish(sess, acts);
		return 0;

	default:
		return EINVAL;
	}
}

/* ---- reading a session -------------------------------------------------- */

bool dialog_ended(const struct dialog_session *sess)
{
	return !sess || sess->state == ST_ENDED;
}

const char *dialog_node(const struct dialog_session *sess)
{
	if (!sess || sess->node < 0)
		return NULL;
	return sess->s->nodes[sess->node].name;
}

size_t dialog_tag_count(const struct dialog_session *sess)
{
	return sess ? sess->tags.n : 0;
}

const char *dialog_tag(const struct dialog_session *sess, size_t i)
{
	if (!sess || i >= sess->tags.n)
		return NULL;
	return sess->s->tags.v[sess->tags.v[i]];
}

bool dialog_has_tag(const struct dialog_session *sess, const char *tag)
{
	int t;

	if (!sess)
		return false;
	t = script_tag_find(sess->s, tag);
	return t >= 0 && sess->tagset[t];
}

size_t dialog_slot_count(const struct dialog_session *sess)
{
	return sess ? sess->s->nslots : 0;
}

const char *dialog_slot_name(const struct dialog_session *sess, size_t i)
{
	if (!sess || i >= sess->s->nslots)
		return NULL;
	return sess->s->slots[i].name;
}

const char *dialog_slot_value(const struct dialog_session *sess,
			      const char *name)
{
	int sl;

	if (!sess)
		return NULL;
	sl = script_slot_find(sess->s, name);
	return sl >= 0 ? sess->slots[sl] : NULL;
}

unsigned dialog_turns(const struct dialog_session *sess)
{
	return sess ? sess->turns : 0;
}

bool dialog_opted_out(const struct dialog_session *sess)
{
	return sess && sess->opted_out;
}

void session_facts(const struct dialog_session *sess, struct dialog_facts *f)
{
	f->turns = sess->turns;
	f->no_match = sess->no_match;
	f->silences = sess->silences;
	f->denials = sess->denials;
	f->seconds = sess->t_ms / 1000;
	f->opted_out = sess->opted_out;
	f->hung_up = sess->hung_up;
	f->completed = sess->completed;
	f->early_hangup = sess->early_hangup;
	f->node = dialog_node(sess);
}

/* ---- grading ---------------------------------------------------------------- */

const char dialog_outcomes[] = "answered, busy, no_answer, rejected, "
			       "invalid_number, unavailable, failed";

bool dialog_outcome_known(const char *outcome)
{
	static const char *const known[] = {
		"answered",    "busy",	      "no_answer", "rejected",
		"invalid_number", "unavailable", "failed",   NULL};
	size_t i;

	for (i = 0; outcome && known[i]; i++) {
		if (!strcmp(outcome, known[i]))
			return true;
	}
	return false;
}

int dialog_grade(const struct dialog_script *s,
		 const struct dialog_session *sess, const char *outcome,
		 struct dialog_grade *g)
{
	struct rctx rc = {s, sess, false, NULL};
	size_t i;

	if (!s || !g)
		return EINVAL;
	if (!outcome)
		outcome = "answered";
	rc.outcome = outcome;
	for (i = 0; i < s->nrules; i++) {
		const struct rule *ru = &s->rules[i];
		char *why;

		if (!expr_eval(ru->when, s, sess, outcome))
			continue;
		g->grade = ru->grade;
		why = render(&rc, ru->reason);
		snprintf(g->reason, sizeof(g->reason), "%s",
			 why ? why : ru->reason);
		free(why);
		return 0;
	}
	g->grade = 'C';
	snprintf(g->reason, sizeof(g->reason),
		 "no grading rule matched (add a rule without 'when')");
	return ENOENT;
}

const char *dialog_action_name(enum dialog_action_type t)
{
	static const char *const names[] = {
		"say",	   "listen", "hangup",	   "transfer", "tag",
		"slot",	   "opt_out", "unanswered", "match",
	};

	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t]
							     : "?";
}
