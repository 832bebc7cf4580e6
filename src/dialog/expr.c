/**
 * @file expr.c  Grading expressions: `has_demand and not refused`,
 * `outcome in [busy, no_answer]`, `slot.amount >= 100000`.
 *
 * A tiny recursive-descent parser builds a tree at load time (errors carry
 * the line and column of the `when:` plus the offset inside it); grading a
 * call walks the tree. On the left of a comparison a name is a fact of the
 * call or a slot; alone, a name that is not a fact is a tag; on the right
 * of a comparison a name is a literal word.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <ctype.h>
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"

enum expr_op {
	EX_AND = 0,
	EX_OR,
	EX_NOT,
	EX_NAME,  /* a fact, a slot (slot.x) or a tag */
	EX_CMP,   /* left op right */
	EX_IN,    /* left in [list] */
};

enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct expr {
	enum expr_op op;
	enum cmp_op cmp;
	struct expr *a, *b;   /* AND OR NOT; CMP/IN: a is the NAME */
	char *name;           /* NAME */
	struct strvec list;   /* CMP: one literal; IN: the literals */
};

struct eparse {
	const char *src, *p;
	struct dialog_diags *d;
	unsigned line, col;
	unsigned depth;
	bool failed;
};

static const char *const facts[] = {
	"outcome", "turns",    "no_match",     "silences", "denials",
	"seconds", "opted_out", "hung_up",     "completed", "early_hangup",
	"node",    NULL,
};

void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->a);
	expr_free(e->b);
	free(e->name);
	strvec_reset(&e->list);
	free(e);
}

static void perr(struct eparse *ep, const char *msg)
{
	if (ep->failed)
		return;
	ep->failed = true;
	diag_add(ep->d, DIALOG_ERROR, ep->line,
		 ep->col + (unsigned)(ep->p - ep->src),
		 "in 'when: %s': %s", ep->src, msg);
}

static void skip_ws(struct eparse *ep)
{
	while (*ep->p == ' ' || *ep->p == '\t' || *ep->p == '\n')
		++ep->p;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' ||
	       c == '-' || (unsigned char)c >= 0x80;
}

/* Read a word (name, number or quoted literal) into a new string. */
static char *read_word(struct eparse *ep)
{
	const char *b;
	char *w;
	size_t n;

	skip_ws(ep);
	if (*ep->p == '"' || *ep->p == '\'') {
		char q = *ep->p++;

		b = ep->p;
		while (*ep->p && *ep->p != q)
			++ep->p;
		if (!*ep->p) {
			perr(ep, "unterminated quote");
			return NULL;
		}
		n = (size_t)(ep->p - b);
		++ep->p;
	}
	else {
		b = ep->p;
		while (word_char(*ep->p))
			++ep->p;
		n = (size_t)(ep->p - b);
		if (!n) {
			perr(ep, *ep->p ? "expected a name or a value"
					: "the expression ends too early");
			return NULL;
		}
	}
	w = malloc(n + 1);
	if (!w)
		return NULL;
	memcpy(w, b, n);
	w[n] = '\0';
	return w;
}

static bool keyword(struct eparse *ep, const char *kw)
{
	size_t n = strlen(kw);

	skip_ws(ep);
	if (strncmp(ep->p, kw, n) || word_char(ep->p[n]))
		return false;
	ep->p += n;
	return true;
}

static struct expr *enew(enum expr_op op)
{
	return calloc(1, sizeof(struct expr));
}

static struct expr *parse_or(struct eparse *ep);

static struct expr *parse_primary(struct eparse *ep)
{
	struct expr *e;
	char *w;

	skip_ws(ep);
	if (*ep->p == '(') {
		++ep->p;
		e = parse_or(ep);
		skip_ws(ep);
		if (*ep->p != ')') {
			perr(ep, "missing ')'");
			expr_free(e);
			return NULL;
		}
		++ep->p;
		return e;
	}
	w = read_word(ep);
	if (!w)
		return NULL;
	if (!strcmp(w, "and") || !strcmp(w, "or") || !strcmp(w, "in")) {
		perr(ep, "expected a name before this operator");
		free(w);
		return NULL;
	}
	e = enew(EX_NAME);
	if (!e) {
		free(w);
		return NULL;
	}
	e->op = EX_NAME;
	e->name = w;
	return e;
}

static struct expr *parse_cmp(struct eparse *ep)
{
	static const struct {
		const char *s;
		enum cmp_op op;
	} ops[] = {{"==", CMP_EQ}, {"!=", CMP_NE}, {"<=", CMP_LE},
		   {">=", CMP_GE}, {"<", CMP_LT},  {">", CMP_GT},
		   {"=", CMP_EQ}};
	struct expr *left = parse_primary(ep), *e;
	size_t i;

	if (!left)
		return NULL;
	skip_ws(ep);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].s);
		char *w;

		if (strncmp(ep->p, ops[i].s, n))
			continue;
		ep->p += n;
		if (left->op != EX_NAME) {
			perr(ep, "only a name can be compared");
			expr_free(left);
			return NULL;
		}
		w = read_word(ep);
		e = enew(EX_CMP);
		if (!w || !e) {
			free(w);
			free(e);
			expr_free(left);
			return NULL;
		}
		e->op = EX_CMP;
		e->cmp = ops[i].op;
		e->a = left;
		strvec_push(&e->list, w);
		free(w);
		return e;
	}
	if (keyword(ep, "in")) {
		if (left->op != EX_NAME) {
			perr(ep, "only a name can be tested with 'in'");
			expr_free(left);
			return NULL;
		}
		e = enew(EX_IN);
		if (!e) {
			expr_free(left);
			return NULL;
		}
		e->op = EX_IN;
		e->a = left;
		skip_ws(ep);
		if (*ep->p != '[') {
			perr(ep, "'in' needs a list: in [a, b]");
			expr_free(e);
			return NULL;
		}
		++ep->p;
		for (;;) {
			char *w = read_word(ep);

			if (!w) {
				expr_free(e);
				return NULL;
			}
			strvec_push(&e->list, w);
			free(w);
			skip_ws(ep);
			if (*ep->p == ',') {
				++ep->p;
				continue;
			}
			if (*ep->p == ']') {
				++ep->p;
				break;
			}
			perr(ep, "expected ',' or ']' in the list");
			expr_free(e);
			return NULL;
		}
		return e;
	}
	return left;
}

static struct expr *parse_not(struct eparse *ep)
{
	struct expr *e, *a;

	if (++ep->depth > 64) {
		perr(ep, "nested too deeply");
		return NULL;
	}
	skip_ws(ep);
	if (keyword(ep, "not") || (*ep->p == '!' && ep->p[1] != '=' &&
				   ++ep->p)) {
		a = parse_not(ep);
		if (!a)
			return NULL;
		e = enew(EX_NOT);
		if (!e) {
			expr_free(a);
			return NULL;
		}
		e->op = EX_NOT;
		e->a = a;
		--ep->depth;
		return e;
	}
	e = parse_cmp(ep);
	--ep->depth;
	return e;
}

static struct expr *parse_bin(struct eparse *ep, enum expr_op op)
{
	const char *kw = op == EX_OR ? "or" : "and";
	struct expr *left, *right, *e;

	left = op == EX_OR ? parse_bin(ep, EX_AND) : parse_not(ep);
	while (left && keyword(ep, kw)) {
		right = op == EX_OR ? parse_bin(ep, EX_AND) : parse_not(ep);
		e = right ? enew(op) : NULL;
		if (!e) {
			expr_free(left);
			expr_free(right);
			return NULL;
		}
		e->op = op;
		e->a = left;
		e->b = right;
		left = e;
	}
	return left;
}

static struct expr *parse_or(struct eparse *ep)
{
	if (++ep->depth > 64) {
		perr(ep, "nested too deeply");
		return NULL;
	}
	struct expr *e = parse_bin(ep, EX_OR);
	--ep->depth;
	return e;
}

int expr_parse(struct expr **exp, const char *src, struct dialog_diags *d,
	       unsigned line, unsigned col)
{
	struct eparse ep = {src, src, d, line, col, 0, false};
	struct expr *e;

	e = parse_or(&ep);
	skip_ws(&ep);
	if (e && *ep.p)
		perr(&ep, "unexpected text (missing 'and' or 'or'?)");
	if (!e || ep.failed) {
		if (!ep.failed)
			perr(&ep, "could not parse");
		expr_free(e);
		return EINVAL;
	}
	*exp = e;
	return 0;
}

/* ---- evaluation ------------------------------------------------------------ */

struct value {
	bool is_num;
	double num;
	const char *str; /* NULL: absent / false */
	char buf[24];
};

static bool is_fact(const char *name)
{
	size_t i;

	for (i = 0; facts[i]; i++) {
		if (!strcmp(facts[i], name))
			return true;
	}
	return false;
}

static void value_num(struct value *v, double x)
{
	v->is_num = true;
	v->num = x;
	snprintf(v->buf, sizeof(v->buf), "%g", x);
	v->str = v->buf;
}

static void value_bool(struct value *v, bool b)
{
	v->is_num = false;
	v->str = b ? "true" : NULL;
}

static void lookup(const char *name, const struct dialog_script *s,
		   const struct dialog_session *sess, const char *outcome,
		   struct value *v)
{
	struct dialog_facts f;

	memset(v, 0, sizeof(*v));
	memset(&f, 0, sizeof(f));
	if (sess)
		session_facts(sess, &f);

	if (!strcmp(name, "outcome")) {
		v->str = outcome ? outcome : "answered";
	}
	else if (!strcmp(name, "node")) {
		v->str = f.node;
	}
	else if (!strcmp(name, "turns")) {
		value_num(v, f.turns);
	}
	else if (!strcmp(name, "no_match")) {
		value_num(v, f.no_match);
	}
	else if (!strcmp(name, "silences")) {
		value_num(v, f.silences);
	}
	else if (!strcmp(name, "denials")) {
		value_num(v, f.denials);
	}
	else if (!strcmp(name, "seconds")) {
		value_num(v, f.seconds);
	}
	else if (!strcmp(name, "opted_out")) {
		value_bool(v, f.opted_out);
	}
	else if (!strcmp(name, "hung_up")) {
		value_bool(v, f.hung_up);
	}
	else if (!strcmp(name, "completed")) {
		value_bool(v, f.completed);
	}
	else if (!strcmp(name, "early_hangup")) {
		value_bool(v, f.early_hangup);
	}
	else if (!strncmp(name, "slot.", 5)) {
		const char *val = sess ? dialog_slot_value(sess, name + 5)
				       : NULL;
		char *end;
		double x;

		if (val) {
			x = strtod(val, &end);
			if (end != val && !*end)
				value_num(v, x);
			else
				v->str = val;
		}
	}
	else {
		value_bool(v, sess && dialog_has_tag(sess, name));
	}
	(void)s;
}

static bool compare(const struct value *l, enum cmp_op op, const char *lit)
{
	char *end;
	double r = strtod(lit, &end);
	bool rnum = end != lit && !*end;
	int c;

	if (!l->str) /* absent: only != holds */
		return op == CMP_NE;
	if (l->is_num && rnum) {
		switch (op) {
		case CMP_EQ:
			return l->num == r;
		case CMP_NE:
			return l->num != r;
		case CMP_LT:
			return l->num < r;
		case CMP_LE:
			return l->num <= r;
		case CMP_GT:
			return l->num > r;
		case CMP_GE:
			return l->num >= r;
		}
	}
	c = strcmp(l->str, lit);
	switch (op) {
	case CMP_EQ:
		return c == 0;
	case CMP_NE:
		return c != 0;
	default:
		return false; /* ordering words makes no sense */
	}
}

bool expr_eval(const struct expr *e, const struct dialog_script *s,
	       const struct dialog_session *sess, const char *outcome)
{
	struct value v;
	size_t i;

	if (!e)
		return true;
	switch (e->op) {
	case EX_AND:
		return expr_eval(e->a, s, sess, outcome) &&
		       expr_eval(e->b, s, sess, outcome);
	case EX_OR:
		return expr_eval(e->a, s, sess, outcome) ||
		       expr_eval(e->b, s, sess, outcome);
	case EX_NOT:
		return !expr_eval(e->a, s, sess, outcome);
	case EX_NAME:
		lookup(e->name, s, sess, outcome, &v);
		if (v.is_num)
			return v.num != 0;
		return v.str != NULL;
	case EX_CMP:
		lookup(e->a->name, s, sess, outcome, &v);
		return compare(&v, e->cmp, e->list.v[0]);
	case EX_IN:
		lookup(e->a->name, s, sess, outcome, &v);
		for (i = 0; i < e->list.n; i++) {
			if (compare(&v, CMP_EQ, e->list.v[i]))
				return true;
		}
		return false;
	}
	return false;
}

void expr_tags_apply(const struct expr *e,
		     void (*fn)(const char *tag, void *arg), void *arg)
{
	if (!e)
		return;
	if (e->op == EX_NAME) {
		if (!is_fact(e->name) && strncmp(e->name, "slot.", 5))
			fn(e->name, arg);
		return;
	}
	if (e->op == EX_CMP || e->op == EX_IN)
		return;
	expr_tags_apply(e->a, fn, arg);
	expr_tags_apply(e->b, fn, arg);
}
