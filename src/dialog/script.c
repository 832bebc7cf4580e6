/**
 * @file script.c  Loading a script: YAML tree -> validated, resolved,
 * immutable `struct dialog_script`.
 *
 * Every name (prompt, node, intent, slot, tag) is resolved to an index
 * here, once, so a running session never looks a string up. Problems are
 * collected, not fatal one by one: a script author sees every mistake of
 * a file in one run, each with its line and column. The higher-level
 * checks (reachability, honesty, shadowed phrases) live in check.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sys/stat.h>
#include <re.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"
#include "dialog/extract.h"

struct loader {
	struct dialog_script *s;
	struct dialog_diags *d;
};

/* ---- lookups ------------------------------------------------------------ */

int script_prompt_find(const struct dialog_script *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nprompts; i++) {
		if (!strcmp(s->prompts[i].id, id))
			return (int)i;
	}
	return -1;
}

int script_intent_find(const struct dialog_script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nintents; i++) {
		if (!strcmp(s->intents[i].name, name))
			return (int)i;
	}
	return -1;
}

int script_node_find(const struct dialog_script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nnodes; i++) {
		if (!strcmp(s->nodes[i].name, name))
			return (int)i;
	}
	return -1;
}

int script_slot_find(const struct dialog_script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nslots; i++) {
		if (!strcmp(s->slots[i].name, name))
			return (int)i;
	}
	return -1;
}

int script_tag_find(const struct dialog_script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->tags.n; i++) {
		if (!strcmp(s->tags.v[i], name))
			return (int)i;
	}
	return -1;
}

const struct handler *script_handler(const struct dialog_script *s,
				     int intent)
{
	size_t i;

	for (i = 0; i < s->nhandlers; i++) {
		if (s->handlers[i].intent == intent)
			return &s->handlers[i];
	}
	return NULL;
}

const char *dialog_script_name(const struct dialog_script *s)
{
	return s ? s->name : NULL;
}

const char *dialog_script_language(const struct dialog_script *s)
{
	return s ? s->language : NULL;
}

const char *dialog_script_voice(const struct dialog_script *s)
{
	return s ? s->voice : NULL;
}

const struct dialog_grammar *dialog_script_grammar(
	const struct dialog_script *s, const char *node)
{
	int ni;

	if (!s)
		return NULL;
	ni = node ? script_node_find(s, node) : s->first_listen;
	if (ni < 0 || !s->nodes[ni].listens)
		return NULL;
	return &s->nodes[ni].grammar;
}

/* ---- destructor ------------------------------------------------------- */

static void node_free(struct node *n)
{
	size_t i;

	free(n->name);
	free(n->transfer);
	idxvec_reset(&n->tags);
	idxvec_reset(&n->capture);
	idxvec_reset(&n->retries);
	idxvec_reset(&n->heard);
	for (i = 0; i < n->nbranches; i++)
		idxvec_reset(&n->branches[i].tags);
	free(n->branches);
	free(n->gphrases);
}

static void script_destructor(void *arg)
{
	struct dialog_script *s = arg;
	size_t i, k;

	free(s->name);
	free(s->language);
	free(s->company);
	free(s->voice);
	free(s->base_dir);
	strvec_reset(&s->var_names);
	strvec_reset(&s->var_values);
	for (i = 0; i < s->nprompts; i++) {
		free(s->prompts[i].id);
		free(s->prompts[i].text);
		free(s->prompts[i].pinyin);
		free(s->prompts[i].audio);
	}
	free(s->prompts);
	for (i = 0; i < s->nintents; i++) {
		struct intent *in = &s->intents[i];

		free(in->name);
		free(in->dtmf);
		for (k = 0; k < in->nregex; k++)
			pcre2_code_free(in->regex[k]);
		free(in->regex);
		free(in->regex_id);
		free(in->filtered);
		strvec_reset(&in->regex_src);
	}
	free(s->intents);
	for (i = 0; i < s->nhandlers; i++) {
		idxvec_reset(&s->handlers[i].tags);
		free(s->handlers[i].transfer);
	}
	free(s->handlers);
	for (i = 0; i < s->nslots; i++)
		free(s->slots[i].name);
	free(s->slots);
	for (i = 0; i < s->nnodes; i++)
		node_free(&s->nodes[i]);
	free(s->nodes);
	for (i = 0; i < s->nrules; i++) {
		expr_free(s->rules[i].when);
		free(s->rules[i].reason);
	}
	free(s->rules);
	strvec_reset(&s->tags);
	matcher_free(&s->m);
	ytree_free(s->tree);
}

/* ---- small typed readers ------------------------------------------------ */

static const char *type_name(const struct ynode *y)
{
	switch (y->type) {
	case YNODE_MAP:
		return "a map";
	case YNODE_SEQ:
		return "a list";
	default:
		return "text";
	}
}

/* Reject keys not in `allowed`, suggesting the closest allowed one. */
static void check_keys(struct loader *ld, const struct ynode *map,
		       const char *const *allowed, const char *where)
{
	size_t i, j;

	if (!map || map->type != YNODE_MAP)
		return;
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		const char *best = NULL;
		unsigned bd = 3;

		for (j = 0; allowed[j]; j++) {
			unsigned dd;

			if (!strcmp(k->str, allowed[j]))
				break;
			dd = dstr_distance(k->str, allowed[j]);
			if (dd < bd) {
				bd = dd;
				best = allowed[j];
			}
		}
		if (allowed[j])
			continue;
		if (best)
			diag_err(ld->d, k,
				 "unknown key '%s' in %s (did you mean "
				 "'%s'?)",
				 k->str, where, best);
		else
			diag_err(ld->d, k, "unknown key '%s' in %s", k->str,
				 where);
	}
}

static bool want(struct loader *ld, const struct ynode *y,
		 enum ynode_type t, const char *what)
{
	static const char *names[] = {"text", "a list", "a map"};

	if (!y)
		return false;
	if (y->type == t)
		return true;
	diag_err(ld->d, y, "%s must be %s, not %s", what, names[t],
		 type_name(y));
	return false;
}

static const char *get_str(struct loader *ld, const struct ynode *map,
			   const char *key, const char *what, bool required)
{
	const struct ynode *y = ymap_get(map, key);

	if (!y) {
		if (required)
			diag_err(ld->d, map, "%s: missing '%s'", what, key);
		return NULL;
	}
	if (!want(ld, y, YNODE_SCALAR, key))
		return NULL;
	return y->str;
}

static bool parse_bool(struct loader *ld, const struct ynode *y, bool *b)
{
	static const char *t[] = {"true", "yes", "on", NULL};
	static const char *f[] = {"false", "no", "off", NULL};
	size_t i;

	if (!want(ld, y, YNODE_SCALAR, "a yes/no value"))
		return false;
	for (i = 0; t[i]; i++) {
		if (!strcasecmp(y->str, t[i])) {
			*b = true;
			return true;
		}
		if (!strcasecmp(y->str, f[i])) {
			*b = false;
			return true;
		}
	}
	diag_err(ld->d, y, "'%s' is not true or false", y->str);
	return false;
}

static bool parse_num(struct loader *ld, const struct ynode *y, double lo,
		      double hi, double *v, const char *what)
{
	char *end;
	double x;

	if (!want(ld, y, YNODE_SCALAR, what))
		return false;
	x = strtod(y->str, &end);
	if (end == y->str || *end || isnan(x) || x < lo || x > hi) {
		diag_err(ld->d, y, "%s must be a number from %g to %g, not "
				   "'%s'",
			 what, lo, hi, y->str);
		return false;
	}
	*v = x;
	return true;
}

static void opt_uint(struct loader *ld, const struct ynode *map,
		     const char *key, unsigned lo, unsigned hi, unsigned *v)
{
	const struct ynode *y = ymap_get(map, key);
	double x;

	if (y && parse_num(ld, y, lo, hi, &x, key)) {
		if (x != floor(x))
			diag_err(ld->d, y, "%s must be a whole number", key);
		else
			*v = (unsigned)x;
	}
}

static char *xstrdup(struct loader *ld, const char *str)
{
	char *c = dstrdup(str);

	if (str && !c)
		diag_add(ld->d, DIALOG_ERROR, 0, 0, "out of memory");
	return c;
}

/* An id used as a name in messages and tags: letters, digits, _ - . : */
static bool valid_id(struct loader *ld, const struct ynode *y,
		     const char *what)
{
	const unsigned char *p = (const unsigned char *)y->str;

	if (!*p) {
		diag_err(ld->d, y, "%s name is empty", what);
		return false;
	}
	for (; *p; p++) {
		if (*p < 0x80 && !(*p == '_' || *p == '-' || *p == '.' ||
				   (*p >= '0' && *p <= '9') ||
				   (*p >= 'a' && *p <= 'z') ||
				   (*p >= 'A' && *p <= 'Z'))) {
			diag_err(ld->d, y,
				 "%s name '%s' may only use letters, digits, "
				 "'_', '-' and '.'",
				 what, y->str);
			return false;
		}
	}
	return true;
}

/* ---- references ----------------------------------------------------------- */

static int ref_prompt(struct loader *ld, const struct ynode *y)
{
	int i;

	if (!want(ld, y, YNODE_SCALAR, "a prompt"))
		return -1;
	i = script_prompt_find(ld->s, y->str);
	if (i < 0)
		diag_err(ld->d, y, "unknown prompt '%s' (not in prompts:)",
			 y->str);
	return i;
}

static int ref_node(struct loader *ld, const struct ynode *y)
{
	int i;

	if (!want(ld, y, YNODE_SCALAR, "a node"))
		return -1;
	i = script_node_find(ld->s, y->str);
	if (i < 0)
		diag_err(ld->d, y, "unknown node '%s' (not in flow.nodes)",
			 y->str);
	return i;
}

static int ref_intent(struct loader *ld, const struct ynode *y)
{
	int i;

	if (!want(ld, y, YNODE_SCALAR, "an intent"))
		return -1;
	i = script_intent_find(ld->s, y->str);
	if (i < 0)
		diag_err(ld->d, y, "unknown intent '%s' (not in intents:)",
			 y->str);
	return i;
}

static int tag_intern(struct loader *ld, const char *name)
{
	int i = script_tag_find(ld->s, name);

	if (i >= 0)
		return i;
	if (strvec_push(&ld->s->tags, name))
		return -1;
	return (int)ld->s->tags.n - 1;
}

/* tags: one name or a list of names */
static void parse_tags(struct loader *ld, const struct ynode *y,
		       struct idxvec *out)
{
	size_t i;

	if (!y)
		return;
	if (y->type == YNODE_SCALAR) {
		if (valid_id(ld, y, "tag"))
			idxvec_push(out, tag_intern(ld, y->str));
		return;
	}
	if (!want(ld, y, YNODE_SEQ, "tags"))
		return;
	for (i = 0; i < y->n; i++) {
		const struct ynode *t = y->items[i];

		if (want(ld, t, YNODE_SCALAR, "a tag") &&
		    valid_id(ld, t, "tag"))
			idxvec_push(out, tag_intern(ld, t->str));
	}
}

static void parse_action(struct loader *ld, const struct ynode *map,
			 enum dlg_action_kind *act, char **transfer)
{
	const char *a = get_str(ld, map, "action", "action", false);
	const char *t = get_str(ld, map, "transfer", "transfer", false);

	if (a) {
		if (!strcmp(a, "opt_out"))
			*act = DLG_ACTION_OPT_OUT;
		else if (!strcmp(a, "transfer"))
			*act = DLG_ACTION_TRANSFER;
		else
			diag_err(ld->d, ymap_get(map, "action"),
				 "unknown action '%s' (use opt_out or "
				 "transfer)",
				 a);
	}
	if (*act == DLG_ACTION_TRANSFER && !t)
		diag_err(ld->d, map, "action transfer needs a 'transfer' "
				     "target");
	if (t && *act != DLG_ACTION_TRANSFER)
		diag_err(ld->d, ymap_get(map, "transfer"),
			 "'transfer' needs 'action: transfer'");
	if (t)
		*transfer = xstrdup(ld, t);
}

/* ---- sections ---------------------------------------------------------- */

static void parse_meta(struct loader *ld, const struct ynode *meta)
{
	static const char *const keys[] = {"name", "language", "company",
					   "voice", "threshold",
					   "silence_ms", "min_confidence",
					   NULL};
	struct dialog_script *s = ld->s;
	const char *lang;
	const struct ynode *y;
	double x;

	if (!meta) {
		diag_add(ld->d, DIALOG_ERROR, 1, 1,
			 "missing 'meta:' section (name, language, "
			 "company)");
		return;
	}
	if (!want(ld, meta, YNODE_MAP, "meta"))
		return;
	check_keys(ld, meta, keys, "meta");
	s->name = xstrdup(ld, get_str(ld, meta, "name", "meta", true));
	s->company = xstrdup(ld, get_str(ld, meta, "company", "meta", true));
	s->voice = xstrdup(ld, get_str(ld, meta, "voice", "meta", false));
	lang = get_str(ld, meta, "language", "meta", true);
	if (lang && strcmp(lang, "zh") && strcmp(lang, "en"))
		diag_err(ld->d, ymap_get(meta, "language"),
			 "language must be zh or en, not '%s'", lang);
	else
		s->language = xstrdup(ld, lang);
	y = ymap_get(meta, "threshold");
	if (y && parse_num(ld, y, 0.01, 1, &x, "threshold"))
		s->threshold = x;
	opt_uint(ld, meta, "silence_ms", 500, 60000, &s->silence_ms);
	y = ymap_get(meta, "min_confidence");
	if (y && parse_num(ld, y, 0, 1, &x, "min_confidence"))
		s->min_confidence = x;
}

static void parse_vars(struct loader *ld, const struct ynode *vars)
{
	size_t i;

	if (!vars || !want(ld, vars, YNODE_MAP, "vars"))
		return;
	for (i = 0; i < vars->n; i++) {
		const struct ynode *k = vars->items[2 * i];
		const struct ynode *v = vars->items[2 * i + 1];

		if (!valid_id(ld, k, "variable") ||
		    !want(ld, v, YNODE_SCALAR, k->str))
			continue;
		strvec_push(&ld->s->var_names, k->str);
		strvec_push(&ld->s->var_values, v->str);
	}
}

static void parse_prompts(struct loader *ld, const struct ynode *ps)
{
	static const char *const keys[] = {"text", "pinyin", "audio", NULL};
	struct dialog_script *s = ld->s;
	size_t i;

	if (!ps) {
		diag_add(ld->d, DIALOG_ERROR, 1, 1, "missing 'prompts:'");
		return;
	}
	if (!want(ld, ps, YNODE_MAP, "prompts"))
		return;
	s->prompts = calloc(ps->n ? ps->n : 1, sizeof(*s->prompts));
	if (!s->prompts)
		return;
	for (i = 0; i < ps->n; i++) {
		const struct ynode *k = ps->items[2 * i];
		const struct ynode *v = ps->items[2 * i + 1];
		struct prompt *p = &s->prompts[s->nprompts];
		const char *text;

		if (!valid_id(ld, k, "prompt"))
			continue;
		p->line = k->line;
		p->col = k->col;
		if (v->type == YNODE_SCALAR) {
			text = v->str;
		}
		else if (want(ld, v, YNODE_MAP, k->str)) {
			check_keys(ld, v, keys, "a prompt");
			text = get_str(ld, v, "text", k->str, true);
			p->pinyin = xstrdup(
				ld, get_str(ld, v, "pinyin", k->str, false));
			p->audio = xstrdup(
				ld, get_str(ld, v, "audio", k->str, false));
		}
		else {
			continue;
		}
		if (text && !*text)
			diag_err(ld->d, v, "prompt '%s' has empty text",
				 k->str);
		if (!text || !*text) {
			free(p->pinyin);
			free(p->audio);
			memset(p, 0, sizeof(*p));
			continue;
		}
		p->id = xstrdup(ld, k->str);
		p->text = xstrdup(ld, text);
		++s->nprompts;
	}
}

static int add_phrase_text(struct loader *ld, const char *text,
			   const struct ynode *y, int intent, bool negative,
			   int trigger);

static int add_phrase(struct loader *ld, const struct ynode *y, int intent,
		      bool negative)
{
	if (!want(ld, y, YNODE_SCALAR, "a phrase"))
		return EINVAL;
	return add_phrase_text(ld, y->str, y, intent, negative, -1);
}

static int add_phrase_text(struct loader *ld, const char *text,
			   const struct ynode *y, int intent, bool negative,
			   int trigger)
{
	struct matcher *m = &ld->s->m;
	struct phrase *ph, *v;

	v = realloc(m->phrases, (m->nphrases + 1) * sizeof(*v));
	if (!v)
		return ENOMEM;
	m->phrases = v;
	ph = &m->phrases[m->nphrases];
	memset(ph, 0, sizeof(*ph));
	ph->cp = norm_phrase(text, &ph->len);
	ph->text = dstrdup(text);
	if (!ph->cp || !ph->text) {
		free(ph->cp);
		free(ph->text);
		return ENOMEM;
	}
	if (!ph->len) {
		if (trigger < 0)
			diag_err(ld->d, y,
				 "phrase '%s' has no letters or characters",
				 text);
		free(ph->cp);
		free(ph->text);
		return EINVAL;
	}
	ph->intent = intent;
	ph->negative = negative;
	ph->trigger = trigger;
	ph->line = y->line;
	ph->col = y->col;
	++m->nphrases;
	return 0;
}

static void parse_phrase_list(struct loader *ld, const struct ynode *y,
			      int intent, bool negative, size_t *count)
{
	size_t i;

	if (!y)
		return;
	if (y->type == YNODE_SCALAR) {
		if (!add_phrase(ld, y, intent, negative) && count)
			++*count;
		return;
	}
	if (!want(ld, y, YNODE_SEQ, negative ? "negative" : "phrases"))
		return;
	for (i = 0; i < y->n; i++) {
		if (!add_phrase(ld, y->items[i], intent, negative) && count)
			++*count;
	}
}

/*
 * Add the literals a regex needs as triggers in the automaton (see
 * prefilter.c). Returns true when the regex may be skipped unless one of
 * them is found.
 */
static bool add_triggers(struct loader *ld, const struct ynode *r,
			 int intent, int id)
{
	struct strvec lits = {0};
	size_t i;
	bool ok = true;

	if (regex_literals(r->str, &lits)) {
		strvec_reset(&lits);
		return false;
	}
	for (i = 0; i < lits.n && ok; i++)
		ok = !add_phrase_text(ld, lits.v[i], r, intent, false, id);
	strvec_reset(&lits);
	/* a literal that normalizes to nothing would never trigger: then
	 * the regex has to run always (its triggers stay, harmless) */
	return ok;
}

static void parse_regexes(struct loader *ld, const struct ynode *y,
			  struct intent *in)
{
	size_t i, n;

	if (!y)
		return;
	n = y->type == YNODE_SEQ ? y->n : 1;
	if (y->type != YNODE_SEQ && !want(ld, y, YNODE_SCALAR, "regex"))
		return;
	in->regex = calloc(n, sizeof(void *));
	in->regex_id = calloc(n, sizeof(int));
	in->filtered = calloc(n, sizeof(bool));
	if (!in->regex || !in->regex_id || !in->filtered)
		return;
	for (i = 0; i < n; i++) {
		const struct ynode *r = y->type == YNODE_SEQ ? y->items[i] : y;
		PCRE2_SIZE off;
		int ec;
		pcre2_code *re;

		if (!want(ld, r, YNODE_SCALAR, "a regex"))
			continue;
		re = pcre2_compile((PCRE2_SPTR)r->str, PCRE2_ZERO_TERMINATED,
				   PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP,
				   &ec, &off, NULL);
		if (!re) {
			PCRE2_UCHAR msg[160];

			pcre2_get_error_message(ec, msg, sizeof(msg));
			diag_err(ld->d, r, "bad regex '%s' at offset %zu: %s",
				 r->str, (size_t)off, (char *)msg);
			continue;
		}
		if (ld->s->nregex >= DIALOG_MAX_REGEX) {
			diag_err(ld->d, r, "too many regexes (at most %d)",
				 DIALOG_MAX_REGEX);
			pcre2_code_free(re);
			continue;
		}
		/* JIT when the platform has it: regexes run per utterance */
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
		in->regex_id[in->nregex] = (int)ld->s->nregex;
		in->filtered[in->nregex] =
			add_triggers(ld, r, (int)(in - ld->s->intents),
				     (int)ld->s->nregex);
		in->regex[in->nregex++] = re;
		strvec_push(&in->regex_src, r->str);
		++ld->s->nregex;
	}
}

static void parse_intents(struct loader *ld, const struct ynode *is)
{
	static const char *const keys[] = {"phrases", "regex", "negative",
					   "negatable", "dtmf", "priority",
					   "weight", NULL};
	struct dialog_script *s = ld->s;
	size_t i;

	if (!is) {
		diag_add(ld->d, DIALOG_ERROR, 1, 1, "missing 'intents:'");
		return;
	}
	if (!want(ld, is, YNODE_MAP, "intents"))
		return;
	if (is->n > DIALOG_MAX_INTENTS) {
		diag_err(ld->d, is, "too many intents (%zu; at most %d)", is->n,
			 DIALOG_MAX_INTENTS);
		return;
	}
	s->intents = calloc(is->n ? is->n : 1, sizeof(*s->intents));
	if (!s->intents)
		return;

	/* names first: negatable may name a later intent */
	for (i = 0; i < is->n; i++) {
		const struct ynode *k = is->items[2 * i];
		struct intent *in = &s->intents[i];

		valid_id(ld, k, "intent");
		in->name = xstrdup(ld, k->str);
		in->weight = 1;
		in->negatable = -1;
		in->line = k->line;
		in->col = k->col;
	}
	s->nintents = is->n;

	for (i = 0; i < is->n; i++) {
		const struct ynode *k = is->items[2 * i];
		const struct ynode *v = is->items[2 * i + 1];
		struct intent *in = &s->intents[i];
		const struct ynode *y;
		double x;

		if (v->type == YNODE_SEQ || v->type == YNODE_SCALAR) {
			parse_phrase_list(ld, v, (int)i, false, &in->nphrases);
			continue;
		}
		if (!want(ld, v, YNODE_MAP, k->str))
			continue;
		check_keys(ld, v, keys, "an intent");
		parse_phrase_list(ld, ymap_get(v, "phrases"), (int)i, false,
				  &in->nphrases);
		parse_phrase_list(ld, ymap_get(v, "negative"), (int)i, true,
				  NULL);
		parse_regexes(ld, ymap_get(v, "regex"), in);
		if ((y = ymap_get(v, "priority")) &&
		    parse_num(ld, y, -1000, 1000, &x, "priority"))
			in->priority = (int)x;
		if ((y = ymap_get(v, "weight")) &&
		    parse_num(ld, y, 0.01, 10, &x, "weight"))
			in->weight = x;
		if ((y = ymap_get(v, "dtmf")) &&
		    want(ld, y, YNODE_SCALAR, "dtmf")) {
			if (strspn(y->str, "0123456789*#ABCD") !=
				    strlen(y->str) ||
			    !*y->str)
				diag_err(ld->d, y, "dtmf keys must be 0-9, *, "
						   "#, A-D, not '%s'",
					 y->str);
			else
				in->dtmf = xstrdup(ld, y->str);
		}
		if ((y = ymap_get(v, "negatable")) &&
		    want(ld, y, YNODE_SCALAR, "negatable")) {
			bool b;

			if (!strcasecmp(y->str, "true") ||
			    !strcasecmp(y->str, "false")) {
				parse_bool(ld, y, &b);
				in->negatable = b ? -2 : -1;
			}
			else {
				in->negatable = ref_intent(ld, y);
				if (in->negatable == (int)i) {
					diag_err(ld->d, y, "an intent can't be "
							   "negated into "
							   "itself");
					in->negatable = -1;
				}
				if (in->negatable < 0)
					in->negatable = -1;
			}
		}
		if (!in->nphrases && !in->nregex && !in->dtmf)
			diag_err(ld->d, k, "intent '%s' has no phrases, regex "
					   "or dtmf",
				 k->str);
	}
}

static void parse_slots(struct loader *ld, const struct ynode *ss)
{
	struct dialog_script *s = ld->s;
	size_t i;

	if (!ss || !want(ld, ss, YNODE_MAP, "slots"))
		return;
	s->slots = calloc(ss->n ? ss->n : 1, sizeof(*s->slots));
	if (!s->slots)
		return;
	for (i = 0; i < ss->n; i++) {
		const struct ynode *k = ss->items[2 * i];
		const struct ynode *v = ss->items[2 * i + 1];
		struct slotdef *sd = &s->slots[s->nslots];
		enum extract_kind kind;

		if (!valid_id(ld, k, "slot") ||
		    !want(ld, v, YNODE_SCALAR, k->str))
			continue;
		if (extract_kind_parse(v->str, &kind)) {
			diag_err(ld->d, v,
				 "unknown extractor '%s' (use amount, "
				 "number, yesno, callback_time or text)",
				 v->str);
			continue;
		}
		sd->name = xstrdup(ld, k->str);
		sd->kind = (int)kind;
		sd->line = k->line;
		sd->col = k->col;
		++s->nslots;
	}
}

static void parse_target(struct loader *ld, const struct ynode *v, int *go,
			 struct idxvec *tags)
{
	static const char *const keys[] = {"goto", "tags", NULL};
	const struct ynode *g;

	*go = -1;
	if (v->type == YNODE_SCALAR) {
		*go = ref_node(ld, v);
		return;
	}
	if (!want(ld, v, YNODE_MAP, "a branch target"))
		return;
	check_keys(ld, v, keys, "a branch");
	g = ymap_get(v, "goto");
	if (!g)
		diag_err(ld->d, v, "branch needs 'goto: NODE'");
	else
		*go = ref_node(ld, g);
	parse_tags(ld, ymap_get(v, "tags"), tags);
}

static void parse_branches(struct loader *ld, struct node *n,
			   const struct ynode *bs)
{
	size_t i;

	if (!bs || !want(ld, bs, YNODE_MAP, "branches"))
		return;
	n->branches = calloc(bs->n ? bs->n : 1, sizeof(*n->branches));
	if (!n->branches)
		return;
	for (i = 0; i < bs->n; i++) {
		const struct ynode *k = bs->items[2 * i];
		const struct ynode *v = bs->items[2 * i + 1];
		struct branch *b = &n->branches[n->nbranches];

		b->line = k->line;
		b->col = k->col;
		if (!strcmp(k->str, "no_match")) {
			b->key = BR_NO_MATCH;
		}
		else if (!strcmp(k->str, "silence")) {
			b->key = BR_SILENCE;
		}
		else if (!strcmp(k->str, "captured")) {
			b->key = BR_CAPTURED;
		}
		else if (!strncmp(k->str, "dtmf:", 5)) {
			b->key = BR_DTMF;
			b->digit = k->str[5];
			if (strlen(k->str) != 6 ||
			    !strchr("0123456789*#ABCD", b->digit)) {
				diag_err(ld->d, k,
					 "'%s': a DTMF branch is dtmf: and "
					 "one key (0-9, *, #, A-D)",
					 k->str);
				continue;
			}
		}
		else {
			b->key = BR_INTENT;
			b->intent = script_intent_find(ld->s, k->str);
			if (b->intent < 0) {
				diag_err(ld->d, k,
					 "branch on unknown intent '%s' (use "
					 "an intent name, no_match, silence, "
					 "captured or dtmf:N)",
					 k->str);
				continue;
			}
		}
		parse_target(ld, v, &b->go, &b->tags);
		if (b->go < 0) {
			idxvec_reset(&b->tags);
			continue;
		}
		++n->nbranches;
	}
}

static void parse_node(struct loader *ld, struct node *n,
		       const struct ynode *v)
{
	static const char *const keys[] = {
		"say",	   "interruptible", "next",    "end",
		"tags",	   "action",	    "transfer", "capture",
		"retries", "resume",	    "branches", NULL};
	const struct ynode *y;
	size_t i;

	n->say = n->next = n->resume = -1;
	n->interruptible = true;
	if (!want(ld, v, YNODE_MAP, n->name))
		return;
	check_keys(ld, v, keys, "a node");
	if ((y = ymap_get(v, "say")))
		n->say = ref_prompt(ld, y);
	if ((y = ymap_get(v, "interruptible")))
		parse_bool(ld, y, &n->interruptible);
	if ((y = ymap_get(v, "next")))
		n->next = ref_node(ld, y);
	if ((y = ymap_get(v, "end")))
		parse_bool(ld, y, &n->end);
	if ((y = ymap_get(v, "resume")))
		n->resume = ref_prompt(ld, y);
	parse_tags(ld, ymap_get(v, "tags"), &n->tags);
	parse_action(ld, v, &n->action, &n->transfer);
	if ((y = ymap_get(v, "retries"))) {
		if (y->type == YNODE_SCALAR) {
			int p = ref_prompt(ld, y);

			if (p >= 0)
				idxvec_push(&n->retries, p);
		}
		else if (want(ld, y, YNODE_SEQ, "retries")) {
			for (i = 0; i < y->n; i++) {
				int p = ref_prompt(ld, y->items[i]);

				if (p >= 0)
					idxvec_push(&n->retries, p);
			}
		}
	}
	if ((y = ymap_get(v, "capture"))) {
		size_t cnt = y->type == YNODE_SEQ ? y->n : 1;

		if (y->type != YNODE_SEQ && !want(ld, y, YNODE_SCALAR,
						  "capture"))
			cnt = 0;
		for (i = 0; i < cnt; i++) {
			const struct ynode *c =
				y->type == YNODE_SEQ ? y->items[i] : y;
			int sl;

			if (!want(ld, c, YNODE_SCALAR, "a slot"))
				continue;
			sl = script_slot_find(ld->s, c->str);
			if (sl < 0)
				diag_err(ld->d, c,
					 "unknown slot '%s' (not in slots:)",
					 c->str);
			else
				idxvec_push(&n->capture, sl);
		}
	}
	parse_branches(ld, n, ymap_get(v, "branches"));

	n->listens = !n->end && n->next < 0 && !ymap_get(v, "next");
	if (n->end && ymap_get(v, "next"))
		diag_err(ld->d, v, "node '%s' has both 'end' and 'next'",
			 n->name);
	if (!n->listens && n->nbranches)
		diag_err(ld->d, ymap_get(v, "branches"),
			 "node '%s' does not listen (it has %s), so its "
			 "branches can never be taken",
			 n->name, n->end ? "end" : "next");
	if (n->listens && !n->nbranches)
		diag_err(ld->d, v,
			 "node '%s' listens but has no branches: add "
			 "branches, 'next' or 'end: true'",
			 n->name);
	if (n->say < 0 && !ymap_get(v, "say"))
		diag_err(ld->d, v, "node '%s' has no 'say' prompt", n->name);
}

static void parse_flow(struct loader *ld, const struct ynode *flow)
{
	static const char *const keys[] = {"start", "nodes", NULL};
	struct dialog_script *s = ld->s;
	const struct ynode *nodes, *y;
	size_t i;

	if (!flow) {
		diag_add(ld->d, DIALOG_ERROR, 1, 1,
			 "missing 'flow:' section (start, nodes)");
		return;
	}
	if (!want(ld, flow, YNODE_MAP, "flow"))
		return;
	check_keys(ld, flow, keys, "flow");
	nodes = ymap_get(flow, "nodes");
	if (!nodes) {
		diag_err(ld->d, flow, "flow: missing 'nodes'");
		return;
	}
	if (!want(ld, nodes, YNODE_MAP, "flow.nodes"))
		return;
	if (!nodes->n) {
		diag_err(ld->d, nodes, "flow.nodes is empty");
		return;
	}
	s->nodes = calloc(nodes->n, sizeof(*s->nodes));
	if (!s->nodes)
		return;
	for (i = 0; i < nodes->n; i++) {
		const struct ynode *k = nodes->items[2 * i];

		valid_id(ld, k, "node");
		s->nodes[i].name = xstrdup(ld, k->str);
		s->nodes[i].line = k->line;
		s->nodes[i].col = k->col;
		s->nodes[i].say = s->nodes[i].next = -1;
		s->nodes[i].resume = -1;
	}
	s->nnodes = nodes->n;
	for (i = 0; i < nodes->n; i++)
		parse_node(ld, &s->nodes[i], nodes->items[2 * i + 1]);

	s->start = 0;
	if ((y = ymap_get(flow, "start")))
		s->start = ref_node(ld, y);
}

static void parse_limits(struct loader *ld, const struct ynode *lim)
{
	static const char *const keys[] = {"max_turns",	 "max_seconds",
					   "max_no_match", "close",
					   "refusal_close", NULL};
	struct dialog_script *s = ld->s;
	const struct ynode *y;

	if (!lim) {
		diag_add(ld->d, DIALOG_ERROR, 1, 1,
			 "missing 'limits:' section (close, "
			 "refusal_close, max_turns, ...)");
		return;
	}
	if (!want(ld, lim, YNODE_MAP, "limits"))
		return;
	check_keys(ld, lim, keys, "limits");
	opt_uint(ld, lim, "max_turns", 1, 1000, &s->max_turns);
	opt_uint(ld, lim, "max_seconds", 10, 36000, &s->max_seconds);
	opt_uint(ld, lim, "max_no_match", 1, 100, &s->max_no_match);
	if ((y = ymap_get(lim, "close")))
		s->close_node = ref_node(ld, y);
	else
		diag_err(ld->d, lim, "limits: missing 'close' (the node said "
				     "when a limit is reached)");
	if ((y = ymap_get(lim, "refusal_close")))
		s->refusal_node = ref_node(ld, y);
	else
		diag_err(ld->d, lim, "limits: missing 'refusal_close' (the "
				     "node said after a second refusal)");
}

static void parse_handler(struct loader *ld, struct handler *h,
			  const struct ynode *k, const struct ynode *v,
			  bool faq)
{
	static const char *const gkeys[] = {"say", "tags", "action",
					    "transfer", "end", "goto", NULL};
	static const char *const fkeys[] = {"answer", "tags", NULL};
	const struct ynode *y;

	h->say = h->go = -1;
	h->faq = faq;
	h->line = k->line;
	h->col = k->col;
	h->intent = ref_intent(ld, k);
	if (faq && v->type == YNODE_SCALAR) {
		h->say = ref_prompt(ld, v);
		return;
	}
	if (!want(ld, v, YNODE_MAP, k->str))
		return;
	check_keys(ld, v, faq ? fkeys : gkeys,
		   faq ? "a faq entry" : "a global handler");
	parse_tags(ld, ymap_get(v, "tags"), &h->tags);
	if (faq) {
		if ((y = ymap_get(v, "answer")))
			h->say = ref_prompt(ld, y);
		else
			diag_err(ld->d, v, "faq '%s': missing 'answer'",
				 k->str);
		return;
	}
	if ((y = ymap_get(v, "say")))
		h->say = ref_prompt(ld, y);
	if ((y = ymap_get(v, "end")))
		parse_bool(ld, y, &h->end);
	if ((y = ymap_get(v, "goto")))
		h->go = ref_node(ld, y);
	parse_action(ld, v, &h->action, &h->transfer);
	if (h->end && h->go >= 0)
		diag_err(ld->d, v, "'%s' has both 'end' and 'goto'", k->str);
}

static void parse_handlers(struct loader *ld, const struct ynode *glob,
			   const struct ynode *faq)
{
	struct dialog_script *s = ld->s;
	size_t n = 0, i, j;

	if (glob && !want(ld, glob, YNODE_MAP, "global"))
		glob = NULL;
	if (faq && !want(ld, faq, YNODE_MAP, "faq"))
		faq = NULL;
	n = (glob ? glob->n : 0) + (faq ? faq->n : 0);
	s->handlers = calloc(n ? n : 1, sizeof(*s->handlers));
	if (!s->handlers)
		return;
	for (j = 0; j < 2; j++) {
		const struct ynode *sec = j ? faq : glob;

		for (i = 0; sec && i < sec->n; i++) {
			struct handler *h = &s->handlers[s->nhandlers];

			parse_handler(ld, h, sec->items[2 * i],
				      sec->items[2 * i + 1], j == 1);
			if (h->intent >= 0 && script_handler(s, h->intent))
				diag_err(ld->d, sec->items[2 * i],
					 "intent '%s' is handled twice "
					 "(global and faq)",
					 sec->items[2 * i]->str);
			else if (h->intent >= 0) {
				++s->nhandlers;
				continue;
			}
			idxvec_reset(&h->tags);
			free(h->transfer);
			memset(h, 0, sizeof(*h));
		}
	}
}

static void parse_grading(struct loader *ld, const struct ynode *g)
{
	static const char *const keys[] = {"grade", "when", "reason", NULL};
	struct dialog_script *s = ld->s;
	size_t i;

	if (!g) {
		diag_add(ld->d, DIALOG_ERROR, 1, 1,
			 "missing 'grading:' (rules giving grades A-F)");
		return;
	}
	if (!want(ld, g, YNODE_SEQ, "grading"))
		return;
	s->rules = calloc(g->n ? g->n : 1, sizeof(*s->rules));
	if (!s->rules)
		return;
	for (i = 0; i < g->n; i++) {
		const struct ynode *r = g->items[i];
		struct rule *ru = &s->rules[s->nrules];
		const char *grade, *when, *reason;

		if (!want(ld, r, YNODE_MAP, "a grading rule"))
			continue;
		check_keys(ld, r, keys, "a grading rule");
		grade = get_str(ld, r, "grade", "grading rule", true);
		when = get_str(ld, r, "when", "grading rule", false);
		reason = get_str(ld, r, "reason", "grading rule", true);
		if (!grade || !reason)
			continue;
		if (strlen(grade) != 1 || grade[0] < 'A' || grade[0] > 'F') {
			diag_err(ld->d, ymap_get(r, "grade"),
				 "grade must be one of A B C D E F, not '%s'",
				 grade);
			continue;
		}
		if (when) {
			const struct ynode *wy = ymap_get(r, "when");

			if (expr_parse(&ru->when, when, ld->d, wy->line,
				       wy->col))
				continue;
		}
		ru->grade = grade[0];
		ru->reason = xstrdup(ld, reason);
		ru->line = r->line;
		ru->col = r->col;
		++s->nrules;
	}
}

/* ---- derived data ------------------------------------------------------ */

/* Is intent i one the node waits for: one of its branches, or the
 * opt-out, which must be heard as well everywhere ("don't call me" stops
 * the robot wherever it is said)? */
static bool expected(const struct dialog_script *s, const struct node *n,
		     size_t i)
{
	size_t j;

	if (!strcmp(s->intents[i].name, "opt_out"))
		return true;
	for (j = 0; j < n->nbranches; j++) {
		if (n->branches[j].key == BR_INTENT &&
		    (size_t)n->branches[j].intent == i)
			return true;
	}
	return false;
}

/* Which intents each listening node can hear, and its grammar. */
static int compute_nodes(struct dialog_script *s)
{
	size_t i, j, k, np;
	int pass;

	for (i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];
		size_t nd = 0;

		if (!n->listens)
			continue;
		for (j = 0; j < n->nbranches; j++) {
			if (n->branches[j].key == BR_INTENT &&
			    !idxvec_has(&n->heard, n->branches[j].intent))
				idxvec_push(&n->heard, n->branches[j].intent);
			if (n->branches[j].key == BR_DTMF &&
			    nd < sizeof(n->dtmf) - 1 &&
			    !strchr(n->dtmf, n->branches[j].digit))
				n->dtmf[nd++] = n->branches[j].digit;
		}
		for (j = 0; j < s->nhandlers; j++) {
			if (!idxvec_has(&n->heard, s->handlers[j].intent))
				idxvec_push(&n->heard, s->handlers[j].intent);
		}
		for (j = 0; j < n->heard.n; j++) {
			const char *d = s->intents[n->heard.v[j]].dtmf;

			for (; d && *d && nd < sizeof(n->dtmf) - 1; d++) {
				if (!strchr(n->dtmf, *d))
					n->dtmf[nd++] = *d;
			}
		}
		n->dtmf[nd] = '\0';

		np = 0;
		n->gphrases = calloc(s->m.nphrases + 1, sizeof(char *));
		if (!n->gphrases)
			return ENOMEM;
		/* the expected intents' phrases first, then the handlers' */
		for (pass = 0; pass < 2; pass++) {
			for (k = 0; k < s->m.nphrases; k++) {
				const struct phrase *ph = &s->m.phrases[k];

				if (ph->negative || ph->trigger >= 0 ||
				    !idxvec_has(&n->heard, ph->intent) ||
				    expected(s, n, (size_t)ph->intent) != !pass)
					continue;
				n->gphrases[np++] = ph->text;
			}
			if (!pass)
				n->grammar.nexpected = np;
		}
		n->grammar.node = n->name;
		n->grammar.phrases = n->gphrases;
		n->grammar.n = np;
		n->grammar.dtmf = n->dtmf;
		n->grammar.captures = 0;
		for (j = 0; j < n->capture.n; j++) {
			switch (s->slots[n->capture.v[j]].kind) {

			case EXTRACT_AMOUNT:
				n->grammar.captures |= DIALOG_CAP_AMOUNT;
				break;

			case EXTRACT_NUMBER:
				n->grammar.captures |= DIALOG_CAP_NUMBER;
				break;

			case EXTRACT_CALLBACK_TIME:
				n->grammar.captures |= DIALOG_CAP_TIME;
				break;

			default:
				break;
			}
		}
	}

	/* the first listening node, following next links from start */
	s->first_listen = -1;
	for (i = 0, j = (size_t)s->start; i < s->nnodes; i++) {
		if (s->nodes[j].listens) {
			s->first_listen = (int)j;
			break;
		}
		if (s->nodes[j].next < 0)
			break;
		j = (size_t)s->nodes[j].next;
	}
	for (i = 0; s->first_listen < 0 && i < s->nnodes; i++) {
		if (s->nodes[i].listens)
			s->first_listen = (int)i;
	}
	return 0;
}

static int load_tree(struct dialog_script *s, struct dialog_diags *d)
{
	static const char *const keys[] = {"meta",   "vars",   "limits",
					   "prompts", "intents", "global",
					   "faq",    "slots",  "flow",
					   "grading", NULL};
	struct loader ld = {s, d};
	const struct ynode *root = s->tree;

	if (!want(&ld, root, YNODE_MAP, "a script"))
		return EINVAL;
	check_keys(&ld, root, keys, "the script");
	if (d->errors) /* a misspelt section would only cascade */
		return EINVAL;
	parse_meta(&ld, ymap_get(root, "meta"));
	parse_vars(&ld, ymap_get(root, "vars"));
	parse_prompts(&ld, ymap_get(root, "prompts"));
	parse_intents(&ld, ymap_get(root, "intents"));
	parse_slots(&ld, ymap_get(root, "slots"));
	parse_flow(&ld, ymap_get(root, "flow"));
	parse_limits(&ld, ymap_get(root, "limits"));
	parse_handlers(&ld, ymap_get(root, "global"), ymap_get(root, "faq"));
	parse_grading(&ld, ymap_get(root, "grading"));
	if (d->errors)
		return EINVAL;
	if (s->start < 0 || !s->nnodes)
		return EINVAL;
	if (matcher_build(s, d))
		return ENOMEM;
	return compute_nodes(s);
}

int dialog_script_parse(struct dialog_script **sp, const char *buf,
			size_t len, const char *base_dir,
			struct dialog_diags *diags)
{
	struct dialog_script *s;
	struct dialog_diags local;
	int err;

	if (!sp || !buf)
		return EINVAL;
	memset(&local, 0, sizeof(local));
	if (!diags)
		diags = &local;

	s = mem_zalloc(sizeof(*s), script_destructor);
	if (!s)
		return ENOMEM;
	s->threshold = 0.3;
	s->silence_ms = 6000;
	s->max_turns = 20;
	s->max_seconds = 300;
	s->max_no_match = 3;
	s->close_node = s->refusal_node = -1;
	s->base_dir = dstrdup(base_dir ? base_dir : ".");

	err = ytree_parse(&s->tree, buf, len, diags);
	if (!err)
		err = load_tree(s, diags);
	if (!err && diags->errors)
		err = EINVAL;
	if (!err) {
		s->deny_intent = script_intent_find(s, "deny");
		s->opt_out_intent = script_intent_find(s, "opt_out");
		s->complaint_intent = script_intent_find(s, "complaint");
		s->ask_robot_intent = script_intent_find(s, "ask_robot");
	}

	if (err)
		mem_deref(s);
	else
		*sp = s;
	dialog_diags_reset(&local);
	return err;
}

int dialog_script_load(struct dialog_script **sp, const char *path,
		       struct dialog_diags *diags)
{
	FILE *f;
	char *buf = NULL, *dir, *slash;
	size_t len = 0, cap = 0;
	int err = 0;

	if (!sp || !path)
		return EINVAL;
	f = fopen(path, "rb");
	if (!f)
		return errno;
	{
		struct stat st;

		if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
			fclose(f);
			return EISDIR;
		}
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb;

			if (cap > 16 * 1024 * 1024) {
				diag_add(diags, DIALOG_ERROR, 0, 0,
					 "file is larger than 16 MiB");
				err = EFBIG;
				goto out;
			}
			nb = realloc(buf, cap = cap * 2 + 65536);
			if (!nb) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		err = EIO;
		goto out;
	}

	dir = dstrdup(path);
	if (!dir) {
		err = ENOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	err = dialog_script_parse(sp, buf, len, slash ? dir : ".", diags);
	free(dir);
out:
	fclose(f);
	free(buf);
	return err;
}
