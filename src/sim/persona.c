/**
 * @file persona.c  The persona loader: YAML (pyaml.c) into struct persona,
 * with every field checked and every problem named by file:line:col.
 *
 * Design. The loader walks the tree once and keeps going after an error,
 * so one run of `callbot sim --check` shows every problem of a file. An
 * unknown key gets a did-you-mean from the keys allowed at that place
 * (an edit distance of at most two), since most unknown keys are typos.
 * Values are typed by the loader, not by YAML: `say: yes` is the word
 * "yes", and only the fields that are numbers or booleans are read as
 * such. Voices are checked against the TTS engines by the caller
 * (sim_check_voices), which needs the engine list; this file needs
 * nothing but libyaml and libre's memory.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "sim/persona.h"
#include "sim/sim_priv.h"

#define NAME_MAX_LEN 48
#define DTMF_MAX_LEN 32
#define MS_MAX 600000

static const char *const top_keys[] = {"name",   "about", "voice",
				       "noise",  "codec", "answer",
				       "turns",  "expect", NULL};
static const char *const voice_keys[] = {"engine", "voice", "rate",
					 "pitch", NULL};
static const char *const noise_keys[] = {"snr_db", "kind", NULL};
static const char *const turn_keys[] = {"say",         "pinyin",
					"barge_in_ms", "silence",
					"dtmf",        "hangup",
					"pause_ms",    NULL};
static const char *const expect_keys[] = {"grade", "outcome", "opt_out",
					  "tags",  "slots",   NULL};

struct loader {
	struct persona_diags *d;
	struct persona_set *set;
};

/* ---- helpers ---------------------------------------------------------- */

static void set_destructor(void *arg)
{
	struct persona_set *s = arg;
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		struct persona *p = &s->v[i];

		mem_deref(p->name);
		mem_deref(p->about);
		mem_deref(p->engine);
		mem_deref(p->voice);
		mem_deref(p->outcome);
		for (j = 0; j < p->nturns; j++) {
			mem_deref(p->turns[j].say);
			mem_deref(p->turns[j].pinyin);
			mem_deref(p->turns[j].dtmf);
		}
		mem_deref(p->turns);
		for (j = 0; j < p->ntags; j++)
			mem_deref(p->tags[j]);
		mem_deref(p->tags);
		for (j = 0; j < p->nslots; j++) {
			mem_deref(p->slot_names[j]);
			mem_deref(p->slot_values[j]);
		}
		mem_deref(p->slot_names);
		mem_deref(p->slot_values);
	}
	mem_deref(s->v);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33];

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* Every key of map must be one of keys; complain about the others. */
static void check_keys(struct loader *ld, const struct pnode *map,
		       const char *const *keys, const char *where)
{
	size_t i, k;

	for (i = 0; i + 1 < map->n; i += 2) {
		const struct pnode *key = map->items[i];
		const char *best = NULL;
		size_t bestd = 3;
		bool known = false;

		for (k = 0; keys[k]; k++) {
			size_t dist;

			if (!strcmp(keys[k], key->str)) {
				known = true;
				break;
			}
			dist = edit_distance(key->str, keys[k]);
			if (dist < bestd) {
				bestd = dist;
				best = keys[k];
			}
		}
		if (known)
			continue;
		if (best)
			pdiag(ld->d, key->line, key->col,
			      "unknown key '%s' in %s (did you mean '%s'?)",
			      key->str, where, best);
		else
			pdiag(ld->d, key->line, key->col,
			      "unknown key '%s' in %s", key->str, where);
	}
}

static const struct pnode *get(const struct pnode *map, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->n; i += 2) {
		if (!strcmp(map->items[i]->str, key))
			return map->items[i + 1];
	}
	return NULL;
}

/* the key node of a map entry, for errors about the key itself */
static const struct pnode *get_key(const struct pnode *map, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->n; i += 2) {
		if (!strcmp(map->items[i]->str, key))
			return map->items[i];
	}
	return map;
}

static const char *type_name(const struct pnode *n)
{
	return n->type == PNODE_MAP ? "a map" : n->type == PNODE_SEQ
							 ? "a list"
							 : "a value";
}

/* a scalar (string) field; NULL (with an error) when not a scalar */
static const char *scalar(struct loader *ld, const struct pnode *n,
			  const char *field)
{
	if (n->type == PNODE_SCALAR)
		return n->str;
	pdiag(ld->d, n->line, n->col, "%s: expected a value, found %s", field,
	      type_name(n));
	return NULL;
}

static int dup_str(char **dst, const char *s)
{
	return s ? str_dup(dst, s) : 0;
}

static bool parse_number(const char *s, double *v)
{
	char *end;

	if (!*s)
		return false;
	*v = strtod(s, &end);
	return !*end && isfinite(*v);
}

/* a number in [lo, hi]; false (with an error) otherwise */
static bool number(struct loader *ld, const struct pnode *n,
		   const char *field, double lo, double hi, double *v)
{
	const char *s = scalar(ld, n, field);

	if (!s)
		return false;
	if (!n->plain || !parse_number(s, v)) {
		pdiag(ld->d, n->line, n->col, "%s: '%s' is not a number",
		      field, s);
		return false;
	}
	if (*v < lo || *v > hi) {
		pdiag(ld->d, n->line, n->col, "%s: %s is out of range (%g to "
		      "%g)", field, s, lo, hi);
		return false;
	}
	return true;
}

/* whole milliseconds, 0..MS_MAX */
static bool millis(struct loader *ld, const struct pnode *n,
		   const char *field, unsigned *v)
{
	const char *s = scalar(ld, n, field);
	size_t i;

	if (!s)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
	}
	if (!i || s[i] || i > 7 || !n->plain) {
		pdiag(ld->d, n->line, n->col, "%s: '%s' is not a whole number "
		      "of milliseconds", field, s);
		return false;
	}
	*v = (unsigned)strtoul(s, NULL, 10);
	if (*v > MS_MAX) {
		pdiag(ld->d, n->line, n->col, "%s: %u ms is more than %u",
		      field, *v, MS_MAX);
		return false;
	}
	return true;
}

static bool boolean(struct loader *ld, const struct pnode *n,
		    const char *field, bool *v)
{
	const char *s = scalar(ld, n, field);

	if (!s)
		return false;
	if (n->plain && !strcmp(s, "true")) {
		*v = true;
		return true;
	}
	if (n->plain && !strcmp(s, "false")) {
		*v = false;
		return true;
	}
	pdiag(ld->d, n->line, n->col, "%s: true or false, not '%s'", field, s);
	return false;
}

/* one of words (NULL-terminated); its index, or -1 with an error */
static int word(struct loader *ld, const struct pnode *n, const char *field,
		const char *const *words)
{
	const char *s = scalar(ld, n, field);
	char list[160] = "";
	size_t i, len = 0;

	if (!s)
		return -1;
	for (i = 0; words[i]; i++) {
		if (!strcmp(words[i], s))
			return (int)i;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", words[i]);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	pdiag(ld->d, n->line, n->col, "%s: '%s' is not one of: %s", field, s,
	      list);
	return -1;
}

/* ---- pinyin ----------------------------------------------------------- */

static bool pinyin_sep(char ch)
{
	return ch && strchr(" \t\n,.?!;:'\"-", ch);
}

/* one pinyin token at p (up to a separator): syllables of letters with a
 * tone digit 1-5 each ("ni3hao3"), or a run of digits (a number that
 * espeak-ng reads out); the end of the token, or NULL */
static const char *pinyin_token(const char *p)
{
	bool digits = *p >= '0' && *p <= '9';

	if (digits) {
		while (*p >= '0' && *p <= '9')
			++p;
		return !*p || pinyin_sep(*p) ? p : NULL;
	}
	while (*p && !pinyin_sep(*p)) {
		size_t letters = 0;

		for (;;) {
			unsigned char ch = (unsigned char)*p;

			if ((ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z')) {
				++p;
			}
			else if (ch == 0xc3 && (unsigned char)p[1] == 0xbc) {
				p += 2; /* ü */
			}
			else {
				break;
			}
			++letters;
		}
		if (!letters || letters > 6 || *p < '1' || *p > '5')
			return NULL;
		++p;
	}
	return p;
}

bool persona_pinyin_ok(const char *py, const char **badp)
{
	const char *p = py;
	bool any = false;

	for (;;) {
		const char *e;

		while (pinyin_sep(*p))
			++p;
		if (!*p)
			break;
		e = pinyin_token(p);
		if (!e) {
			if (badp)
				*badp = p;
			return false;
		}
		any = true;
		p = e;
	}
	if (!any && badp)
		*badp = py;
	return any;
}

static bool has_non_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80)
			return true;
	}
	return false;
}

/* ---- the parts of a persona ------------------------------------------- */

static void load_voice(struct loader *ld, struct persona *p,
		       const struct pnode *v)
{
	const struct pnode *n;
	double x;

	p->voice_line = v->line;
	p->voice_col = v->col;
	if (v->type != PNODE_MAP) {
		pdiag(ld->d, v->line, v->col, "voice: expected a map "
		      "(engine, voice, rate, pitch), found %s", type_name(v));
		return;
	}
	check_keys(ld, v, voice_keys, "voice");
	if ((n = get(v, "engine")))
		(void)dup_str(&p->engine, scalar(ld, n, "voice.engine"));
	if ((n = get(v, "voice")))
		(void)dup_str(&p->voice, scalar(ld, n, "voice.voice"));
	if ((n = get(v, "rate")) && number(ld, n, "voice.rate", 0.5, 2.0, &x))
		p->rate = (unsigned)lround(x * 100);
	if ((n = get(v, "pitch")) &&
	    number(ld, n, "voice.pitch", -12, 12, &x))
		p->pitch = (unsigned)lround(100 * pow(2.0, x / 12.0));
}

static void load_noise(struct loader *ld, struct persona *p,
		       const struct pnode *v)
{
	static const char *const kinds[] = {"pink", "white", "babble", NULL};
	const struct pnode *n;
	int k;

	if (v->type != PNODE_MAP) {
		pdiag(ld->d, v->line, v->col, "noise: expected a map "
		      "({ snr_db: 20, kind: pink }), found %s", type_name(v));
		return;
	}
	check_keys(ld, v, noise_keys, "noise");
	p->noise = PERSONA_NOISE_PINK;
	n = get(v, "snr_db");
	if (!n)
		pdiag(ld->d, v->line, v->col, "noise: snr_db is missing");
	else
		(void)number(ld, n, "noise.snr_db", -10, 60, &p->snr_db);
	if ((n = get(v, "kind"))) {
		k = word(ld, n, "noise.kind", kinds);
		if (k >= 0)
			p->noise = (enum persona_noise)(PERSONA_NOISE_PINK + k);
	}
}

static void load_answer(struct loader *ld, struct persona *p,
			const struct pnode *v)
{
	static const char *const words[] = {"busy", "reject", "no_answer",
					    "unavailable", NULL};
	static const enum persona_answer kinds[] = {
		PERSONA_BUSY, PERSONA_REJECT, PERSONA_NO_ANSWER,
		PERSONA_UNAVAILABLE};
	int k;

	if (v->type == PNODE_SCALAR && v->plain && v->str[0] >= '0' &&
	    v->str[0] <= '9') {
		if (millis(ld, v, "answer", &p->answer_ms) &&
		    p->answer_ms > 60000)
			pdiag(ld->d, v->line, v->col, "answer: %u ms of "
			      "ringing is more than 60000", p->answer_ms);
		return;
	}
	k = word(ld, v, "answer (ms of ringing, or)", words);
	if (k >= 0)
		p->answer = kinds[k];
}

static bool dtmf_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > DTMF_MAX_LEN)
		return false;
	for (; *s; s++) {
		if (!strchr("0123456789*#ABCD", *s))
			return false;
	}
	return true;
}

static void load_turn(struct loader *ld, struct persona_turn *t,
		      const struct pnode *v, size_t idx)
{
	static const char *const acts[] = {"say", "silence", "dtmf", "hangup",
					   NULL};
	const struct pnode *n, *act = NULL;
	const char *s;
	size_t i, nacts = 0;
	bool flag;
	char what[48];

	t->line = v->line;
	snprintf(what, sizeof(what), "turn %zu", idx + 1);
	if (v->type != PNODE_MAP) {
		pdiag(ld->d, v->line, v->col, "%s: expected a map (say:, "
		      "silence:, dtmf: or hangup:), found %s", what,
		      type_name(v));
		return;
	}
	check_keys(ld, v, turn_keys, what);
	for (i = 0; acts[i]; i++) {
		n = get(v, acts[i]);
		if (!n)
			continue;
		if (!nacts++) {
			act = n;
			t->kind = (enum persona_turn_kind)i;
		}
		else {
			pdiag(ld->d, get_key(v, acts[i])->line,
			      get_key(v, acts[i])->col,
			      "%s: one of say, silence, dtmf, hangup per "
			      "turn; '%s' comes after '%s'", what, acts[i],
			      acts[t->kind]);
		}
	}
	if (!act) {
		pdiag(ld->d, v->line, v->col, "%s: needs one of say, silence, "
		      "dtmf, hangup", what);
		return;
	}

	switch (t->kind) {
	case PERSONA_SAY:
		s = scalar(ld, act, "say");
		if (!s)
			break;
		if (!*s)
			pdiag(ld->d, act->line, act->col, "%s: say is empty "
			      "(use silence: true to say nothing)", what);
		(void)dup_str(&t->say, s);
		break;
	case PERSONA_SILENCE:
	case PERSONA_HANGUP:
		if (boolean(ld, act, acts[t->kind], &flag) && !flag)
			pdiag(ld->d, act->line, act->col, "%s: %s: false does "
			      "nothing; use %s: true or remove it", what,
			      acts[t->kind], acts[t->kind]);
		break;
	case PERSONA_DTMF:
		s = scalar(ld, act, "dtmf");
		if (s && !dtmf_ok(s))
			pdiag(ld->d, act->line, act->col, "%s: dtmf: keys "
			      "0-9 * # A-D (at most %d), not '%s'", what,
			      DTMF_MAX_LEN, s);
		else if (s)
			(void)dup_str(&t->dtmf, s);
		break;
	}

	n = get(v, "pinyin");
	if (n && t->kind != PERSONA_SAY) {
		pdiag(ld->d, n->line, n->col, "%s: pinyin belongs with say",
		      what);
	}
	else if (n && (s = scalar(ld, n, "pinyin"))) {
		const char *bad = NULL;

		if (!persona_pinyin_ok(s, &bad))
			pdiag(ld->d, n->line, n->col, "%s: pinyin: '%.*s' is "
			      "not a tone-numbered syllable (like 'hao3')",
			      what, (int)strcspn(bad, " \t,.?!;:"), bad);
		else
			(void)dup_str(&t->pinyin, s);
	}
	else if (t->kind == PERSONA_SAY && t->say && has_non_ascii(t->say)) {
		pdiag(ld->d, act->line, act->col, "%s: Mandarin text needs "
		      "pinyin (what the voice speaks)", what);
	}

	n = get(v, "barge_in_ms");
	if (n && t->kind == PERSONA_SILENCE)
		pdiag(ld->d, n->line, n->col, "%s: barge_in_ms with silence "
		      "means nothing", what);
	else if (n && millis(ld, n, "barge_in_ms", &t->barge_in_ms))
		t->barge = true;
	if ((n = get(v, "pause_ms")))
		(void)millis(ld, n, "pause_ms", &t->pause_ms);
}

static void load_turns(struct loader *ld, struct persona *p,
		       const struct pnode *v)
{
	size_t i;

	if (v->type != PNODE_SEQ) {
		pdiag(ld->d, v->line, v->col, "turns: expected a list, found "
		      "%s", type_name(v));
		return;
	}
	if (!v->n)
		return;
	p->turns = mem_zalloc(v->n * sizeof(*p->turns), NULL);
	if (!p->turns)
		return;
	p->nturns = v->n;
	for (i = 0; i < v->n; i++)
		load_turn(ld, &p->turns[i], v->items[i], i);
}

static int str_list_add(char ***vp, size_t *np, const char *s)
{
	char **v = pmem_grow(*vp, (*np + 1) * sizeof(*v));

	if (!v)
		return ENOMEM;
	*vp = v;
	v[*np] = NULL;
	if (str_dup(&v[*np], s))
		return ENOMEM;
	++*np;
	return 0;
}

static void load_expect(struct loader *ld, struct persona *p,
			const struct pnode *v)
{
	static const char *const grades[] = {"A", "B", "C", "D", "E", "F",
					     NULL};
	static const char *const outcomes[] = {"answered", "busy", "rejected",
					       "no_answer", "unavailable",
					       NULL};
	const struct pnode *n;
	size_t i;
	bool flag;
	int k;

	if (v->type != PNODE_MAP) {
		pdiag(ld->d, v->line, v->col, "expect: expected a map (grade, "
		      "outcome, ...), found %s", type_name(v));
		return;
	}
	check_keys(ld, v, expect_keys, "expect");
	n = get(v, "grade");
	if (!n)
		pdiag(ld->d, v->line, v->col, "expect: grade is missing "
		      "(A-F)");
	else if ((k = word(ld, n, "expect.grade", grades)) >= 0)
		p->grade = grades[k][0];

	n = get(v, "outcome");
	if (n && (k = word(ld, n, "expect.outcome", outcomes)) >= 0) {
		const char *want = persona_answer_outcome(p->answer);

		if (strcmp(want, outcomes[k]))
			pdiag(ld->d, n->line, n->col, "expect.outcome: '%s', "
			      "but this persona's answer gives '%s'",
			      outcomes[k], want);
	}
	(void)dup_str(&p->outcome, persona_answer_outcome(p->answer));

	if ((n = get(v, "opt_out")) && boolean(ld, n, "expect.opt_out", &flag))
		p->opt_out = flag;

	if ((n = get(v, "tags"))) {
		if (n->type != PNODE_SEQ)
			pdiag(ld->d, n->line, n->col, "expect.tags: expected a "
			      "list ([tag, ...]), found %s", type_name(n));
		for (i = 0; n->type == PNODE_SEQ && i < n->n; i++) {
			const char *s = scalar(ld, n->items[i], "expect.tags");

			if (s)
				(void)str_list_add(&p->tags, &p->ntags, s);
		}
	}
	if ((n = get(v, "slots"))) {
		if (n->type != PNODE_MAP)
			pdiag(ld->d, n->line, n->col, "expect.slots: expected "
			      "a map ({ slot: value }), found %s",
			      type_name(n));
		for (i = 0; n->type == PNODE_MAP && i + 1 < n->n; i += 2) {
			const char *s = scalar(ld, n->items[i + 1],
					       "expect.slots");
			size_t ns = p->nslots;

			if (!s)
				continue;
			(void)str_list_add(&p->slot_names, &ns,
					   n->items[i]->str);
			(void)str_list_add(&p->slot_values, &p->nslots, s);
		}
	}
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > NAME_MAX_LEN || s[0] == '-')
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return false;
	}
	return true;
}

static void load_persona(struct loader *ld, struct persona *p,
			 const struct pnode *v, size_t idx)
{
	static const char *const codecs[] = {"pcmu", "pcma", NULL};
	const struct pnode *n;
	const char *s;
	size_t i;
	int k;

	p->line = v->line;
	p->rate = 100;
	p->pitch = 100;
	p->opt_out = -1;
	p->answer_ms = 1000;
	if (v->type != PNODE_MAP) {
		pdiag(ld->d, v->line, v->col, "persona %zu: expected a map "
		      "(name:, turns:, ...), found %s", idx + 1, type_name(v));
		return;
	}
	check_keys(ld, v, top_keys, "a persona");

	n = get(v, "name");
	if (!n) {
		pdiag(ld->d, v->line, v->col, "persona %zu: name is missing",
		      idx + 1);
	}
	else if ((s = scalar(ld, n, "name"))) {
		if (!name_ok(s))
			pdiag(ld->d, n->line, n->col, "name: '%s' must be 1-%d "
			      "of a-z, 0-9 and '-' (it is the SIP user part)",
			      s, NAME_MAX_LEN);
		for (i = 0; i < idx; i++) {
			if (ld->set->v[i].name &&
			    !strcmp(ld->set->v[i].name, s))
				pdiag(ld->d, n->line, n->col, "name: '%s' is "
				      "used twice (first at line %u)", s,
				      ld->set->v[i].line);
		}
		(void)dup_str(&p->name, s);
	}
	if ((n = get(v, "about")))
		(void)dup_str(&p->about, scalar(ld, n, "about"));
	if ((n = get(v, "voice")))
		load_voice(ld, p, n);
	if ((n = get(v, "noise")))
		load_noise(ld, p, n);
	if ((n = get(v, "codec")) && (k = word(ld, n, "codec", codecs)) >= 0)
		p->codec = k ? 8 : 0;
	if ((n = get(v, "answer")))
		load_answer(ld, p, n);

	n = get(v, "turns");
	if (n)
		load_turns(ld, p, n);
	if (p->answer == PERSONA_RING && !p->nturns)
		pdiag(ld->d, n ? n->line : v->line, n ? n->col : v->col,
		      "persona '%s': turns are missing (what the callee does "
		      "once it answers)", p->name ? p->name : "?");
	else if (p->answer != PERSONA_RING && p->nturns)
		pdiag(ld->d, n->line, n->col, "persona '%s': answer: %s never "
		      "answers, so its turns would never be played",
		      p->name ? p->name : "?",
		      persona_answer_outcome(p->answer));

	n = get(v, "expect");
	if (n)
		load_expect(ld, p, n);
	else
		pdiag(ld->d, v->line, v->col, "persona '%s': expect is "
		      "missing (at least expect: { grade: ... })",
		      p->name ? p->name : "?");
}

/* ---- API -------------------------------------------------------------- */

const char *persona_answer_outcome(enum persona_answer a)
{
	switch (a) {
	case PERSONA_BUSY:
		return "busy";
	case PERSONA_REJECT:
		return "rejected";
	case PERSONA_NO_ANSWER:
		return "no_answer";
	case PERSONA_UNAVAILABLE:
		return "unavailable";
	default:
		return "answered";
	}
}

const char *persona_turn_lang(const struct persona_turn *t)
{
	return t && t->pinyin ? "zh" : "en";
}

int persona_parse(struct persona_set **setp, const char *buf, size_t len,
		  struct persona_diags *d)
{
	struct persona_diags own;
	struct pnode *root = NULL;
	struct persona_set *set;
	struct loader ld;
	unsigned before;
	size_t i;
	int err;

	if (!setp)
		return EINVAL;
	memset(&own, 0, sizeof(own));
	if (!d)
		d = &own;
	before = d->errors;

	set = mem_zalloc(sizeof(*set), set_destructor);
	if (!set)
		return ENOMEM;

	err = pnode_parse(&root, buf, len, d);
	if (err)
		goto out;
	if (!root || (root->type == PNODE_SEQ && !root->n)) {
		pdiag(d, root ? root->line : 1, root ? root->col : 1,
		      "no personas: the file should be a list (- name: ...)");
		err = EINVAL;
		goto out;
	}
	if (root->type != PNODE_SEQ) {
		pdiag(d, root->line, root->col, "expected a list of personas "
		      "(- name: ...), found %s", type_name(root));
		err = EINVAL;
		goto out;
	}

	set->v = mem_zalloc(root->n * sizeof(*set->v), NULL);
	if (!set->v) {
		err = ENOMEM;
		goto out;
	}
	set->n = root->n;
	ld.d = d;
	ld.set = set;
	for (i = 0; i < root->n; i++)
		load_persona(&ld, &set->v[i], root->items[i], i);
	if (d->errors != before)
		err = EINVAL;

out:
	mem_deref(root);
	persona_diags_reset(&own);
	if (err)
		mem_deref(set);
	else
		*setp = set;
	return err;
}

int persona_load(struct persona_set **setp, const char *path,
		 struct persona_diags *d)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;

	if (!setp || !path)
		return EINVAL;
	f = fopen(path, "rb");
	if (!f)
		return errno;
	for (;;) {
		size_t got;

		if (len + 4096 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			if (cap > 16 * 1024 * 1024) {
				err = EFBIG;
				break;
			}
			nb = pmem_grow(buf, cap);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				err = EIO;
			break;
		}
	}
	fclose(f);
	if (!err)
		err = persona_parse(setp, buf, len, d);
	mem_deref(buf);
	return err;
}

const struct persona *persona_find(const struct persona_set *s,
				   const char *name)
{
	size_t i;

	for (i = 0; s && name && i < s->n; i++) {
		if (s->v[i].name && !strcmp(s->v[i].name, name))
			return &s->v[i];
	}
	return NULL;
}
