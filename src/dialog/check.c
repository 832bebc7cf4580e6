/**
 * @file check.c  Static checks on a loaded script: what `callbot check`
 * reports beyond syntax.
 *
 * Structure: unreachable nodes, nodes that can never reach an end,
 * next-loops, limits whose close nodes do not close. Matching: phrases
 * another intent shadows. Responsibility: the disclosure, truthful
 * answers to "are you a robot?", opt-out and complaint handling. Authoring
 * slips: variables without defaults, tags tested but never set, missing
 * pinyin or audio files, unused prompts and intents.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <unistd.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"

#define CERR(d, obj, ...)                                                  \
	diag_add((d), DIALOG_ERROR, (obj)->line, (obj)->col, __VA_ARGS__)
#define CWARN(d, obj, ...)                                                 \
	diag_add((d), DIALOG_WARNING, (obj)->line, (obj)->col, __VA_ARGS__)

/* ---- text tests -------------------------------------------------------- */

/* Case-insensitive substring search for ASCII, exact for the rest. */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		if (!strncasecmp(hay, needle, n))
			return hay;
	}
	return NULL;
}

static bool has_any(const char *text, const char *const *words)
{
	size_t i;

	for (i = 0; words[i]; i++) {
		if (find_ci(text, words[i]))
			return true;
	}
	return false;
}

/* Is the claim at `at` negated just before it ("not a real person",
 * "我不是真人")? Looks back a few bytes within the same sentence. */
static bool claim_negated(const char *text, const char *at)
{
	static const char *const neg[] = {"not ", "n't ", "never ", "no ",
					  "不是", "并非", "不", "没有", "非",
					  NULL};
	const char *from = at - 12 > text ? at - 12 : text;
	size_t i;

	for (i = 0; neg[i]; i++) {
		const char *p = from;

		while ((p = find_ci(p, neg[i])) && p < at) {
			if (p + strlen(neg[i]) <= at)
				return true;
			++p;
		}
	}
	return false;
}

/* Claims of being human. `negatable` ones are fine when negated. */
static const char *const human_claims[] = {
	"real person", "human being", "a human", "live person", "real human",
	"actual person", "i am human", "i'm human", "i am a person",
	"真人", "人工客服", "我是人", "真实的人", "活人", "人工坐席",
	"人工服务", NULL,
};
static const char *const robot_denials[] = {
	"not a robot", "not a bot", "not a machine", "not automated",
	"not an ai", "not a computer", "not a recording", "不是机器人",
	"不是机器", "不是ai", "不是智能", "不是录音", "不是自动", NULL,
};
/* The strongest claims, checked in every prompt. */
static const char *const first_person_claims[] = {
	"i am a real person", "i'm a real person", "i am human",
	"i'm human", "i'm not a robot", "i am not a robot", "我是真人",
	"我不是机器人", "我是人工", NULL,
};

static const char *dishonest(const char *text, bool strict)
{
	size_t i;

	if (!strict) {
		for (i = 0; first_person_claims[i]; i++) {
			if (find_ci(text, first_person_claims[i]))
				return first_person_claims[i];
		}
		return NULL;
	}
	for (i = 0; robot_denials[i]; i++) {
		if (find_ci(text, robot_denials[i]))
			return robot_denials[i];
	}
	for (i = 0; human_claims[i]; i++) {
		const char *p = text;

		while ((p = find_ci(p, human_claims[i]))) {
			if (!claim_negated(text, p))
				return human_claims[i];
			++p;
		}
	}
	return NULL;
}

/* ---- graph ------------------------------------------------------------------ */

struct graph {
	const struct dialog_script *s;
	uint8_t *seen;
};

static void mark(struct graph *g, int node)
{
	const struct node *n;
	size_t i;

	if (node < 0 || g->seen[node])
		return;
	g->seen[node] = 1;
	n = &g->s->nodes[node];
	mark(g, n->next);
	for (i = 0; i < n->nbranches; i++)
		mark(g, n->branches[i].go);
}

/* Can node reach an end without help from global intents? */
static bool reaches_end(const struct dialog_script *s, int node,
			uint8_t *state)
{
	const struct node *n;
	size_t i;

	if (node < 0)
		return false;
	if (state[node])
		return state[node] == 2;
	state[node] = 1; /* on the stack: a cycle counts as no */
	n = &s->nodes[node];
	if (n->end || n->action == DLG_ACTION_TRANSFER) {
		state[node] = 2;
		return true;
	}
	if (reaches_end(s, n->next, state))
		goto yes;
	for (i = 0; i < n->nbranches; i++) {
		if (reaches_end(s, n->branches[i].go, state))
			goto yes;
	}
	/* without a no_match or silence branch, the close node is next */
	if (n->listens && s->close_node != node) {
		bool nm = false, si = false;

		for (i = 0; i < n->nbranches; i++) {
			nm |= n->branches[i].key == BR_NO_MATCH;
			si |= n->branches[i].key == BR_SILENCE;
		}
		if ((!nm || !si) && reaches_end(s, s->close_node, state))
			goto yes;
	}
	state[node] = 1;
	return false;
yes:
	state[node] = 2;
	return true;
}

static void check_graph(const struct dialog_script *s,
			struct dialog_diags *d)
{
	struct graph g = {s, calloc(s->nnodes, 1)};
	uint8_t *st = calloc(s->nnodes, 1);
	size_t i, j;

	if (!g.seen || !st)
		goto out;
	mark(&g, s->start);
	mark(&g, s->close_node);
	mark(&g, s->refusal_node);
	for (i = 0; i < s->nhandlers; i++)
		mark(&g, s->handlers[i].go);
	for (i = 0; i < s->nnodes; i++) {
		if (!g.seen[i])
			CERR(d, &s->nodes[i],
			     "node '%s' is unreachable: no branch, next or "
			     "goto leads to it",
			     s->nodes[i].name);
	}

	for (i = 0; i < s->nnodes; i++) {
		memset(st, 0, s->nnodes);
		if (g.seen[i] && !reaches_end(s, (int)i, st))
			CERR(d, &s->nodes[i],
			     "node '%s' has no way to an end: no path of "
			     "branches or next reaches a node with 'end: "
			     "true'",
			     s->nodes[i].name);
	}

	/* next-chains that loop without listening would never stop */
	for (i = 0; i < s->nnodes; i++) {
		int n = (int)i;

		for (j = 0; j <= s->nnodes && n >= 0; j++) {
			if (s->nodes[n].listens || s->nodes[n].end)
				break;
			n = s->nodes[n].next;
		}
		if (j > s->nnodes)
			CERR(d, &s->nodes[i],
			     "node '%s' is in a loop of 'next:' links that "
			     "never listens or ends",
			     s->nodes[i].name);
	}

	for (i = 0; i < 2; i++) {
		int c = i ? s->refusal_node : s->close_node;
		const char *what = i ? "refusal_close" : "close";

		if (c < 0)
			continue;
		for (j = 0; j <= s->nnodes && c >= 0; j++) {
			if (s->nodes[c].end || s->nodes[c].listens)
				break;
			c = s->nodes[c].next;
		}
		if (c < 0 || !s->nodes[c].end)
			CERR(d, &s->nodes[i ? s->refusal_node : s->close_node],
			     "limits.%s node '%s' must end the call without "
			     "listening (end: true, or next: to such a node)",
			     what,
			     s->nodes[i ? s->refusal_node : s->close_node]
				     .name);
	}
out:
	free(g.seen);
	free(st);
}

/* ---- responsibility ------------------------------------------------------ */

static void check_disclosure(const struct dialog_script *s,
			     struct dialog_diags *d)
{
	static const char *const en[] = {
		"automated", "virtual assistant", "ai assistant", "robot",
		"artificial intelligence", "digital assistant", "an ai ",
		"voice assistant", "bot ", NULL};
	static const char *const zh[] = {"智能", "机器人", "AI", "语音助手",
					 "自动", "虚拟", NULL};
	const struct node *n = &s->nodes[s->start];
	const struct prompt *p;

	if (n->say < 0) {
		CERR(d, n, "the first node '%s' must say a disclosure prompt",
		     n->name);
		return;
	}
	p = &s->prompts[n->say];
	if (n->interruptible)
		CERR(d, n,
		     "the first node '%s' says the disclosure, so it must "
		     "have 'interruptible: false'",
		     n->name);
	if (!has_any(p->text, en) && !has_any(p->text, zh))
		CERR(d, p,
		     "the first prompt '%s' must disclose that this is an "
		     "automated assistant (e.g. \"%s\")",
		     p->id,
		     strcmp(s->language ? s->language : "en", "zh")
			     ? "this is an automated assistant"
			     : "我是智能语音助手");
	if (!strstr(p->text, "{company}") &&
	    !(s->company && *s->company && strstr(p->text, s->company)))
		CERR(d, p,
		     "the first prompt '%s' must say whom the robot calls for "
		     "({company})",
		     p->id);
}

/* One error per prompt: `done` marks prompts already reported. */
static void check_prompt_honest(const struct dialog_script *s, int prompt,
				bool strict, uint8_t *done,
				struct dialog_diags *d)
{
	const struct prompt *p;
	const char *claim;

	if (prompt < 0 || done[prompt])
		return;
	p = &s->prompts[prompt];
	claim = dishonest(p->text, strict);
	if (!claim)
		return;
	done[prompt] = 1;
	CERR(d, p,
	     "prompt '%s'%s claims to be human ('%s'): the robot must always "
	     "say truthfully that it is automated",
	     p->id, strict ? " (the ask_robot answer)" : "", claim);
}

static void check_honesty(const struct dialog_script *s,
			  struct dialog_diags *d)
{
	const struct handler *h;
	uint8_t *done = calloc(s->nprompts + 1, 1);
	size_t i, j;
	int ar = s->ask_robot_intent;

	if (!done)
		return;
	if (ar < 0) {
		diag_add(d, DIALOG_ERROR, 1, 1,
			 "no 'ask_robot' intent: callees must be able to ask "
			 "whether they are talking to a robot");
		goto rest;
	}
	/* the answers to "are you a robot?" first, with the strict list */
	h = script_handler(s, ar);
	if (h)
		check_prompt_honest(s, h->say, true, done, d);
	for (i = 0; i < s->nnodes; i++) {
		const struct node *n = &s->nodes[i];
		bool heard = false;

		if (!n->listens)
			continue;
		for (j = 0; j < n->nbranches; j++) {
			const struct branch *b = &n->branches[j];

			if (b->key != BR_INTENT || b->intent != ar)
				continue;
			heard = true;
			check_prompt_honest(s, s->nodes[b->go].say, true, done,
					    d);
		}
		if (!heard && !h)
			CERR(d, n,
			     "node '%s' can't hear 'ask_robot': make it a "
			     "global intent",
			     n->name);
	}
rest:
	/* no prompt at all may claim to be a person */
	for (i = 0; i < s->nprompts; i++)
		check_prompt_honest(s, (int)i, false, done, d);
	free(done);
}

static void check_opt_out(const struct dialog_script *s,
			  struct dialog_diags *d)
{
	static const char *const must[] = {"opt_out", "complaint"};
	size_t i, k;

	for (k = 0; k < 2; k++) {
		int in = script_intent_find(s, must[k]);
		const struct handler *h;

		if (in < 0) {
			diag_add(d, DIALOG_ERROR, 1, 1,
				 "no '%s' intent: every script must let the "
				 "callee %s",
				 must[k],
				 k ? "complain (apologize, opt out, close)"
				   : "opt out (\"don't call me again\")");
			continue;
		}
		h = script_handler(s, in);
		if (!h || h->faq) {
			CERR(d, &s->intents[in],
			     "'%s' must be handled in global: with a prompt, "
			     "'action: opt_out' and 'end: true'",
			     must[k]);
		}
		else {
			if (h->action != DLG_ACTION_OPT_OUT)
				CERR(d, h,
				     "global '%s' must take 'action: opt_out' "
				     "(the number goes on the do-not-call "
				     "list)",
				     must[k]);
			if (!h->end)
				CERR(d, h,
				     "global '%s' must 'end: true' (apologize "
				     "and hang up)",
				     must[k]);
			if (h->say < 0)
				CERR(d, h,
				     "global '%s' must say a prompt (an "
				     "apology) before hanging up",
				     must[k]);
		}
		for (i = 0; i < s->nnodes; i++) {
			const struct node *n = &s->nodes[i];
			size_t j;

			for (j = 0; j < n->nbranches; j++) {
				if (n->branches[j].key == BR_INTENT &&
				    n->branches[j].intent == in)
					CERR(d, &n->branches[j],
					     "node '%s' branches on '%s': it "
					     "is handled globally and can't be "
					     "overridden",
					     n->name, must[k]);
			}
		}
	}
	if (s->deny_intent < 0)
		diag_add(d, DIALOG_WARNING, 1, 1,
			 "no 'deny' intent: the engine's one-follow-up-after-"
			 "a-refusal rule has nothing to count");
}

/* ---- matching ------------------------------------------------------------ */

/* "打吧 考虑贷款": a space with a non-ASCII character on both sides */
static bool inner_cjk_space(const char *t)
{
	const unsigned char *p = (const unsigned char *)t;

	for (; *p; p++) {
		const unsigned char *q = p;

		if (*p != ' ' || p == (const unsigned char *)t)
			continue;
		while (*q == ' ')
			++q;
		if (p[-1] >= 0x80 && *q >= 0x80)
			return true;
	}
	return false;
}

static void check_shadowed(const struct dialog_script *s,
			   struct dialog_diags *d)
{
	size_t i, j;

	for (i = 0; i < s->m.nphrases; i++) {
		const struct phrase *ph = &s->m.phrases[i];
		const char *own = s->intents[ph->intent].name;
		struct dialog_match m;

		if (ph->negative || ph->trigger >= 0)
			continue;
		for (j = 0; j < i; j++) {
			const struct phrase *q = &s->m.phrases[j];

			if (!q->negative && q->trigger < 0 &&
			    q->intent == ph->intent &&
			    q->len == ph->len &&
			    !memcmp(q->cp, ph->cp, q->len * sizeof(*q->cp))) {
				CWARN(d, ph,
				      "phrase '%s' of '%s' is listed twice "
				      "(also line %u)",
				      ph->text, own, q->line);
				break;
			}
		}
		if (inner_cjk_space(ph->text))
			CWARN(d, ph,
			      "phrase '%s' of '%s' has a space between Chinese "
			      "characters, which matching ignores: is a comma "
			      "missing between two phrases?",
			      ph->text, own);
		dialog_match_all(s, ph->text, &m);
		if (m.intent && !strcmp(m.intent, own))
			continue;
		if (!m.intent)
			CERR(d, ph,
			     "phrase '%s' of '%s' is never heard as '%s' "
			     "(said alone it matches nothing: a negation or "
			     "a negative phrase vetoes it)",
			     ph->text, own, own);
		else
			CERR(d, ph,
			     "phrase '%s' of '%s' is shadowed: said alone it is "
			     "heard as '%s' (its phrase '%s')",
			     ph->text, own, m.intent,
			     m.phrase ? m.phrase : "?");
	}
}

/* ---- authoring slips -------------------------------------------------- */

static bool var_defined(const struct dialog_script *s, const char *name)
{
	size_t i;

	if (!strcmp(name, "company"))
		return true;
	for (i = 0; i < s->var_names.n; i++) {
		if (!strcmp(s->var_names.v[i], name))
			return true;
	}
	/* a slot can be said once captured; `check` can't know, so allow */
	return script_slot_find(s, name) >= 0;
}

static void check_vars(const struct dialog_script *s, const struct prompt *p,
		       const char *tpl, struct dialog_diags *d)
{
	const char *q = tpl;

	while ((q = strchr(q, '{'))) {
		const char *e;
		char name[64];

		if (q[1] == '{') {
			q += 2;
			continue;
		}
		e = strchr(q, '}');
		if (!e) {
			CERR(d, p, "prompt '%s': '{' without '}'", p->id);
			return;
		}
		if ((size_t)(e - q - 1) >= sizeof(name) || e == q + 1) {
			CERR(d, p, "prompt '%s': bad variable name", p->id);
			q = e + 1;
			continue;
		}
		memcpy(name, q + 1, (size_t)(e - q - 1));
		name[e - q - 1] = '\0';
		if (!var_defined(s, name) &&
		    !(strlen(name) > 7 &&
		      !strcmp(name + strlen(name) - 7, "_pinyin")))
			CERR(d, p,
			     "prompt '%s' uses {%s}, which has no default in "
			     "vars: (a callee must never hear a blank)",
			     p->id, name);
		q = e + 1;
	}
}

static bool pinyin_ok(const char *py, char *bad, size_t bsz)
{
	const char *p = py;

	while (*p) {
		const char *b;
		size_t n;

		while (*p && strchr(" \t,.?!;:'-\"", *p))
			++p;
		if (!*p)
			break;
		b = p;
		if (*p == '{') {
			p = strchr(p, '}');
			if (!p)
				return false;
			++p;
			continue;
		}
		while (*p && !strchr(" \t,.?!;:'-\"", *p))
			++p;
		n = (size_t)(p - b);
		{
			size_t k;
			bool ok = n >= 2 && b[n - 1] >= '1' && b[n - 1] <= '5';

			for (k = 0; ok && k + 1 < n; k++)
				ok = (b[k] >= 'a' && b[k] <= 'z') ||
				     (b[k] >= 'A' && b[k] <= 'Z');
			if (!ok && !(n == 1 && b[0] >= '0' && b[0] <= '9')) {
				snprintf(bad, bsz, "%.*s", (int)(n > 20 ? 20 : n),
					 b);
				return false;
			}
		}
	}
	return true;
}

static void note_tag(const char *tag, void *arg)
{
	const void **a = arg;
	const struct dialog_script *s = a[0];
	struct dialog_diags *d = (struct dialog_diags *)a[1];
	const struct rule *r = a[2];

	if (script_tag_find(s, tag) < 0)
		CWARN(d, r,
		      "grading tests tag '%s', but nothing in the script sets "
		      "it (a typo?)",
		      tag);
}

static void check_authoring(const struct dialog_script *s,
			    struct dialog_diags *d)
{
	static const char *const reserved[] = {
		"outcome", "turns",	"no_match", "silences",
		"denials", "seconds",	"opted_out", "hung_up",
		"completed", "early_hangup", "node",	 NULL};
	uint8_t *used = calloc(s->nprompts + 1, 1);
	uint8_t *iused = calloc(s->nintents + 1, 1);
	size_t i, j;
	bool zh = s->language && !strcmp(s->language, "zh");
	bool catchall = false;

	if (!used || !iused)
		goto out;
	for (i = 0; i < s->nprompts; i++) {
		const struct prompt *p = &s->prompts[i];
		char bad[32];

		check_vars(s, p, p->text, d);
		if (p->pinyin)
			check_vars(s, p, p->pinyin, d);
		if (zh && !p->pinyin && !p->audio)
			CWARN(d, p,
			      "Mandarin prompt '%s' has neither pinyin nor "
			      "audio: espeak-ng can't read Chinese characters",
			      p->id);
		if (p->pinyin && !pinyin_ok(p->pinyin, bad, sizeof(bad)))
			CWARN(d, p,
			      "prompt '%s': '%s' is not tone-numbered pinyin "
			      "(write syllables like ni3 hao3)",
			      p->id, bad);
		if (p->audio) {
			char path[1024];

			if (p->audio[0] == '/')
				snprintf(path, sizeof(path), "%s", p->audio);
			else
				snprintf(path, sizeof(path), "%s/%s",
					 s->base_dir, p->audio);
			if (access(path, R_OK))
				CWARN(d, p,
				      "prompt '%s': audio file '%s' not found "
				      "(text-to-speech is used instead)",
				      p->id, path);
		}
	}

	/* what is used */
	for (i = 0; i < s->nnodes; i++) {
		const struct node *n = &s->nodes[i];

		if (n->say >= 0)
			used[n->say] = 1;
		if (n->resume >= 0)
			used[n->resume] = 1;
		for (j = 0; j < n->retries.n; j++)
			used[n->retries.v[j]] = 1;
		for (j = 0; j < n->heard.n; j++)
			iused[n->heard.v[j]] = 1;
	}
	for (i = 0; i < s->nhandlers; i++) {
		if (s->handlers[i].say >= 0)
			used[s->handlers[i].say] = 1;
	}
	for (i = 0; i < s->nintents; i++) {
		if (s->intents[i].negatable >= 0)
			iused[s->intents[i].negatable] = 1;
	}
	for (i = 0; i < s->nprompts; i++) {
		if (!used[i])
			CWARN(d, &s->prompts[i], "prompt '%s' is never said",
			      s->prompts[i].id);
	}
	for (i = 0; i < s->nintents; i++) {
		if (!iused[i])
			CWARN(d, &s->intents[i],
			      "intent '%s' is never listened for (no branch "
			      "or global/faq entry uses it)",
			      s->intents[i].name);
	}

	for (i = 0; i < s->tags.n; i++) {
		for (j = 0; reserved[j]; j++) {
			if (!strcmp(s->tags.v[i], reserved[j]))
				diag_add(d, DIALOG_ERROR, 1, 1,
					 "tag '%s' has the name of a call "
					 "fact; grading could not tell them "
					 "apart",
					 s->tags.v[i]);
		}
	}
	for (i = 0; i < s->nrules; i++) {
		const void *arg[3] = {s, d, &s->rules[i]};

		if (!s->rules[i].when)
			catchall = true;
		else if (catchall)
			CWARN(d, &s->rules[i],
			      "this rule comes after a rule without 'when' and "
			      "can never apply");
		expr_tags_apply(s->rules[i].when, note_tag, (void *)arg);
	}
	if (!catchall)
		diag_add(d, DIALOG_ERROR,
			 s->nrules ? s->rules[s->nrules - 1].line : 1,
			 s->nrules ? s->rules[s->nrules - 1].col : 1,
			 "grading has no catch-all rule (a last rule without "
			 "'when'), so some calls would get no grade");
out:
	free(used);
	free(iused);
}

unsigned dialog_script_check(const struct dialog_script *s,
			     struct dialog_diags *diags)
{
	unsigned before;

	if (!s || !diags)
		return 0;
	before = diags->errors;
	check_graph(s, diags);
	check_disclosure(s, diags);
	check_honesty(s, diags);
	check_opt_out(s, diags);
	check_shadowed(s, diags);
	check_authoring(s, diags);
	return diags->errors - before;
}
